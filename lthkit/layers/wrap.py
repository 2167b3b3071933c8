"""Any Keras model, masked: `lthkit.masked(model)`.

    import lthkit
    ticket_ready = lthkit.masked(model)        # a clone: same weights, same outputs

The clone is built from the model's own config with every layer lthkit can prune swapped
for its masked twin (the reverse of `lthkit.layers.export_plain`), then given the model's
weights. What is masked:

- `Dense`, `EinsumDense` (kind "dense"; the layer that makes the model's output: "output"),
  `Conv1D`, `Conv2D` ("conv"), `Embedding` ("embedding");
- `LSTM` ("lstm") and `GRU` ("gru"), also inside `Bidirectional`;
- `MultiHeadAttention`, through its query, key, value and output projections ("attention").

Biases and normalization layers are never pruned. Layers named in `exclude=` or in
`prunable` as False (or with an attribute ``layer.prunable = False``) are left as they are. A layer with a kernel
that lthkit cannot mask (a `Conv3D`, a custom layer) is left alone with a one-line warning,
or refused where it is marked prunable. The model must be Sequential or functional (a
subclassed model has no config to rebuild from), and every custom layer in it registered
with Keras (`keras.saving.register_keras_serializable`).

`canonical_config` renames the layers Keras named by itself ("dense_7" in the eighth model
of a session) as a fresh process would name them, so that the same network built twice has
the same config: the ticket search hashes it (see `lthkit.search.experiment_for`).
"""
import copy
import re
import warnings

import keras
import numpy as np

from lthkit._errors import LthkitError

# Keras class -> (lthkit class, default kind). Matched by exact class name in the config of
# a Keras layer, so a user's subclass of Dense (with a `call` of its own) is not swapped.
SUPPORTED = {
    "Dense": ("MaskedDense", "dense"),
    "EinsumDense": ("MaskedEinsumDense", "dense"),
    "Conv1D": ("MaskedConv1D", "conv"),
    "Conv2D": ("MaskedConv2D", "conv"),
    "Embedding": ("MaskedEmbedding", "embedding"),
    "LSTM": ("MaskedLSTM", "lstm"),
    "GRU": ("MaskedGRU", "gru"),
    "MultiHeadAttention": ("MaskedMultiHeadAttention", "attention"),
}
MASKED = {masked for masked, _ in SUPPORTED.values()}
OUTPUT_KINDS = ("Dense", "EinsumDense")
WHAT_IT_MASKS = ("Dense, EinsumDense, Conv1D, Conv2D, Embedding, LSTM and GRU (also in "
                 "Bidirectional), MultiHeadAttention")
# weights that make a layer "prunable in principle": a layer with one of these that lthkit
# cannot mask is named in the warning
KERNELS = ("kernel", "recurrent_kernel", "embeddings", "depthwise_kernel", "pointwise_kernel")


def _is_keras_layer(node):
    return (isinstance(node, dict) and "class_name" in node and "config" in node
            and str(node.get("module", "")).startswith("keras"))


def _layer_name(node):
    return (node.get("config") or {}).get("name") or node.get("name")


def _walk_layers(node, visit):
    """Call `visit(layer dict)` on every serialized layer in `node`, outermost first."""
    if isinstance(node, list):
        for v in node:
            _walk_layers(v, visit)
    elif isinstance(node, dict):
        if "class_name" in node and "config" in node:
            visit(node)
        for v in node.values():
            _walk_layers(v, visit)


def _output_names(config):
    """Names of the layers whose outputs are the model's (top level only)."""
    inner = config.get("config", {})
    if config.get("class_name") == "Sequential":
        layers = inner.get("layers") or []
        return {_layer_name(layers[-1])} if layers else set()
    outputs = inner.get("output_layers") or []
    if isinstance(outputs, dict):  # a model with named outputs
        outputs = list(outputs.values())
    if outputs and isinstance(outputs[0], str):
        outputs = [outputs]
    return {o[0] for o in outputs if isinstance(o, list) and o}


def masked_config(config, prunable=None):
    """The serialized model `config` with every maskable Keras layer swapped for its
    masked twin (layers named in `prunable` as False left alone). Returns (new config,
    names of the layers swapped). Pure: `config` is not changed."""
    prunable = dict(prunable or {})
    config = copy.deepcopy(config)
    outputs = _output_names(config)
    swapped = []

    def visit(node):
        name = _layer_name(node)
        cls = node["class_name"]
        if not _is_keras_layer(node) or cls not in SUPPORTED or prunable.get(name) is False:
            return
        masked_cls, kind = SUPPORTED[cls]
        if name in outputs and cls in OUTPUT_KINDS:
            kind = "output"
        node["class_name"] = masked_cls
        node["module"] = "lthkit.layers"
        node["registered_name"] = f"lthkit>{masked_cls}"
        node["config"]["prune_kind"] = kind
        swapped.append(name)
    _walk_layers(config, visit)
    return config, swapped


