"""The ticket search: hyperparameters, presets per profile, controls, training rounds, the
search loop and the experiments that share a dense network (variants)."""
from lthkit.search.controls import CONTROLS, Level, register_control
from lthkit.search.defaults import default_experiment
from lthkit.search.hparams import (DataHParams, Experiment, ModelHParams, PruneHParams,
                                   SearchHParams, TrainHParams)
from lthkit.search.own import experiment_for, model_entry, register_model
from lthkit.search.presets import KNOBS, experiment
from lthkit.search.runs import (PAI_METHODS, TARGETS, StoredRun, StoredVariants, diff_card,
                               early_sweep, mask_seconds, pai_sweep, rewind_sweep, scored_tokens,
                               stored,
                               named_experiment, stored_named,
                               stored_variants, target, variants)
from lthkit.search.tasks import EXECUTORS, LocalExecutor, Task, run_task, task_graph
from lthkit.search.ticket import (TicketSearch, dataset_for, initial_weights, model_for,
                                  run_search)
from lthkit.search.train import BatchStream, BucketStream, Trainer, train_ticket
from lthkit.search import earlybird, stability  # noqa: E402,F401  (search.stability...)

__all__ = ["CONTROLS", "EXECUTORS", "KNOBS", "PAI_METHODS", "TARGETS", "mask_seconds", "pai_sweep",
           "scored_tokens",
           "BatchStream", "BucketStream", "DataHParams", "Experiment", "Level", "LocalExecutor",
           "ModelHParams",
           "PruneHParams", "SearchHParams", "StoredRun", "StoredVariants", "TicketSearch",
           "TrainHParams",
           "Trainer", "dataset_for", "default_experiment", "diff_card", "early_sweep",
           "experiment",
           "experiment_for", "model_entry", "named_experiment", "register_model",
           "stored_named",
           "initial_weights", "model_for", "register_control", "rewind_sweep",
           "run_search", "run_task", "stored", "stored_variants", "Task", "target",
           "task_graph", "train_ticket", "variants"]
