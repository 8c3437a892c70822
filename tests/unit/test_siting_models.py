"""Siting models on hand-made and random cost matrices, checked against brute force."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from firegrid.errors import InvalidInputError
from firegrid.siting.problems import LSCP, MCLP, BackupCoverage, PCenter, PMedian, explain
from firegrid.siting.result import SitingResult, SolveStatus
from firegrid.siting.solve import MipProblem, SolverError, SolverOptions, solve_mip

Arr = npt.NDArray[np.float64]


def line(demands: Sequence[float], candidates: Sequence[float]) -> Arr:
    """Distances between points on a line (demands × candidates)."""
    d = np.asarray(demands, dtype=np.float64)
    c = np.asarray(candidates, dtype=np.float64)
    return np.abs(d[:, None] - c[None, :])


# ------------------------------------------------------------------------ the HiGHS wrapper


def _mip(
    cost: list[float], rows: list[list[float]], lo: list[float], hi: list[float]
) -> MipProblem:
    n = len(cost)
    return MipProblem(
        cost=np.asarray(cost, float),
        matrix=sp.csc_array(np.asarray(rows, float).reshape(len(rows), n)),
        row_lower=np.asarray(lo, float),
        row_upper=np.asarray(hi, float),
        col_lower=np.zeros(n),
        col_upper=np.ones(n),
        integer=np.ones(n, dtype=bool),
    )


def test_solve_mip_reports_optimum_bound_and_zero_gap() -> None:
    # cover two rows with the cheapest columns: x0 + x1 ≥ 1, x1 + x2 ≥ 1 → pick x1 (cost 3)
    res = solve_mip(_mip([2.0, 3.0, 2.0], [[1, 1, 0], [0, 1, 1]], [1, 1], [math.inf] * 2))
    assert res.status is SolveStatus.OPTIMAL
    assert res.objective == pytest.approx(3.0)
    assert res.bound == pytest.approx(3.0)
    assert res.gap == 0.0
    assert res.x is not None
    assert_allclose(res.x, [0, 1, 0], atol=1e-9)


def test_solve_mip_maximise_with_offset() -> None:
    p = _mip([1.0, 2.0], [[1, 1]], [-math.inf], [1.0])
    p = MipProblem(
        p.cost,
        p.matrix,
        p.row_lower,
        p.row_upper,
        p.col_lower,
        p.col_upper,
        p.integer,
        maximize=True,
        offset=10.0,
    )
    res = solve_mip(p)
    assert res.objective == pytest.approx(12.0)


def test_solve_mip_infeasible_is_a_status_not_an_exception() -> None:
    res = solve_mip(_mip([1.0, 1.0], [[1, 1]], [3.0], [math.inf]))
    assert res.status is SolveStatus.INFEASIBLE
    assert res.x is None and res.objective is None


def test_solve_mip_unbounded_is_a_bug_said_plainly() -> None:
    p = MipProblem(
        cost=np.array([-1.0]),
        matrix=sp.csc_array(np.array([[1.0]])),
        row_lower=np.array([1.0]),
        row_upper=np.array([math.inf]),
        col_lower=np.zeros(1),
        col_upper=np.array([math.inf]),
        integer=np.array([True]),
    )
    with pytest.raises(SolverError, match="unbounded"):
        solve_mip(p)


def test_solution_matches_objective_when_a_start_is_given() -> None:
    # HiGHS 1.16 may return the start as x after presolve found better; the wrapper must not
    rng = np.random.default_rng(101)
    xy = rng.random((60, 2)) * 10
    a = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) <= 2.5
    p = MipProblem(
        np.ones(60),
        sp.csc_array(a.astype(float)),
        np.ones(60),
        np.full(60, math.inf),
        np.zeros(60),
        np.ones(60),
        np.ones(60, dtype=bool),
    )
    start = np.zeros(60)  # a greedy cover (9 sites): this start triggered the quirk
    left = np.ones(60, dtype=bool)
    while left.any():
        j = int(np.argmax(a[left].sum(axis=0)))
        start[j], left = 1.0, left & ~a[:, j]
    assert start.sum() == 9
    for initial in (None, start):
        res = solve_mip(p, initial=initial)
        assert res.status is SolveStatus.OPTIMAL
        assert res.x is not None and res.objective == pytest.approx(7.0)
        assert float(res.x.sum()) == pytest.approx(7.0)
        assert (a.astype(float) @ res.x >= 1 - 1e-9).all()


def test_solve_mip_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    solve_mip(_mip([1.0, 1.0], [[1, 1]], [1.0], [math.inf]))
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_thread_count_can_change_between_solves() -> None:
    for threads in (1, 2, 1):
        res = solve_mip(
            _mip([1.0, 1.0], [[1, 1]], [1.0], [math.inf]), options=SolverOptions(threads=threads)
        )
        assert res.status is SolveStatus.OPTIMAL


def test_time_limit_still_returns_the_greedy_start_with_its_status() -> None:
    rng = np.random.default_rng(7)
    xy = rng.random((120, 2))
    cost = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    res = PMedian.from_cost_matrix(cost, p=8).solve(options=SolverOptions(time_limit_s=0.0))
    assert res.status in (SolveStatus.FEASIBLE, SolveStatus.OPTIMAL)
    assert len(res.sites) == 8 and res.objective is not None
    if res.status is SolveStatus.FEASIBLE:
        assert res.reason is not None and "time limit" in res.reason


# ------------------------------------------------------------------------ LSCP


def test_lscp_on_a_line_and_infeasibility_names_the_demand() -> None:
    pts = list(range(11))
    res = LSCP.from_cost_matrix(line(pts, pts), radius=1).solve()
    assert res.optimal and res.objective == 4 and len(res.sites) == 4
    assert res.assignment is not None and (res.assignment >= 0).all()

    cost = line([0, 1, 2, 30], [0, 2])
    res = LSCP.from_cost_matrix(cost, radius=5).solve()
    assert res.status is SolveStatus.INFEASIBLE
    assert res.reason == "demand 3 has no candidate within radius 5 (nearest 28)"
    assert explain(res, ["a", "b", "c", "D17"], ["S1", "S2"]) == (
        "demand D17 has no candidate within radius 5 (nearest 28)"
    )


def test_lscp_fixed_site_counts_and_stays_open() -> None:
    pts = list(range(11))
    res = LSCP.from_cost_matrix(line(pts, pts), radius=1, fixed=[5]).solve()
    assert res.objective == 5 and 5 in res.sites
    assert res.detail["fixed_sites"] == [5]
    assert res.stats["demands_covered_by_fixed"] == 3


def test_lscp_keeps_existing_stations_among_equal_covers() -> None:
    # demands 0..5; a station at 1 or 4 covers three points. Existing (closable) at 0 and 4.
    pts = list(range(6))
    cost = line(pts, pts)
    res = LSCP.from_cost_matrix(cost, radius=1, closable=[0, 4]).solve()
    assert res.objective == 2
    assert res.sites == (1, 4)
    assert res.detail["kept_sites"] == [4] and res.detail["closed_sites"] == [0]
    # never closing anything costs a third site
    res = LSCP.from_cost_matrix(cost, radius=1, closable=[0, 4], max_closed=0).solve()
    assert res.objective == 3 and {0, 4} <= set(res.sites)


def test_forbidden_sites_never_open_as_indices_or_mask() -> None:
    pts = list(range(6))
    cost = line(pts, pts)
    mask = np.zeros(6, dtype=bool)
    mask[[1, 4]] = True
    for forbidden in ([1, 4], mask):
        res = LSCP.from_cost_matrix(cost, radius=1, forbidden=forbidden).solve()
        assert res.objective == 3 and not {1, 4} & set(res.sites)
    res = LSCP.from_cost_matrix(line([0, 10], [0, 10]), radius=1, forbidden=[1]).solve()
    assert res.status is SolveStatus.INFEASIBLE
    assert res.reason is not None and "forbidden" in res.reason


def test_min_spacing_keeps_chosen_sites_apart() -> None:
    pts = [0, 3, 6]
    cost, cc, w = line(pts, pts), line(pts, pts), [1, 5, 5]
    free = MCLP.from_cost_matrix(cost, p=2, radius=0, weights=w).solve()
    assert free.objective == 10 and free.sites == (1, 2)
    spaced = MCLP.from_cost_matrix(
        cost, p=2, radius=0, weights=w, min_spacing=4, candidate_cost=cc
    ).solve()
    assert spaced.objective == 6 and spaced.sites == (0, 2)
    assert spaced.stats["spacing_conflict_pairs"] == 2
    # sites closer than the spacing to a fixed one are excluded
    res = PMedian.from_cost_matrix(
        cost, p=3, weights=w, fixed=[1], min_spacing=4, candidate_cost=cc
    ).solve()
    assert res.status is SolveStatus.INFEASIBLE
    assert res.reason == "p = 3 but only 1 candidates are available (2 too close to fixed sites)"
    res = LSCP.from_cost_matrix(
        cost, radius=10, fixed=[0, 1], min_spacing=4, candidate_cost=cc
    ).solve()
    assert res.reason == (
        "fixed sites candidate 0 and candidate 1 are 3 apart, closer than the minimum spacing 4"
    )


def test_min_spacing_needs_candidate_distances() -> None:
    with pytest.raises(InvalidInputError, match="candidate_cost"):
        LSCP.from_cost_matrix(line([0], [0, 1]), radius=1, min_spacing=2)


def test_p_below_fixed_sites_is_explained() -> None:
    cost = line([0, 5, 10], [0, 5, 10])
    for model in (
        MCLP.from_cost_matrix(cost, p=1, radius=1, fixed=[0, 2]),
        PMedian.from_cost_matrix(cost, p=1, fixed=[0, 2]),
        PCenter.from_cost_matrix(cost, p=1, fixed=[0, 2]),
        BackupCoverage.from_cost_matrix(cost, p=1, radius=1, fixed=[0, 2]),
    ):
        res = model.solve()
        assert res.status is SolveStatus.INFEASIBLE
        assert res.reason == "p = 1 but 2 sites are fixed open"
        assert res.sites == () and res.objective is None


def test_backup_needs_enough_sites_and_counts_double_cover() -> None:
    pts = [0, 1, 2]
    cost = line(pts, pts)
    res = BackupCoverage.from_cost_matrix(cost, radius=1).solve()  # p = LSCP optimum = 1
    assert res.detail["p"] == 1 and res.objective == 0  # one site covers nobody twice
    res = BackupCoverage.from_cost_matrix(cost, radius=1, p=2).solve()
    assert res.objective == 2 and res.detail["backup_demands"] == 2
    far = line([0, 10], [0, 10])
    res = BackupCoverage.from_cost_matrix(far, radius=1, p=1).solve()
    assert res.status is SolveStatus.INFEASIBLE
    assert res.reason == "covering every demand within radius 1 needs at least 2 sites; p = 1"


def test_workload_caps_split_districts() -> None:
    # two busy demands next to site 0, one quiet demand next to site 1
    cost = line([0, 1, 9], [0, 10])
    w = [6.0, 6.0, 1.0]
    plain = PMedian.from_cost_matrix(cost, p=2, weights=w).solve()
    assert plain.objective == pytest.approx(6 * 0 + 6 * 1 + 1 * 1)
    capped = PMedian.from_cost_matrix(cost, p=2, weights=w, capacity=7).solve()
    assert capped.optimal
    assert capped.objective == pytest.approx(6 * 0 + 6 * 9 + 1 * 1)
    assert capped.assignment is not None and capped.assignment.tolist() == [0, 1, 1]
    assert capped.detail["workload"] == {0: 6.0, 1: 7.0}
    center = PCenter.from_cost_matrix(cost, p=2, weights=w, capacity=7).solve()
    assert center.optimal and center.objective == pytest.approx(9.0)
    over = PMedian.from_cost_matrix(cost, p=2, weights=w, capacity=6).solve()
    assert over.status is SolveStatus.INFEASIBLE
    assert over.reason == (
        "total workload 13 exceeds the capacity of the 2 largest usable stations (12)"
    )
    single = PCenter.from_cost_matrix(cost, p=2, weights=[8.0, 1.0, 1.0], capacity=7).solve()
    assert single.reason == (
        "demand 0 alone has workload 8, more than any usable station's capacity (7)"
    )


def test_unreachable_demand_is_explained() -> None:
    cost = np.array([[1.0, 2.0], [math.inf, math.inf], [3.0, 1.0]])
    res = PMedian.from_cost_matrix(cost, p=1).solve()
    assert res.status is SolveStatus.INFEASIBLE
    assert res.reason == "demand 1 has no candidate reachable (nearest none reachable)"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"cost": [[1.0, math.nan]]}, "NaN"),
        ({"cost": [[1.0, -2.0]]}, "negative"),
        ({"cost": [1.0, 2.0]}, "2-D"),
        ({"fixed": [0], "forbidden": [0]}, "both fixed open and forbidden"),
        ({"fixed": [0], "closable": [0]}, "both fixed and closable"),
        ({"fixed": [5]}, "out of range"),
        ({"weights": [1.0]}, "1 values for 2 demands"),
        ({"radius": -1.0}, "radius"),
    ],
)
def test_bad_arguments_are_invalid_input(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"cost": [[1.0, 2.0], [2.0, 1.0]], "radius": 1.0}
    args.update(kwargs)
    with pytest.raises(InvalidInputError, match=match):
        LSCP.from_cost_matrix(**args)


def test_p_must_be_a_positive_whole_number() -> None:
    for p in (0, -1, 2.5, True):
        with pytest.raises(InvalidInputError, match="p must be"):
            PMedian.from_cost_matrix([[1.0]], p=p)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ brute force


def _allowed(s: tuple[int, ...], rules: dict[str, Any], cc: Arr) -> bool:
    chosen = set(s)
    if not set(rules.get("fixed", [])) <= chosen or set(rules.get("forbidden", [])) & chosen:
        return False
    max_closed = rules.get("max_closed")
    if max_closed is not None and len(set(rules.get("closable", [])) - chosen) > max_closed:
        return False
    spacing = rules.get("min_spacing")
    if spacing is not None:
        for a, b in itertools.combinations(s, 2):
            if min(cc[a, b], cc[b, a]) < spacing:
                return False
    return True


def _brute(
    model: str, cost: Arr, w: Arr, p: int, radius: float, rules: dict[str, Any], cc: Arr
) -> float | None:
    """The optimum by enumerating every site set (None: infeasible)."""
    values: list[float] = []
    for k in range(1, cost.shape[1] + 1):
        for s in itertools.combinations(range(cost.shape[1]), k):
            if not _allowed(s, rules, cc):
                continue
            sub = cost[:, list(s)]
            times = (sub <= radius).sum(axis=1)
            near = sub.min(axis=1)
            if model == "lscp" and (times >= 1).all():
                values.append(float(k))
            elif model == "mclp" and k == p:
                values.append(-float(w[times >= 1].sum()))
            elif model == "pmedian" and k == p and np.isfinite(near[w > 0]).all():
                values.append(float((w[w > 0] * near[w > 0]).sum()))
            elif model == "pcenter" and k <= p and np.isfinite(near).all():
                values.append(float(near.max()))
    if model == "backup":
        lscp = _brute("lscp", cost, w, p, radius, rules, cc)
        if lscp is None:
            return None
        for s in itertools.combinations(range(cost.shape[1]), int(lscp)):
            times = (cost[:, list(s)] <= radius).sum(axis=1)
            if _allowed(s, rules, cc) and (times >= 1).all():
                values.append(-float(w[times >= 2].sum()))
    if not values:
        return None
    best = min(values)
    return -best if model in ("mclp", "backup") else best


def _random_instance(seed: int) -> tuple[Arr, Arr, Arr, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    n_d, n_c = int(rng.integers(5, 10)), int(rng.integers(4, 8))
    cost = rng.integers(1, 15, size=(n_d, n_c)).astype(float)  # integer costs: many ties
    cost[rng.random(cost.shape) < 0.08] = math.inf
    w = rng.integers(0, 6, size=n_d).astype(float)
    cc = rng.integers(1, 15, size=(n_c, n_c)).astype(float)
    np.fill_diagonal(cc, 0.0)
    perm = [int(v) for v in rng.permutation(n_c)]
    rules: dict[str, Any] = {}
    kind = seed % 5
    if kind == 1:
        rules["fixed"] = perm[:1]
    elif kind == 2:
        rules["forbidden"] = perm[:2]
    elif kind == 3:
        rules["closable"] = perm[:2]
        rules["max_closed"] = 1
    elif kind == 4:
        rules["min_spacing"] = 5.0
        rules["fixed"] = perm[:1]
        rules["candidate_cost"] = cc
    return cost, w, cc, rules


def _solve(
    model: str, cost: Arr, w: Arr, p: int, radius: float, rules: dict[str, Any], reduce: bool
) -> SitingResult:
    common: dict[str, Any] = {"weights": w, "reduce": reduce, **rules}
    if model == "lscp":
        return LSCP.from_cost_matrix(cost, radius=radius, **common).solve()
    if model == "mclp":
        return MCLP.from_cost_matrix(cost, p=p, radius=radius, **common).solve()
    if model == "pmedian":
        return PMedian.from_cost_matrix(cost, p=p, **common).solve()
    if model == "pcenter":
        return PCenter.from_cost_matrix(cost, p=p, **common).solve()
    return BackupCoverage.from_cost_matrix(cost, radius=radius, **common).solve()


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("model", ["lscp", "mclp", "pmedian", "pcenter", "backup"])
def test_models_match_brute_force_with_and_without_reductions(seed: int, model: str) -> None:
    cost, w, cc, rules = _random_instance(seed)
    p, radius = 2 + seed % 2, 6.0
    want = _brute(model, cost, w, p, radius, rules, cc)
    for reduce in (True, False):
        res = _solve(model, cost, w, p, radius, rules, reduce)
        if want is None:
            assert res.status is SolveStatus.INFEASIBLE, (reduce, res.objective)
            assert res.reason
            continue
        assert res.optimal, (reduce, res.status, res.reason)
        assert res.objective == pytest.approx(want), (reduce, rules)
        assert res.bound == pytest.approx(want) and res.gap == 0.0
        sites = list(res.sites)
        assert _allowed(res.sites, rules, cc)
        if model in ("mclp", "pmedian", "backup"):
            assert len(sites) == (p if model != "backup" else res.detail["p"])
        if model == "pmedian":  # the reported objective is what the sites achieve
            near = cost[:, sites].min(axis=1)
            assert float((w[w > 0] * near[w > 0]).sum()) == pytest.approx(want)


@pytest.mark.parametrize("seed", range(6))
def test_reductions_shrink_larger_instances_without_changing_optima(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    xy = rng.random((60, 2)) * 10
    cost = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 20, size=60).astype(float)
    fixed = [int(rng.integers(60))] if seed % 2 else None
    models: list[Callable[[bool], Any]] = [
        lambda r: LSCP.from_cost_matrix(cost, radius=2.5, fixed=fixed, reduce=r),
        lambda r: MCLP.from_cost_matrix(cost, p=4, radius=2.0, weights=w, fixed=fixed, reduce=r),
        lambda r: PMedian.from_cost_matrix(cost, p=4, weights=w, fixed=fixed, reduce=r),
        lambda r: PCenter.from_cost_matrix(cost, p=5, fixed=fixed, reduce=r),
        lambda r: BackupCoverage.from_cost_matrix(
            cost, radius=3.0, weights=w, fixed=fixed, reduce=r
        ),
    ]
    for build in models:
        a, b = build(True).solve(), build(False).solve()
        assert a.optimal and b.optimal
        assert a.objective == pytest.approx(b.objective)
    lscp = models[0](True).solve()
    assert lscp.stats["candidates_dominated"] > 0 and lscp.stats["demands_dominated"] > 0
    assert lscp.stats["cols"] < 60


def _brute_capacity(cost: Arr, w: Arr, cap: float, p: int) -> tuple[float | None, float | None]:
    """(p-median, p-center) optima under single-source workload caps, by enumeration."""
    n_d, n_c = cost.shape
    median: float | None = None
    center: float | None = None
    for k in range(1, p + 1):
        for s in itertools.combinations(range(n_c), k):
            for assign in itertools.product(s, repeat=n_d):
                load = np.bincount(assign, weights=w, minlength=n_c)
                d = cost[np.arange(n_d), list(assign)]
                if (load > cap + 1e-9).any() or not np.isfinite(d).all():
                    continue
                if k == p:
                    val = float((w * d).sum())
                    median = val if median is None else min(median, val)
                center = float(d.max()) if center is None else min(center, float(d.max()))
    return median, center


@pytest.mark.parametrize("seed", range(12))
def test_workload_caps_match_brute_force(seed: int) -> None:
    rng = np.random.default_rng(500 + seed)
    cost = rng.integers(1, 12, size=(5, 4)).astype(float)
    w = rng.integers(1, 5, size=5).astype(float)
    cap, p = float(rng.integers(4, 9)), 2
    want_median, want_center = _brute_capacity(cost, w, cap, p)
    median = PMedian.from_cost_matrix(cost, p=p, weights=w, capacity=cap).solve()
    center = PCenter.from_cost_matrix(cost, p=p, weights=w, capacity=cap).solve()
    for res, want in ((median, want_median), (center, want_center)):
        if want is None:
            assert res.status is SolveStatus.INFEASIBLE and res.reason
        else:
            assert res.optimal and res.objective == pytest.approx(want)
            assert res.assignment is not None
            load = np.bincount(res.assignment, weights=w, minlength=4)
            assert (load <= cap + 1e-9).all()