def _layers_of(model):
    """(path, layer) of every layer inside `model`, depth first."""
    from lthkit.pruning.masks import _walk
    return list(_walk(model, ""))


def _own_kernels(layer):
    own = [v for v in getattr(layer, "_trainable_variables", []) +
           getattr(layer, "_non_trainable_variables", [])]
    return [v.name for v in own if v.name in KERNELS]


def check_prunable(model, prunable, exclude=()):
    """The user's `prunable` marks as {layer name: bool}, checked against `model`: every
    name must be a layer of it, and a layer marked True one lthkit can mask. Layer
    attributes ``layer.prunable`` count as marks too (the dict wins); the names in
    `exclude` are marks False."""
    if prunable is not None and not isinstance(prunable, dict):
        raise LthkitError(f"prunable={prunable!r} is not allowed: expected a dict "
                          "{layer name: True or False}.")
    if isinstance(exclude, str) or not all(isinstance(n, str) for n in exclude):
        raise LthkitError(f"exclude={exclude!r} is not allowed: expected a list of layer "
                          "names.")
    clash = sorted(n for n in exclude if (prunable or {}).get(n) is True)
    if clash:
        raise LthkitError(f"exclude={list(exclude)!r} is not allowed: {clash[0]!r} is also "
                          "marked prunable=True.")
    prunable = {**(prunable or {}), **{name: False for name in exclude}}
    layers = _layers_of(model)
    names = {layer.name: layer for _, layer in layers}
    marks = {layer.name: bool(layer.prunable) for _, layer in layers
             if isinstance(getattr(layer, "prunable", None), bool)}
    for name, value in (prunable or {}).items():
        if name not in names:
            raise LthkitError(f"prunable[{name!r}] is not allowed: the model has no layer "
                              f"{name!r} (its layers: {', '.join(sorted(names))}).")
        if not isinstance(value, bool):
            raise LthkitError(f"prunable[{name!r}]={value!r} is not allowed: expected True "
                              "or False.")
        marks[name] = value
    for name, value in marks.items():
        layer = names[name]
        cls = type(layer).__name__
        if value and cls not in SUPPORTED and cls not in MASKED and \
                cls != "Bidirectional":
            raise LthkitError(f"prunable[{name!r}]=True is not allowed: lthkit cannot mask a "
                              f"{cls} layer; it masks {WHAT_IT_MASKS}.")
    return marks


def _unsupported(model, marks):
    """Layers with a kernel of their own that stay unmasked without the user saying so."""
    out, covered = [], []
    for path, layer in _layers_of(model):
        cls = type(layer).__name__
        if any(path.startswith(c + "/") for c in covered):
            continue  # inside a layer that is masked, or left alone, as a whole (LSTM cells)
        if cls in SUPPORTED or cls in MASKED or marks.get(layer.name) is False:
            covered.append(path)
            continue
        if _own_kernels(layer):
            out.append(f"{path} ({cls})")
    return out


def model_config(model):
    """The serialized config of a Sequential or functional `model` (no compile settings)."""
    from keras.src.models.functional import Functional
    if not isinstance(model, keras.Model):
        raise LthkitError(f"model={type(model).__name__} is not allowed: expected a Keras "
                          "model (keras.Sequential or keras.Model(inputs, outputs)).")
    if not isinstance(model, (Functional, keras.Sequential)):
        raise LthkitError(f"model={type(model).__name__} is not allowed: lthkit clones "
                          "Sequential and functional models from their config; build a "
                          "subclassed model from lthkit.layers' masked layers instead.")
    import json
    config = keras.saving.serialize_keras_object(model)
    config.pop("compile_config", None)
    return json.loads(json.dumps(config))  # as stored: lists, not tuples


def _rebuild(config):
    try:
        return keras.saving.deserialize_keras_object(config)
    except Exception as err:  # Keras names what it cannot rebuild; one line of it
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise LthkitError(f"Keras cannot rebuild the model from its config ({first[:240]}); "
                          "register custom layers with "
                          "@keras.saving.register_keras_serializable().") from None


