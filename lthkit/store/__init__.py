"""The resumable result store (JSON + packed-bit masks, no pickle) and experiment identities."""
from lthkit.store.identity import (FORMAT, dense_hash, derived_seed, experiment_hash,
                                   identity)
from lthkit.store.masks import load_masks, masks_digest, save_masks
from lthkit.store.store import MAIN, ResultStore, expected_counts

__all__ = ["FORMAT", "MAIN", "ResultStore", "dense_hash", "derived_seed", "expected_counts",
           "experiment_hash", "identity", "load_masks", "masks_digest", "save_masks"]
