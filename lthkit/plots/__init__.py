"""Altair charts of lottery ticket results (they read the ResultStore's tidy tables)."""
from lthkit.plots.charts import (BRANCH_NAMES, accuracy_vs_cost, by_sparsity, gate_sparsity, layer_sparsity,
                                 ledger_chart,
                                 paper_views, summarize, training_curves, word_survival)

__all__ = ["BRANCH_NAMES", "accuracy_vs_cost", "by_sparsity", "gate_sparsity", "layer_sparsity", "ledger_chart", "paper_views",
           "summarize", "training_curves", "word_survival"]
