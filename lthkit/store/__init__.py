"""The resumable result store (JSON + npz, no pickle) and experiment identities."""
from pathlib import Path

from lthkit.store.identity import derived_seed, experiment_hash, identity
from lthkit.store.store import (BRANCHES, ResultStore, load_arrays, load_json, save_arrays,
                                save_json)


def project_root(start=None):
    """The book's repository (the folder with _toc.yml and lthkit/), searched upward."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").exists() and (folder / "lthkit").is_dir():
            return folder
    return None


def default_store(profile="quick"):
    """The book's stores: `results/` for the full profile (committed to the repository) and
    `.cache/results/` for the quick one, in the project root; outside the project, the
    user cache. LTHKIT_RESULTS overrides the location.
    """
    import os
    if os.environ.get("LTHKIT_RESULTS"):
        return ResultStore(os.environ["LTHKIT_RESULTS"])
    root = project_root()
    if root is None:
        import platformdirs
        return ResultStore(Path(platformdirs.user_cache_dir("lthkit")) / "results" / profile)
    return ResultStore(root / "results" if profile == "full" else root / ".cache" / "results")


__all__ = ["BRANCHES", "ResultStore", "default_store", "derived_seed", "experiment_hash",
           "identity", "load_arrays", "load_json", "project_root", "save_arrays", "save_json"]
