"""MNIST and CIFAR-10: decode the source files once, cache uint8 arrays, serve float32 splits."""
from __future__ import annotations

import gzip
import io
import re
import tarfile
import time
from pathlib import Path

import numpy as np

from . import _cache
from .dataset import Dataset, DatasetInfo
from .download import Resolved, resolve
from .errors import DataError, bad_value
from .sources import SOURCES
from .splits import make_splits

FORMAT = 1  # bump when the decoded arrays change, to invalidate old cache files

MNIST_CLASSES = [str(d) for d in range(10)]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck"]
CLASSES = {"mnist": MNIST_CLASSES, "cifar10": CIFAR10_CLASSES}
# Per-channel mean / std of the original training pixels in [0, 1] (MNIST's are the
# well-known 0.1307 / 0.3081); 'standard' normalization uses them for either source.
STATS = {"mnist": ((0.1307,), (0.3081,)),
         "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))}
NORMALIZE = ("unit", "standard")
CIFAR_MIRROR_NOTE = ("decoded from the offline mirror's JPEG copies (quality 75, 4:2:0; mean "
                     "abs error about 6/255, PSNR about 30 dB against the original pixels): "
                     "fine for comparing tickets with dense and random nets, but absolute "
                     "accuracy may sit a little below published numbers")


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzip-compressed) as a uint8 array of its stated shape."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    zero, dtype_code, ndim = data[:2], data[2], data[3]
    if zero != b"\0\0" or dtype_code != 0x08:
        raise DataError(f"{path} is not an unsigned-byte IDX file")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise DataError(f"{path}: expected {shape} values, found {array.size} (truncated?)")
    return array.reshape(shape)


def decode_mnist(files: dict[str, Path]) -> dict[str, np.ndarray]:
    arrays = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        arrays[f"x_{split}"] = read_idx(files[f"{prefix}-images-idx3-ubyte.gz"])[..., None]
        arrays[f"y_{split}"] = read_idx(files[f"{prefix}-labels-idx1-ubyte.gz"])
    return arrays


def decode_cifar_jpeg(path: Path) -> dict[str, np.ndarray]:
    """The mirror's ``{train,test}/<class>/NNNN.jpg`` archive, decoded in a fixed order."""
    from PIL import Image

    pattern = re.compile(r"(?:.*/)?(train|test)/([a-z]+)/(\d+)\.jpe?g$")
    found: dict[str, list] = {"train": [], "test": []}
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            match = pattern.match(member.name) if member.isfile() else None
            if match is None:
                continue
            split, cls, number = match.groups()
            if cls not in CIFAR10_CLASSES:
                raise DataError(f"{path}: unknown CIFAR-10 class folder {cls!r}")
            with Image.open(io.BytesIO(archive.extractfile(member).read())) as image:
                pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
            found[split].append((CIFAR10_CLASSES.index(cls), int(number), pixels))
    arrays = {}
    for split, items in found.items():
        items.sort(key=lambda item: item[:2])  # class, then the official order within it
        arrays[f"x_{split}"] = np.stack([item[2] for item in items])
        arrays[f"y_{split}"] = np.array([item[0] for item in items], dtype=np.uint8)
    return arrays


def decode_cifar_binary(path: Path) -> dict[str, np.ndarray]:
    """The canonical binary archive: records of 1 label byte + 3,072 pixel bytes (CHW)."""
    batches = {"train": [f"data_batch_{i}.bin" for i in range(1, 6)], "test": ["test_batch.bin"]}
    records = {}
    with tarfile.open(path, "r:*") as archive:
        for member in archive:
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and name.endswith(".bin"):
                records[name] = np.frombuffer(archive.extractfile(member).read(), np.uint8)
    arrays = {}
    for split, names in batches.items():
        missing = [n for n in names if n not in records]
        if missing:
            raise DataError(f"{path} lacks {', '.join(missing)}")
        rows = np.concatenate([records[n] for n in names]).reshape(-1, 3073)
        arrays[f"x_{split}"] = rows[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
        arrays[f"y_{split}"] = rows[:, 0].copy()
    return arrays


def decoded_arrays(name: str, resolved: Resolved) -> tuple[dict[str, np.ndarray], float | None]:
    """uint8 train/test arrays of a source, from the cache or decoded (then cached).

    Returns the arrays and the decode time in seconds (None on a cache hit).
    """
    path = _cache.cache_dir() / "images" / f"{name}-{resolved.kind}-v{FORMAT}.npz"
    arrays = _cache.load_npz(path)
    if arrays is not None:
        return arrays, None
    start = time.perf_counter()
    files = resolved.files()
    if name == "mnist":
        arrays = decode_mnist(files)
    elif resolved.kind == "mirror":
        arrays = decode_cifar_jpeg(files["CIFAR-10-images-jpg.tar.xz"])
    else:
        arrays = decode_cifar_binary(files["cifar-10-binary.tar.gz"])
    _cache.save_npz(path, **arrays)
    return arrays, time.perf_counter() - start


def _to_float(x: np.ndarray, name: str, normalize: str) -> np.ndarray:
    out = x.astype(np.float32)
    out *= np.float32(1 / 255)
    if normalize == "standard":
        mean, std = (np.asarray(v, dtype=np.float32) for v in STATS[name])
        out -= mean
        out /= std
    return out


def load_images(name: str, *, validation, seed, n_train, n_test, mirror,
                normalize: str = "unit") -> Dataset:
    """MNIST (N, 28, 28, 1) or CIFAR-10 (N, 32, 32, 3) as float32 splits; see load_dataset."""
    if normalize not in NORMALIZE:
        raise bad_value("normalize", normalize, f"one of {NORMALIZE}")
    resolved = resolve(SOURCES[name], mirror)
    arrays, decode_s = decoded_arrays(name, resolved)
    y_train_all = arrays["y_train"].astype(np.int64)
    y_test_all = arrays["y_test"].astype(np.int64)
    idx = make_splits(y_train_all, y_test_all, validation=validation, seed=seed,
                      n_train=n_train, n_test=n_test)
    lossy = name == "cifar10" and resolved.kind == "mirror"
    notes = [CIFAR_MIRROR_NOTE] if lossy else []
    if decode_s is not None:
        notes.append(f"decoded the source files in {decode_s:.1f} s (cached for later runs)")
    info = DatasetInfo(
        name=name, source=resolved.kind, origin=resolved.origin, lossy=lossy,
        split_sizes={"train": len(idx.train), "val": len(idx.val), "test": len(idx.test)},
        class_names=list(CLASSES[name]), seed=seed,
        settings={"validation": validation, "n_train": n_train, "n_test": n_test,
                  "normalize": normalize,
                  **({"mean": list(STATS[name][0]), "std": list(STATS[name][1])}
                     if normalize == "standard" else {})},
        notes=notes)
    x_train_all, x_test_all = arrays["x_train"], arrays["x_test"]
    return Dataset(
        x_train=_to_float(x_train_all[idx.train], name, normalize), y_train=y_train_all[idx.train],
        x_val=_to_float(x_train_all[idx.val], name, normalize), y_val=y_train_all[idx.val],
        x_test=_to_float(x_test_all[idx.test], name, normalize), y_test=y_test_all[idx.test],
        info=info)
