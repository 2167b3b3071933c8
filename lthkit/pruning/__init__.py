"""Pruning: registered mask criteria and the counting step (pure functions on numpy dicts),
gradients of masked weights, and model/mask helpers."""
from lthkit.pruning.criteria import (CRITERIA, Criterion, ScoreContext, next_masks,
                                     register_criterion)
from lthkit.pruning.masks import (enforce_masks, get_masks, kernel_weights, kinds, layer_shapes,
                                  mask_counts, masked_variables, restore, set_masks, snapshot)
from lthkit.pruning.prune import (STRATEGIES, kept_after_rounds, n_to_prune, oneshot_rounds_for,
                                  prune, prune_scores, prune_to_counts, random_masks,
                                  resolve_rates, scores_for, sparsity)

__all__ = ["CRITERIA", "Criterion", "STRATEGIES", "ScoreContext", "enforce_masks", "get_masks",
           "kept_after_rounds", "kernel_weights", "kinds", "layer_shapes", "mask_counts",
           "masked_variables", "n_to_prune", "next_masks", "oneshot_rounds_for", "prune",
           "prune_scores", "prune_to_counts", "random_masks", "register_criterion",
           "resolve_rates", "restore", "scores_for", "set_masks", "snapshot", "sparsity"]
