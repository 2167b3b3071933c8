"""Magnitude pruning (pure functions on numpy dicts) and model/mask helpers."""
from lthkit.pruning.masks import (enforce_masks, get_masks, get_prunable_weights, kinds,
                                  prunable, prunable_in, remaining, restore, set_masks,
                                  snapshot)
from lthkit.pruning.prune import (CRITERIA, STRATEGIES, n_to_prune, oneshot_rounds_for, prune,
                                  prune_to_counts, random_masks_like, remaining_after,
                                  resolve_rates, scores_for, sparsity)

__all__ = ["CRITERIA", "STRATEGIES", "enforce_masks", "get_masks", "get_prunable_weights",
           "kinds", "n_to_prune", "oneshot_rounds_for", "prunable", "prunable_in", "prune",
           "prune_to_counts", "random_masks_like", "remaining", "remaining_after",
           "resolve_rates", "restore", "scores_for", "set_masks", "snapshot", "sparsity"]
