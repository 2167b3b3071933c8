"""The ticket search on a reader's own model and data.

    import keras, lthkit
    from lthkit import search

    data = lthkit.data.from_arrays((x_train, y_train), (x_test, y_test), validation=0.1)
    exp = search.experiment_for(model, data, training="3ep", rounds=5, rates=0.2)
    table = search.run_search(exp, "runs/my_model", data=data)

`experiment_for` turns any Sequential or functional Keras model (or a function that builds
one) into an `Experiment` like the book's: the model is kept as its config, with the
layer names Keras chose by itself made canonical (`lthkit.layers.wrap.canonical_config`),
so the experiment's hash covers the architecture: change the network and it is a new run,
never a silent mix with the old one. Every replicate rebuilds the model from that config
with fresh weights from its seed, masked by `lthkit.masked`. Everything else is the book's
search: rates per layer kind or global, iterative and one-shot, rewinding, controls,
replicates, the result store and resume.

`register_model(name, builder, defaults)` makes a builder function a model of lthkit's own
kind: `search.experiment(name, profile)`, its presets, `python -m lthkit.search name` (with
``--import module``) and, if asked, the book's plan.
"""
import numpy as np

from lthkit._errors import LthkitError, bad_param

# What a search of a reader's model does where the knobs do not say (knob -> value).
OWN_DEFAULTS = {"learning_rate": 1e-3, "batch_size": 64, "training": "10ep",
                "eval_every": "1ep", "rates": 0.2, "rounds": 5,
                "controls": ("reinit", "random"), "replicates": 1}
DATA_KNOBS = ("n_train", "n_test", "validation", "data_seed", "vocab_size", "max_len",
              "test_size")


def _model_config(model):
    """(canonical config, the model, {the model's layer name: its canonical name}) of a
    Keras model or of a function that builds one."""
    import keras

    from lthkit.layers.wrap import canonical_config, canonical_names, model_config
    if callable(model) and not isinstance(model, keras.Model):
        keras.utils.set_random_seed(0)
        built = model()
        if not isinstance(built, keras.Model):
            raise bad_param("model", f"{getattr(model, '__name__', model)}() -> "
                            f"{type(built).__name__}", "a function that returns a Keras model")
        model = built
    config = model_config(model)
    canonical = canonical_config(config)
    return canonical, model, canonical_names(config, canonical)


def data_params(data, **knobs):
    """The `DataHParams` that loads `data` again: a built-in dataset's name and the
    loader settings that differ from its defaults, or a reader's arrays by their sha256.
    `data` may also be a dataset name ("imdb"), with data knobs (vocab_size, max_len,
    n_train, n_test, validation, data_seed)."""
    from lthkit.data import DATASETS, Dataset
    from lthkit.search.hparams import DataHParams
    if isinstance(data, str):
        name = data
        kwargs = {k: knobs[k] for k in ("vocab_size", "max_len", "test_size") if k in knobs}
        return DataHParams(name, **({"validation": knobs["validation"]}
                                    if "validation" in knobs else {}),
                           n_train=knobs.get("n_train"), n_test=knobs.get("n_test"),
                           seed=knobs.get("data_seed", 0), kwargs=kwargs)
    if knobs:
        raise bad_param(next(iter(knobs)), knobs[next(iter(knobs))],
                        "no data knob with a loaded dataset (they shaped it already)")
    if not isinstance(data, Dataset):
        raise bad_param("data", type(data).__name__,
                        "a Dataset (lthkit.data.load_dataset or from_arrays) or a dataset "
                        "name such as 'imdb'")
    info = data.info
    settings = dict(info.settings)
    if info.source == "arrays":
        return DataHParams(info.name, validation=settings["validation"], seed=info.seed,
                           kwargs={"sha256": settings["sha256"]})
    if info.name not in DATASETS:
        raise bad_param("data", info.name, "a dataset lthkit loads, or from_arrays' arrays")
    validation, n_train, n_test = (settings.pop(k) for k in ("validation", "n_train", "n_test"))
    return DataHParams(info.name, validation=validation, n_train=n_train, n_test=n_test,
                       seed=info.seed, kwargs=_changed_options(info.name, settings))


def _changed_options(name, settings):
    """The loader options in `settings` that differ from `load_dataset`'s defaults."""
    from lthkit.data.load import OPTIONS
    from lthkit.data.newsgroups import STRIP
    from lthkit.data.text import AG_OFFLINE_TEST_SIZE, LOADER_DEFAULTS
    defaults = {"padding": "post", "truncating": "post", "normalize": "unit",
                "strip": sorted(STRIP), "test_size": AG_OFFLINE_TEST_SIZE,
                **LOADER_DEFAULTS.get(name, {})}
    return {k: v for k, v in settings.items() if k in OPTIONS[name] and v != defaults.get(k)}


