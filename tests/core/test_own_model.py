"""lthkit on a reader's own Keras model and data: `lthkit.masked`, `from_arrays`,
`experiment_for` and `register_model`."""
import warnings

import keras
import numpy as np
import pytest

import lthkit
from lthkit._errors import LthkitError
from lthkit.data import from_arrays
from lthkit.pruning import get_masks, kernel_weights, kinds, set_masks
from lthkit.search import experiment_for, register_model, run_search
from lthkit.store import ResultStore, experiment_hash


def text_model():
    """Every layer kind `masked` handles, and a norm and a pool it must leave alone."""
    tokens = keras.Input((12,), dtype="int32")
    x = keras.layers.Embedding(40, 8)(tokens)
    x = keras.layers.Bidirectional(keras.layers.LSTM(6, return_sequences=True))(x)
    x = keras.layers.GRU(6, return_sequences=True)(x)
    x = keras.layers.Conv1D(6, 3, padding="same")(x)
    x = keras.layers.MultiHeadAttention(2, 4)(x, x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = keras.layers.LayerNormalization()(x)
    x = keras.layers.Dense(8, activation="relu", name="hidden")(x)
    return keras.Model(tokens, keras.layers.Dense(3)(x))


def tokens(n=16, seed=0):
    return np.random.default_rng(seed).integers(0, 40, size=(n, 12)).astype("int32")


def test_masked_clone_has_the_same_outputs_and_masks_every_kind():
    keras.utils.set_random_seed(0)
    model = text_model()
    clone = lthkit.masked(model)
    x = tokens()
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(model(x)), atol=1e-5)
    by_kind = {}
    for key, kind in kinds(clone).items():
        by_kind.setdefault(kind, []).append(key)
    assert set(by_kind) == {"embedding", "lstm", "gru", "conv", "attention", "dense", "output"}
    assert len(by_kind["lstm"]) == 4  # both directions, input and recurrent kernels
    assert len(by_kind["attention"]) == 4  # query, key, value, output projections
    assert not any("norm" in key or "bias" in key for key in kinds(clone))
    assert model.layers[-1].__class__.__name__ == "Dense"  # the original is left as it was


def test_pruned_weights_of_every_kind_stay_zero_while_training():
    keras.utils.set_random_seed(1)
    clone = lthkit.masked(text_model())
    rng = np.random.default_rng(0)
    masks = {k: rng.random(w.shape) < 0.5 for k, w in kernel_weights(clone).items()}
    set_masks(clone, masks)
    clone.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    clone.fit(tokens(64), rng.integers(0, 3, 64), epochs=2, batch_size=16, verbose=0)
    for key, w in kernel_weights(clone).items():
        assert np.all(w[~masks[key]] == 0.0), key
        assert np.any(w[masks[key]] != 0.0), key


def test_a_masked_clone_round_trips_through_a_keras_file(tmp_path):
    keras.utils.set_random_seed(2)
    clone = lthkit.masked(text_model())
    masks = {k: np.arange(w.size).reshape(w.shape) % 3 > 0
             for k, w in kernel_weights(clone).items()}
    set_masks(clone, masks)
    clone.save(tmp_path / "ticket.keras")
    again = keras.saving.load_model(tmp_path / "ticket.keras")
    x = tokens()
    np.testing.assert_allclose(np.asarray(again(x)), np.asarray(clone(x)), atol=1e-5)
    for key, mask in get_masks(again).items():
        np.testing.assert_array_equal(mask, masks[key])


def test_layers_left_alone_by_exclude_or_their_prunable_attribute():
    keras.utils.set_random_seed(3)
    model = text_model()
    clone = lthkit.masked(model, exclude=["hidden"])
    assert type(clone.get_layer("hidden")).__name__ == "Dense"
    assert not any(k.startswith("hidden/") for k in kinds(clone))
    model.get_layer("hidden").prunable = False
    assert type(lthkit.masked(model).get_layer("hidden")).__name__ == "Dense"
    with pytest.raises(LthkitError, match=r"prunable\['nope'\] is not allowed: the model has "
                                          r"no layer 'nope'"):
        lthkit.masked(model, exclude=["nope"])


