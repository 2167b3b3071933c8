"""A masked LSTM: masks on the input kernel and the recurrent kernel (never the bias).

`MaskedLSTM` is a `keras.layers.LSTM` whose cell is a `MaskedLSTMCell`, so it works inside
`keras.layers.Bidirectional` and round-trips through `.keras` files. It always runs the
generic recurrent loop: a fused cuDNN kernel would read the unmasked kernels.
"""
import keras
from keras import ops

from lthkit.layers.masked import PrunableMixin, _check_kind


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedLSTMCell(PrunableMixin, keras.layers.LSTMCell):
    def __init__(self, units, prune_kind=None, **kwargs):
        super().__init__(units, **kwargs)
        self.prune_kind = _check_kind(prune_kind, "lstm")
        if self.implementation != 2:
            from lthkit._errors import bad_param
            raise bad_param("implementation", self.implementation, "2 (the fused gate kernel)")

    def build(self, input_shape):
        self.kernel_mask = self._add_mask("kernel_mask", (input_shape[-1], 4 * self.units))
        self.recurrent_kernel_mask = self._add_mask("recurrent_kernel_mask",
                                                    (self.units, 4 * self.units))
        super().build(input_shape)

    def call(self, inputs, states, training=False):
        # Keras' LSTMCell.call (implementation 2) with masked kernels.
        h_tm1, c_tm1 = states[0], states[1]
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        z = ops.matmul(inputs, ops.multiply(self.kernel, self.kernel_mask))
        z = ops.add(z, ops.matmul(h_tm1, ops.multiply(self.recurrent_kernel,
                                                      self.recurrent_kernel_mask)))
        if self.use_bias:
            z = ops.add(z, self.bias)
        c, o = self._compute_carry_and_output_fused(ops.split(z, 4, axis=1), c_tm1)
        h = o * self.activation(c)
        return h, [h, c]

    def prunable_weights(self):
        return [(self.kernel, self.kernel_mask),
                (self.recurrent_kernel, self.recurrent_kernel_mask)]

    def get_config(self):
        return self._mixin_config(super().get_config())


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedLSTM(keras.layers.LSTM):
    """`keras.layers.LSTM` with masked kernels. Arguments are those of `keras.layers.LSTM`."""

    def __init__(self, units, prune_kind=None, **kwargs):
        if kwargs.get("recurrent_dropout"):
            from lthkit._errors import bad_param
            raise bad_param("recurrent_dropout", kwargs["recurrent_dropout"], "0 for a MaskedLSTM")
        kwargs["use_cudnn"] = False
        super().__init__(units, **kwargs)
        plain = self.cell
        self._tracker.untrack(plain)
        config = plain.get_config()
        config["name"] = plain.name
        self.cell = MaskedLSTMCell(prune_kind=prune_kind, **config)

    @property
    def prune_kind(self):
        return self.cell.prune_kind

    def get_config(self):
        config = super().get_config()
        config["prune_kind"] = self.cell.prune_kind
        config.pop("use_cudnn", None)
        return config
