"""Kim's text CNN on IMDb and AG News, [TXT after KIM14]: everything lthkit knows of the
model (see `lenet_300_100`)."""
from lthkit.models import length_fits_kernels as check  # noqa: F401  (its rule)
from lthkit.models.text import text_cnn as builder  # noqa: F401
from lthkit.search.defaults import MAX_LEN, TEXT_LENGTH_NOTE
from lthkit.search.hparams import (DataHParams, Experiment, ModelHParams, PruneHParams,
                                   SearchHParams, TrainHParams)

DATASETS = ("imdb", "ag_news")
IGNORES_PADDING = True  # the max pool skips windows that reach into the padding


def paper(dataset="imdb"):
    """[TXT after KIM14]: 50,000-word vocabulary, Adam 1e-3, batch 64, 10 epochs; 20 % per
    round of every layer, embeddings included."""
    dataset = dataset or "imdb"
    return Experiment(
        name=f"text_cnn_{dataset}",
        model=ModelHParams("text_cnn"),
        data=DataHParams(dataset, validation=0.3,
                         kwargs={"vocab_size": 50_000, "max_len": MAX_LEN[dataset]}),
        # torchtext's BucketIterator (used by [TXT]) batches texts of similar length.
        train=TrainHParams("adam", 1e-3, batch_size=64, training="10ep", eval_every="1ep",
                           batching="bucket"),
        prune=PruneHParams({"embedding": 0.2, "conv": 0.2, "output": 0.2}),
        search=SearchHParams(rounds=16, controls=("reinit",), replicates=1))


PRESETS = {
    "smoke": {"n_train": 300, "validation": 100, "n_test": 100, "vocab_size": 2_000,
              "max_len": 64, "training": "10it", "eval_every": "5it", "rounds": 2,
              "replicates": 1},
    "quick": {"n_train": 1_500, "validation": 600, "n_test": 1_000,
              "vocab_size": 8_000, "max_len": 128, "training": "2ep", "rounds": 3,
              "replicates": 2, "controls": ("reinit", "random"), "test_curve": False},
    "full": {"rounds": 10, "replicates": 2, "controls": ("reinit", "random"),
             "test_curve": False},
}
# Offline, AG News is a re-split of 7,600 rows with 17,744 distinct training words: the full
# profile keeps all of them ([TXT]: 50,000 of the 120,000-row train split).
DATASET_PRESETS = {
    "ag_news": {
        "quick": {"n_train": 1_500, "validation": 0.3, "n_test": 1_000, "max_len": 100,
                  "training": "2ep"},
        "full": {"rounds": 16, "replicates": 3, "controls": ("reinit", "random"),
                 "vocab_size": None, "test_curve": True},
    },
}

NOTES = ("[TXT]: Xavier-normal initialization is Keras' truncated glorot_normal here",
         TEXT_LENGTH_NOTE)
