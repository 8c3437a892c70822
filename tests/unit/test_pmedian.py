"""The exact p-median solver against brute force, and its reductions against their claims."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest
from numpy.testing import assert_allclose

from firegrid.errors import InvalidInputError
from firegrid.siting.pmedian import solve_pmedian
from firegrid.siting.pmedian._heuristic import greedy, interchange, solution_cost
from firegrid.siting.pmedian._lagrangian import client_radii, evaluate, fixings, subgradient
from firegrid.siting.pmedian._radius import build_radius_model, solve_radius_model
from firegrid.siting.result import SolveStatus

FloatArray = npt.NDArray[np.float64]


def subsets(
    n_c: int, p: int, fixed: tuple[int, ...] = (), forbidden: tuple[int, ...] = ()
) -> Iterator[tuple[int, ...]]:
    free = [j for j in range(n_c) if j not in fixed and j not in forbidden]
    for combo in itertools.combinations(free, p - len(fixed)):
        yield tuple(sorted((*fixed, *combo)))


def cost_of(d: FloatArray, w: FloatArray, sites: tuple[int, ...]) -> float:
    live = w > 0
    cols = np.asarray(sites, dtype=np.int64)
    return float((w[live] * d[np.ix_(live, cols)].min(axis=1)).sum())


def planar(rng: np.random.Generator, n: int, m: int, scale: float) -> FloatArray:
    """Rounded distances between ``n`` random demand points and ``m`` random sites."""
    a, b = rng.random((n, 2)) * scale, rng.random((m, 2)) * scale
    d = np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1])
    return np.round(d).astype(np.float64)


def brute_force(
    d: FloatArray,
    p: int,
    w: FloatArray,
    fixed: tuple[int, ...] = (),
    forbidden: tuple[int, ...] = (),
) -> float:
    return min(cost_of(d, w, s) for s in subsets(d.shape[1], p, fixed, forbidden))


def random_instance(seed: int) -> dict[str, object]:
    """Small instances of several kinds: integer costs with many ties, planar distances,
    float costs and weights, with fixed and forbidden sites."""
    rng = np.random.default_rng(seed)
    n_d = int(rng.integers(3, 15))
    n_c = int(rng.integers(3, 11))
    kind = seed % 4
    if kind == 0:
        d = rng.integers(0, 25, (n_d, n_c)).astype(float)
    elif kind == 1:
        d = planar(rng, n_d, n_c, 100.0)
    else:
        d = rng.random((n_d, n_c)) * 50
    w = np.ones(n_d)
    if kind >= 2:
        w = rng.integers(0, 6, n_d).astype(float) if kind == 2 else rng.random(n_d) * 3
    n_forbidden = int(rng.integers(0, max(1, n_c // 3)))
    order = rng.permutation(n_c)
    forbidden = tuple(sorted(int(j) for j in order[:n_forbidden]))
    p = int(rng.integers(1, n_c - n_forbidden + 1))
    n_fixed = int(rng.integers(0, min(p, 3) + 1)) if seed % 3 == 0 else 0
    fixed = tuple(sorted(int(j) for j in order[n_forbidden : n_forbidden + n_fixed]))
    return {"d": d, "p": p, "w": w, "fixed": fixed, "forbidden": forbidden}


def test_random_instances_match_brute_force() -> None:
    methods: Counter[str] = Counter()
    for seed in range(400):
        inst = random_instance(seed)
        d, p, w = inst["d"], inst["p"], inst["w"]
        fixed, forbidden = inst["fixed"], inst["forbidden"]
        assert isinstance(d, np.ndarray) and isinstance(w, np.ndarray) and isinstance(p, int)
        assert isinstance(fixed, tuple) and isinstance(forbidden, tuple)
        res = solve_pmedian(d, p, weights=w, fixed=fixed, forbidden=forbidden, seed=seed)
        methods[str(res.stats["method"])] += 1
        best = brute_force(d, p, w, fixed, forbidden)
        assert res.status is SolveStatus.OPTIMAL, seed
        assert res.objective is not None
        assert_allclose(res.objective, best, rtol=1e-9, atol=1e-9, err_msg=f"seed {seed}")
        assert res.bound == res.objective and res.gap == 0.0
        assert len(res.sites) == p and set(fixed) <= set(res.sites)
        assert not set(forbidden) & set(res.sites)
        assert_allclose(cost_of(d, w, res.sites), res.objective, rtol=1e-12)
        assert res.assignment is not None
        assert (d[np.arange(d.shape[0]), res.assignment] == d[:, list(res.sites)].min(1)).all()
    # Every stage of the method was exercised (the MIP stage only when the root leaves a gap).
    assert {"trivial", "enumeration", "lagrangian root", "radius MIP"} <= set(methods), methods


@pytest.mark.parametrize("seed", range(6))
def test_reductions_keep_every_solution_up_to_the_level(seed: int) -> None:
    """Sites closed/opened and client radii hold for *every* solution costing ≤ the level."""
    rng = np.random.default_rng(100 + seed)
    n, m, p = 14, 11, 3
    c = planar(rng, n, m, 50.0)
    costs = {s: cost_of(c, np.ones(n), s) for s in subsets(m, p)}
    opt = min(costs.values())
    level = opt + 4.0  # keeps several solutions, so the claims are really tested
    locked = np.zeros(m, dtype=bool)
    run = subgradient(
        c,
        locked,
        p,
        c.min(axis=1) + 5.0,
        upper=lambda: opt,
        prune=lambda: math.inf,
        max_iter=60,
    )
    for d in (evaluate(c, np.zeros(n), locked, p), run.best):
        assert all(d.value <= v + 1e-9 for v in costs.values())  # weak duality
        close, open_ = fixings(d, locked, p, level)
        radius = client_radii(c, d, locked, p, level)
        for s, v in costs.items():
            if v > level:
                continue
            chosen = np.zeros(m, dtype=bool)
            chosen[list(s)] = True
            assert not (chosen & close).any()
            assert (chosen | ~open_).all()
            assert (c[:, list(s)].min(axis=1) <= radius).all()


@pytest.mark.parametrize("seed", range(8))
def test_radius_model_is_exact(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    n, m = int(rng.integers(3, 12)), int(rng.integers(3, 9))
    p = int(rng.integers(2, m))
    c = rng.integers(0, 9, (n, m)).astype(float)  # many ties between distance levels
    locked = np.zeros(m, dtype=bool)
    if seed % 2:
        locked[int(rng.integers(m))] = True
    fixed = tuple(np.flatnonzero(locked).tolist())
    best = brute_force(c, p, np.ones(n), fixed)
    for radius in (np.full(n, np.inf), c.max(axis=1)):
        model = build_radius_model(c, locked, p, radius)
        out = solve_radius_model(model, cutoff=math.inf, time_limit_s=30, abs_gap=1e-9)
        assert out.complete and out.sites is not None
        assert solution_cost(c, out.sites) == best
        assert abs(out.bound - best) < 1e-6


def test_heuristics_keep_locked_sites_and_improve() -> None:
    rng = np.random.default_rng(7)
    c = rng.integers(1, 50, (30, 20)).astype(float)
    locked = np.zeros(20, dtype=bool)
    locked[[3, 11]] = True
    start = greedy(c, 6, locked)
    assert {3, 11} <= set(start.tolist()) and start.size == 6
    sites, value = interchange(c, start, locked)
    assert {3, 11} <= set(sites.tolist()) and sites.size == 6
    assert value <= solution_cost(c, start)
    assert value == solution_cost(c, sites)


class FakeClock:
    """Each reading is one second later than the previous one."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_time_limit_returns_the_best_solution_with_its_gap() -> None:
    rng = np.random.default_rng(3)
    d = planar(rng, 60, 60, 100.0)
    res = solve_pmedian(d, 6, time_limit_s=2.5, clock=FakeClock())
    assert res.status is SolveStatus.FEASIBLE and not res.optimal
    assert res.objective is not None and res.bound is not None and res.gap is not None
    assert res.bound < res.objective and res.gap > 0
    assert len(res.sites) == 6
    assert res.reason is not None and "time limit" in res.reason
    # The bound is still a proven bound: the exact optimum lies between.
    exact = solve_pmedian(d, 6)
    assert exact.optimal and exact.objective is not None
    assert res.bound <= exact.objective <= res.objective


