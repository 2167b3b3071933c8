"""Masks on disk: packed bits in an .npz, and the checks a loaded mask must pass.

A mask file holds, for each prunable weight, ``np.packbits`` of its flattened 0/1 mask,
plus ``__format__`` and ``__meta__`` (a JSON text with every key's shape and kept count).
A text CNN's 5 M-weight mask is 625 kB before compression and less after, so every round's
masks can be committed and a stored run resumed from a fresh clone.
"""
import json

import numpy as np

from lthkit import _io

FORMAT = "lthkit-mask-packbits-1"


def save_masks(path, masks):
    """Write masks ({key: bool array}) as packed bits, atomically."""
    meta = {key: {"shape": list(np.shape(m)), "kept": int(np.count_nonzero(m))}
            for key, m in masks.items()}
    arrays = {key: np.packbits(np.asarray(m, dtype=bool).reshape(-1)) for key, m in masks.items()}
    arrays["__format__"] = np.array(FORMAT)
    arrays["__meta__"] = np.array(json.dumps(meta, sort_keys=True))
    _io.save_npz(path, arrays)


def load_masks(path):
    """The masks stored at ``path`` as {key: bool array}; ``DamagedFile`` if unreadable or
    inconsistent with its own record (shape, kept count)."""
    arrays = _io.load_npz(path)
    if str(arrays.get("__format__", "")) != FORMAT:
        raise _io.DamagedFile(path, f"not an lthkit mask file (format {FORMAT!r} expected)")
    try:
        meta = json.loads(str(arrays["__meta__"]))
    except (KeyError, ValueError):
        raise _io.DamagedFile(path, "its record of shapes and counts is unreadable") from None
    masks = {}
    for key, info in meta.items():
        shape = tuple(info["shape"])
        size = int(np.prod(shape))
        packed = arrays.get(key)
        if packed is None or packed.dtype != np.uint8 or packed.size != (size + 7) // 8:
            raise _io.DamagedFile(path, f"the bits of {key!r} do not fit its shape {shape}")
        mask = np.unpackbits(packed, count=size).astype(bool).reshape(shape)
        if int(mask.sum()) != info["kept"]:
            raise _io.DamagedFile(path, f"{key!r} keeps {int(mask.sum())} weights, its "
                                        f"record says {info['kept']}")
        masks[key] = mask
    return masks


def masks_digest(masks):
    """sha256 of masks as bool arrays: the same for the same masks, however stored."""
    return _io.arrays_digest({k: np.asarray(m, dtype=bool) for k, m in masks.items()})


def check_masks(masks, layers, counts=None, within=None):
    """Why ``masks`` cannot be the masks described, or None if they can.

    layers: {key: {"shape": [...]}} of the model; counts: {key: kept count} expected (or
    None); within: masks these must be nested in (the previous round's), or None.
    """
    if set(masks) != set(layers):
        return (f"its layers {sorted(masks)} are not the model's {sorted(layers)}")
    for key, mask in masks.items():
        if list(mask.shape) != list(layers[key]["shape"]):
            return f"{key!r} has shape {list(mask.shape)}, the model's is {layers[key]['shape']}"
    if counts is not None:
        for key, expected in counts.items():
            kept = int(mask_count(masks[key]))
            if kept != expected:
                return (f"{key!r} keeps {kept:,} weights where this round keeps {expected:,}")
    if within is not None:
        for key, mask in masks.items():
            if np.any(mask & ~within[key]):
                return f"{key!r} keeps weights that the previous round had pruned (not nested)"
    return None


def mask_count(mask):
    return int(np.count_nonzero(mask))
