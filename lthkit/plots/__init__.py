"""Altair charts of lottery ticket results (they read the ResultStore's tidy tables)."""
from lthkit.plots.charts import (BRANCH_NAMES, ablation_gaps, accuracy_vs_cost, barriers,
                                 branch_curves, by_sparsity, early_masks, gate_sparsity,
                                 init_magnitude, interpolation, kept_by_rank, layer_sparsity,
                                 ledger_chart, ledger_profiles, mask_convergence, paper_views,
                                 summarize, training_curves, word_survival, zoom_floor)

__all__ = ["BRANCH_NAMES", "ablation_gaps", "accuracy_vs_cost", "barriers", "branch_curves",
           "by_sparsity", "early_masks", "gate_sparsity", "init_magnitude", "interpolation",
           "kept_by_rank", "layer_sparsity",
           "ledger_chart", "ledger_profiles", "mask_convergence", "paper_views", "summarize",
           "training_curves", "word_survival", "zoom_floor"]
