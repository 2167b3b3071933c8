"""Mask criteria: each score against a value computed by hand (or by finite differences) on
a tiny network, SynFlow's conservation, the iterative cut's exact counts, the registry."""
import keras
import numpy as np
import pytest
from keras import ops

from lthkit._errors import LthkitError
from lthkit.layers import MaskedDense, MaskedEmbedding
from lthkit.pruning import (CRITERIA, ScoreContext, get_masks, kernel_weights, next_masks,
                            prune, register_criterion)
from lthkit.pruning.criteria import score


def mse(y, out):
    return ops.mean(ops.square(ops.reshape(out, (-1,)) - ops.cast(y, out.dtype)))


def linear(n_in=4, seed=0):
    """One masked dense layer, no bias: out = x W."""
    keras.utils.set_random_seed(seed)
    x = keras.Input((n_in,))
    return keras.Model(x, MaskedDense(1, use_bias=False, name="out")(x))


def deep(n_in=4, act=None, bias=False, seed=0):
    keras.utils.set_random_seed(seed)
    x = keras.Input((n_in,))
    h = MaskedDense(5, activation=act, use_bias=bias, name="h1")(x)
    h = MaskedDense(3, activation=act, use_bias=bias, name="h2")(h)
    return keras.Model(x, MaskedDense(1, use_bias=bias, name="out")(h))


def batch(n=6, n_in=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)).astype("float32"), rng.normal(size=n).astype("float32")


def context(model, batches=None, **kw):
    w = kernel_weights(model)
    return ScoreContext(w, get_masks(model), model=model, batches=batches, loss=mse, **kw)


def test_snip_is_the_loss_gradient_times_the_weight():
    model = linear()
    x, y = batch()
    w = kernel_weights(model)["out/kernel"][:, 0]
    grad = 2 / len(x) * x.T @ (x @ w - y)  # d mean((xw - y)^2) / dw, by hand
    got = score("snip", context(model, [(x, y)]))["out/kernel"][:, 0]
    np.testing.assert_allclose(got, np.abs(grad * w), rtol=1e-4)


def test_grasp_is_the_weight_times_the_hessian_gradient_product():
    model = linear()
    x, y = batch()
    w = kernel_weights(model)["out/kernel"][:, 0]
    grad = 2 / len(x) * x.T @ (x @ w - y)
    hessian = 2 / len(x) * x.T @ x
    # with the logits divided by T = 200 (GraSP's temperature), the loss is
    # mean((xw / T - y)^2): g = 2/N x^T (xw/T - y) / T, H = 2/N x^T x / T^2
    t = 200.0
    grad = 2 / len(x) * x.T @ (x @ w / t - y) / t
    hessian = 2 / len(x) * x.T @ x / t ** 2
    got = score("grasp", context(model, [(x, y)]))["out/kernel"][:, 0]
    # GraSP's S = -w * Hg removes the highest S; lthkit's score is -S, lowest removed
    np.testing.assert_allclose(got, w * (hessian @ grad), rtol=1e-4)


def test_grasp_matches_finite_differences_on_a_nonlinear_network():
    from lthkit.pruning.criteria import GRASP_TEMPERATURE, _loss_objective
    model = deep(act="tanh", bias=True)
    x, y = batch()
    ctx = context(model, [(x, y)])
    t = GRASP_TEMPERATURE
    g = _loss_objective(ctx, t).gradient()
    got = score("grasp", ctx)
    eps = 2.0
    plus, minus = ({k: w + s * eps * g[k] for k, w in ctx.weights.items()} for s in (1, -1))
    hg = {k: (_loss_objective(ScoreContext(plus, ctx.masks, model=model, batches=[(x, y)],
                                           loss=mse), t).gradient()[k] -
              _loss_objective(ScoreContext(minus, ctx.masks, model=model, batches=[(x, y)],
                                           loss=mse), t).gradient()[k]) / (2 * eps)
          for k in ctx.weights}
    for k, w in ctx.weights.items():
        scale = np.abs(got[k]).max()
        assert scale > 0
        np.testing.assert_allclose(got[k] / scale, w * hg[k] / scale, rtol=0.05, atol=1e-3)


