"""Global max pooling that ignores padding, so a text CNN's logits do not depend on it."""
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="lthkit")
class WindowMaxPool1D(keras.layers.Layer):
    """Global max over the windows of a ``padding="valid"`` Conv1D that lie inside the text.

    Inputs ``[features, tokens]``: the convolution's output, shape (batch, T - k + 1,
    filters), and the token ids it was computed from, shape (batch, T), padded after the
    text with id 0. The window at position t covers tokens t .. t + k - 1; it counts if it
    ends inside the text (t + k <= length). A text shorter than the kernel keeps its first
    window. The result is the same however much padding follows the text, so batches can be
    padded to their own longest text (bucketing) without changing any prediction.
    """

    def __init__(self, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.kernel_size = int(kernel_size)

    def call(self, inputs):
        features, tokens = inputs
        lengths = ops.sum(ops.cast(ops.not_equal(tokens, 0), "int32"), axis=1)
        last_start = ops.maximum(lengths - self.kernel_size, 0)
        positions = ops.arange(ops.shape(features)[1], dtype="int32")
        inside = ops.expand_dims(positions, 0) <= ops.expand_dims(last_start, 1)
        masked = ops.where(ops.expand_dims(inside, -1), features,
                           ops.full_like(features, float("-inf")))
        return ops.max(masked, axis=1)

    def compute_output_shape(self, input_shapes):
        features = input_shapes[0]
        return (features[0], features[2])

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size}
