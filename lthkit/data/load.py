"""``load_dataset``: one entry point for the book's five datasets."""
from __future__ import annotations

from .dataset import Dataset
from .errors import bad_value
from .images import load_images
from .splits import check_fraction_or_count, check_seed
from .text import load_text

DATASETS = ("mnist", "cifar10", "imdb", "ag_news", "20newsgroups")
_ALIASES = {"cifar-10": "cifar10", "cifar_10": "cifar10", "agnews": "ag_news",
            "ag-news": "ag_news", "20ng": "20newsgroups", "20_newsgroups": "20newsgroups",
            "20-newsgroups": "20newsgroups", "newsgroups": "20newsgroups"}
# Validation held out of train when the caller does not say: [FC19] holds out 5,000
# images; [TXT] splits 70 / 30 (AG News: 84,000 / 36,000).
DEFAULT_VALIDATION = {"mnist": 5000, "cifar10": 5000, "imdb": 0.3, "ag_news": 0.3,
                      "20newsgroups": 0.1}
_TEXT_OPTIONS = {"vocab_size", "max_len", "oov", "padding", "truncating"}
OPTIONS = {"mnist": {"normalize"}, "cifar10": {"normalize"},
           "imdb": _TEXT_OPTIONS, "ag_news": _TEXT_OPTIONS | {"test_size"},
           "20newsgroups": _TEXT_OPTIONS | {"strip"}}


def canonical_name(name) -> str:
    """The dataset's name in DATASETS (aliases such as "20ng" or "cifar-10" accepted)."""
    key = _ALIASES.get(str(name).lower(), str(name).lower())
    if key not in DATASETS:
        raise bad_value("name", name, f"one of {', '.join(DATASETS)}")
    return key


def check_options(name, options) -> None:
    """Refuse options that dataset ``name`` does not take, naming the allowed ones."""
    unknown = sorted(set(options) - OPTIONS[name])
    if unknown:
        raise bad_value(unknown[0], options[unknown[0]],
                        f"no such option of load_dataset({name!r}); its options are "
                        f"{', '.join(sorted(OPTIONS[name]))}")


def check_arguments(name, validation=None, seed=0, n_train=None, n_test=None, **options):
    """Check what can be checked of ``load_dataset``'s arguments without loading any data.

    Types and ranges only: whether a count fits the dataset, or a ``vocab_size`` fits its
    corpus, is known once the data are read (``load_dataset`` says so then, before any
    training). Returns the canonical dataset name.
    """
    key = canonical_name(name)
    check_options(key, options)
    check_seed(seed)
    if validation is not None:
        check_fraction_or_count("validation", validation)
    for param, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise bad_value(param, value, "None (all) or an int >= 1")
    if key in ("mnist", "cifar10"):
        from .images import NORMALIZE
        if "normalize" in options and options["normalize"] not in NORMALIZE:
            raise bad_value("normalize", options["normalize"], f"one of {NORMALIZE}")
    else:
        from .text import check_text_options
        check_text_options(key, options)
    return key


def load_dataset(name: str, validation=None, seed: int = 0, n_train: int | None = None,
                 n_test: int | None = None, mirror=None, **options) -> Dataset:
    """Load a dataset's train / validation / test splits.

    Args:
        name: "mnist", "cifar10", "imdb", "ag_news" or "20newsgroups".
        validation: examples held out of the training split for validation: an int count
            or a float fraction of it; None takes the dataset's default (MNIST and CIFAR-10
            5,000; IMDb and AG News 0.3; 20 Newsgroups 0.1). Class-balanced, seeded.
        seed: seeds the validation hold-out, the subsets and the example order.
        n_train, n_test: keep only this many training / test examples (class-balanced,
            seeded) for quick runs; the validation set is unchanged by them.
        mirror: an offline mirror folder (default ``$LTHKIT_DATA_MIRROR``); False ignores
            the variable and uses the canonical download.
        **options: images: ``normalize`` ("unit" scales to [0, 1], "standard" subtracts the
            dataset mean and divides by its std). Text: ``vocab_size`` (N most frequent
            training tokens; None keeps all), ``max_len``, ``oov`` ("unk" or "drop"),
            ``padding`` / ``truncating`` ("post" or "pre"); AG News: ``test_size`` (test
            rows of the offline re-split);
            20 Newsgroups: ``strip`` (parts of {"headers", "footers", "quotes"} to remove).

    Returns:
        A Dataset: x float32 images (N, H, W, C) or int32 token ids (N, max_len), y int64
        labels, ``info`` (a DatasetInfo) and ``vocab`` (text only).

    Train and validation come in a seeded random order; test keeps the source order.
    """
    key = canonical_name(name)
    check_options(key, options)
    seed = check_seed(seed)
    if validation is None:
        validation = DEFAULT_VALIDATION[key]
    common = dict(validation=validation, seed=seed, n_train=n_train, n_test=n_test,
                  mirror=mirror)
    if key in ("mnist", "cifar10"):
        return load_images(key, **common, **options)
    return load_text(key, **common, **options)