def test_weights_equal_repeated_demands() -> None:
    rng = np.random.default_rng(11)
    d = rng.integers(0, 30, (9, 7)).astype(float)
    w = np.array([1, 3, 0, 2, 1, 4, 1, 2, 5], dtype=float)
    repeated = np.repeat(d, w.astype(int), axis=0)
    a = solve_pmedian(d, 3, weights=w)
    b = solve_pmedian(repeated, 3)
    assert a.objective == b.objective == brute_force(d, 3, w)


def test_fixed_and_forbidden_change_the_answer() -> None:
    # Two clusters; site 0 serves cluster A best, site 3 cluster B.
    d = np.array([[0, 1, 9, 9, 5], [1, 0, 9, 9, 5], [9, 9, 0, 1, 5], [9, 9, 1, 0, 5]], dtype=float)
    free = solve_pmedian(d, 2)
    assert free.objective == 2.0
    forced = solve_pmedian(d, 2, fixed=[4])
    assert 4 in forced.sites and forced.objective == brute_force(d, 2, np.ones(4), (4,))
    banned = solve_pmedian(d, 2, forbidden=[0, 1])
    assert not {0, 1} & set(banned.sites)
    assert banned.objective == brute_force(d, 2, np.ones(4), (), (0, 1))
    assert banned.detail["new_sites"] == list(banned.sites)
    assert forced.detail["fixed_sites"] == [4]


