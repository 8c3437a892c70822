"""Covering models: LSCP, MCLP and backup coverage (LSCP-B)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from firegrid.siting.problems._base import (
    FloatArray,
    IndexLike,
    ModelBuilder,
    SiteRules,
    as_cost,
    as_count,
    as_radius,
    as_weights,
    finite_or_none,
    infeasible_result,
    limit_reason,
    make_rules,
    nearest_open,
    rules_infeasibility,
    site_detail,
)
from firegrid.siting.problems._greedy import greedy_coverage
from firegrid.siting.problems._lscp import cover_matrix, solve_cover
from firegrid.siting.problems._reduce import dominated_columns, row_groups
from firegrid.siting.result import SitingResult, SolveStatus
from firegrid.siting.solve import SolverOptions, solve_mip

__all__ = ["LSCP", "MCLP", "BackupCoverage"]


@dataclass(frozen=True, eq=False)
class _Instance:
    cost: FloatArray
    weights: FloatArray
    radius: float
    rules: SiteRules
    reduce: bool


def _instance(
    cost: npt.ArrayLike,
    *,
    radius: float,
    weights: npt.ArrayLike | None,
    fixed: IndexLike,
    closable: IndexLike,
    max_closed: int | None,
    forbidden: IndexLike,
    min_spacing: float | None,
    candidate_cost: npt.ArrayLike | None,
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
    return _Instance(c, as_weights(weights, c.shape[0]), as_radius(radius), rules, bool(reduce))


def _coverage_detail(inst: _Instance, sites: tuple[int, ...]) -> dict[str, Any]:
    """Covered weight/share and counts for a set of open sites."""
    assign, dist = nearest_open(inst.cost, sites)
    hit = dist <= inst.radius
    total = float(inst.weights.sum())
    covered = float(inst.weights[hit].sum())
    n = inst.cost.shape[0]
    return {
        "radius": inst.radius,
        "covered_weight": covered,
        "total_weight": total,
        "covered_share": covered / total if total > 0 else None,
        "covered_demands": int(hit.sum()),
        "uncovered_demands": int(n - hit.sum()),
        "covered_demands_share": float(hit.sum()) / n,
        "_assignment": np.where(hit, assign, -1).astype(np.int64),
    }


def _pop_assignment(detail: dict[str, Any]) -> npt.NDArray[np.int64]:
    out: npt.NDArray[np.int64] = detail.pop("_assignment")
    return out


class LSCP:
    """Location set covering problem: fewest sites so every demand is within the radius.

    Formulation (Toregas et al. 1971), with ``a_ij = 1`` when ``d_ij ≤ R``::

        minimise    Σ_j y_j
        subject to  Σ_j a_ij y_j ≥ 1                 every demand i
                    y_j = 1                          j fixed (existing stations kept)
                    y_j = 0                          j forbidden, or closer than the minimum
                                                     spacing to a fixed site
                    y_j + y_k ≤ 1                    d_jk < min_spacing (free j, k)
                    Σ_{j closable} y_j ≥ |closable| − max_closed
                    y_j ∈ {0, 1}

    Among covers of minimum size, the one keeping most closable (existing) stations is chosen:
    each closable ``y_j`` costs ``1 − ε`` with ``ε = 1/(|closable|+1)``, which can never trade
    a larger cover for kept stations.

    Reductions (exact; counts in ``stats``): demands covered by a fixed site are dropped; a
    candidate that alone covers some demand is forced open; a demand whose covering set
    contains another's is implied by it and dropped (identical demands included); a candidate
    covering a subset of another's demands is removed (only without spacing conflicts, and
    never a closable station). The loop repeats until nothing changes.

    Infeasible when a demand has no usable candidate within ``R`` (the result names the
    demands and their nearest candidate distance) or when the spacing/closure rules leave no
    cover.
    """

    model = "lscp"

    def __init__(self, instance: _Instance) -> None:
        self._inst = instance

    @classmethod
    def from_cost_matrix(
        cls,
        cost: npt.ArrayLike,
        *,
        radius: float,
        weights: npt.ArrayLike | None = None,
        fixed: IndexLike = None,
        closable: IndexLike = None,
        max_closed: int | None = None,
        forbidden: IndexLike = None,
        min_spacing: float | None = None,
        candidate_cost: npt.ArrayLike | None = None,
        reduce: bool = True,
    ) -> LSCP:
        """Build from a demands × candidates cost matrix (``inf`` = unreachable).

        ``weights`` only feed the covered-weight figures in ``detail``; ``fixed``,
        ``closable``, ``forbidden`` are candidate indices (``forbidden`` may be a boolean
        mask); ``min_spacing`` needs ``candidate_cost`` (candidates × candidates).
        """
        return cls(
            _instance(
                cost,
                radius=radius,
                weights=weights,
                fixed=fixed,
                closable=closable,
                max_closed=max_closed,
                forbidden=forbidden,
                min_spacing=min_spacing,
                candidate_cost=candidate_cost,
                reduce=reduce,
            )
        )

    def solve(self, *, options: SolverOptions | None = None) -> SitingResult:
        inst = self._inst
        clock = (options or SolverOptions()).clock
        t0 = clock()
        stats: dict[str, Any] = {"demands": inst.cost.shape[0], "candidates": inst.cost.shape[1]}
        stats.update(inst.rules.stats())
        why = rules_infeasibility(inst.rules, None)
        if why:
            return infeasible_result(self.model, why, clock() - t0, stats)
        out = solve_cover(inst.cost, inst.radius, inst.rules, reduce=inst.reduce, options=options)
        stats.update(out.stats)
        stats.update({"nodes": out.nodes, "solver_seconds": out.solver_seconds})
        if out.count is None:
            if out.why is not None:
                return infeasible_result(self.model, out.why, clock() - t0, stats)
            return _no_solution(self.model, out.status, clock() - t0, stats)
        detail = _coverage_detail(inst, out.sites)
        assignment = _pop_assignment(detail)
        detail.update(site_detail(out.sites, inst.rules))
        gap = None if out.bound is None else abs(out.count - out.bound) / max(out.count, 1)
        return SitingResult(
            model=self.model,
            status=out.status,
            objective=float(out.count),
            bound=None if out.bound is None else float(out.bound),
            gap=gap,
            sites=out.sites,
            seconds=clock() - t0,
            assignment=assignment,
            detail=detail,
            stats=stats,
            reason=limit_reason(out.status),
        )


def _no_solution(
    model: str, status: SolveStatus, seconds: float, stats: dict[str, Any]
) -> SitingResult:
    return SitingResult(
        model=model,
        status=status,
        objective=None,
        bound=None,
        gap=None,
        sites=(),
        seconds=seconds,
        stats=stats,
        reason="the time limit was reached before any solution was found",
    )


class MCLP:
    """Maximal covering location problem: ``p`` sites covering the most demand weight.

    Formulation (Church & ReVelle 1974), ``a_ij = 1`` when ``d_ij ≤ R``, ``w_i`` demand weight::

        maximise    Σ_i w_i z_i
        subject to  z_i ≤ Σ_j a_ij y_j               every demand i
                    Σ_j y_j = p                      (fixed sites included)
                    y_j = 1 (fixed), y_j = 0 (forbidden / too close to a fixed site)
                    y_j + y_k ≤ 1                    d_jk < min_spacing
                    Σ_{j closable} y_j ≥ |closable| − max_closed
                    y_j ∈ {0, 1},  0 ≤ z_i ≤ 1

    ``z`` may be continuous: with integer ``y`` an optimal ``z_i`` is ``min(1, Σ a_ij y_j)``.

    Reductions (exact; counts in ``stats``): demands covered by a fixed site become a constant;
    demands no free candidate reaches and zero-weight demands are dropped; identical demands
    merge (weights summed); a candidate covering a subset of another's remaining demands is
    removed when there are no spacing conflicts (a swap never lowers coverage and, with
    ``= p``, any unused candidate can take its place — enough are always kept).
    """

    model = "mclp"

    def __init__(self, instance: _Instance, p: int) -> None:
        self._inst = instance
        self._p = p

    @classmethod
    def from_cost_matrix(
        cls,
        cost: npt.ArrayLike,
        *,
        p: int,
        radius: float,
        weights: npt.ArrayLike | None = None,
        fixed: IndexLike = None,
        closable: IndexLike = None,
        max_closed: int | None = None,
        forbidden: IndexLike = None,
        min_spacing: float | None = None,
        candidate_cost: npt.ArrayLike | None = None,
        reduce: bool = True,
    ) -> MCLP:
        """Build from a demands × candidates cost matrix; ``weights`` default to 1 per demand."""
        inst = _instance(
            cost,
            radius=radius,
            weights=weights,
            fixed=fixed,
            closable=closable,
            max_closed=max_closed,
            forbidden=forbidden,
            min_spacing=min_spacing,
            candidate_cost=candidate_cost,
            reduce=reduce,
        )
        return cls(inst, as_count(p))

    def solve(self, *, options: SolverOptions | None = None) -> SitingResult:
        inst, p = self._inst, self._p
        rules = inst.rules
        clock = (options or SolverOptions()).clock
        t0 = clock()
        stats: dict[str, Any] = {"demands": inst.cost.shape[0], "candidates": inst.cost.shape[1]}
        stats.update(rules.stats())
        why = rules_infeasibility(rules, p)
        if why:
            return infeasible_result(self.model, why, clock() - t0, stats)
        a = sp.csr_array(cover_matrix(inst.cost, inst.radius))
        fixed = rules.fixed
        by_fixed = (
            (np.asarray(a[:, fixed].sum(axis=1)).ravel() > 0)
            if fixed.size
            else np.zeros(a.shape[0], bool)
        )
        const = float(inst.weights[by_fixed].sum())
        cols = np.flatnonzero(rules.free)
        sub = sp.csr_array(a[:, cols])
        reach = np.diff(sub.indptr) > 0
        open_rows = ~by_fixed & reach & (inst.weights > 0)
        rows = np.flatnonzero(open_rows)
        stats["demands_covered_by_fixed"] = int(by_fixed.sum())
        stats["demands_unreachable_or_zero_weight"] = int((~by_fixed & ~open_rows).sum())
        sub = sp.csr_array(sub[rows])
        w = inst.weights[rows]
        p_free = p - int(fixed.size)
        closable = np.zeros(rules.n, dtype=bool)
        closable[rules.closable] = True
        if inst.reduce and rows.size:
            reps, group = row_groups(sub)
            stats["demands_merged"] = int(rows.size - reps.size)
            w = np.bincount(group, weights=w, minlength=reps.size).astype(np.float64)
            sub = sp.csr_array(sub[reps])
            if rules.conflicts.shape[0] == 0 and cols.size > p_free:
                rem, done = dominated_columns(sub, closable[cols])
                excess = int(rem.sum()) - (cols.size - p_free)
                if excess > 0:  # keep enough candidates for "= p": restore the widest ones
                    cover_w = sub.T @ w
                    back = np.flatnonzero(rem)[np.argsort(-cover_w[rem], kind="stable")[:excess]]
                    rem[back] = False
                stats["candidates_dominated"] = int(rem.sum())
                if not done:
                    stats["reductions_skipped"] = ["dominated candidates"]
                cols, sub = cols[~rem], sp.csr_array(sub[:, ~rem])
        b = ModelBuilder()
        y0 = b.add_cols(np.zeros(cols.size), 0.0, 1.0, integer=True)
        z0 = b.add_cols(np.asarray(w, dtype=np.float64), 0.0, 1.0, integer=False)
        coo = sub.tocoo()
        m = sub.shape[0]
        b.add_rows(
            np.concatenate([np.arange(m), coo.row]),
            np.concatenate([np.arange(m) + z0, coo.col + y0]),
            np.concatenate([np.ones(m), -np.ones(coo.nnz)]),
            np.full(m, -math.inf),
            0.0,
        )
        b.add_rows(
            np.zeros(cols.size, dtype=np.int64),
            np.arange(cols.size) + y0,
            1.0,
            [float(p_free)],
            float(p_free),
        )
        b.add_site_rules(y0, cols, rules)
        problem = b.problem(maximize=True, offset=const)
        stats.update(
            {"rows": problem.num_row, "cols": problem.num_col, "nonzeros": int(problem.matrix.nnz)}
        )
        start = np.zeros(problem.num_col)
        ys = np.zeros(cols.size)
        ys[greedy_coverage(sub, np.asarray(w, dtype=np.float64), cols, rules, max(p_free, 0))] = 1.0
        start[y0 : y0 + cols.size] = ys
        start[z0 : z0 + m] = np.minimum(sub @ ys, 1.0)
        res = solve_mip(problem, options=options, initial=start)
        stats.update(
            {"nodes": res.nodes, "solver_seconds": res.seconds, "highs_status": res.highs_status}
        )
        if res.x is None:
            if res.status is SolveStatus.INFEASIBLE:
                why = {
                    "kind": "rules",
                    "message": f"no {p} sites satisfy the spacing/closure rules",
                }
                return infeasible_result(self.model, why, clock() - t0, stats)
            return _no_solution(self.model, res.status, clock() - t0, stats)
        chosen = cols[res.x[y0 : y0 + cols.size] > 0.5]
        sites = tuple(sorted({*fixed.tolist(), *chosen.tolist()}))
        detail = _coverage_detail(inst, sites)
        assignment = _pop_assignment(detail)
        detail.update(site_detail(sites, rules))
        # The covered weight recomputed from the sites is the objective (exact arithmetic).
        objective = float(detail["covered_weight"])
        bound = finite_or_none(res.bound)
        if res.status is SolveStatus.OPTIMAL:
            bound = max(objective, bound or objective)
        gap = (
            0.0
            if res.status is SolveStatus.OPTIMAL
            else (None if bound is None else abs(bound - objective) / max(abs(objective), 1e-9))
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


class BackupCoverage:
    """Backup coverage (LSCP-B, Hogan & ReVelle 1986): cover everyone, as many twice as possible.

    Formulation as in spopt's ``LSCPB`` (after Church & Murray 2018), ``a_ij = 1`` when
    ``d_ij ≤ R``::

        maximise    Σ_i w_i u_i
        subject to  Σ_j a_ij y_j ≥ 1 + u_i           every demand i
                    Σ_j y_j = p                      p defaults to the LSCP optimum
                    (fixed / forbidden / spacing / closure rules as in LSCP)
                    y_j ∈ {0, 1},  0 ≤ u_i ≤ 1

    ``u_i`` is 1 when demand ``i`` is covered at least twice (continuous suffices: with integer
    ``y`` an optimal ``u_i`` is integral). Weights default to 1 per demand, as in spopt.

    spopt drops ``u_i`` from the covering row of a demand that fewer than two candidates can
    reach, so such a demand counts as "backed up" in its ``backup_perc`` although it never is.
    firegrid bounds ``u_i ≤ 0`` there (the honest figure, ``backup_share``) and reports spopt's
    figure too, as ``backup_percent_spopt``.

    Reductions (exact): demands covered by two fixed sites are a constant; identical demands
    (same covering set, fixed count and backup possibility) merge with summed weights. Candidate
    dominance is **not** valid here — opening two overlapping sites is what backup coverage
    rewards. Infeasible when covering everyone needs more than ``p`` sites (says how many).
    """

    model = "backup"

    def __init__(self, instance: _Instance, p: int | None) -> None:
        self._inst = instance
        self._p = p

    @classmethod
    def from_cost_matrix(
        cls,
        cost: npt.ArrayLike,
        *,
        radius: float,
        p: int | None = None,
        weights: npt.ArrayLike | None = None,
        fixed: IndexLike = None,
        closable: IndexLike = None,
        max_closed: int | None = None,
        forbidden: IndexLike = None,
        min_spacing: float | None = None,
        candidate_cost: npt.ArrayLike | None = None,
        reduce: bool = True,
    ) -> BackupCoverage:
        """Build from a demands × candidates cost matrix; ``p=None`` uses the LSCP minimum."""
        inst = _instance(
            cost,
            radius=radius,
            weights=weights,
            fixed=fixed,
            closable=closable,
            max_closed=max_closed,
            forbidden=forbidden,
            min_spacing=min_spacing,
            candidate_cost=candidate_cost,
            reduce=reduce,
        )
        return cls(inst, None if p is None else as_count(p))

    def solve(self, *, options: SolverOptions | None = None) -> SitingResult:
        inst = self._inst
        rules = inst.rules
        opts = options or SolverOptions()
        clock = (options or SolverOptions()).clock
        t0 = clock()
        stats: dict[str, Any] = {"demands": inst.cost.shape[0], "candidates": inst.cost.shape[1]}
        stats.update(rules.stats())
        why = rules_infeasibility(rules, self._p)
        if why:
            return infeasible_result(self.model, why, clock() - t0, stats)
        cover = solve_cover(inst.cost, inst.radius, rules, reduce=inst.reduce, options=opts)
        stats["lscp"] = {"sites": cover.count, "status": cover.status.value}
        if cover.count is None or cover.status is not SolveStatus.OPTIMAL:
            if cover.why is not None:
                return infeasible_result(self.model, cover.why, clock() - t0, stats)
            return _no_solution(self.model, cover.status, clock() - t0, stats)
        p = cover.count if self._p is None else self._p
        if p < cover.count:
            why = {"kind": "p_below_cover", "p": p, "needed": cover.count, "radius": inst.radius}
            return infeasible_result(self.model, why, clock() - t0, stats)

        a = sp.csr_array(cover_matrix(inst.cost, inst.radius))
        fixed = rules.fixed
        n_d = a.shape[0]
        f = np.asarray(a[:, fixed].sum(axis=1)).ravel() if fixed.size else np.zeros(n_d)
        cols = np.flatnonzero(rules.free)
        sub = sp.csr_array(a[:, cols])
        reach = f + np.diff(sub.indptr)
        can_twice = reach >= 2
        const_rows = f >= 2
        rows = np.flatnonzero(~const_rows)
        const = float(inst.weights[const_rows].sum())
        stats["demands_covered_twice_by_fixed"] = int(const_rows.sum())
        sub = sp.csr_array(sub[rows])
        rhs = 1.0 - f[rows]
        ub = can_twice[rows].astype(np.float64)
        w = inst.weights[rows] * ub
        if inst.reduce and rows.size:
            reps, group = row_groups(sub, key=np.stack([rhs, ub], axis=1))
            stats["demands_merged"] = int(rows.size - reps.size)
            w = np.bincount(group, weights=w, minlength=reps.size).astype(np.float64)
            sub, rhs, ub = sp.csr_array(sub[reps]), rhs[reps], ub[reps]
        m = sub.shape[0]
        b = ModelBuilder()
        y0 = b.add_cols(np.zeros(cols.size), 0.0, 1.0, integer=True)
        u0 = b.add_cols(np.asarray(w, dtype=np.float64), 0.0, ub, integer=False)
        coo = sub.tocoo()
        b.add_rows(
            np.concatenate([coo.row, np.arange(m)]),
            np.concatenate([coo.col + y0, np.arange(m) + u0]),
            np.concatenate([np.ones(coo.nnz), -np.ones(m)]),
            rhs,
            math.inf,
        )
        p_free = float(p - fixed.size)
        b.add_rows(
            np.zeros(cols.size, dtype=np.int64), np.arange(cols.size) + y0, 1.0, [p_free], p_free
        )
        b.add_site_rules(y0, cols, rules)
        problem = b.problem(maximize=True, offset=const)
        start = np.zeros(problem.num_col)
        start[y0 + np.searchsorted(cols, np.setdiff1d(cover.sites, fixed))] = 1.0
        stats.update(
            {"rows": problem.num_row, "cols": problem.num_col, "nonzeros": int(problem.matrix.nnz)}
        )
        res = solve_mip(
            problem,
            options=opts.remaining(clock() - t0),
            initial=start if cover.count == p else None,
        )
        stats.update(
            {
                "nodes": res.nodes,
                "solver_seconds": res.seconds + cover.solver_seconds,
                "highs_status": res.highs_status,
            }
        )
        if res.x is None:
            if res.status is SolveStatus.INFEASIBLE:
                why = {
                    "kind": "rules",
                    "message": f"no {p} sites cover every demand under the rules",
                }
                return infeasible_result(self.model, why, clock() - t0, stats)
            return _no_solution(self.model, res.status, clock() - t0, stats)
        chosen = cols[res.x[y0 : y0 + cols.size] > 0.5]
        sites = tuple(sorted({*fixed.tolist(), *chosen.tolist()}))
        times = np.asarray(a[:, list(sites)].sum(axis=1)).ravel()
        twice = times >= 2
        total = float(inst.weights.sum())
        objective = float(inst.weights[twice].sum())
        detail = _coverage_detail(inst, sites)
        assignment = _pop_assignment(detail)
        detail.update(
            {
                "p": p,
                "lscp_sites": cover.count,
                "backup_weight": objective,
                "backup_share": objective / total if total > 0 else None,
                "backup_demands": int(twice.sum()),
                "backup_percent_spopt": 100.0 * float((twice | ~can_twice).sum()) / n_d,
            }
        )
        detail.update(site_detail(sites, rules))
        bound = finite_or_none(res.bound)
        status = res.status
        if status is SolveStatus.OPTIMAL:
            bound = max(objective, bound or objective)
        gap = (
            0.0
            if status is SolveStatus.OPTIMAL
            else (None if bound is None else abs(bound - objective) / max(abs(objective), 1e-9))
        )
        return SitingResult(
            model=self.model,
            status=status,
            objective=objective,
            bound=bound,
            gap=gap,
            sites=sites,
            seconds=clock() - t0,
            assignment=assignment,
            detail=detail,
            stats=stats,
            reason=limit_reason(status),
        )
