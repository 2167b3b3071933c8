"""A masked LSTM: masks on the input kernel and the recurrent kernel (never the bias).

`MaskedLSTM` is a `keras.layers.LSTM` whose cell (`MaskedLSTMCell`) holds the masks, so it
works inside `keras.layers.Bidirectional`, honours Keras masking (padding never reaches the
final state) and round-trips through `.keras` files.

How it runs. As in the dense and convolution layers, pruned weights are stored as zeros and
the *gradient* of each kernel is multiplied by its mask, once per call, not inside every
recurrent step. The masked kernels then go to the backend's fused LSTM where there is one
(cuDNN on a GPU, for sequences without padding masks). Otherwise, on JAX, to `jax_scan`:
one scan over time with its own backward pass (the kernels' gradients one product each
after the loop; `lthkit/layers/_lstm_jax.py`), for Keras's default activations; and to
`masked_scan`, the same arithmetic as Keras's generic loop differentiated by autodiff, for
any other activation.
"""
import keras
from keras import ops
from keras.src import backend as keras_backend  # the backends' fused LSTM (Keras is pinned)

from lthkit.layers.masked import PrunableMixin, _check_kind, masked_gradient


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

    def masked_kernels(self):
        """The two kernels with their gradients masked (their pruned entries are zeros)."""
        return (masked_gradient(self.kernel, self.kernel_mask),
                masked_gradient(self.recurrent_kernel, self.recurrent_kernel_mask))

    def call(self, inputs, states, training=False):
        # One step (MaskedLSTM runs whole sequences itself; this serves direct cell use).
        h_tm1, c_tm1 = states[0], states[1]
        if training and 0.0 < self.dropout < 1.0:
            inputs = inputs * self.get_dropout_mask(inputs)
        kernel, recurrent = self.masked_kernels()
        z = ops.add(ops.matmul(inputs, kernel), ops.matmul(h_tm1, recurrent))
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
        super().__init__(units, **kwargs)
        plain = self.cell
        self._tracker.untrack(plain)
        config = plain.get_config()
        config["name"] = plain.name
        self.cell = MaskedLSTMCell(prune_kind=prune_kind, **config)

    @property
    def prune_kind(self):
        return self.cell.prune_kind

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        cell = self.cell
        kernel, recurrent = cell.masked_kernels()
        if training and 0.0 < cell.dropout < 1.0:
            drop = cell.get_dropout_mask(sequences[:, 0, :])
            sequences = sequences * ops.expand_dims(drop, 1)  # one mask per sequence
        if self.use_cudnn in ("auto", True):
            try:
                return keras_backend.lstm(
                    sequences, initial_state[0], initial_state[1], mask, kernel=kernel,
                    recurrent_kernel=recurrent, bias=cell.bias, activation=cell.activation,
                    recurrent_activation=cell.recurrent_activation,
                    return_sequences=self.return_sequences, go_backwards=self.go_backwards,
                    unroll=self.unroll)
            except NotImplementedError:
                pass
        if keras.backend.backend() == "tensorflow":
            # TensorFlow's scan wants a known length; Keras's own TF loop (the cell's call,
            # kernels masked there) handles texts of any length.
            return keras.layers.RNN.inner_loop(self, sequences, initial_state, mask, training)
        if keras.backend.backend() == "jax" and _standard_gates(cell):
            return jax_scan(sequences, initial_state[0], initial_state[1], mask, kernel,
                            recurrent, cell.bias, self.go_backwards, self.zero_output_for_mask)
        return masked_scan(sequences, initial_state[0], initial_state[1], mask, kernel,
                              recurrent, cell.bias, cell.activation,
                              cell.recurrent_activation, self.go_backwards,
                              self.zero_output_for_mask)

    def get_config(self):
        config = super().get_config()
        config["prune_kind"] = self.cell.prune_kind
        return config


def _standard_gates(cell):
    """Keras's default activations (sigmoid gates, tanh cell), which jax_scan hard-codes."""
    return (getattr(cell.activation, "__name__", None) == "tanh"
            and getattr(cell.recurrent_activation, "__name__", None) == "sigmoid")


def _time_major(sequences, mask, go_backwards):
    inputs = ops.transpose(sequences, (1, 0, 2))
    keep = None if mask is None else \
        ops.expand_dims(ops.transpose(ops.cast(mask, inputs.dtype), (1, 0)), -1)
    if go_backwards:
        inputs = ops.flip(inputs, axis=0)
        keep = None if keep is None else ops.flip(keep, axis=0)
    return inputs, keep


def jax_scan(sequences, h0, c0, mask, kernel, recurrent, bias, go_backwards=False,
             zero_output_for_mask=False):
    """`masked_scan` with sigmoid gates and tanh, on JAX, with the loop's own backward pass
    (`lthkit.layers._lstm_jax`): the kernels' gradients are one product each after the
    loop instead of one small update per step."""
    from lthkit.layers import _lstm_jax
    inputs, keep = _time_major(sequences, mask, go_backwards)
    if bias is None:
        bias = ops.zeros((4 * recurrent.shape[0],), dtype=inputs.dtype)
    outputs, h, c = _lstm_jax.lstm(inputs, h0, c0, *map(ops.convert_to_tensor,
                                                         (kernel, recurrent, bias)), keep)
    if zero_output_for_mask and keep is not None:
        outputs = outputs * keep
    return outputs[-1], ops.transpose(outputs, (1, 0, 2)), [h, c]


def masked_scan(sequences, h0, c0, mask, kernel, recurrent, bias, activation,
                recurrent_activation, go_backwards=False, zero_output_for_mask=False):
    """An LSTM over whole sequences with the kernels masked once, outside the loop. Masked
    steps keep the state; their output is the last one (or zeros with
    `zero_output_for_mask`). Returns Keras's (last output, outputs in the order processed,
    [h, c]).

    The input projection stays inside the step: under autodiff, projecting the whole
    sequence first was 1.4x slower on a CPU (the big intermediate costs more than the
    per-step products it saves; `jax_scan`'s own backward pass is what makes it pay)."""
    inputs, keep = _time_major(sequences, mask, go_backwards)
    if keep is None:
        keep = ops.ones(ops.shape(inputs)[:2] + (1,), dtype=inputs.dtype)

    def step(carry, step_inputs):
        h, c = carry
        x, k = step_inputs
        z = ops.add(ops.matmul(x, kernel), ops.matmul(h, recurrent))
        if bias is not None:
            z = ops.add(z, bias)
        i, f, g, o = ops.split(z, 4, axis=-1)
        c_new = recurrent_activation(f) * c + recurrent_activation(i) * activation(g)
        h_new = recurrent_activation(o) * activation(c_new)
        h, c = k * h_new + (1 - k) * h, k * c_new + (1 - k) * c
        return (h, c), (k * h_new if zero_output_for_mask else h)

    (h, c), outputs = ops.scan(step, (h0, c0), (inputs, keep))
    return outputs[-1], ops.transpose(outputs, (1, 0, 2)), [h, c]
