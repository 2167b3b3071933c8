"""Real datasets for the book: MNIST, CIFAR-10, IMDb, AG News and 20 Newsgroups.

    from lthkit.data import load_dataset
    ds = load_dataset("mnist", validation=5000, seed=0)
    ds.x_train, ds.y_train, ds.x_val, ds.y_val, ds.x_test, ds.y_test, ds.info, ds.vocab
    mine = from_arrays((x_train, y_train), (x_test, y_test), validation=0.1)  # your own

Sources: an offline mirror (``mirror=`` or ``$LTHKIT_DATA_MIRROR``) or the canonical
downloads (checksums verified). Derived files are cached under ``$LTHKIT_CACHE_DIR``
(default: the platform's user cache dir for "lthkit"). The tokenizer itself is
``lthkit.data.tokenize.tokenize``.
"""
from ._cache import cache_dir
from .arrays import from_arrays
from .dataset import Dataset, DatasetInfo
from .download import MIRROR_ENV, OFFLINE_ENV
from .errors import ChecksumError, DataError, DatasetUnavailableError, DataWarning
from .load import DATASETS, DEFAULT_VALIDATION, load_dataset

__all__ = [
    "load_dataset", "from_arrays", "Dataset", "DatasetInfo", "DATASETS", "DEFAULT_VALIDATION",
    "DataError", "DatasetUnavailableError", "ChecksumError", "DataWarning",
    "cache_dir", "MIRROR_ENV", "OFFLINE_ENV",
]