def test_synflow_by_hand_and_its_conservation():
    """Bias-free: R = 1^T |W1| |W2| |W3| 1; each layer's scores sum to R."""
    model = deep(act="relu")
    w = kernel_weights(model)
    a1, a2, a3 = (np.abs(w[k]).astype("float64") for k in ("h1/kernel", "h2/kernel",
                                                             "out/kernel"))
    ones = np.ones(4)
    r = ones @ a1 @ a2 @ a3
    got = score("synflow", context(model))
    np.testing.assert_allclose(got["h1/kernel"], a1 * (a2 @ a3).T, rtol=1e-4)
    np.testing.assert_allclose(got["out/kernel"], a3 * (ones @ a1 @ a2)[:, None], rtol=1e-4)
    for k in got:
        np.testing.assert_allclose(got[k].sum(), r.item(), rtol=1e-4)


def test_synflow_on_text_feeds_the_embeddings_column_sums():
    keras.utils.set_random_seed(0)
    ids = keras.Input((3,), dtype="int32")
    e = MaskedEmbedding(7, 2, name="emb")(ids)
    model = keras.Model(ids, MaskedDense(1, use_bias=False, name="out")(
        keras.layers.Flatten()(e)))
    w = kernel_weights(model)
    masks = get_masks(model)
    masks["emb/embeddings"][2, 1] = False  # a pruned entry counts for nothing
    table = np.abs(np.where(masks["emb/embeddings"], w["emb/embeddings"], 0))
    out = np.abs(w["out/kernel"][:, 0]).reshape(3, 2)  # position, dimension
    s = table.sum(0)
    got = score("synflow", ScoreContext(w, masks, model=model))
    np.testing.assert_allclose(got["emb/embeddings"], table * out.sum(0), rtol=1e-5)
    np.testing.assert_allclose(got["out/kernel"][:, 0], (out * s).reshape(-1), rtol=1e-5)
    r = (out * s).sum()
    for k in got:
        np.testing.assert_allclose(got[k][masks[k]].sum(), r, rtol=1e-5)
    assert got["emb/embeddings"][2, 1] == 0


@pytest.mark.parametrize("strategy,rates", [("layerwise", 0.8), ("global", 0.8)])
def test_iterative_synflow_cuts_to_the_exact_counts_of_one_cut(strategy, rates):
    from lthkit.pruning.prune import n_to_prune
    model = deep(act="relu")
    ctx = context(model)
    masks = next_masks("synflow", ctx, rates, strategy=strategy)
    start = {k: m.size for k, m in ctx.masks.items()}
    if strategy == "global":
        total = sum(start.values())
        assert sum(int(m.sum()) for m in masks.values()) == total - n_to_prune(rates, total)
    else:
        assert {k: int(m.sum()) for k, m in masks.items()} == {
            k: n - n_to_prune(rates, n) for k, n in start.items()}
    # nested: a further cut from these masks keeps a subset
    again = next_masks("synflow", ScoreContext(ctx.weights, masks, model=model), 0.5,
                       strategy=strategy)
    assert all((again[k] <= masks[k]).all() for k in masks)


def test_a_registered_criterion_is_used_by_name_and_bad_ones_are_refused():
    @register_criterion("smallest_first_test", "keeps the smallest weights")
    def smallest(ctx):
        return {k: -np.abs(w) for k, w in ctx.weights.items()}
    try:
        w = {"a": np.array([[0.1, -3.0, 2.0, 0.5]])}
        masks = prune(w, {"a": np.ones((1, 4), bool)}, 0.5, criterion="smallest_first_test")
        assert masks["a"].tolist() == [[True, False, False, True]]
        from lthkit.search import default_experiment
        exp = default_experiment("lenet_300_100")
        assert exp.replace(prune={"criterion": "smallest_first_test"}).prune.criterion == \
            "smallest_first_test"
    finally:
        CRITERIA.pop("smallest_first_test")
    with pytest.raises(ValueError, match=r"criterion='largest'.*one of 'magnitude'"):
        exp.replace(prune={"criterion": "largest"})
    with pytest.raises(ValueError, match="needs"):
        register_criterion("x_test", "", needs=("gpu",))
    with pytest.raises(LthkitError, match="needs a model and batches"):
        prune(w, {"a": np.ones((1, 4), bool)}, 0.5, criterion="snip")
    with pytest.raises(LthkitError, match="'snip' needs batches, loss"):
        score("snip", ScoreContext(w, {"a": np.ones((1, 4), bool)}, model=linear()))


