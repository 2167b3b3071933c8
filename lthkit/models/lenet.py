"""Lenet-300-100 [FC19]: 784 -> 300 -> 100 -> 10, ReLU, Gaussian Glorot initialization."""
import keras

from lthkit.layers import MaskedDense


def lenet_300_100(input_shape=(28, 28, 1), num_classes=10, hidden=(300, 100),
                  initializer="glorot_normal"):
    """266,610 parameters for MNIST (266,200 prunable weights). Outputs logits."""
    inputs = keras.Input(input_shape, name="image")
    x = keras.layers.Flatten(name="flatten")(inputs)
    for i, units in enumerate(hidden, start=1):
        x = MaskedDense(units, activation="relu", kernel_initializer=initializer,
                        name=f"hidden{i}")(x)
    outputs = MaskedDense(num_classes, prune_kind="output", kernel_initializer=initializer,
                          name="output")(x)
    return keras.Model(inputs, outputs, name="lenet_300_100")
