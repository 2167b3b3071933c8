"""Between a Keras model and the plain {key: array} dicts the pruning functions use.

A key names a prunable weight by its layers, e.g. "hidden1/kernel" or
"bilstm1/forward_lstm1/lstm_cell/recurrent_kernel". Model builders name their layers, so keys
are stable across sessions and through a .keras round trip.
"""
import numpy as np

from lthkit._errors import LthkitError, bad_param


def _walk(layer, prefix):
    for sub in layer._layers:
        path = f"{prefix}{sub.name}"
        yield path, sub
        yield from _walk(sub, path + "/")


def prunable(model):
    """{key: (kind, weight_variable, mask_variable)} for every masked weight of `model`.

    A key is the chain of layer names down to the weight, e.g. "bilstm1/forward_lstm1/
    lstm_cell/kernel": it depends only on layer names, so it is the same for a model built
    by the same code and for one loaded from a .keras file.
    """
    out = {}
    for path, layer in _walk(model, ""):
        if hasattr(layer, "prunable_weights") and layer.built:
            for weight, mask in layer.prunable_weights():
                key = f"{path}/{weight.name}"
                if key in out:
                    raise LthkitError(f"two prunable weights share the key {key!r}; "
                                      "give the layers distinct names.")
                out[key] = (layer.prune_kind, weight, mask)
    if not out:
        raise LthkitError("the model has no masked layers: build it from lthkit.layers "
                          "(MaskedDense, MaskedConv2D, ...) so it can be pruned.")
    return out


def kinds(model):
    return {key: kind for key, (kind, _, _) in prunable(model).items()}


def get_masks(model):
    return {key: np.asarray(m.numpy()) > 0.5 for key, (_, _, m) in prunable(model).items()}


def get_prunable_weights(model):
    return {key: np.asarray(w.numpy()) for key, (_, w, _) in prunable(model).items()}


def prunable_in(model, weights):
    """The prunable entries of a `snapshot` (keyed by variable path), keyed like masks."""
    return {key: weights[w.path] for key, (_, w, _) in prunable(model).items()}


def set_masks(model, masks):
    """Install `masks` and zero the pruned weights. Every prunable weight needs a mask."""
    layers = prunable(model)
    if set(masks) != set(layers):
        raise LthkitError(
            f"masks do not match the model: missing {sorted(set(layers) - set(masks))}, "
            f"unknown {sorted(set(masks) - set(layers))}.")
    for key, (_, weight, mask_var) in layers.items():
        mask = np.asarray(masks[key])
        if mask.shape != tuple(mask_var.shape):
            raise bad_param(f"masks[{key!r}].shape", mask.shape,
                            f"the weight's shape {tuple(mask_var.shape)}")
        mask = mask.astype(mask_var.dtype)
        mask_var.assign(mask)
        weight.assign(np.asarray(weight.numpy()) * mask)


def enforce_masks(model):
    """Set every pruned weight to exactly zero (a no-op after training with a fresh optimizer)."""
    for _, weight, mask in prunable(model).values():
        weight.assign(np.asarray(weight.numpy()) * np.asarray(mask.numpy()))


def _state_variables(model):
    masks = {id(m) for _, _, m in prunable(model).values()}
    return [v for v in model.weights if id(v) not in masks]


def snapshot(model):
    """Every weight of the model except the masks, as {variable path: array}.

    Rewind points and initializations are snapshots. Variable paths are stable for models
    built by the same code; `prunable_in` maps a snapshot to mask keys.
    """
    return {v.path: np.array(v.numpy()) for v in _state_variables(model)}


def restore(model, weights):
    """Load a `snapshot` back, then zero what the *installed* masks prune.

    Rewinding keeps the mask: call `set_masks` with the new mask first, then `restore`.
    """
    variables = _state_variables(model)
    missing = [v.path for v in variables if v.path not in weights]
    if missing:
        raise LthkitError(f"the snapshot lacks {missing[:5]}: it was taken from another model.")
    for v in variables:
        value = weights[v.path]
        if tuple(value.shape) != tuple(v.shape):
            raise bad_param(f"weights[{v.path!r}].shape", value.shape, f"{tuple(v.shape)}")
        v.assign(value)
    enforce_masks(model)


def remaining(masks):
    """{key: remaining count} plus "total", and the matching sizes."""
    counts = {k: int(np.sum(m)) for k, m in masks.items()}
    sizes = {k: int(np.size(m)) for k, m in masks.items()}
    counts["total"], sizes["total"] = sum(counts.values()), sum(sizes.values())
    return counts, sizes
