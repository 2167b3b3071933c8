"""A masked GRU: masks on the input kernel and the recurrent kernel (never the bias).

`MaskedGRUCell` is a `keras.layers.GRUCell` whose `kernel` and `recurrent_kernel` read as
the variables with their gradients masked, so Keras's own step (both implementations,
`reset_after` or not) and the backends' fused GRU compute with them unchanged. `MaskedGRU`
is a `keras.layers.GRU` with that cell; it works inside `keras.layers.Bidirectional` and
round-trips through `.keras` files. Pruned weights are stored as zeros, as in every masked
layer.
"""
import keras

from lthkit.layers.masked import PrunableMixin, _check_kind, masked_gradient


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedGRUCell(PrunableMixin, keras.layers.GRUCell):
    def __init__(self, units, prune_kind=None, **kwargs):
        super().__init__(units, **kwargs)
        self.prune_kind = _check_kind(prune_kind, "gru")

    def build(self, input_shape):
        self.kernel_mask = self._add_mask("kernel_mask", (input_shape[-1], 3 * self.units))
        self.recurrent_kernel_mask = self._add_mask("recurrent_kernel_mask",
                                                    (self.units, 3 * self.units))
        super().build(input_shape)

    # GRUCell.build assigns `self.kernel = add_weight(...)`: keep the variables under
    # other names and hand Keras's step the masked view of them
    @property
    def kernel(self):
        return masked_gradient(self._kernel_variable, self.kernel_mask)

    @kernel.setter
    def kernel(self, variable):
        self._kernel_variable = variable

    @property
    def recurrent_kernel(self):
        return masked_gradient(self._recurrent_kernel_variable, self.recurrent_kernel_mask)

    @recurrent_kernel.setter
    def recurrent_kernel(self, variable):
        self._recurrent_kernel_variable = variable

    def prunable_weights(self):
        return [(self._kernel_variable, self.kernel_mask),
                (self._recurrent_kernel_variable, self.recurrent_kernel_mask)]

    def get_config(self):
        return self._mixin_config(super().get_config())


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedGRU(keras.layers.GRU):
    """`keras.layers.GRU` with masked kernels. Arguments are those of `keras.layers.GRU`."""

    def __init__(self, units, prune_kind=None, **kwargs):
        super().__init__(units, **kwargs)
        plain = self.cell
        self._tracker.untrack(plain)
        config = plain.get_config()
        config["name"] = plain.name
        self.cell = MaskedGRUCell(prune_kind=prune_kind, **config)

    @property
    def prune_kind(self):
        return self.cell.prune_kind

    def get_config(self):
        config = super().get_config()
        config["prune_kind"] = self.cell.prune_kind
        return config
