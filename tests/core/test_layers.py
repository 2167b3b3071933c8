"""Masked layers: the mask is saved with the model, pruned weights stay exactly zero."""
import keras
import numpy as np
import pytest

from lthkit.layers import (MaskedConv1D, MaskedConv2D, MaskedDense, MaskedEmbedding,
                           MaskedLSTM)
from lthkit.pruning import get_masks, kernel_weights, masked_variables, set_masks


def every_kind_model():
    keras.utils.set_random_seed(1)
    tokens = keras.Input((12,), dtype="int32")
    x = MaskedEmbedding(50, 8, name="emb")(tokens)
    x = MaskedConv1D(6, 3, padding="same", activation="relu", name="conv1d")(x)
    x = keras.layers.Reshape((12, 6, 1))(x)
    x = MaskedConv2D(4, 3, padding="same", activation="relu", name="conv2d")(x)
    x = keras.layers.Reshape((12, 24))(x)
    x = keras.layers.Bidirectional(MaskedLSTM(5, return_sequences=True, name="lstm_a"),
                                   name="bi")(x)
    x = MaskedLSTM(4, name="lstm_b")(x)
    x = MaskedDense(8, activation="relu", name="dense")(x)
    out = MaskedDense(3, prune_kind="output", name="output")(x)
    return keras.Model(tokens, out)


def random_masks(model, keep=0.5, seed=0):
    rng = np.random.default_rng(seed)
    return {k: rng.random(m.shape) < keep for k, m in get_masks(model).items()}


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 50, (n, 12)).astype("int32"), rng.integers(0, 3, n)


def test_every_kind_is_prunable_and_biases_are_not():
    model = every_kind_model()
    layers = masked_variables(model)
    assert {kind for kind, _, _ in layers.values()} == {"embedding", "conv", "lstm", "dense",
                                                        "output"}
    # Bidirectional: forward and backward LSTM, each with kernel and recurrent kernel.
    assert sum("bi/" in k for k in layers) == 4
    assert not any("bias" in k for k in layers)
    assert len(layers) == 11


def test_mask_survives_keras_round_trip(tmp_path):
    model = every_kind_model()
    masks = random_masks(model)
    set_masks(model, masks)
    x, _ = data()
    expected = np.asarray(model(x))
    path = tmp_path / "masked.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    for key, mask in get_masks(loaded).items():
        np.testing.assert_array_equal(mask, masks[key])
    np.testing.assert_allclose(np.asarray(loaded(x)), expected, rtol=1e-5, atol=1e-6)


def test_pruned_weights_stay_exactly_zero_through_fit():
    model = every_kind_model()
    before = kernel_weights(model)
    masks = random_masks(model, keep=0.4)
    # The mask must hit negative weights too (a sign bug would let them through).
    assert all((before[k][~m] < 0).any() for k, m in masks.items())
    set_masks(model, masks)
    biases = {v.path: np.array(v.numpy()) for v in model.trainable_weights if "bias" in v.path}
    model.compile(keras.optimizers.Adam(0.05),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = data()
    model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    after = kernel_weights(model)
    for key, mask in masks.items():
        assert np.all(after[key][~mask] == 0.0), key
        assert not np.allclose(after[key][mask], before[key][mask]), f"{key} did not train"
    moved = [p for p, b in biases.items()
             if not np.allclose(b, next(v for v in model.trainable_weights if v.path == p))]
    assert moved, "biases are not pruned and should train"


def test_forward_uses_the_masked_kernel():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((7,)), MaskedDense(5, name="d")])
    x = np.random.default_rng(0).normal(size=(4, 7)).astype("float32")
    layer = model.layers[0]
    kernel = np.array(layer.kernel.numpy())
    mask = np.random.default_rng(1).random((7, 5)) < 0.5
    set_masks(model, {"d/kernel": mask})
    expected = x @ (kernel * mask) + np.asarray(layer.bias)
    np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5, atol=1e-6)


def test_bad_prune_kind_is_a_clear_error():
    with pytest.raises(ValueError, match=r"prune_kind='hidden'.*expected one of"):
        MaskedDense(3, prune_kind="hidden")


def test_padding_never_changes_a_reviews_logits():
    """The text CNN's max-pool skips windows that reach into the padding: the same review
    padded to 100 or to 400 tokens, alone or beside longer ones, gives the same logits."""
    from lthkit.models import text_cnn
    keras.utils.set_random_seed(0)
    model = text_cnn(vocab_size=300, max_len=400, kernel_sizes=(3, 4, 5))
    rng = np.random.default_rng(0)
    reviews = [rng.integers(2, 300, n) for n in (2, 4, 7, 60, 99)]  # shorter than a kernel too

    def padded(width):
        x = np.zeros((len(reviews), width), dtype="int32")
        for i, r in enumerate(reviews):
            x[i, :len(r)] = r
        return x

    short, long = model.predict(padded(100), verbose=0), model.predict(padded(400), verbose=0)
    np.testing.assert_array_equal(short, long)
    alone = model.predict(padded(100)[3:4], verbose=0)
    np.testing.assert_allclose(alone, short[3:4], rtol=1e-6, atol=1e-6)
    # a token placed in the padding's place would change them: the test can fail
    changed = padded(400)
    changed[3, 60:63] = 5
    assert not np.allclose(model.predict(changed, verbose=0)[3], long[3])