def test_a_layer_it_cannot_mask_is_named_in_one_warning():
    inp = keras.Input((4, 4, 4, 1))
    x = keras.layers.Flatten()(keras.layers.Conv3D(2, 2, name="vol")(inp))
    model = keras.Model(inp, keras.layers.Dense(2)(x))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lthkit.masked(model)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert len(messages) == 1 and "vol (Conv3D)" in messages[0] and "it masks Dense" in messages[0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lthkit.masked(model, exclude=["vol"])  # said so: no warning
    assert not [w for w in caught if issubclass(w.category, UserWarning)]
    with pytest.raises(LthkitError, match="cannot mask a Conv3D layer"):
        lthkit.masked(model, prunable={"vol": True})


def test_a_subclassed_model_is_refused_in_one_line():
    class Mine(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = keras.layers.Dense(2)

        def call(self, x):
            return self.d(x)

    with pytest.raises(LthkitError, match="clones Sequential and functional models"):
        lthkit.masked(Mine())


# -- the search on a reader's model and arrays -------------------------------------------
def arrays(n=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10)).astype("float32")
    y = (x @ rng.normal(size=(10, 3))).argmax(1)
    return x, y


def mlp(width=32):
    def build():
        inputs = keras.Input((10,))
        x = keras.layers.Dense(width, activation="relu")(inputs)
        return keras.Model(inputs, keras.layers.Dense(3)(x))
    return build


def test_from_arrays_takes_pairs_tf_data_and_pydatasets():
    import tensorflow as tf
    x, y = arrays()
    a = from_arrays((x[:300], y[:300]), (x[300:], y[300:]), validation=0.2, seed=1)
    assert (len(a.x_train), len(a.x_val), len(a.x_test)) == (240, 60, 100)
    assert a.num_classes == 3 and a.info.settings["sha256"]
    b = from_arrays(tf.data.Dataset.from_tensor_slices((x[:300], y[:300])).batch(64),
                    (x[300:], y[300:]), validation=0.2, seed=1)
    assert b.info.settings["sha256"] == a.info.settings["sha256"]

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 100:(i + 1) * 100], y[i * 100:(i + 1) * 100]

    c = from_arrays(Batches(), (x[300:], y[300:]), validation=0.2, seed=1)
    assert c.info.settings["sha256"] == a.info.settings["sha256"]
    with pytest.raises(LthkitError, match="train"):
        from_arrays((x[:300], y[:10]), (x[300:], y[300:]))


def test_the_search_runs_on_a_readers_model_and_its_identity_covers_both(tmp_path):
    x, y = arrays()
    data = from_arrays((x[:300], y[:300]), (x[300:], y[300:]), validation=0.2)
    exp = experiment_for(mlp(), data, training="2ep", rounds=2, controls=("reinit",),
                         name="mine")
    table = run_search(exp, ResultStore(tmp_path), data=data, quiet=True)
    main = table[table["branch"] == "main"].sort_values("round")
    assert list(main["round"]) == [0, 1, 2]
    # 20 % of every layer per round: the output layer too (a reader's default)
    assert main["remaining_fraction"].iloc[1] == pytest.approx(0.8, abs=0.01)
    assert set(table["branch"]) == {"main", "reinit"}
    # the same network built again (Keras names it dense_N + 2 now) is the same experiment
    def hash_of(build, d):
        return experiment_hash(experiment_for(build, d, training="2ep", rounds=2, name="mine"))
    assert hash_of(mlp(), data) == experiment_hash(exp)
    assert hash_of(mlp(33), data) != experiment_hash(exp)
    other = from_arrays((x[:300], y[:300]), (x[300:], y[300:]), validation=0.25)
    assert hash_of(mlp(), other) != experiment_hash(exp)
    with pytest.raises(LthkitError, match="are not the ones experiment"):
        run_search(exp, ResultStore(tmp_path), data=other, quiet=True)


def test_excluded_layers_of_a_readers_model_are_named_as_stored():
    x, y = arrays()
    data = from_arrays((x[:300], y[:300]), (x[300:], y[300:]), validation=0.2)
    build = mlp()
    for _ in range(2):
        build()  # Keras's automatic names move on: dense_4, dense_5, ...
    model = build()
    first = model.layers[1].name
    exp = experiment_for(model, data, exclude=[first], rounds=1)
    assert exp.model.prunable == {"dense": False}


def test_experiment_for_refuses_unknown_knobs_and_wrong_labels(tmp_path):
    x, y = arrays()
    data = from_arrays((x[:300], y[:300] + 5), (x[300:], y[300:]), validation=0.2)
    with pytest.raises(LthkitError, match="hidden"):
        experiment_for(mlp(), data, hidden=(3,))
    exp = experiment_for(mlp(), data, training="1ep", rounds=1)
    with pytest.raises(LthkitError, match="labels from"):
        run_search(exp, ResultStore(tmp_path), data=data, quiet=True)