def test_unreachable_demands_are_explained() -> None:
    inf = math.inf
    d = np.array([[1, inf, 2], [inf, inf, inf], [3, 1, inf]])
    res = solve_pmedian(d, 2)
    assert res.status is SolveStatus.INFEASIBLE and res.objective is None
    assert res.reason is not None and "demand 1" in res.reason
    assert res.detail["infeasible"]["kind"] == "unreachable"
    # A zero weight removes the demand from the problem.
    ok = solve_pmedian(d, 2, weights=[1, 0, 1])
    assert ok.optimal and ok.objective == 2.0


def test_no_p_sites_reach_everyone_together() -> None:
    inf = math.inf
    # Three demands, each reachable only from "its" candidate; p = 2 cannot serve all.
    d = np.array([[0, inf, inf, 5], [inf, 0, inf, inf], [inf, inf, 0, inf]])
    res = solve_pmedian(d, 2)
    assert res.status is SolveStatus.INFEASIBLE
    assert res.reason is not None and "no 2 allowed sites" in res.reason
    # With one more site it is feasible, and unreachable pairs are simply never used.
    ok = solve_pmedian(d, 3)
    assert ok.optimal and ok.objective == 0.0 and ok.sites == (0, 1, 2)


def test_trivial_cases() -> None:
    d = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0]])
    everything = solve_pmedian(d, 2, forbidden=[2])
    assert everything.optimal and everything.sites == (0, 1) and everything.objective == 2.0
    nobody = solve_pmedian(d, 1, weights=[0, 0])
    assert nobody.optimal and nobody.objective == 0.0 and len(nobody.sites) == 1
    one_more = solve_pmedian(d, 2, fixed=[2])
    assert one_more.optimal and 2 in one_more.sites and one_more.objective == 3.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cost": [[1.0, -2.0]], "p": 1}, "demand 0, candidate 1 has cost -2"),
        ({"cost": [[1.0, float("nan")]], "p": 1}, "demand 0, candidate 1"),
        ({"cost": [1.0, 2.0], "p": 1}, "2-D"),
        ({"cost": [[1.0, 2.0]], "p": 3}, "p = 3 sites requested but only 2"),
        ({"cost": [[1.0, 2.0]], "p": 0}, "p must be a whole number"),
        ({"cost": [[1.0, 2.0]], "p": 1, "fixed": [0], "forbidden": [0]}, "both fixed and"),
        ({"cost": [[1.0, 2.0]], "p": 1, "fixed": [0, 1]}, "2 sites are fixed open"),
        ({"cost": [[1.0, 2.0]], "p": 1, "fixed": [5]}, "candidate index 5"),
        ({"cost": [[1.0, 2.0]], "p": 1, "weights": [1.0, 2.0]}, "weights: 2 values for 1"),
        ({"cost": [[1.0, 2.0]], "p": 1, "weights": [-1.0]}, "weight -1"),
    ],
)
def test_invalid_input_is_refused_with_the_value(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        solve_pmedian(**kwargs)  # type: ignore[arg-type]
