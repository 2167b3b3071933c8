"""Conv-2/4/6 of [FC19] (VGG-like, CIFAR-10); Conv-6 is the one the book uses."""
import keras

from lthkit.layers import MaskedConv2D, MaskedDense


def conv_net(blocks=(64, 128, 256), input_shape=(32, 32, 3), num_classes=10,
             dense=(256, 256), dropout=0.0, initializer="glorot_normal", name="conv6"):
    """[Conv3x3 f, Conv3x3 f, MaxPool 2] per block -> Dense 256 -> Dense 256 -> logits."""
    inputs = keras.Input(input_shape, name="image")
    x = inputs
    for b, filters in enumerate(blocks, start=1):
        for c in (1, 2):
            x = MaskedConv2D(filters, 3, padding="same", activation="relu",
                             kernel_initializer=initializer, name=f"conv{b}_{c}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"pool{b}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    for i, units in enumerate(dense, start=1):
        if dropout:
            x = keras.layers.Dropout(dropout, name=f"dropout{i}")(x)
        x = MaskedDense(units, activation="relu", kernel_initializer=initializer,
                        name=f"dense{i}")(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout_out")(x)
    outputs = MaskedDense(num_classes, prune_kind="output", kernel_initializer=initializer,
                          name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def conv6(input_shape=(32, 32, 3), num_classes=10, dropout=0.0, initializer="glorot_normal",
          width=1.0):
    """Conv-6: 1,145,408 conv and 1,117,194 dense parameters (biases included).

    `width` scales the conv filters (64, 128, 256); the book's quick profile uses 0.125 (an eighth)
    so a CPU trains it in seconds (the convolutions cost width**2).
    """
    blocks = tuple(max(1, int(round(f * width))) for f in (64, 128, 256))
    return conv_net(blocks, input_shape, num_classes, dropout=dropout,
                    initializer=initializer, name="conv6")
