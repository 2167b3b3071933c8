"""Masked versions of the Keras layers the book prunes.

Each layer keeps a 0/1 mask as a *non-trainable weight* next to the weight it masks, so the
mask travels with the model through `model.save()` / `keras.saving.load_model()`.

How a pruned weight stays exactly zero: `lthkit.pruning.set_masks` writes zeros into the
pruned entries, and the layers multiply the *gradient* by the mask (`masked_gradient`), so a
pruned entry gets a gradient of exactly 0. An optimizer starting from a fresh state never
moves a weight whose gradient has always been 0 (Adam, SGD with momentum, weight decay),
so the stored value stays 0.0 through any number of steps. The forward pass then reads the
stored kernel as it is: unlike multiplying the kernel by its mask in every forward pass,
this costs nothing measurable (see benchmarks/bench_masked_layers.py). Embeddings gather the
looked-up rows of table and mask instead, which is cheaper for large vocabularies. Biases
are never masked. If you assign weights yourself, call `lthkit.pruning.enforce_masks`.

Every masked layer implements `prunable_weights()`, returning `(weight_variable,
mask_variable)` pairs, and has a `prune_kind` ("dense", "output", "conv", "embedding",
"lstm", "gru", "attention", or a kind of a reader's own from `register_prune_kind`) that
pruning rates refer to.
"""
import keras
from keras import ops

# The layer kinds pruning rates refer to: open, a list `register_prune_kind` adds to (a
# reader's own masked layer, with a kind of its own).
PRUNE_KINDS = ["dense", "output", "conv", "embedding", "lstm", "gru", "attention"]


def register_prune_kind(kind):
    """Add `kind` (a name, e.g. "my_layer") to the kinds a masked layer may have and pruning
    rates may name: for a reader's own layer built on `PrunableMixin`. Returns `kind`."""
    if not isinstance(kind, str) or not kind.isidentifier():
        from lthkit._errors import bad_param
        raise bad_param("kind", kind, "a name (letters, digits and '_')")
    if kind not in PRUNE_KINDS:
        PRUNE_KINDS.append(kind)
    return kind


@ops.custom_gradient
def masked_gradient(weight, mask):
    """Identity on `weight` whose gradient is multiplied by `mask`."""
    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        return ops.multiply(upstream, mask), None
    return ops.convert_to_tensor(weight), grad


def _check_kind(kind, default):
    kind = default if kind is None else kind
    if kind not in PRUNE_KINDS:
        from lthkit._errors import bad_param
        raise bad_param("prune_kind", kind, "one of " + ", ".join(PRUNE_KINDS))
    return kind


class PrunableMixin:
    """Shared plumbing: the mask weight, config, and plain variable (de)serialization.

    Keras' Dense/Conv/Embedding override `save_own_variables` to support quantization and
    would silently drop the extra mask variable; the generic `Layer` version saves every
    variable, mask included, so it is restored here.
    """

    def _add_mask(self, name, shape):
        return self.add_weight(name=name, shape=tuple(shape), initializer="ones",
                               trainable=False, dtype=self.variable_dtype)

    def _mixin_config(self, config):
        config["prune_kind"] = self.prune_kind
        return config

    def save_own_variables(self, store):
        keras.layers.Layer.save_own_variables(self, store)

    def load_own_variables(self, store):
        keras.layers.Layer.load_own_variables(self, store)


def _bias_and_activation(layer, x):
    """What Dense and EinsumDense do after their kernel product (the bias is never masked)."""
    if layer.bias is not None:
        x = ops.add(x, layer.bias)
    if layer.activation is not None:
        x = layer.activation(x)
    return x


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedDense(PrunableMixin, keras.layers.Dense):
    """`keras.layers.Dense` with a pruning mask on its kernel.

    Use `prune_kind="output"` for the classifier layer so it can get its own rate.
    """

    def __init__(self, units, prune_kind=None, **kwargs):
        super().__init__(units, **kwargs)
        self.prune_kind = _check_kind(prune_kind, "dense")

    def build(self, input_shape):
        self.kernel_mask = self._add_mask("kernel_mask", (input_shape[-1], self.units))
        super().build(input_shape)

    def call(self, inputs, training=None):
        return _bias_and_activation(
            self, ops.matmul(inputs, masked_gradient(self._kernel, self.kernel_mask)))

    def prunable_weights(self):
        return [(self._kernel, self.kernel_mask)]

    def get_config(self):
        return self._mixin_config(super().get_config())