def copy_weights(source, target):
    """Give `target` (a clone built from `source`'s config, some layers swapped for masked
    ones) the weights of `source`, in order: both list their weights in the order of the
    config's layers; the masks the clone added stay ones, masks `source` had are copied.
    (Variable paths cannot be matched: Keras names them by where a layer was built.)"""
    source_masks = {id(m) for _, _, m in _safe_masks(source)}
    target_masks = {id(m) for _, _, m in _safe_masks(target)}
    values, i = source.weights, 0
    for slot in target.weights:
        source_is_mask = i < len(values) and id(values[i]) in source_masks
        if id(slot) in target_masks and not source_is_mask:
            continue  # a mask the clone added
        if i >= len(values) or tuple(slot.shape) != tuple(values[i].shape):
            got = tuple(values[i].shape) if i < len(values) else "nothing"
            raise LthkitError(f"cannot map the model's weights onto the masked clone at "
                              f"{slot.path}: shape {tuple(slot.shape)} vs {got}")
        slot.assign(values[i].value)
        i += 1
    if i != len(values):
        raise LthkitError(f"the masked clone took {i} of the model's {len(values)} weights")


def _safe_masks(model):
    from lthkit.pruning import masked_variables
    try:
        return list(masked_variables(model).values())
    except LthkitError:
        return []


def masked(model, prunable=None, warn=True, exclude=()):
    """A clone of `model` in which every layer lthkit can prune is masked (all masks ones),
    with the same weights and so the same outputs. `prunable`: {layer name: False} leaves
    layers alone, {name: True} insists (an error where lthkit cannot mask the layer);
    `exclude`: layer names left alone (the same as prunable False); a layer whose attribute
    ``prunable`` is False is left alone too. Layers with a kernel that stay unmasked
    without being marked are named in one warning (`warn=False`: none). Raises
    `LthkitError`, in one line, for a model with nothing to prune."""
    from lthkit.pruning import masked_variables
    marks = check_prunable(model, prunable, exclude)
    config, swapped = masked_config(model_config(model), marks)
    already = _safe_masks(model)
    if not swapped and not already:
        raise LthkitError(f"the model {model.name!r} has no layer lthkit can mask: it masks "
                          f"{WHAT_IT_MASKS}.")
    left = _unsupported(model, marks)
    if left and warn:
        warnings.warn(f"lthkit.masked: left unpruned (lthkit cannot mask them): "
                      f"{', '.join(left)}; it masks {WHAT_IT_MASKS}. Mark them "
                      "prunable=False to say so.", UserWarning, stacklevel=2)
    clone = _rebuild(config)
    copy_weights(model, clone)
    masked_variables(clone)  # raises if, against expectation, nothing ended up masked
    return clone


def canonical_clone(model):
    """A clone of `model` (same weights) whose layers Keras named by itself are named as a
    fresh process would name them (`canonical_config`): the search keys weights by layer
    name, so every build of one network must name its layers alike."""
    clone = _rebuild(canonical_config(model_config(model)))
    copy_weights(model, clone)
    return clone


def has_masks(model):
    """Whether `model` has any masked layer."""
    return bool(_safe_masks(model))


def build_masked(config, prunable=None):
    """A masked model built from a plain model's serialized `config` (as `masked` makes,
    with fresh weights from Keras's current seed): how the search makes a reader's model
    for every replicate."""
    config, swapped = masked_config(config, prunable)
    model = _rebuild(config)
    if not has_masks(model):
        raise LthkitError(f"the model {model.name!r} has no layer lthkit can mask: it masks "
                          f"{WHAT_IT_MASKS}.")
    return model


# -- canonical names ---------------------------------------------------------------------
def _snake(name):
    from keras.src.utils.naming import to_snake_case
    return to_snake_case(name)


def _auto_named(node, name):
    """Whether `name` looks like Keras's own for this layer ("dense", "dense_12")."""
    prefix = _snake(node.get("class_name", ""))
    return bool(prefix) and re.fullmatch(rf"{re.escape(prefix)}(_\d+)?", str(name)) is not None


def _rename_history(node, renames):
    if isinstance(node, list):
        return [_rename_history(v, renames) for v in node]
    if isinstance(node, dict):
        if node.get("class_name") == "__keras_tensor__":
            history = node.get("config", {}).get("keras_history")
            if isinstance(history, list) and history and history[0] in renames:
                node["config"]["keras_history"] = [renames[history[0]]] + history[1:]
            return node
        return {k: _rename_history(v, renames) for k, v in node.items()}
    return node


