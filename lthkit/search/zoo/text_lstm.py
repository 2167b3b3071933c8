"""The 2-layer BiLSTM on IMDb and AG News, [TXT]: everything lthkit knows of the model (see
`lenet_300_100`)."""
from lthkit.models.text import text_lstm as builder  # noqa: F401
from lthkit.search.defaults import MAX_LEN, TEXT_LENGTH_NOTE
from lthkit.search.hparams import (DataHParams, Experiment, ModelHParams, PruneHParams,
                                   SearchHParams, TrainHParams)

DATASETS = ("imdb", "ag_news")
IGNORES_PADDING = True  # [TXT] fed packed sequences; the masked BiLSTM ignores padding


def paper(dataset="imdb"):
    """[TXT]: 25,000-word vocabulary, 2-layer BiLSTM 256; as the text CNN otherwise."""
    dataset = dataset or "imdb"
    return Experiment(
        name=f"text_lstm_{dataset}",
        model=ModelHParams("text_lstm"),
        data=DataHParams(dataset, validation=0.3,
                         kwargs={"vocab_size": 25_000, "max_len": MAX_LEN[dataset]}),
        train=TrainHParams("adam", 1e-3, batch_size=64, training="10ep", eval_every="1ep",
                           batching="bucket"),
        prune=PruneHParams({"embedding": 0.2, "lstm": 0.2, "output": 0.2}),
        search=SearchHParams(rounds=16, controls=("reinit",), replicates=1))


PRESETS = {
    "smoke": {"n_train": 200, "validation": 100, "n_test": 100, "vocab_size": 1_000,
              "max_len": 32, "units": 8, "training": "5it", "eval_every": "5it",
              "rounds": 1, "replicates": 1},
    "quick": {"n_train": 1_000, "validation": 400, "n_test": 800, "vocab_size": 5_000,
              "max_len": 64, "units": 32, "training": "2ep", "rounds": 3,
              "replicates": 2, "controls": ("reinit", "random"), "test_curve": False},
    # [TXT]'s 256 units at 400 tokens take 3.1 s a step here (4 h a round): 64 units,
    # reviews cut to 64 tokens and [TXT]'s 5-epoch schedule fit about 3 h for 62 rounds
    # (benchmarks/bench_text_lstm.py).
    "full": {"units": 64, "max_len": 64, "training": "5ep", "rounds": 10, "replicates": 2,
             "controls": ("reinit", "random"), "test_curve": False},
}
# AG News offline: 3,990 training rows, all 17,744 words; [TXT]'s 256 units fit with the
# 5-epoch schedule.
DATASET_PRESETS = {
    "ag_news": {
        "quick": {"n_train": 1_000, "validation": 0.3, "n_test": 800, "max_len": 100},
        "full": {"units": 256, "max_len": 100, "vocab_size": None, "training": "5ep"},
    },
}

NOTES = ("Keras keeps one LSTM bias vector, PyTorch two (4,096 fewer parameters)",
         TEXT_LENGTH_NOTE)