class _MaskedConvMixin(PrunableMixin):
    def build(self, input_shape):
        channel_axis = -1 if self.data_format == "channels_last" else 1
        in_channels = input_shape[channel_axis] // self.groups
        self.kernel_mask = self._add_mask(
            "kernel_mask", self.kernel_size + (in_channels, self.filters))
        super().build(input_shape)

    @property
    def kernel(self):
        # Conv1D.call and BaseConv.call both read `self.kernel`: mask its gradient there.
        return masked_gradient(super().kernel, self.kernel_mask)

    def prunable_weights(self):
        return [(self._kernel, self.kernel_mask)]

    def get_config(self):
        return self._mixin_config(super().get_config())


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedConv1D(_MaskedConvMixin, keras.layers.Conv1D):
    """`keras.layers.Conv1D` with a pruning mask on its kernel."""

    def __init__(self, filters, kernel_size, prune_kind=None, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        self.prune_kind = _check_kind(prune_kind, "conv")


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedConv2D(_MaskedConvMixin, keras.layers.Conv2D):
    """`keras.layers.Conv2D` with a pruning mask on its kernel."""

    def __init__(self, filters, kernel_size, prune_kind=None, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        self.prune_kind = _check_kind(prune_kind, "conv")


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedEmbedding(PrunableMixin, keras.layers.Embedding):
    """`keras.layers.Embedding` with a pruning mask on its table.

    Only the looked-up rows of the mask are gathered, so the cost grows with the batch,
    not with the vocabulary.
    """

    def __init__(self, input_dim, output_dim, prune_kind=None, **kwargs):
        super().__init__(input_dim, output_dim, **kwargs)
        self.prune_kind = _check_kind(prune_kind, "embedding")

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings_mask = self._add_mask("embeddings_mask", (self.input_dim, self.output_dim))
        super().build(input_shape)

    def call(self, inputs):
        if inputs.dtype != "int32" and inputs.dtype != "int64":
            inputs = ops.cast(inputs, "int32")
        outputs = ops.multiply(ops.take(self._embeddings, inputs, axis=0),
                               ops.take(self.embeddings_mask, inputs, axis=0))
        return ops.cast(outputs, dtype=self.compute_dtype)

    def prunable_weights(self):
        return [(self._embeddings, self.embeddings_mask)]

    def get_config(self):
        return self._mixin_config(super().get_config())


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedEinsumDense(PrunableMixin, keras.layers.EinsumDense):
    """`keras.layers.EinsumDense` with a pruning mask on its kernel (Transformer
    projections; `MaskedMultiHeadAttention` builds its query, key, value and output
    projections from it)."""

    def __init__(self, equation, output_shape, prune_kind=None, **kwargs):
        super().__init__(equation, output_shape, **kwargs)
        self.prune_kind = _check_kind(prune_kind, "dense")

    def build(self, input_shape):
        # the kernel's shape follows from the equation (Keras's own analysis of it)
        from keras.src.layers.core.einsum_dense import _analyze_einsum_string
        kernel_shape = _analyze_einsum_string(self.equation, self.bias_axes, input_shape,
                                              self.partial_output_shape)[0]
        self.kernel_mask = self._add_mask("kernel_mask", kernel_shape)
        super().build(input_shape)

    def call(self, inputs, training=None):
        return _bias_and_activation(self, ops.einsum(
            self.equation, inputs, masked_gradient(self._kernel, self.kernel_mask)))

    def prunable_weights(self):
        return [(self._kernel, self.kernel_mask)]

    def get_config(self):
        return self._mixin_config(super().get_config())