def _canonical_model(node):
    """Rename the auto-named layers of one (Sequential or functional) model config, in
    place, then the models nested in it."""
    inner = node.get("config") or {}
    layers = inner.get("layers")
    if not isinstance(layers, list):
        return
    names = [_layer_name(layer) for layer in layers]
    taken = {n for layer, n in zip(layers, names) if not _auto_named(layer, n)}
    counts, renames = {}, {}
    for layer, name in zip(layers, names):
        if not _auto_named(layer, name):
            continue
        prefix = _snake(layer["class_name"])
        while True:
            k = counts.get(prefix, 0)
            counts[prefix] = k + 1
            new = prefix if k == 0 else f"{prefix}_{k}"
            if new not in taken:
                break
        taken.add(new)
        renames[name] = new
    for layer in layers:
        old = _layer_name(layer)
        if old in renames:
            layer["config"]["name"] = renames[old]
            if "name" in layer:
                layer["name"] = renames[old]
        if "inbound_nodes" in layer:
            layer["inbound_nodes"] = _rename_history(layer["inbound_nodes"], renames)
        for key in ("layer", "backward_layer"):  # wrappers: their inner layers
            sub = layer["config"].get(key)
            if isinstance(sub, dict) and "config" in sub:
                prefix = re.escape(_snake(sub["class_name"]))
                found = re.fullmatch(rf"((?:forward_|backward_)?{prefix})(_\d+)?",
                                     str(_layer_name(sub)))
                if found:  # Bidirectional names its copies forward_<name>, backward_<name>
                    sub["config"]["name"] = found.group(1)
        if isinstance(layer.get("config", {}).get("layers"), list):
            _canonical_model(layer)
    for key in ("input_layers", "output_layers"):
        if key in inner:
            inner[key] = _rename_refs(inner[key], renames)
    if _auto_named(node, inner.get("name")) or inner.get("name", "").startswith("functional"):
        inner["name"] = _snake(node["class_name"]) if node["class_name"] != "Functional" \
            else "functional"


def canonical_names(config, canonical):
    """{layer name in `config`: its name in `canonical`} (the same model before and after
    `canonical_config`), for the names that changed."""
    before, after = [], []
    _walk_layers(config, lambda node: before.append(_layer_name(node)))
    _walk_layers(canonical, lambda node: after.append(_layer_name(node)))
    return {b: a for b, a in zip(before, after) if b != a}


def _rename_refs(refs, renames):
    if isinstance(refs, dict):
        return {k: _rename_refs(v, renames) for k, v in refs.items()}
    if isinstance(refs, list) and refs and isinstance(refs[0], str):
        return [renames.get(refs[0], refs[0])] + refs[1:]
    if isinstance(refs, list):
        return [_rename_refs(r, renames) for r in refs]
    return refs


def canonical_config(config):
    """`config` (a serialized model) with the names Keras gave by itself replaced by the
    ones a fresh process would give (the first Dense "dense", the next "dense_1", ...),
    names the user chose kept. The same network built twice in one session then has one
    config. Pure."""
    config = copy.deepcopy(config)
    _canonical_model(config)
    return config


def check_inputs(model, x, name="x_train"):
    """Refuse data that cannot go into `model`, in one line: a wrong number of dimensions or
    a size that differs from the model's input, or token ids beyond an embedding's table."""
    shape = model.input_shape
    if isinstance(shape, list):
        raise LthkitError("the model has several inputs; lthkit's search feeds one array.")
    x = np.asarray(x)
    expected = tuple(shape[1:])
    if x.ndim != len(expected) + 1 or any(e is not None and e != g
                                          for e, g in zip(expected, x.shape[1:])):
        raise LthkitError(f"{name}.shape={x.shape} is not allowed: expected (n, "
                          + ", ".join("any" if e is None else str(e) for e in expected)
                          + f") for the model's input {tuple(shape)}.")
    inputs = {id(t) for t in model.inputs}
    embeddings = [layer for _, layer in _layers_of(model)
                  if isinstance(layer, keras.layers.Embedding) and any(
                      id(t) in inputs for node in layer._inbound_nodes
                      for t in node.input_tensors)]
    if embeddings and np.issubdtype(x.dtype, np.integer) and x.size:
        vocab = min(layer.input_dim for layer in embeddings)
        if int(x.max()) >= vocab or int(x.min()) < 0:
            raise LthkitError(f"{name} holds token ids from {int(x.min())} to {int(x.max())}: "
                              f"expected ids from 0 to {vocab - 1} (the embedding's "
                              f"input_dim is {vocab}).")
