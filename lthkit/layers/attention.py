"""Multi-head attention with masked query, key, value and output projections.

`keras.layers.MultiHeadAttention` builds its four projections as `EinsumDense` layers inside
its own `build`; this subclass has that `build` make `MaskedEinsumDense` layers instead
(kind "attention" by default), so every projection kernel is prunable and the attention
arithmetic is Keras's own. Biases are not masked. The weights and the config are those of
the Keras layer plus the masks and `prune_kind`.
"""
import functools

import keras

from lthkit.layers.masked import MaskedEinsumDense, _check_kind


@keras.saving.register_keras_serializable(package="lthkit")
class MaskedMultiHeadAttention(keras.layers.MultiHeadAttention):
    """`keras.layers.MultiHeadAttention` whose projections are `MaskedEinsumDense`."""

    def __init__(self, num_heads, key_dim, prune_kind=None, **kwargs):
        super().__init__(num_heads, key_dim, **kwargs)
        self.prune_kind = _check_kind(prune_kind, "attention")

    def build(self, query_shape, value_shape, key_shape=None):
        from keras.src.layers.attention import multi_head_attention as module
        plain = module.EinsumDense
        # the projections are made by name inside Keras's build (Keras is pinned): for the
        # length of this call they are masked ones
        module.EinsumDense = functools.partial(MaskedEinsumDense, prune_kind=self.prune_kind)
        try:
            super().build(query_shape, value_shape, key_shape)
        finally:
            module.EinsumDense = plain

    def get_config(self):
        return {**super().get_config(), "prune_kind": self.prune_kind}
