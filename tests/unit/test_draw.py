"""The double-random draw kernel: weighted sampling, inspector pairs, replay identity."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from firegrid.errors import InvalidInputError
from firegrid.supervision.config import load_draw_weights
from firegrid.supervision.draw import NotEnoughInspectorsError, draw, sample_weighted

CFG = load_draw_weights(date(2026, 1, 1))


def _inclusion(w: np.ndarray, k: int) -> np.ndarray:
    """Exact inclusion probabilities of successive sampling (k = 1 or 2)."""
    p = w / w.sum()
    if k == 1:
        return p
    out = p.copy()
    for j in range(len(w)):
        for i in range(len(w)):
            if i != j:
                out[i] += p[j] * w[i] / (w.sum() - w[j])
    return out


def test_higher_risk_and_lower_credit_are_drawn_more_often_in_proportion() -> None:
    # six units: (risk level, credit grade) → weight from the configuration
    units = [(1, "A"), (1, "B"), (2, "B"), (3, "B"), (4, "C"), (4, "D")]
    w = np.array([CFG.weight(r, g) for r, g in units])
    assert list(w) == sorted(w)  # riskier / less creditworthy → heavier
    n_draws = 2000
    hits1 = np.zeros(len(w))
    hits2 = np.zeros(len(w))
    for seed in range(n_draws):
        (u,) = sample_weighted(w, 1, np.random.default_rng(seed))
        hits1[u] += 1
        for i in sample_weighted(w, 2, np.random.default_rng(10_000 + seed)):
            hits2[i] += 1
    for hits, k in ((hits1, 1), (hits2, 2)):
        expect = _inclusion(w, k)
        freq = hits / n_draws
        # binomial standard error; 4 sigma keeps the test stable across numpy versions
        se = np.sqrt(expect * (1 - expect) / n_draws)
        assert np.all(np.abs(freq - expect) < 4 * se + 1e-9), (freq, expect)
    # and the ordering a user would notice: the D-grade, level-IV unit most, the A/I unit least
    assert hits1.argmax() == 5 and hits1.argmin() == 0
    assert hits1[5] / hits1[0] == pytest.approx(w[5] / w[0], rel=0.35)


def test_same_seed_same_draw_and_different_seed_differs() -> None:
    w = np.linspace(1, 8, 30)
    conflicts = [(3, 0), (3, 1)]
    a = draw(w, 8, count=10, rng=np.random.default_rng(42), conflicts=conflicts)
    b = draw(w, 8, count=10, rng=np.random.default_rng(42), conflicts=conflicts)
    c = draw(w, 8, count=10, rng=np.random.default_rng(43), conflicts=conflicts)
    assert a == b
    assert a != c
    assert len(set(a.units)) == 10


def test_pairs_avoid_conflicts_and_spread_the_work() -> None:
    w = np.ones(12)
    conflicts = [(u, 0) for u in range(12)] + [(u, 1) for u in range(6)]
    for seed in range(50):
        res = draw(w, 6, count=12, rng=np.random.default_rng(seed), conflicts=conflicts)
        for u, (a, b) in zip(res.units, res.pairs, strict=True):
            assert a != b
            assert (u, a) not in conflicts and (u, b) not in conflicts
        load = np.bincount(np.array(res.pairs).ravel(), minlength=6)
        assert load[0] == 0
        assert load[1:].max() - load[1:].min() <= 3


def test_refusals_name_the_problem() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(InvalidInputError, match="between 0 and the 3 candidates"):
        sample_weighted([1.0, 2.0, 3.0], 4, rng)
    with pytest.raises(InvalidInputError, match="> 0"):
        sample_weighted([1.0, 0.0], 1, rng)
    with pytest.raises(NotEnoughInspectorsError, match="only 1 eligible"):
        draw([1.0], 2, count=1, rng=rng, conflicts=[(0, 0)])
