"""Masked Keras layers: the mask is a non-trainable weight saved with the model."""
from lthkit.layers.export import export_plain
from lthkit.layers.lstm import MaskedLSTM, MaskedLSTMCell
from lthkit.layers.masked import (PRUNE_KINDS, MaskedConv1D, MaskedConv2D, MaskedDense,
                                  MaskedEmbedding, PrunableMixin)
from lthkit.layers.pooling import WindowMaxPool1D

__all__ = ["PRUNE_KINDS", "export_plain", "MaskedConv1D", "MaskedConv2D", "MaskedDense", "MaskedEmbedding",
           "MaskedLSTM", "MaskedLSTMCell", "PrunableMixin", "WindowMaxPool1D"]
