"""One seam for every model: lthkit's own five are registered entries like a reader's, each
from its own file in lthkit.search.zoo, and the stored runs keep their hashes."""
import keras
import numpy as np
import pytest

from lthkit._errors import LthkitError
from lthkit.models import build_model, registry
from lthkit.store.identity import experiment_hash


def test_the_five_built_in_models_are_registered_entries_from_their_own_files():
    assert registry.names()[:5] == registry.BUILT_IN
    for name in registry.BUILT_IN:
        entry = registry.entry(name)
        assert entry.built_in and entry.builder.__name__ == name
        assert entry.builder.__module__.startswith("lthkit.models.")
        assert entry.paper.__module__ == f"lthkit.search.zoo.{name}"
        assert set(entry.presets) <= {"smoke", "quick", "full"} and entry.datasets
    assert registry.entry("text_cnn").text and registry.entry("text_cnn").ignores_padding
    assert not registry.entry("end2end").ignores_padding and registry.entry("end2end").text
    assert not registry.entry("conv6").text
    # the arguments the search fills from the data, read off the builder
    assert set(registry.entry("text_lstm").fills) == {"vocab_size", "max_len", "num_classes"}
    assert "input_shape" in registry.entry("conv6").fills


def test_stored_runs_keep_their_hashes_through_the_registry():
    from lthkit.search import target
    pinned = {"lenet_300_100": "041c232c2612", "text_cnn/imdb": "cf395eac5fb2",
              "text_cnn/ag_news": "fe48e46f953a", "end2end": "f09916476eff",
              "text_lstm/imdb": "b3a5746bc1df"}
    for name, digest in pinned.items():
        assert experiment_hash(target(name, "full")) == digest, name


def test_a_model_that_is_not_registered_is_refused_naming_the_registered_ones():
    with pytest.raises(LthkitError, match="model=.*one of lenet_300_100, conv6"):
        build_model("resnet50")
    from lthkit.search import default_experiment
    with pytest.raises(LthkitError, match="'imdb' or 'ag_news' for text_cnn"):
        default_experiment("text_cnn", "mnist")


def test_a_readers_model_becomes_one_entry_and_a_target():
    from lthkit.search import register_model, target

    def wide_mlp(input_shape=(28, 28, 1), num_classes=10, width=8):
        inputs = keras.Input(input_shape)
        x = keras.layers.Dense(width, activation="relu")(keras.layers.Flatten()(inputs))
        return keras.Model(inputs, keras.layers.Dense(num_classes)(x))

    register_model("wide_mlp_registry_test", wide_mlp, {"dataset": "mnist", "rounds": 2},
                   presets={"smoke": {"n_train": 300}}, replace=True)
    entry = registry.entry("wide_mlp_registry_test")
    assert not entry.built_in and entry.datasets == ("mnist",) and not entry.text
    assert entry.fills == ("input_shape", "num_classes")
    exp = target("wide_mlp_registry_test", "smoke")
    assert exp.model.name == "wide_mlp_registry_test" and exp.data.n_train == 300
    # bad defaults leave the registry as it was
    with pytest.raises(LthkitError):
        register_model("wide_mlp_registry_test", wide_mlp, {"dataset": "mnist", "rounds": -1},
                       replace=True)
    assert registry.entry("wide_mlp_registry_test") is entry
    with pytest.raises(LthkitError, match="not taken"):
        register_model("conv6", wide_mlp, {"dataset": "cifar10"}, replace=True)


def test_a_readers_layer_kind_is_registered_and_pruned_by_its_own_rate():
    from lthkit import pruning
    from lthkit.layers import MaskedDense, register_prune_kind
    from lthkit.pruning.prune import check_rates
    with pytest.raises(LthkitError, match="prune_kind"):
        MaskedDense(4, prune_kind="gate_proj")
    with pytest.raises(LthkitError, match="a layer kind among"):
        check_rates({"gate_proj": 0.5})
    register_prune_kind("gate_proj")
    layer = MaskedDense(4, prune_kind="gate_proj", name="proj")
    inputs = keras.Input((8,))
    model = keras.Model(inputs, layer(inputs))
    weights = pruning.kernel_weights(model)
    masks = {k: np.ones_like(w) for k, w in weights.items()}
    new = pruning.prune(weights, masks, {"gate_proj": 0.5}, kinds=pruning.kinds(model))
    assert new["proj/kernel"].mean() == pytest.approx(0.5)
    with pytest.raises(LthkitError, match="kind"):
        register_prune_kind("not a name")
