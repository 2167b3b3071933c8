"""The ticket search: hyperparameters, training rounds and the search loop."""
from lthkit.search.defaults import DEFAULTS, default_experiment
from lthkit.search.hparams import (DataHParams, Experiment, ModelHParams, PruneHParams,
                                   SearchHParams, TrainHParams)
from lthkit.search.profiles import PROFILES, profile_experiment
from lthkit.search.ticket import TicketSearch, build, initial_weights, load_data, run_search
from lthkit.search.train import BatchStream, Trainer

__all__ = ["DEFAULTS", "BatchStream", "DataHParams", "Experiment", "ModelHParams",
           "PROFILES", "PruneHParams", "SearchHParams", "TicketSearch", "TrainHParams", "Trainer", "build",
           "default_experiment", "profile_experiment", "initial_weights", "load_data", "run_search"]
