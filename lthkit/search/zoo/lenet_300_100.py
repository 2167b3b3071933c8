"""Lenet-300-100 on MNIST, [FC19] (Frankle & Carbin, ICLR 2019): everything lthkit knows of
the model, registered by `lthkit.search.zoo` as a reader's model is (`model_entry`)."""
from lthkit.models.lenet import lenet_300_100 as builder  # noqa: F401
from lthkit.search.hparams import (DataHParams, Experiment, ModelHParams, PruneHParams,
                                   SearchHParams, TrainHParams)

DATASETS = ("mnist",)


def paper(dataset=None):
    """[FC19]: Adam 1.2e-3, batch 60, 50k iterations, 5k validation images; hidden 20 %,
    output 10 % per round; 25 rounds (to about 1 % remaining); 5 trials."""
    return Experiment(
        name="lenet",
        model=ModelHParams("lenet_300_100"),
        # Input normalization is not stated in [FC19]; reproductions found mean/std matters.
        data=DataHParams("mnist", validation=5000, kwargs={"normalize": "standard"}),
        train=TrainHParams("adam", 1.2e-3, batch_size=60, training="50000it",
                           eval_every="100it"),
        prune=PruneHParams({"dense": 0.2, "output": 0.1}),
        search=SearchHParams(rounds=25, controls=("reinit", "random"), replicates=5))


_SUBSET = {"n_train": 10_000, "validation": 1_000, "n_test": 2_000}
PRESETS = {
    "smoke": {"n_train": 600, "validation": 200, "n_test": 200, "training": "30it",
              "eval_every": "10it", "rounds": 2, "replicates": 1},
    "quick": {**_SUBSET, "training": "1000it", "eval_every": "100it", "rounds": 10,
              "replicates": 2, "test_curve": False},
    # [FC19] ran five trials; three replicates keep the full run to hours on a CPU.
    "full": {"replicates": 3, "test_curve": False},
}

NOTES = (
    "[FC19]: inputs standardized with MNIST's mean and std (the paper does not say; "
    "reproductions found it matters)",
    "Keras' glorot_normal is a truncated normal, slightly narrower than Gaussian Glorot")