def test_register_model_makes_a_builder_a_model_of_lthkits_own(tmp_path):
    from lthkit.search import experiment

    def tiny_mlp(input_shape=(28, 28, 1), num_classes=10, width=16):
        inputs = keras.Input(input_shape)
        x = keras.layers.Dense(width, activation="relu")(keras.layers.Flatten()(inputs))
        return keras.Model(inputs, keras.layers.Dense(num_classes)(x))

    register_model("tiny_mlp_test", tiny_mlp, {"dataset": "mnist", "training": "1ep",
                                               "rounds": 2},
                   presets={"smoke": {"n_train": 300, "validation": 100, "n_test": 100}},
                   replace=True)
    exp = experiment("tiny_mlp_test", "smoke", rounds=1, controls=())
    assert exp.model.name == "tiny_mlp_test" and exp.data.n_train == 300
    with pytest.raises(LthkitError, match="lenet_300_100"):
        register_model("lenet_300_100", tiny_mlp, {"dataset": "mnist"})


def small_cnn():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.Dense(16, activation="relu")(keras.layers.Flatten()(x))
    return keras.Model(inputs, keras.layers.Dense(4)(x))


def test_a_stopped_search_of_a_readers_cnn_resumes_to_the_uninterrupted_result(tmp_path):
    from conftest import make_data
    d = make_data(n_train=300, n_val=60, n_test=60)
    data = from_arrays((d.x_train, d.y_train), (d.x_test, d.y_test), val=(d.x_val, d.y_val))
    exp = experiment_for(small_cnn, data, training="2ep", rounds=2, controls=("random",))
    whole = run_search(exp, tmp_path / "whole", data=data, quiet=True)
    # stopped after round 1 (what a killed run has left), then resumed
    run_search(exp.replace(search={"rounds": 1}), tmp_path / "parts", data=data, quiet=True)
    resumed = run_search(exp, tmp_path / "parts", data=data, quiet=True)
    columns = ["branch", "round", "remaining_fraction", "test_accuracy",
               "early_stop_test_accuracy", "early_stop_iteration"]
    key = ["branch", "round"]
    a = whole[columns].sort_values(key).reset_index(drop=True)
    b = resumed[columns].sort_values(key).reset_index(drop=True)
    assert len(a) == 5  # dense, two ticket rounds, two random-pruning rounds
    import pandas as pd
    pd.testing.assert_frame_equal(a, b)


def test_the_readme_example_runs(tmp_path, monkeypatch):
    """The README's own-model example, as written, but on a smaller slice of MNIST."""
    import re
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Your own model, your own data"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "experiment_for(small_cnn, data" in code and "run_search(exp" in code
    code = code.replace("n_train=3000, n_test=1000", "n_train=600, n_test=200")
    code = code.replace('training="2ep", rounds=3', 'training="1ep", rounds=2')
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)
    table = namespace["table"]
    assert set(table["branch"]) == {"main", "reinit", "random"}
    assert sorted(set(table["round"])) == [0, 1, 2]
    assert (tmp_path / "runs" / "small_cnn").is_dir()


PLUGIN = '''
import keras
from lthkit.search import register_model


def plugin_mlp(input_shape=(28, 28, 1), num_classes=10, width=16):
    inputs = keras.Input(input_shape)
    x = keras.layers.Dense(width, activation="relu")(keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Dense(num_classes)(x))


register_model("plugin_mlp", plugin_mlp, {"dataset": "mnist", "training": "1ep",
                                          "rounds": 1, "controls": ()},
               presets={"smoke": {"n_train": 300, "validation": 100, "n_test": 100}})
'''


def test_the_command_line_imports_a_module_that_registers_a_model(tmp_path):
    import os
    import subprocess
    import sys
    (tmp_path / "my_models.py").write_text(PLUGIN)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "KERAS_BACKEND": "jax"}
    command = [sys.executable, "-m", "lthkit.search", "plugin_mlp", "--import", "my_models",
               "--profile", "smoke", "--store", str(tmp_path / "store"), "--quiet"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list((tmp_path / "store").rglob("metrics.json"))) == 2  # dense and round 1
    missing = subprocess.run(command[:3] + ["plugin_mlp", "--import", "no_such_module"],
                             capture_output=True, text=True, env=env, timeout=600)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines()[-1].startswith(
        "python -m lthkit.search: --import 'no_such_module': cannot import it")


