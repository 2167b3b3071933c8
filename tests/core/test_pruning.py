"""The pruning function: exact counts, nesting, ties, criteria, and its errors."""
import numpy as np
import pytest

from lthkit.pruning import (kept_after_rounds, n_to_prune, oneshot_rounds_for, prune,
                            random_masks)

KINDS = {"conv/kernel": "conv", "dense/kernel": "dense", "output/kernel": "output"}
RATES = {"conv": 0.15, "dense": 0.2, "output": 0.1}


def weights(seed=0):
    rng = np.random.default_rng(seed)
    return {"conv/kernel": rng.normal(size=(3, 3, 4, 8)),
            "dense/kernel": rng.normal(size=(50, 30)),
            "output/kernel": rng.normal(size=(30, 10))}


def ones(w):
    return {k: np.ones(v.shape, bool) for k, v in w.items()}


def imp(w, rounds, **kw):
    masks, history = ones(w), []
    for _ in range(rounds):
        masks = prune(w, masks, RATES, kinds=KINDS, **kw)
        history.append(masks)
    return history


def test_counting_rule_matches_the_spec_table():
    # SPEC: 20 % per round leaves 0.8**n; sparsity 20, 36, 48.8, ... 89.3 % (rounds 1..10).
    n = 1_000_000
    for rounds, expected in [(1, 20.0), (2, 36.0), (3, 48.8), (10, 89.3), (16, 97.2)]:
        assert 100 * (1 - kept_after_rounds(n, 0.2, rounds) / n) == pytest.approx(expected, abs=0.05)
    assert n_to_prune(0.1, 5) == 1 and n_to_prune(0.1, 4) == 0 and n_to_prune(0.2, 0) == 0


@pytest.mark.parametrize("rounds", [1, 3, 8])
def test_per_layer_sparsity_is_exact_after_n_rounds(rounds):
    w = weights()
    masks = imp(w, rounds)[-1]
    for key, kind in KINDS.items():
        assert masks[key].sum() == kept_after_rounds(w[key].size, RATES[kind], rounds), key


def test_masks_are_nested_and_keep_the_largest_magnitudes():
    w = weights()
    history = imp(w, 6)
    for before, after in zip(history, history[1:]):
        for key in w:
            assert not np.any(after[key] & ~before[key]), "a pruned weight came back"
    for key, mask in history[-1].items():
        assert np.abs(w[key][mask]).min() >= np.abs(w[key][~mask]).max()


def test_only_remaining_weights_count():
    # A pruned weight with a huge magnitude must not be counted or revived.
    w = weights()
    masks = ones(w)
    masks["dense/kernel"][0, :5] = False
    w["dense/kernel"][0, :5] = 1e6
    new = prune(w, masks, RATES, kinds=KINDS)
    remaining = masks["dense/kernel"].sum()
    assert new["dense/kernel"].sum() == remaining - n_to_prune(0.2, remaining)
    assert not new["dense/kernel"][0, :5].any()


def test_ties_are_cut_to_the_exact_count_deterministically():
    w = {"dense/kernel": np.ones((10, 10))}
    a = prune(w, ones(w), 0.37)
    b = prune(w, ones(w), 0.37)
    assert a["dense/kernel"].sum() == 100 - 37
    np.testing.assert_array_equal(a["dense/kernel"], b["dense/kernel"])


def test_negative_weights_are_ranked_by_magnitude():
    w = {"dense/kernel": np.array([[-5.0, 0.1, -0.2, 4.0, -0.01]])}
    new = prune(w, ones(w), 0.6)
    np.testing.assert_array_equal(new["dense/kernel"], [[True, False, False, True, False]])


def test_inputs_are_not_modified():
    w = weights()
    masks = ones(w)
    copies = {k: v.copy() for k, v in masks.items()}
    prune(w, masks, RATES, kinds=KINDS)
    for k in masks:
        np.testing.assert_array_equal(masks[k], copies[k])


def test_global_strategy_uses_one_threshold():
    w = weights()
    new = prune(w, ones(w), 0.5, strategy="global")
    total = sum(v.size for v in w.values())
    assert sum(m.sum() for m in new.values()) == total - n_to_prune(0.5, total)
    kept = np.concatenate([np.abs(w[k][new[k]]) for k in w])
    dropped = np.concatenate([np.abs(w[k][~new[k]]) for k in w])
    assert kept.min() >= dropped.max()


