"""Conv-6 on CIFAR-10, [FC19]: everything lthkit knows of the model (see `lenet_300_100`)."""
from lthkit.models.conv import conv6 as builder  # noqa: F401
from lthkit.search.hparams import (DataHParams, Experiment, ModelHParams, PruneHParams,
                                   SearchHParams, TrainHParams)

DATASETS = ("cifar10",)


def paper(dataset=None):
    """[FC19]: Adam 3e-4, batch 60, 30k iterations; conv 15 %, dense 20 %, output 10 %."""
    return Experiment(
        name="conv6",
        model=ModelHParams("conv6"),
        data=DataHParams("cifar10", validation=5000, kwargs={"normalize": "standard"}),
        train=TrainHParams("adam", 3e-4, batch_size=60, training="30000it",
                           eval_every="100it"),
        prune=PruneHParams({"conv": 0.15, "dense": 0.2, "output": 0.1}),
        search=SearchHParams(rounds=25, controls=("reinit", "random"), replicates=5))


PRESETS = {
    "smoke": {"width": 0.0625, "n_train": 300, "validation": 100, "n_test": 100,
              "training": "10it", "eval_every": "5it", "rounds": 1, "replicates": 1},
    # An eighth of the filters: a full-width step takes about 0.35 s on 2 cores.
    "quick": {"width": 0.125, "n_train": 10_000, "validation": 500, "n_test": 1_000,
              "training": "200it", "eval_every": "100it", "rounds": 2, "replicates": 2},
    "full": {"replicates": 3, "test_curve": False},
}

NOTES = ("[FC19]: inputs standardized; offline, CIFAR-10 is a lossy JPEG copy (quality 75)",)
