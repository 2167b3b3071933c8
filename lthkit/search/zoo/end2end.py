"""The 20 Newsgroups "End2End" network of [UNV20 after PVD18]: everything lthkit knows of the
model (see `lenet_300_100`)."""
from lthkit.models.text import end2end as builder  # noqa: F401
from lthkit.search.hparams import (DataHParams, Experiment, ModelHParams, PruneHParams,
                                   SearchHParams, TrainHParams)

DATASETS = ("20newsgroups",)


def paper(dataset=None):
    """[UNV20 after PVD18]: 20 Newsgroups, 200 tokens, 10 epochs, batch 60; embedding 20 %,
    conv 15 %, dense 20 %; 10 rounds."""
    return Experiment(
        name="end2end_20ng",
        model=ModelHParams("end2end"),
        data=DataHParams("20newsgroups", validation=0.1,
                         kwargs={"vocab_size": 61_188, "max_len": 200}),
        train=TrainHParams("adam", 1e-3, batch_size=60, training="10ep", eval_every="1ep"),
        prune=PruneHParams({"embedding": 0.2, "conv": 0.15, "output": 0.2}),
        search=SearchHParams(rounds=10, controls=("reinit",), replicates=1))


PRESETS = {
    "smoke": {"n_train": 300, "validation": 100, "n_test": 100, "vocab_size": 2_000,
              "max_len": 64, "embed_dim": 8, "training": "5it", "eval_every": "5it",
              "rounds": 1, "replicates": 1},
    "quick": {"n_train": 1_500, "n_test": 1_000, "vocab_size": 8_000, "embed_dim": 8,
              "training": "2ep", "rounds": 2, "replicates": 1},
    # 300-d embeddings (293.7 M weights) take 1.95 s a step here: 55 min a round, 19 h for
    # the stored run; 50-d embeddings take 0.27 s (benchmarks/bench_end2end.py).
    "full": {"embed_dim": 50},
}

NOTES = ("[UNV20]: the special loss of [PVD18] is left out, as in the thesis",
         "masks come from the trained weights (the thesis computed them from the initial "
         "weights by mistake)")