def test_criteria_differ_but_keep_the_same_counts():
    trained, init = weights(0), weights(1)
    by = {c: prune(trained, ones(trained), RATES, kinds=KINDS, criterion=c, init_weights=init,
                   seed=3) for c in ("magnitude", "init_magnitude", "movement", "random")}
    for key in trained:
        counts = {c: m[key].sum() for c, m in by.items()}
        assert len(set(counts.values())) == 1, counts
    assert not np.array_equal(by["magnitude"]["dense/kernel"], by["init_magnitude"]["dense/kernel"])
    # init_magnitude looks at the initial weights only.
    np.testing.assert_array_equal(by["init_magnitude"]["dense/kernel"],
                                  prune(init, ones(init), RATES, kinds=KINDS)["dense/kernel"])
    again = prune(trained, ones(trained), RATES, kinds=KINDS, criterion="random", seed=3)
    np.testing.assert_array_equal(again["conv/kernel"], by["random"]["conv/kernel"])


def test_random_masks_keep_counts_and_nesting():
    w = weights()
    history = imp(w, 4)
    previous = ones(w)
    for level in history:
        rand = random_masks({k: int(m.sum()) for k, m in level.items()}, previous, seed=7)
        for key in w:
            assert rand[key].sum() == level[key].sum()
            assert not np.any(rand[key] & ~previous[key])
        previous = rand
    assert not np.array_equal(previous["dense/kernel"], history[-1]["dense/kernel"])


def test_oneshot_rounds_for_target():
    w = weights()
    n = oneshot_rounds_for(0.5, ones(w), RATES, kinds=KINDS)
    masks = imp(w, n)
    total = sum(v.size for v in w.values())
    assert 1 - sum(m.sum() for m in masks[-1].values()) / total >= 0.5
    assert 1 - sum(m.sum() for m in masks[-2].values()) / total < 0.5


# -- errors: one clear message naming the parameter, what was given and what is allowed --
@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5, "a lot"])
def test_rate_outside_unit_interval(rate):
    w = weights()
    with pytest.raises(ValueError, match=r"rates.*expected a number in \[0, 1\)"):
        prune(w, ones(w), {"dense": rate}, kinds=KINDS)
    with pytest.raises(ValueError, match=r"rates=.*expected a (number|float) in \[0, 1\)"):
        prune(w, ones(w), rate)


def test_unknown_layer_kind():
    w = weights()
    with pytest.raises(ValueError, match=r"rates\['capsule'\].*expected a layer kind among"):
        prune(w, ones(w), {"capsule": 0.2}, kinds=KINDS)


def test_unknown_criterion_and_strategy():
    w = weights()
    with pytest.raises(ValueError, match=r"criterion='largest'.*expected one of 'magnitude'"):
        prune(w, ones(w), 0.2, criterion="largest")
    with pytest.raises(ValueError, match=r"strategy='local'.*expected one of 'layerwise'"):
        prune(w, ones(w), 0.2, strategy="local")
    with pytest.raises(ValueError, match=r"init_weights=None.*criterion='init_magnitude'"):
        prune(w, ones(w), 0.2, criterion="init_magnitude")


def test_mask_shape_mismatch():
    w = weights()
    masks = ones(w)
    masks["dense/kernel"] = np.ones((30, 50), bool)
    with pytest.raises(ValueError, match=r"masks\['dense/kernel'\]\.shape=\(30, 50\).*\(50, 30\)"):
        prune(w, masks, RATES, kinds=KINDS)
    del masks["dense/kernel"]
    with pytest.raises(ValueError, match=r"missing \['dense/kernel'\]"):
        prune(w, masks, RATES, kinds=KINDS)


def test_unreachable_target_sparsity():
    w = weights()
    # The output layer is not pruned (no rate), so sparsity can never reach 99 %.
    with pytest.raises(ValueError, match=r"target_sparsity=0\.99.*expected at most 0\.85\d+ with rates"):
        oneshot_rounds_for(0.99, ones(w), {"conv": 0.15, "dense": 0.2}, kinds=KINDS)
    with pytest.raises(ValueError, match=r"target_sparsity=1\.0.*expected a number in \(0, 1\)"):
        oneshot_rounds_for(1.0, ones(w), RATES, kinds=KINDS)
    half = imp(w, 5)[-1]
    with pytest.raises(ValueError, match=r"at least the current sparsity"):
        oneshot_rounds_for(0.1, half, RATES, kinds=KINDS)


def test_the_linear_time_cut_is_the_stable_sorts_first_k():
    """`_lowest` (a partition) drops exactly what a stable argsort's first k would: ties at
    the threshold in position order."""
    from lthkit.pruning.prune import _lowest
    rng = np.random.default_rng(0)
    for trial in range(500):
        n = int(rng.integers(1, 60))
        v = rng.integers(0, 4, n).astype(float) if trial % 2 else rng.normal(size=n)
        k = int(rng.integers(0, n + 1))
        expected = np.zeros(n, bool)
        expected[np.argsort(v, kind="stable")[:k]] = True
        assert (_lowest(v, k) == expected).all()