def experiment_for(model, data, name=None, loss=None, metrics=(), prunable=None, exclude=(),
                   **knobs):
    """An `Experiment` for a reader's own Keras `model` (or a function that builds one) on
    `data`.

    data: a `Dataset` from `lthkit.data.load_dataset` or `lthkit.data.from_arrays`, or a
        dataset name ("imdb") with data knobs (vocab_size, max_len, n_train, ...).
    name: the run's name in the store (default: the model's name).
    loss, metrics: as `TrainHParams` (default: lthkit's classification loss and accuracy).
    prunable, exclude: {layer name: False} or [layer names] left unpruned (see
        `lthkit.masked`); a name is the layer's in `model`, or the one a fresh process
        gives it (the first Dense "dense", ...), as the experiment stores it.
    knobs: those of `lthkit.search.experiment` (training, eval_every, batch_size, rounds,
        rates, strategy, mode, rewind, controls, replicates, seed, ...); where not given,
        `OWN_DEFAULTS` (Adam 1e-3, batch 64, 10 epochs evaluated once an epoch, 20 % of
        every layer per round, 5 rounds, both controls, one replicate).
    Refuses, in one line, a model lthkit cannot mask and unknown knobs.
    """
    from lthkit.layers.wrap import _layers_of, check_prunable, masked
    from lthkit.search.hparams import Experiment, ModelHParams
    from lthkit.search.presets import KNOBS, apply_knobs
    for key in knobs:
        if key not in KNOBS or key in ("width", "hidden", "units", "layers", "embed_dim",
                                       "filters", "kernel_sizes", "dropout"):
            raise bad_param(key, knobs[key], "a knob of lthkit.search.experiment_for: " +
                            ", ".join(sorted(k for k in KNOBS if KNOBS[k][0] != "model.kwargs"
                                             and k != "name")))
    data_knobs = {k: knobs.pop(k) for k in DATA_KNOBS if k in knobs}
    config, built, renames = _model_config(model)
    # names as the model has them, or as the experiment stores them (canonical)
    session = {new: old for old, new in renames.items()}
    own = {layer.name for _, layer in _layers_of(built)}

    def named(n):
        return n if n in own else session.get(n, n)
    if isinstance(prunable, dict):
        prunable = {named(k): v for k, v in prunable.items()}
    if not isinstance(exclude, str):
        exclude = [named(n) if isinstance(n, str) else n for n in exclude]
    marks = check_prunable(built, prunable, exclude)
    masked(built, marks)  # refuses what cannot be masked, names what stays unmasked
    marks = {renames.get(k, k): v for k, v in marks.items()}  # as the stored config names them
    model_name = config.get("config", {}).get("name") or "model"
    exp = Experiment(model=ModelHParams(model_name, keras=config, prunable=marks),
                     data=data_params(data, **data_knobs), name=name or model_name)
    exp = exp.replace(train={"loss": loss, "metrics": metrics})
    return apply_knobs(exp, {**OWN_DEFAULTS, **knobs})


# -- checks before training -----------------------------------------------------------------
def check_data(model, data, train):
    """Refuse, in one line, data that cannot train `model`: inputs of the wrong shape,
    token ids beyond an embedding, class labels beyond the outputs (lthkit's default loss),
    or, with bucketed batches, a model whose outputs change with the padding."""
    from lthkit.layers.wrap import check_inputs
    for split in ("x_train", "x_val", "x_test"):
        check_inputs(model, getattr(data, split), split)
    if train.loss is None:
        _check_labels(model, data)
    if train.batching == "bucket":
        _check_padding(model, data.x_train)


def _check_labels(model, data):
    units = model.output_shape[-1]
    for split in ("y_train", "y_val", "y_test"):
        y = np.asarray(getattr(data, split))
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or not (np.issubdtype(y.dtype, np.integer) or
                               np.all(np.mod(y, 1) == 0)):
            raise LthkitError(f"{split}.shape={y.shape} is not allowed with lthkit's default "
                              "loss: expected one class id per example (give loss= and "
                              "metrics= for other targets).")
        top = 1 if units == 1 else units - 1
        if y.size and (y.min() < 0 or y.max() > top):
            raise LthkitError(f"{split} holds labels from {y.min():g} to {y.max():g}: "
                              f"expected 0 to {top} for the model's {units} output"
                              f"{'s' if units > 1 else ''}.")


def _check_padding(model, x):
    """Bucketed batches cut texts to their batch's longest: refuse a model whose outputs
    depend on the padding (or on a fixed length)."""
    if model.input_shape[1] is not None:
        raise LthkitError(f"batching='bucket' is not allowed: the model's input has a fixed "
                          f"length {model.input_shape[1]}; bucketing needs keras.Input((None,)).")
    x = np.asarray(x[:8])
    lengths = np.count_nonzero(x, axis=1)
    width = max(int(lengths.max()), 1)
    wider = np.zeros((len(x), width + 16), dtype=x.dtype)
    wider[:, :x.shape[1]] = x[:, :width + 16]
    a = np.asarray(model(x[:, :width], training=False))
    b = np.asarray(model(wider, training=False))
    if not np.allclose(a, b, rtol=1e-4, atol=1e-5):
        raise LthkitError(f"batching='bucket' is not allowed: this model's outputs change with "
                          f"the padding after a text (by up to {np.abs(a - b).max():.2g}; mask "
                          "it: Embedding(mask_zero=True) and "
                          "layers that honour Keras masks), so batches cut to their longest "
                          "text would change its numbers; use batching='shuffle'.")


