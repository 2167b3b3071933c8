"""Instability analysis and early-bird detection: their invariants on small data, and the
bad inputs they refuse before training."""
import numpy as np
import pytest

from conftest import tiny_experiment
from lthkit._errors import LthkitError
from lthkit.search import earlybird, stability
from lthkit.store import ResultStore


def small(**search):
    return tiny_experiment(rounds=2).replace(
        train={"training": "200it", "eval_every": "20it"}, search=search)


def test_detector_on_hand_made_distances():
    d = {"1": {}, "2": {"1": 0.3}, "3": {"1": 0.2, "2": 0.05}, "4": {"1": 0.2, "2": 0.09,
                                                                     "3": 0.04},
         "5": {"1": 0.2, "2": 0.08, "3": 0.03, "4": 0.01}}
    assert earlybird.detect(d, window=3, threshold=0.1) == 4  # 4 vs 2 and 3 both < 0.1
    assert earlybird.detect(d, window=2, threshold=0.1) == 3
    assert earlybird.detect(d, window=5, threshold=0.1) is None  # 5 vs 1 is 0.2
    assert earlybird.detect(d, window=5, threshold=0.25) == 5


@pytest.mark.parametrize("window, threshold, message", [
    (1, 0.1, r"^window=1 is not allowed"), (5, 0, r"^threshold=0 is not allowed"),
    (5, 1.5, r"^threshold=1.5 is not allowed"), (2.5, 0.1, r"^window=2.5 is not allowed")])
def test_detector_refuses_bad_windows_and_thresholds(window, threshold, message):
    with pytest.raises(LthkitError, match=message):
        earlybird.detect({}, window=window, threshold=threshold)


def test_instability_refuses_fewer_than_three_points(tmp_path, tiny_data):
    with pytest.raises(LthkitError, match=r"^points=2 is not allowed: expected an int >= 3"):
        stability.instability(small(), ResultStore(tmp_path), points=2, data=tiny_data)


def test_rewind_or_mask_after_beyond_training_is_refused_before_training(tmp_path, tiny_data):
    with pytest.raises(LthkitError, match=r"^mask_after='300it' is not allowed: expected at "
                                          r"most the training length 200it"):
        small(mask_after="300it")
    # in epochs the length is known once the data are: refused before any round trains
    from lthkit.search import TicketSearch
    with pytest.raises(LthkitError, match=r"^rewind='30ep' is not allowed"):
        TicketSearch(small(rewind="30ep"), ResultStore(tmp_path), data=tiny_data,
                     quiet=True).run()
    assert not list(tmp_path.rglob("metrics.json"))


def test_barrier_of_two_identical_copies_is_zero(tmp_path, tiny_data, monkeypatch):
    # the same data order for both copies: they are the same network, the path is flat
    monkeypatch.setattr(stability, "derived_seed", lambda *parts: 1234)
    out = stability.instability(small(), ResultStore(tmp_path), points=5, data=tiny_data)
    assert out["barrier"] == 0.0 and len(set(out["test_error"])) == 1


def test_instability_is_stored_and_not_computed_twice(tmp_path, tiny_data, monkeypatch):
    store = ResultStore(tmp_path)
    exp = small(rewind="20it")
    first = stability.instability(exp, store, round_=2, points=5, data=tiny_data)
    assert first["at"] == 20 and 0 < first["remaining_fraction"] < 1
    assert first["barrier"] == pytest.approx(max(first["test_error"]) -
                                             np.mean(first["end_errors"]))
    from lthkit.search.train import Trainer
    monkeypatch.setattr(Trainer, "advance", lambda *a, **k: pytest.fail("trained again"))
    assert stability.instability(exp, store, round_=2, points=5, data=tiny_data) == first
    table, paths = stability.instability_table({"k": exp}, store, rounds=(2,), points=5)
    assert len(table) == 1 and len(paths) == 5
    assert stability.instability(exp, store, round_=1, points=5, compute=False) is None


def test_early_bird_masks_converge_to_the_trained_mask(tmp_path, tiny_data):
    store = ResultStore(tmp_path)
    exp = small()
    result = earlybird.early_bird(exp, store, level=2, data=tiny_data, window=3, threshold=0.3)
    epochs = result["epochs"]
    assert epochs == list(range(1, len(epochs) + 1)) and len(epochs) >= 5
    assert result["to_final"][str(epochs[-1])] == 0.0  # the last epoch is the trained network
    assert result["to_final"][str(epochs[0])] > 0
    table, runs = earlybird.report(exp, store, 2, window=3, threshold=0.3, data=tiny_data)
    row = table.iloc[0]
    assert row["detected epoch"] == result["detected"] is not None
    assert 0 <= row["Hamming to IMP mask"] <= 1 and row["early-bird ticket (%)"] > 0
    # next to them, their values for two random masks of the same per-layer sizes: with
    # layer sizes s and kept counts k (equal in both masks), E[both] = k^2 / s per layer
    masks = store.masks(earlybird.early_bird_experiment(exp, 2, result["detected"]), 0, "main", 2)
    s = sum(m.size for m in masks.values())
    both = sum(float(m.sum()) ** 2 / m.size for m in masks.values())
    kept = sum(float(m.sum()) for m in masks.values())
    assert row["Hamming by chance"] == pytest.approx(2 * (kept - both) / s, abs=1e-4)
    assert row["Jaccard by chance"] == pytest.approx(both / (2 * kept - both), abs=1e-4)
    saved = 100 * (1 - row["detected epoch"] * result["steps_per_epoch"] /
                   result["total_iterations"])
    assert row["dense training saved (%)"] == pytest.approx(round(saved, 1))
