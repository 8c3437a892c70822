"""Distance models: p-median (generic fallback) and p-center."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError
from firegrid.siting.problems._base import (
    FloatArray,
    IndexLike,
    IntArray,
    ModelBuilder,
    SiteRules,
    as_cost,
    as_count,
    as_weights,
    finite_or_none,
    infeasible_result,
    limit_reason,
    make_rules,
    nearest_open,
    rules_infeasibility,
    site_detail,
)
from firegrid.siting.problems._greedy import greedy_median
from firegrid.siting.result import SitingResult, SolveStatus
from firegrid.siting.solve import MipProblem, SolverOptions, solve_mip

__all__ = ["PMedian"]


@dataclass(frozen=True, eq=False)
class _Instance:
    cost: FloatArray
    weights: FloatArray
    p: int
    rules: SiteRules
    capacity: FloatArray | None
    reduce: bool


def _instance(
    cost: npt.ArrayLike,
    *,
    p: int,
    weights: npt.ArrayLike | None,
    fixed: IndexLike,
    closable: IndexLike,
    max_closed: int | None,
    forbidden: IndexLike,
    min_spacing: float | None,
    candidate_cost: npt.ArrayLike | None,
    capacity: float | npt.ArrayLike | None,
    reduce: bool,
) -> _Instance:
    c = as_cost(cost)
    rules = make_rules(
        c.shape[1],
        fixed=fixed,
        closable=closable,
        max_closed=max_closed,
        forbidden=forbidden,
        min_spacing=min_spacing,
        candidate_cost=candidate_cost,
    )
    cap = None
    if capacity is not None:
        cap = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (c.shape[1],)).copy()
        if (~np.isfinite(cap) | (cap < 0)).any():
            raise InvalidInputError("capacity must be finite and ≥ 0 for every candidate")
    return _Instance(c, as_weights(weights, c.shape[0]), as_count(p), rules, cap, bool(reduce))


def _unreachable_why(inst: _Instance, demands: IntArray) -> dict[str, Any]:
    return {
        "kind": "unreachable",
        "count": int(demands.size),
        "demands": [{"demand": int(i), "nearest": None} for i in demands[:20].tolist()],
    }


def _capacity_why(inst: _Instance, demands: IntArray) -> dict[str, Any] | None:
    """Obvious capacity infeasibility: one demand above every reachable capacity, or in total."""
    assert inst.capacity is not None
    usable = inst.rules.usable
    cap = np.where(usable, inst.capacity, -math.inf)
    for i in demands.tolist():
        reach = np.isfinite(inst.cost[i]) & usable
        best = float(inst.capacity[reach].max()) if reach.any() else 0.0
        if inst.weights[i] > best + 1e-9:
            return {
                "kind": "demand_over_capacity",
                "demand": i,
                "load": float(inst.weights[i]),
                "max_capacity": best,
            }
    fixed = inst.rules.fixed
    free_caps = np.sort(cap[inst.rules.free])[::-1][: max(inst.p - fixed.size, 0)]
    total_cap = float(inst.capacity[fixed].sum() + free_caps.sum())
    load = float(inst.weights[demands].sum())
    if load > total_cap + 1e-9:
        return {"kind": "total_over_capacity", "load": load, "p": inst.p, "capacity": total_cap}
    return None


def _assignment_problem(
    inst: _Instance,
    demands: IntArray,
    allowed: npt.NDArray[np.bool_],
    *,
    count_sites: bool,
    max_sites: int,
) -> tuple[MipProblem, IntArray, int, IntArray, IntArray]:
    """Single-source assignment with workload caps.

    ``x_ij`` (binary) for allowed pairs, ``Σ_j x_ij = 1``, ``x_ij ≤ y_j``,
    ``Σ_i w_i x_ij ≤ C_j y_j``; objective ``Σ w_i d_ij x_ij`` or ``Σ y_j``; ``Σ y`` is ``= p``
    (``count_sites`` False) or ``≤ max_sites``. Returns the problem, the ``y`` candidates, the
    first ``y`` column and the pair arrays (demand, candidate) of the ``x`` columns.
    """
    assert inst.capacity is not None
    rules = inst.rules
    fixed_mask = rules.fixed_mask
    cols = np.flatnonzero(rules.free)
    pos = np.full(rules.n, -1, dtype=np.int64)
    pos[cols] = np.arange(cols.size)
    pi, pj = np.nonzero(allowed[demands][:, :] & rules.usable[None, :])
    pi_d = demands[pi]
    w = inst.weights[pi_d]
    b = ModelBuilder()
    y0 = b.add_cols(
        np.ones(cols.size) if count_sites else np.zeros(cols.size), 0.0, 1.0, integer=True
    )
    xc = np.zeros(pi.size) if count_sites else w * inst.cost[pi_d, pj]
    x0 = b.add_cols(xc, 0.0, 1.0, integer=True)
    xk = np.arange(pi.size) + x0
    b.add_rows(pi, xk, 1.0, np.ones(demands.size), 1.0)  # each demand to one station
    free_pair = pos[pj] >= 0
    k = np.flatnonzero(free_pair)
    r = np.arange(k.size)
    b.add_rows(
        np.concatenate([r, r]),
        np.concatenate([xk[k], y0 + pos[pj[k]]]),
        np.concatenate([np.ones(k.size), -np.ones(k.size)]),
        np.full(k.size, -math.inf),
        0.0,
    )
    # workload caps: one row per usable candidate
    usable = np.flatnonzero(rules.usable)
    upos = np.full(rules.n, -1, dtype=np.int64)
    upos[usable] = np.arange(usable.size)
    rows = [upos[pj]]
    cidx = [xk]
    vals = [w]
    hi = np.where(fixed_mask[usable], inst.capacity[usable], 0.0)
    fr = np.flatnonzero(~fixed_mask[usable])
    rows.append(fr)
    cidx.append(y0 + pos[usable[fr]])
    vals.append(-inst.capacity[usable[fr]])
    b.add_rows(
        np.concatenate(rows),
        np.concatenate(cidx),
        np.concatenate(vals),
        np.full(usable.size, -math.inf),
        hi,
    )
    p_free = float((max_sites if count_sites else inst.p) - rules.fixed.size)
    lo = -math.inf if count_sites else p_free
    b.add_rows(np.zeros(cols.size, dtype=np.int64), np.arange(cols.size) + y0, 1.0, [lo], p_free)
    b.add_site_rules(y0, cols, rules)
    return b.problem(maximize=False), cols, y0, pi_d, pj


class PMedian:
    """p-median: ``p`` sites minimising the total weighted distance to the nearest site.

    The generic fallback, good for small and constrained instances; the fast exact solver for
    large plain instances is :mod:`firegrid.siting.pmedian`.

    Without workload caps, the radius formulation (Elloumi 2010; García, Labbé & Marín 2011)
    in its chained form. For demand ``i`` let ``D_i^1 < … < D_i^K`` be its distinct distances
    to usable candidates, cut at its nearest fixed site; ``z_i^k = 1`` when no open site lies
    within ``D_i^k``::

        minimise    Σ_i w_i ( D_i^1 + Σ_{k<K} (D_i^{k+1} − D_i^k) z_i^k )
        subject to  z_i^1 + Σ_{j: d_ij = D_i^1} y_j ≥ 1
                    z_i^k − z_i^{k−1} + Σ_{j: d_ij = D_i^k} y_j ≥ 0      k = 2..K−1
                    Σ_j y_j = p                          (fixed sites included)
                    fixed / forbidden / spacing / closure rules as in LSCP
                    y_j ∈ {0, 1},  z ≥ 0

    (with integer ``y``, ``z_i^k = max(0, 1 − Σ_{d_ij ≤ D_i^k} y_j)`` exactly; the chained rows
    keep the matrix at one entry per demand–candidate pair). A demand that some candidates
    cannot reach (``inf``) also gets ``Σ_{reachable} y_j ≥ 1``.

    With workload caps (``capacity``: expected calls a station can take; ``weights`` = calls),
    the single-source assignment formulation::

        minimise    Σ_ij w_i d_ij x_ij
        subject to  Σ_j x_ij = 1,  x_ij ≤ y_j,  Σ_i w_i x_ij ≤ C_j y_j,  Σ_j y_j = p
                    x_ij, y_j ∈ {0, 1}

    Reductions (exact; counts in ``stats``): zero-weight demands are dropped; a demand whose
    nearest usable candidate is a fixed site is a constant; identical demand rows merge with
    summed weights (not with workload caps: merged demands could not be split).
    """

    model = "pmedian"

    def __init__(self, instance: _Instance) -> None:
        self._inst = instance

    @classmethod
    def from_cost_matrix(
        cls,
        cost: npt.ArrayLike,
        *,
        p: int,
        weights: npt.ArrayLike | None = None,
        fixed: IndexLike = None,
        closable: IndexLike = None,
        max_closed: int | None = None,
        forbidden: IndexLike = None,
        min_spacing: float | None = None,
        candidate_cost: npt.ArrayLike | None = None,
        capacity: float | npt.ArrayLike | None = None,
        reduce: bool = True,
    ) -> PMedian:
        """Build from a demands × candidates cost matrix (``inf`` = unreachable)."""
        return cls(
            _instance(
                cost,
                p=p,
                weights=weights,
                fixed=fixed,
                closable=closable,
                max_closed=max_closed,
                forbidden=forbidden,
                min_spacing=min_spacing,
                candidate_cost=candidate_cost,
                capacity=capacity,
                reduce=reduce,
            )
        )

    def solve(self, *, options: SolverOptions | None = None) -> SitingResult:
        inst = self._inst
        rules = inst.rules
        clock = (options or SolverOptions()).clock
        t0 = clock()
        stats: dict[str, Any] = {"demands": inst.cost.shape[0], "candidates": inst.cost.shape[1]}
        stats.update(rules.stats())
        why = rules_infeasibility(rules, inst.p)
        if why:
            return infeasible_result(self.model, why, clock() - t0, stats)
        usable = np.flatnonzero(rules.usable)
        u = inst.cost[:, usable]
        live = inst.weights > 0
        unreachable = np.flatnonzero(live & ~np.isfinite(u).any(axis=1))
        if unreachable.size:
            return infeasible_result(
                self.model, _unreachable_why(inst, unreachable), clock() - t0, stats
            )
        stats["demands_zero_weight"] = int((~live).sum())
        if inst.capacity is not None:
            demands = np.flatnonzero(live)
            why = _capacity_why(inst, demands)
            if why:
                return infeasible_result(self.model, why, clock() - t0, stats)
            problem, cols, y0, pi, pj = _assignment_problem(
                inst, demands, np.isfinite(inst.cost), count_sites=False, max_sites=inst.p
            )
            start = None
        else:
            problem, cols, y0, start = self._radius_problem(live, stats)
        stats.update(
            {"rows": problem.num_row, "cols": problem.num_col, "nonzeros": int(problem.matrix.nnz)}
        )
        res = solve_mip(problem, options=options, initial=start)
        stats.update(
            {"nodes": res.nodes, "solver_seconds": res.seconds, "highs_status": res.highs_status}
        )
        if res.x is None:
            if res.status is SolveStatus.INFEASIBLE:
                why = {
                    "kind": "rules",
                    "message": f"no {inst.p} sites satisfy the rules and workload caps",
                }
                return infeasible_result(self.model, why, clock() - t0, stats)
            return SitingResult(
                model=self.model,
                status=res.status,
                objective=None,
                bound=None,
                gap=None,
                sites=(),
                seconds=clock() - t0,
                stats=stats,
                reason="the time limit was reached before any solution was found",
            )
        chosen = cols[res.x[y0 : y0 + cols.size] > 0.5]
        sites = tuple(sorted({*rules.fixed.tolist(), *chosen.tolist()}))
        if inst.capacity is not None:
            x = res.x[y0 + cols.size : y0 + cols.size + pi.size] > 0.5
            assignment, _ = nearest_open(inst.cost, sites)
            assignment[pi[x]] = pj[x]
            dist = np.where(
                assignment >= 0,
                inst.cost[np.arange(inst.cost.shape[0]), np.maximum(assignment, 0)],
                math.inf,
            )
        else:
            assignment, dist = nearest_open(inst.cost, sites)
        w = inst.weights
        objective = float((w[live] * dist[live]).sum())
        total_w = float(w.sum())
        detail: dict[str, Any] = {
            "total_weighted_distance": objective,
            "mean_distance": objective / total_w if total_w > 0 else None,
            "max_distance": float(dist[live].max()) if live.any() else 0.0,
        }
        if inst.capacity is not None:
            load = np.bincount(
                assignment[assignment >= 0], weights=w[assignment >= 0], minlength=rules.n
            )
            detail["workload"] = {int(j): float(load[j]) for j in sites}
        detail.update(site_detail(sites, rules))
        bound = finite_or_none(res.bound)
        if res.status is SolveStatus.OPTIMAL:
            bound = min(objective, bound if bound is not None else objective)
        gap = (
            0.0
            if res.status is SolveStatus.OPTIMAL
            else (None if bound is None else abs(objective - bound) / max(abs(objective), 1e-9))
        )
        return SitingResult(
            model=self.model,
            status=res.status,
            objective=objective,
            bound=bound,
            gap=gap,
            sites=sites,
            seconds=clock() - t0,
            assignment=assignment,
            detail=detail,
            stats=stats,
            reason=limit_reason(res.status),
        )

    def _radius_problem(
        self, live: npt.NDArray[np.bool_], stats: dict[str, Any]
    ) -> tuple[MipProblem, IntArray, int, FloatArray]:
        """The radius model and a greedy start (y from :func:`greedy_median`, z implied)."""
        inst = self._inst
        rules = inst.rules
        cols = np.flatnonzero(rules.free)
        pos = np.full(rules.n, -1, dtype=np.int64)
        pos[cols] = np.arange(cols.size)
        fixed = rules.fixed
        usable = rules.usable
        demands = np.flatnonzero(live)
        w = inst.weights[demands]
        cost = inst.cost[demands]
        if inst.reduce and demands.size:
            masked = np.where(usable[None, :], cost, -1.0)
            reps, group = _identical_rows(masked)
            stats["demands_merged"] = int(demands.size - reps.size)
            w = np.bincount(group, weights=w, minlength=reps.size).astype(np.float64)
            cost = cost[reps]
        nf = cost[:, fixed].min(axis=1) if fixed.size else np.full(cost.shape[0], math.inf)
        b = ModelBuilder()
        y0 = b.add_cols(np.zeros(cols.size), 0.0, 1.0, integer=True)
        const = 0.0
        by_fixed = 0
        rr: list[IntArray] = []
        cc: list[IntArray] = []
        vv: list[FloatArray] = []
        lo: list[float] = []
        zcost: list[float] = []
        z_dem: list[int] = []
        z_lev: list[float] = []
        row = 0
        free = rules.free
        for i in range(cost.shape[0]):
            d = cost[i]
            cut = nf[i]
            levels = np.unique(d[usable & (d <= cut)])
            levels = levels[np.isfinite(levels)]
            const += float(w[i] * levels[0])
            k_max = levels.size
            if k_max == 1 and (math.isfinite(cut) or np.isfinite(d[usable]).all()):
                by_fixed += int(math.isfinite(cut))
                continue
            z_first = len(zcost)
            zcost.extend((w[i] * np.diff(levels)).tolist())
            z_dem.extend([i] * (k_max - 1))
            z_lev.extend(levels[:-1].tolist())
            lvl = np.searchsorted(levels, d)  # level index of every candidate
            jf = np.flatnonzero(free & (d <= cut) & np.isfinite(d))
            need_reach = not math.isfinite(cut) and not np.isfinite(d[usable]).all()
            n_rows = k_max - 1 + (1 if need_reach else 0)
            # y entries: candidate j sits in row lvl[j] (rows beyond K−2 only for reachability)
            jk = lvl[jf]
            keep = jk < n_rows
            rr.append(row + jk[keep])
            cc.append(y0 + pos[jf[keep]])
            vv.append(np.ones(int(keep.sum())))
            # z entries: z^k in row k (+1), z^{k−1} in row k (−1)
            kz = np.arange(k_max - 1)
            rr.append(row + kz)
            cc.append(-(z_first + kz) - 1)  # placeholder, shifted once z columns exist
            vv.append(np.ones(kz.size))
            kz2 = np.arange(1, n_rows)
            rr.append(row + kz2)
            cc.append(-(z_first + kz2 - 1) - 1)
            vv.append(-np.ones(kz2.size))
            lo.extend([1.0] + [0.0] * (n_rows - 1))
            row += n_rows
        stats["demands_nearest_fixed"] = by_fixed
        z0 = b.add_cols(np.asarray(zcost, dtype=np.float64), 0.0, math.inf, integer=False)
        if rr:
            ci = np.concatenate(cc)
            ci = np.where(ci < 0, z0 + (-ci - 1), ci)
            b.add_rows(np.concatenate(rr), ci, np.concatenate(vv), np.asarray(lo), math.inf)
        p_free = float(inst.p - fixed.size)
        b.add_rows(
            np.zeros(cols.size, dtype=np.int64), np.arange(cols.size) + y0, 1.0, [p_free], p_free
        )
        b.add_site_rules(y0, cols, rules)
        problem = b.problem(maximize=False, offset=const)
        wc = w[:, None] * cost[:, cols]
        base = w * nf
        picks = greedy_median(wc, base, cols, rules, max(inst.p - fixed.size, 0))
        start = np.zeros(problem.num_col)
        start[y0 + picks] = 1.0
        open_sites = np.concatenate([fixed, cols[picks]])
        dmin = (
            cost[:, open_sites].min(axis=1) if open_sites.size else np.full(cost.shape[0], math.inf)
        )
        start[z0 : z0 + len(zcost)] = (
            dmin[np.asarray(z_dem, dtype=np.int64)] > np.asarray(z_lev)
        ).astype(np.float64)
        return problem, cols, y0, start


def _identical_rows(m: FloatArray) -> tuple[IntArray, IntArray]:
    seen: dict[bytes, int] = {}
    group = np.empty(m.shape[0], dtype=np.int64)
    reps: list[int] = []
    for i in range(m.shape[0]):
        key = m[i].tobytes()
        g = seen.get(key)
        if g is None:
            g = seen[key] = len(reps)
            reps.append(i)
        group[i] = g
    return np.asarray(reps, dtype=np.int64), group
