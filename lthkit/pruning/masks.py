"""Between a Keras model and the plain {key: array} dicts the pruning functions use.

A key names a prunable weight by its layers, e.g. "hidden1/kernel" or
"bilstm1/forward_lstm1/lstm_cell/recurrent_kernel". Model builders name their layers, so keys
are stable across sessions and through a .keras round trip.
"""
import re

import numpy as np

from lthkit._errors import LthkitError, bad_param


def _walk(layer, prefix):
    for sub in layer._layers:
        path = f"{prefix}{sub.name}"
        yield path, sub
        yield from _walk(sub, path + "/")


def masked_variables(model):
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
    """{key: layer kind} of every masked weight ("dense", "output", "conv", ...)."""
    return {key: kind for key, (kind, _, _) in masked_variables(model).items()}


def layer_shapes(model):
    """{key: {"shape": [...], "kind": ...}}: what the result store records of a model."""
    return {key: {"shape": list(w.shape), "kind": kind}
            for key, (kind, w, _) in masked_variables(model).items()}


def get_masks(model):
    """The installed masks, {key: bool array}."""
    return {key: np.asarray(m.numpy()) > 0.5
            for key, (_, _, m) in masked_variables(model).items()}


def kernel_weights(model, snapshot=None):
    """The prunable weights keyed like masks: the model's current ones, or those of a
    `snapshot` (which is keyed by variable path)."""
    variables = masked_variables(model)
    if snapshot is None:
        return {key: np.asarray(w.numpy()) for key, (_, w, _) in variables.items()}
    return {key: snapshot[w.path] for key, (_, w, _) in variables.items()}


def set_masks(model, masks):
    """Install `masks` and zero the pruned weights. Every prunable weight needs a mask."""
    layers = masked_variables(model)
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
    for _, weight, mask in masked_variables(model).values():
        weight.assign(np.asarray(weight.numpy()) * np.asarray(mask.numpy()))


_RNG = re.compile(r"^(.+/)?seed_generator(_\d+)?/seed_generator_state$")


def _state_variables(model):
    """{snapshot key: variable} of every model variable except the masks.

    Dropout's random state is included (so a rewound or replayed round draws the same
    dropout masks); its variable paths are numbered per process by Keras, so those are keyed
    by their order in the model ("rng/0", "rng/1", ...), which is the same for every model a
    builder makes.
    """
    masks = {id(m) for _, _, m in masked_variables(model).values()}
    out, rng = {}, 0
    for v in model.variables:
        if id(v) in masks:
            continue
        if _RNG.match(v.path):
            out[f"rng/{rng}"], rng = v, rng + 1
        else:
            out[v.path] = v
    return out


def snapshot(model):
    """Every weight of the model except the masks, as {key: array}, dropout state included.

    Rewind points and initializations are snapshots. Keys are variable paths, stable for
    models built by the same code; `kernel_weights(model, snapshot)` keys it like the masks.
    """
    return {k: np.array(v.numpy()) for k, v in _state_variables(model).items()}


def restore(model, weights):
    """Load a `snapshot` back, then zero what the *installed* masks prune.

    Rewinding keeps the mask: call `set_masks` with the new mask first, then `restore`.
    """
    variables = _state_variables(model)
    missing = [k for k in variables if k not in weights]
    if missing:
        raise LthkitError(f"the snapshot lacks {missing[:5]}: it was taken from another model.")
    for k, v in variables.items():
        value = weights[k]
        if tuple(value.shape) != tuple(v.shape):
            raise bad_param(f"weights[{k!r}].shape", value.shape, f"{tuple(v.shape)}")
        v.assign(value)
    enforce_masks(model)


def mask_counts(masks):
    """({key: weights kept} plus "total", {key: size} plus "total")."""
    counts = {k: int(np.sum(m)) for k, m in masks.items()}
    sizes = {k: int(np.size(m)) for k, m in masks.items()}
    counts["total"], sizes["total"] = sum(counts.values()), sum(sizes.values())
    return counts, sizes