def test_a_search_prunes_at_initialization_with_the_criteria_that_need_the_model(tiny_data,
                                                                                tmp_path):
    """One-shot levels scored at initialization (mask_after="0it"): SNIP's level-1 mask is
    the one next_masks gives on the initialized model and the replicate's first batch; every
    level keeps the exact counts; a bad score_batches is refused before anything trains."""
    from conftest import tiny_experiment
    from lthkit.search import TicketSearch
    from lthkit.search.train import loss_and_metric
    from lthkit.store import ResultStore
    from lthkit.pruning import restore, set_masks
    store = ResultStore(tmp_path)
    base = tiny_experiment(mode="oneshot", mask_after="0it", rounds=2, controls=())
    stored = {}
    for name in ("snip", "grasp", "synflow"):
        exp = base.replace(prune={"criterion": name})
        search = TicketSearch(exp, store, data=tiny_data, quiet=True)
        search.run()
        stored[name] = store.masks(exp, 0, "main", 1)
        assert store.masks(exp, 0, "main", 2) is not None  # passes the store's count check
    search.setup()
    init = search.dense_weights(0, "init", prunable_only=False)
    set_masks(search.model, search.ones())
    restore(search.model, init)
    stream = search.trainer.stream(search.seeds(0)[1], 0, 1)
    ctx = ScoreContext(kernel_weights(search.model), search.ones(), model=search.model,
                       batches=[stream[0]], loss=loss_and_metric(search.model)[0])
    expected = next_masks("snip", ctx, base.prune.rates, kinds=search.kinds)
    assert all((stored["snip"][k] == expected[k]).all() for k in expected)
    assert any((stored["snip"][k] != stored["grasp"][k]).any() for k in expected)
    with pytest.raises(ValueError, match="score_batches=0"):
        base.replace(prune={"criterion": "snip", "score_batches": 0})


def test_the_shuffle_control_keeps_each_layers_count_at_other_positions(tiny_data, tmp_path):
    from conftest import tiny_experiment
    from lthkit.search import TicketSearch
    from lthkit.store import ResultStore
    store = ResultStore(tmp_path)
    exp = tiny_experiment(rounds=2, controls=("shuffle",))
    table = TicketSearch(exp, store, data=tiny_data, quiet=True).run()
    assert sorted(table["branch"].unique()) == ["main", "shuffle"]
    for r in (1, 2):
        ticket, shuffled = (store.masks(exp, 0, b, r) for b in ("main", "shuffle"))
        assert shuffled is not None  # stored, and not refused as "not nested"
        assert {k: int(m.sum()) for k, m in ticket.items()} == \
            {k: int(m.sum()) for k, m in shuffled.items()}
        assert any((ticket[k] != shuffled[k]).any() for k in ticket)


def test_a_registered_control_is_named_and_coloured_in_tables_and_charts():
    import pandas as pd
    from lthkit.analysis import BRANCH_NAMES, series_labels
    from lthkit.plots.charts import _color, branch_colors
    from lthkit.search.controls import CONTROLS, register_control

    @register_control("flipped_test", "the ticket's mask upside down", label="flipped mask",
                      color="#17becf", same_counts=True)
    def flipped(level):
        return level.rewind_weights, {k: m[::-1].copy() for k, m in level.ticket_masks.items()}
    try:
        assert BRANCH_NAMES["flipped_test"] == "flipped mask"
        table = pd.DataFrame({"branch": ["main", "flipped_test", "shuffle"]})
        assert series_labels(table).tolist() == ["IMP ticket", "flipped mask",
                                                 "layerwise shuffle"]
        assert branch_colors()["flipped mask"] == "#17becf"
        scale = _color(["IMP ticket", "flipped mask", "something else"]).to_dict()["scale"]
        assert scale["domain"] == ["IMP ticket", "flipped mask", "something else"]
        assert scale["range"][:2] == ["#1f77b4", "#17becf"]
        assert "#17becf" not in scale["range"][2:]  # another line gets another colour
    finally:
        CONTROLS.pop("flipped_test")
    assert "flipped_test" not in BRANCH_NAMES
    with pytest.raises(ValueError, match="color"):
        register_control("x_test", "", color="blue")