def test_masked_lstm_equals_keras_lstm_and_ignores_padding():
    """The masked LSTM's own loop computes what keras.layers.LSTM computes (forward and
    backward, with and without a padding mask), and the BiLSTM's logits do not depend on
    padding."""
    from lthkit.layers import MaskedLSTM
    from lthkit.models import text_lstm
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 7, 5)).astype("float32")
    mask = np.array([[1] * 7, [1] * 4 + [0] * 3, [1] * 2 + [0] * 5], bool)
    for backwards in (False, True):
        for sequences in (False, True):
            keras.utils.set_random_seed(1)
            ours = MaskedLSTM(8, return_sequences=sequences, go_backwards=backwards)
            plain = keras.layers.LSTM(8, return_sequences=sequences, go_backwards=backwards,
                                      use_cudnn=False)
            ours(x), plain(x)
            plain.set_weights([ours.cell.kernel.numpy(), ours.cell.recurrent_kernel.numpy(),
                               ours.cell.bias.numpy()])
            for m in (None, mask):
                np.testing.assert_allclose(np.asarray(ours(x, mask=m)),
                                           np.asarray(plain(x, mask=m)), atol=1e-6)
    keras.utils.set_random_seed(0)
    model = text_lstm(vocab_size=300, max_len=60, units=16)
    reviews = [rng.integers(2, 300, n) for n in (3, 20, 55)]

    def padded(width):
        out = np.zeros((3, width), dtype="int32")
        for i, r in enumerate(reviews):
            out[i, :len(r)] = r
        return out
    np.testing.assert_allclose(model.predict(padded(60), verbose=0),
                               model.predict(padded(200), verbose=0), atol=1e-6)
    moved = padded(60)
    moved[0, 10] = 7  # a token where padding was changes the logits: the test can fail
    assert not np.allclose(model.predict(moved, verbose=0)[0], model.predict(padded(60),
                                                                             verbose=0)[0])


def test_text_cnn_refuses_texts_shorter_than_its_largest_kernel():
    from lthkit._errors import LthkitError
    from lthkit.models import text_cnn
    with pytest.raises(LthkitError, match=r"max_len=3 .* largest kernel size \(5\)"):
        text_cnn(vocab_size=300, max_len=3)


@pytest.mark.parametrize("backwards", [False, True])
@pytest.mark.parametrize("padded", [False, True])
@pytest.mark.parametrize("zero_output", [False, True])
def test_jax_lstm_backward_pass_equals_autodiff(backwards, padded, zero_output):
    """The JAX loop's own backward pass gives autodiff's gradients through masked_scan,
    for the inputs, both initial states, both kernels and the bias."""
    if keras.backend.backend() != "jax":
        pytest.skip("the hand-written backward pass is the JAX backend's")
    import jax
    import jax.numpy as jnp

    from lthkit.layers.lstm import jax_scan, masked_scan
    rng = np.random.default_rng(3)
    units, dim = 6, 5
    args = [rng.normal(size=s).astype("float32") * 0.5
            for s in [(3, 7, dim), (3, units), (3, units), (dim, 4 * units),
                      (units, 4 * units), (4 * units,)]]
    mask = jnp.asarray([[1] * 7, [1] * 4 + [0] * 3, [1] * 2 + [0] * 5], bool) if padded else None
    weights = rng.normal(size=(3, 7, units)).astype("float32")  # a loss using every output

    def loss(scan):
        def f(x, h0, c0, kernel, recurrent, bias):
            last, outputs, (h, c) = scan(x, h0, c0, mask, kernel, recurrent, bias,
                                         go_backwards=backwards, zero_output_for_mask=zero_output)
            return jnp.sum(outputs * weights) + jnp.sum(h * c) + jnp.sum(last ** 2)
        return jax.value_and_grad(f, argnums=range(6))

    def autodiff(*a, go_backwards, zero_output_for_mask):
        return masked_scan(*a, keras.activations.tanh, keras.activations.sigmoid,
                           go_backwards, zero_output_for_mask)
    ours, reference = loss(jax_scan)(*args), loss(autodiff)(*args)
    np.testing.assert_allclose(ours[0], reference[0], rtol=1e-5)
    for got, want in zip(ours[1], reference[1]):
        assert np.abs(want).max() > 0
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
