"""Masked Keras layers: the mask is a non-trainable weight saved with the model."""
from lthkit.layers.attention import MaskedMultiHeadAttention
from lthkit.layers.export import export_plain
from lthkit.layers.gru import MaskedGRU, MaskedGRUCell
from lthkit.layers.lstm import MaskedLSTM, MaskedLSTMCell
from lthkit.layers.masked import (PRUNE_KINDS, MaskedConv1D, MaskedConv2D, MaskedDense,
                                  MaskedEinsumDense, MaskedEmbedding, PrunableMixin,
                                  register_prune_kind)
from lthkit.layers.pooling import WindowMaxPool1D
from lthkit.layers.wrap import masked

__all__ = ["PRUNE_KINDS", "export_plain", "masked", "MaskedConv1D", "MaskedConv2D",
           "MaskedDense", "MaskedEinsumDense", "MaskedEmbedding", "MaskedGRU", "MaskedGRUCell",
           "MaskedLSTM", "MaskedLSTMCell", "MaskedMultiHeadAttention", "PrunableMixin",
           "WindowMaxPool1D", "register_prune_kind"]
