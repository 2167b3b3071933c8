"""A search's tasks on Ray: a local instance on this machine, or a cluster by its address.

Each task of the graph (`lthkit.search.tasks`) becomes a Ray task that calls `run_task`:
it builds its own model, reads what it needs from the store and writes its round there.
A task is submitted with the references of the tasks it waits for, so Ray starts it only
after them; everything else (replicates, the controls of round r beside the ticket's round
r + 1) runs side by side on as many workers as the cluster has.

The store stays the single source of truth, and **workers write to it themselves** (a path
every worker reaches: this machine's disk for a local instance, a shared file system on a
cluster). The other design, workers returning metrics and masks for the driver to write,
would need a second way to write a round beside `run_task`'s, and a round's inputs (the
dense weights it rewinds to, masks) would still have to reach the workers; with a shared
path a worker is exactly one process running the search, the file locks keep two workers
(or two drivers) from training the same round, and a crashed worker leaves at most its
own round unwritten (each file is written whole or not at all).

A worker that dies mid-round (killed, out of memory, its node lost) costs that round only:
Ray runs the task again (`max_retries`), and as the round's files are only written once it
finishes, the rerun trains it from the start to the same numbers.
"""
import os

from lthkit._errors import LthkitError

# environment a worker needs to compute what this process would (the data mirror, the Keras
# backend, adoption of rebuilt weights, the cache)
FORWARDED = ("LTHKIT_DATA_MIRROR", "KERAS_BACKEND", "LTHKIT_ADOPT_REBUILT", "LTHKIT_CACHE_DIR",
             "TF_CPP_MIN_LOG_LEVEL")
RETRIES = 3


def _ray():
    try:
        import ray
    except ImportError:
        raise LthkitError("executor 'ray': Ray is not installed (make venv installs the pinned "
                          "version; or pip install ray==2.60.0)") from None
    return ray


def connect(address=None, num_cpus=None):
    """Start a local Ray instance (`address` None: on 127.0.0.1, with `num_cpus`, default
    all) or join the cluster at `address` ("HOST:PORT", or "auto"). Returns the dashboard
    address when one runs, else None. Does nothing if Ray is already initialized."""
    import warnings
    ray = _ray()
    if ray.is_initialized():
        return None
    if address not in (None, "auto"):
        check_reachable(address)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    env = {k: os.environ[k] for k in FORWARDED if k in os.environ}
    runtime_env = {"env_vars": env} if env else None
    try:
        with warnings.catch_warnings():
            # Ray starts its processes with fork + exec, which JAX's fork warning cannot
            # tell from a bare fork
            warnings.filterwarnings("ignore", message=r"os\.fork\(\) was called",
                                    category=RuntimeWarning)
            if address is None:
                context = ray.init(num_cpus=num_cpus, include_dashboard=False,
                                   runtime_env=runtime_env, log_to_driver=False,
                                   _node_ip_address="127.0.0.1")
            else:
                context = ray.init(address=address, runtime_env=runtime_env,
                                   log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise LthkitError(f"executor 'ray': cannot reach a Ray cluster at {address!r} "
                          f"({first})") from None
    return getattr(context, "dashboard_url", None) or None


def check_reachable(address):
    """A one-line error, at once, for an address where nothing listens (Ray itself retries
    for a minute and more before it gives up)."""
    import socket
    host, _, port = str(address).removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=5):
            return
    except (OSError, ValueError) as err:
        raise LthkitError(f"executor 'ray': cannot reach a Ray cluster at {address!r} "
                          f"({err or 'not HOST:PORT'})") from None


def _compile_cache():
    """On JAX, keep compiled programs on disk (`lthkit.book.chapter.compile_cache`), so that
    a worker's next task, a new model of the same shape, loads its training step."""
    import keras
    if keras.backend.backend() == "jax":
        from lthkit.book.chapter import compile_cache
        compile_cache(min_seconds=0.0)


def _train(exp, root, task, data, quiet, adopt_rebuilt, *after):
    """A Ray worker's task: one round, through run_task (`after`: what it waited for)."""
    from lthkit.search.tasks import run_task
    from lthkit.store import ResultStore
    _compile_cache()
    return run_task(exp, ResultStore(root), task, data=data, quiet=quiet,
                    adopt_rebuilt=adopt_rebuilt)


class RayExecutor:
    """Runs a search's tasks as Ray tasks, 1 CPU each, or the GPUs its experiment asks for
    (`SearchHParams.gpus`; `gpus` here overrides it for every task), connecting first if
    this process has not (`address`, `num_cpus`: see `connect`)."""

    def __init__(self, address=None, num_cpus=None, gpus=None):
        if gpus is not None and (isinstance(gpus, bool) or not isinstance(gpus, (int, float))
                                 or gpus < 0):
            from lthkit._errors import bad_param
            raise bad_param("gpus", gpus, "a number >= 0 of GPUs per task, or None (each "
                                          "experiment's search.gpus)")
        self.address, self.num_cpus, self.gpus = address, num_cpus, gpus

    def gpus_for(self, exp):
        """The GPUs each task of `exp` asks for."""
        return exp.search.gpus if self.gpus is None else self.gpus

    def run(self, search, tasks, progress):
        self.run_graph([(search, tasks)], progress)

    def run_graph(self, jobs, progress):
        """Run several searches' tasks as one graph: `jobs` is [(search, {Task: prerequisites
        })]; searches are independent of each other except where they share a dense round
        (same model, data, training and seed, `dense_hash`), which is trained once and waited
        for by every search that rewinds to it. `progress` advances once per round trained."""
        from lthkit.search.tasks import round_done
        from lthkit.store.identity import dense_hash
        ray = _ray()
        dashboard = connect(self.address, self.num_cpus)
        if dashboard:
            progress.write(f"Ray dashboard: http://{dashboard}")
        resources = ray.cluster_resources()
        refs, by_ref, dense, data_refs = {}, {}, {}, {}
        for search, tasks in jobs:
            exp, store = search.exp, search.store
            gpus = self.gpus_for(exp)
            if gpus and resources.get("GPU", 0) < gpus:
                raise LthkitError(f"executor 'ray': each task of {exp.label} asks for {gpus} "
                                  f"GPU(s), and no node of this Ray cluster has one (its "
                                  f"resources: {resources})")
            remote = ray.remote(_train).options(num_cpus=1, num_gpus=gpus,
                                                max_retries=RETRIES, retry_exceptions=False)
            # the search's data travel with the tasks (once per dataset, through Ray's object
            # store): a worker trains on exactly what this process would, a reader's own
            # arrays included
            if id(search.data) not in data_refs:
                data_refs[id(search.data)] = ray.put(search.data)
            data = data_refs[id(search.data)]
            for task, deps in tasks.items():
                shared = (str(store.root), dense_hash(exp), task.replicate) \
                    if task.round == 0 else None
                if shared in dense:  # another search trains this dense round
                    refs[task] = dense[shared]
                    continue
                after = [refs[d] for d in deps if d in refs]
                refs[task] = remote.remote(exp, str(store.root), task, data, True,
                                           search.adopt_rebuilt, *after)
                by_ref[refs[task]] = task
                if shared is not None:
                    dense[shared] = refs[task]
        pending = list(by_ref)
        while pending:
            finished, pending = ray.wait(pending, num_returns=1)
            for ref in finished:
                # ray.get raises the task's error, if it failed
                round_done(progress, by_ref[ref], ray.get(ref))