def test_a_model_with_nothing_to_mask_and_data_of_the_wrong_shape_are_refused(tmp_path):
    inputs = keras.Input((10,))
    nothing = keras.Model(inputs, keras.layers.Activation("relu")(inputs))
    with pytest.raises(LthkitError, match="has no layer lthkit can mask: it masks Dense"):
        lthkit.masked(nothing)
    x, y = arrays()
    wide = from_arrays((np.concatenate([x, x], 1)[:300], y[:300]),
                       (np.concatenate([x, x], 1)[300:], y[300:]), validation=0.2)
    exp = experiment_for(mlp(), wide, training="1ep", rounds=1)
    with pytest.raises(LthkitError, match=r"x_train.shape=\(240, 20\) is not allowed: "
                                          r"expected \(n, 10\)"):
        run_search(exp, tmp_path, data=wide, quiet=True)


def test_what_a_reader_leaves_unpruned_is_part_of_the_identity():
    x, y = arrays()
    data = from_arrays((x[:300], y[:300]), (x[300:], y[300:]), validation=0.2)
    all_of_it = experiment_for(mlp(), data, rounds=1)
    assert experiment_hash(experiment_for(mlp(), data, rounds=1)) == experiment_hash(all_of_it)
    assert experiment_hash(experiment_for(mlp(), data, rounds=1, exclude=["dense"])) != \
        experiment_hash(all_of_it)


def transformer(explicit=True, vocab=40, d=8):
    """A 2-block Transformer encoder as chapter 04b builds it (keras.ops in the graph for the
    positions and the padding mask); `explicit=False` leaves padding to Keras's implicit
    masks (Embedding(mask_zero=True)), which do not survive the residual after attention."""
    tokens_in = keras.Input((None,), dtype="int32")
    real = keras.ops.not_equal(tokens_in, 0)
    counts = keras.ops.cast(real, "int32")
    positions = keras.ops.cumsum(counts, axis=1) * counts
    x = keras.layers.Add()([
        keras.layers.Embedding(vocab, d, mask_zero=not explicit, name="token_embedding")(
            tokens_in),
        keras.layers.Embedding(13, d, mask_zero=not explicit, name="position_embedding")(
            positions)])
    for b in range(2):
        mask = {"attention_mask": keras.ops.expand_dims(real, 1)} if explicit else {}
        a = keras.layers.MultiHeadAttention(2, d // 2, name=f"attention_{b}")(x, x, **mask)
        x = keras.layers.LayerNormalization()(keras.layers.Add()([x, a]))
        h = keras.layers.Dense(d, name=f"ff_{b}")(x)
        x = keras.layers.LayerNormalization()(keras.layers.Add()([x, h]))
    pooled = keras.layers.GlobalAveragePooling1D()(x, **({"mask": real} if explicit else {}))
    return keras.Model(tokens_in, keras.layers.Dense(2, name="classifier")(pooled))


def padded_texts(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(2, 40, size=(n, 12)).astype("int32")
    for row, length in zip(x, rng.integers(3, 13, size=n)):
        row[length:] = 0
    return x, (x[:, 0] % 2).astype("int32")


def test_a_transformer_built_in_plain_keras_searches_with_bucketed_batches(tmp_path):
    x, y = padded_texts(200)
    data = from_arrays((x[:150], y[:150]), (x[150:], y[150:]), validation=0.2)
    model = transformer()
    clone = lthkit.masked(model)
    assert set(kinds(clone).values()) >= {"embedding", "attention", "dense", "output"}
    # the padding changes nothing, in the clone as in the model
    short = x[:8, :12]
    wider = np.zeros((8, 20), dtype="int32")
    wider[:, :12] = short
    np.testing.assert_allclose(np.asarray(clone(short)), np.asarray(clone(wider)), atol=1e-5)
    exp = experiment_for(model, data, training="2ep", rounds=2, strategy="global",
                         batching="bucket", controls=("reinit", "random"), name="encoder")
    store = ResultStore(tmp_path)
    table = run_search(exp, store, data=data, quiet=True)
    assert set(table["branch"]) == {"main", "reinit", "random"}
    layers = store.layer_table(exp)
    parts = {"embeddings": "_embedding/", "attention": "^attention_", "rest": "."}
    by_part = lthkit.analysis.remaining_by_part(layers, parts)
    last = by_part[(by_part["branch"] == "main") & (by_part["round"] == 2)]
    assert list(last["layer"]) == list(parts)
    # global pruning: 64 % of all the weights, however the parts share it
    assert last["remaining"].sum() == pytest.approx(0.64 * last["size"].sum(), abs=2)
    # Keras's implicit masks alone: the model's outputs change with the padding, refused
    with pytest.raises(LthkitError, match="change with the padding"):
        run_search(experiment_for(transformer(explicit=False), data, training="1ep",
                                  rounds=1, batching="bucket", name="implicit"),
                   store, data=data, quiet=True)
