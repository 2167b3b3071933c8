"""The resumable result store (JSON + npz, no pickle) and experiment identities."""
from pathlib import Path

from lthkit.store.identity import derived_seed, experiment_hash, identity
from lthkit.store.store import (BRANCHES, ResultStore, load_arrays, load_json, save_arrays,
                                save_json)


def default_store(profile="quick"):
    """The book's stores: `results/` (committed, full profile) or a local cache (quick).

    LTHKIT_RESULTS overrides the location.
    """
    import os
    if os.environ.get("LTHKIT_RESULTS"):
        return ResultStore(os.environ["LTHKIT_RESULTS"])
    repo = Path(__file__).resolve().parents[2]
    return ResultStore(repo / "results" if profile == "full" else repo / ".cache" / "results")


__all__ = ["BRANCHES", "ResultStore", "default_store", "derived_seed", "experiment_hash",
           "identity", "load_arrays", "load_json", "save_arrays", "save_json"]