# -- a reader's builder as a model of lthkit's own kind --------------------------------------


def model_entry(name, builder, paper, presets=None, dataset_presets=None, datasets=(),
                notes=(), ignores_padding=False, check=None):
    """The `lthkit.models.registry.ModelEntry` of a model, checked: the one path every model
    takes, lthkit's own (`lthkit.search.zoo`) and a reader's (`register_model`).

    paper: `paper(dataset)` returns the model's paper setting as an `Experiment`.
    presets: {profile: knobs}; dataset_presets: {dataset: {profile: knobs}}.
    datasets: the datasets it trains on (default: its paper setting's)."""
    from lthkit.models.registry import ModelEntry
    from lthkit.profiles import PROFILES
    from lthkit.search.hparams import TEXT_DATASETS
    if not isinstance(name, str) or not name.isidentifier():
        raise bad_param("name", name, "an identifier (letters, digits and '_')")
    if not callable(builder):
        raise bad_param("builder", builder, "a function that returns a Keras model")
    presets = {p: dict(v) for p, v in (presets or {}).items()}
    for profile in presets:
        if profile not in PROFILES:
            raise bad_param("presets", profile, "profiles among " + ", ".join(PROFILES))
    datasets = tuple(datasets)
    return ModelEntry(name, builder, paper, presets, dict(dataset_presets or {}), datasets,
                      text=bool(datasets) and datasets[0] in TEXT_DATASETS,
                      ignores_padding=ignores_padding, notes=tuple(notes), check=check)


def register_model(name, builder, defaults, presets=None, plan=False, replace=False):
    """Make `builder` (a function returning a Keras model; its keyword arguments are the
    model's settings) the model `name`: `lthkit.search.experiment(name, profile)`, its
    `presets` ({profile: knobs}), the command line (``--import`` the module that registers
    it) and, with `plan=True`, an entry of the book's plan. It becomes one
    `lthkit.models.registry.ModelEntry`, as lthkit's own models are (`lthkit.search.zoo`).

    defaults: the model's paper setting, as knobs of `lthkit.search.experiment` plus
        "dataset" (a dataset lthkit loads, e.g. "mnist"), e.g. {"dataset": "mnist",
        "training": "3ep", "rates": 0.2, "rounds": 5}. The builder may take input_shape,
        num_classes, vocab_size and max_len: the search fills them from the data. A plain
        Keras model is masked by `lthkit.masked`.
    The experiment's identity names the model and its arguments, not the builder's code:
    changing what `name` builds needs a new name (a stored run of the old network then
    stays what it was).
    """
    from lthkit.data import DATASETS
    from lthkit.models import registry
    if isinstance(name, str) and name in registry.BUILT_IN:
        raise bad_param("name", name, "a name not taken already")
    if not isinstance(defaults, dict) or defaults.get("dataset") not in DATASETS:
        raise bad_param("defaults", defaults, "a dict of knobs with 'dataset', one of "
                        + ", ".join(DATASETS))
    knobs = {k: v for k, v in defaults.items() if k != "dataset"}
    dataset = defaults["dataset"]

    def paper(dataset_arg=None):
        from lthkit.search.hparams import DataHParams, Experiment, ModelHParams
        from lthkit.search.presets import apply_knobs
        exp = Experiment(model=ModelHParams(name), data=DataHParams(dataset), name=name)
        return apply_knobs(exp, {**OWN_DEFAULTS, **knobs})

    entry = model_entry(name, builder, paper, presets=presets, datasets=(dataset,))
    before = registry.REGISTRY.get(name)
    registry.register(entry, replace=replace)
    try:
        paper()  # the defaults must make a valid experiment: fail here, not later
    except Exception:
        if before is None:
            del registry.REGISTRY[name]
        else:
            registry.REGISTRY[name] = before
        raise
    if plan:
        from lthkit.search.plan import REGISTERED, Entry
        REGISTERED[name] = Entry(name, name, chapters="(registered)")
    return name


def import_plugins(modules):
    """Import the modules that register a reader's models (the command lines' --import and
    $LTHKIT_IMPORT, comma-separated)."""
    import importlib
    import os
    names = list(modules or ()) + [m for m in os.environ.get("LTHKIT_IMPORT", "").split(",")
                                   if m.strip()]
    for module in names:
        try:
            importlib.import_module(module.strip())
        except ImportError as err:
            raise LthkitError(f"--import {module!r}: cannot import it ({err}).") from None
