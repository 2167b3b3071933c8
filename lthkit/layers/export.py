"""A pruned model as an ordinary Keras model: plain layers, zeros where weights were pruned.

    plain = lthkit.layers.export_plain(ticket)
    plain.save("ticket-plain.keras")        # loads with keras.saving.load_model, no lthkit

Every masked layer becomes the Keras layer it extends (MaskedDense -> Dense, MaskedConv1D ->
Conv1D, MaskedConv2D -> Conv2D, MaskedEmbedding -> Embedding, MaskedLSTM -> LSTM) with
`kernel * mask` as its kernel, so the outputs are the same. Other lthkit layers are kept as
they are (the text CNN's padding-aware `WindowMaxPool1D`): such a model still needs lthkit.
"""
import keras
import numpy as np

PLAIN = {"MaskedDense": "Dense", "MaskedConv1D": "Conv1D", "MaskedConv2D": "Conv2D",
         "MaskedEmbedding": "Embedding", "MaskedLSTM": "LSTM"}


def _plain_config(obj):
    if isinstance(obj, list):
        return [_plain_config(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    obj = {k: _plain_config(v) for k, v in obj.items()}
    if obj.get("class_name") in PLAIN and str(obj.get("module", "")).startswith("lthkit"):
        obj["class_name"] = PLAIN[obj["class_name"]]
        obj["module"] = "keras.layers"
        obj.pop("registered_name", None)
        obj.get("config", {}).pop("prune_kind", None)
    return obj


def export_plain(model):
    """A copy of `model` built from plain Keras layers, pruned weights set to exactly zero."""
    from lthkit.pruning import enforce_masks, masked_variables
    config = _plain_config(keras.saving.serialize_keras_object(model))
    plain = keras.saving.deserialize_keras_object(config)
    enforce_masks(model)
    masks = {id(m) for _, _, m in masked_variables(model).values()}
    values = [np.asarray(v.numpy()) for v in model.weights if id(v) not in masks]
    if len(values) != len(plain.weights):
        raise ValueError(f"cannot map {len(values)} weights onto the plain model's "
                         f"{len(plain.weights)}")
    for target, value in zip(plain.weights, values):
        if tuple(target.shape) != value.shape:
            raise ValueError(f"{target.path}: shape {tuple(target.shape)} vs {value.shape}")
        target.assign(value)
    return plain
