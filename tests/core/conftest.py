"""Small synthetic data for the core invariants: learnable, so training moves weights."""
import types

import numpy as np
import pytest


def make_data(n_train=600, n_val=120, n_test=120, shape=(8, 8, 1), classes=4, seed=0):
    rng = np.random.default_rng(seed)
    proj = rng.normal(size=(int(np.prod(shape)), classes))

    def split(n):
        x = rng.normal(size=(n,) + shape).astype("float32")
        y = (x.reshape(n, -1) @ proj).argmax(1).astype("int64")
        return x, y

    (xt, yt), (xv, yv), (xs, ys) = split(n_train), split(n_val), split(n_test)
    return types.SimpleNamespace(x_train=xt, y_train=yt, x_val=xv, y_val=yv, x_test=xs,
                                 y_test=ys, num_classes=classes, vocab=None)


@pytest.fixture(scope="session")
def tiny_data():
    return make_data()


def tiny_experiment(**search):
    from lthkit.search import default_experiment
    return default_experiment("lenet_300_100").replace(
        model={"kwargs": {"hidden": (32, 16)}},
        train={"training": "60it", "eval_every": "20it", "batch_size": 30},
        search={"rounds": 2, "replicates": 1, "controls": (), **search})
