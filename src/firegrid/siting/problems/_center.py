"""p-center: the smallest radius within which ``p`` sites reach every demand."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from firegrid.siting.problems._base import (
    FloatArray,
    IndexLike,
    IntArray,
    infeasible_result,
    nearest_open,
    rules_infeasibility,
    site_detail,
)
from firegrid.siting.problems._lscp import solve_cover
from firegrid.siting.problems._median import (
    _assignment_problem,
    _capacity_why,
    _Instance,
    _instance,
    _unreachable_why,
)
from firegrid.siting.result import SitingResult, SolveStatus
from firegrid.siting.solve import SolverOptions, solve_mip

__all__ = ["PCenter"]


def _greedy(cost: FloatArray, inst: _Instance) -> tuple[int, ...]:
    """A quick p-site set (fixed sites, then the nearest candidate to the worst-served demand)."""
    rules = inst.rules
    free = np.flatnonzero(rules.free)
    sites = rules.fixed.tolist()
    if not sites and free.size:
        sites.append(int(free[np.argmin(cost[:, free].max(axis=0))]))
    while len(sites) < inst.p:
        _, dist = nearest_open(cost, sites)
        worst = int(np.argmax(dist))
        cand = free[~np.isin(free, sites)]
        if cand.size == 0 or dist[worst] == 0:
            break
        sites.append(int(cand[np.argmin(cost[worst, cand])]))
    return tuple(sorted(sites))


class PCenter:
    """p-center: at most ``p`` sites minimising the largest demand-to-nearest-site distance.

    Every demand counts, whatever its weight (weights only load stations under ``capacity``).
    The optimum is one of the matrix's distances, so it is found exactly by binary search over
    the sorted distinct distances ``r`` in ``[max_i min_j d_ij, …]``, each step a feasibility
    check — an LSCP at radius ``r`` with ``Σ_j y_j ≤ p`` added::

        r* = min { r ∈ {d_ij} :  ∃ y ∈ {0,1}^J,  Σ_j y_j ≤ p,  Σ_j [d_ij ≤ r] y_j ≥ 1  ∀ i,
                                 fixed / forbidden / spacing / closure rules }

    With workload caps the check is the single-source assignment (``Σ_{j: d_ij ≤ r} x_ij = 1``,
    ``x_ij ≤ y_j``, ``Σ_i w_i x_ij ≤ C_j y_j``, ``Σ_j y_j ≤ p``).

    Why not the one-shot minimax MIP (``min W`` s.t. ``Σ_j d_ij x_ij ≤ W``)? Its LP relaxation
    is notoriously weak, so branch-and-bound grinds; each covering check, after the LSCP
    reductions (forced and dominated candidates, implied demands), is small and usually solved
    at the root, and ``log₂`` of the number of distinct distances checks suffice. A feasible
    check also lowers the upper end to the radius its cover actually achieves; a greedy cover
    gives the first upper end when no spacing, closure or capacity rule applies.

    On a time limit the best radius found is returned with ``bound`` = the largest radius proven
    too small's successor (status ``FEASIBLE``). Extra sites cannot lower the optimum, so the
    result lists the sites of the optimal cover (possibly fewer than ``p``).
    """

    model = "pcenter"

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
    ) -> PCenter:
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

    def _check(
        self, r: float, options: SolverOptions
    ) -> tuple[SolveStatus, tuple[int, ...] | None, IntArray | None, float, int]:
        """Is radius ``r`` achievable? (status, sites, assignment, solver seconds, nodes)."""
        inst = self._inst
        options = replace(options, first_solution=True)  # any cover with ≤ p sites will do
        if inst.capacity is None:
            out = solve_cover(
                inst.cost,
                r,
                inst.rules,
                max_sites=inst.p,
                keep_existing=False,
                reduce=inst.reduce,
                options=options,
            )
            if out.count is not None:
                return SolveStatus.FEASIBLE, out.sites, None, out.solver_seconds, out.nodes
            return out.status, None, None, out.solver_seconds, out.nodes
        allowed = inst.cost <= r
        if not (allowed & inst.rules.usable[None, :]).any(axis=1).all():
            return SolveStatus.INFEASIBLE, None, None, 0.0, 0
        demands = np.arange(inst.cost.shape[0], dtype=np.int64)
        problem, cols, y0, pi, pj = _assignment_problem(
            inst, demands, allowed, count_sites=True, max_sites=inst.p
        )
        res = solve_mip(problem, options=options)
        if res.x is None:
            return res.status, None, None, res.seconds, res.nodes
        chosen = cols[res.x[y0 : y0 + cols.size] > 0.5]
        sites = tuple(sorted({*inst.rules.fixed.tolist(), *chosen.tolist()}))
        x = res.x[y0 + cols.size : y0 + cols.size + pi.size] > 0.5
        assignment = np.full(inst.cost.shape[0], -1, dtype=np.int64)
        assignment[pi[x]] = pj[x]
        return SolveStatus.FEASIBLE, sites, assignment, res.seconds, res.nodes

    def _radius(
        self, sites: tuple[int, ...], assignment: IntArray | None
    ) -> tuple[float, IntArray]:
        cost = self._inst.cost
        if assignment is None:
            assignment, dist = nearest_open(cost, sites)
        else:
            dist = cost[np.arange(cost.shape[0]), assignment]
        return float(dist.max()), assignment

    def solve(self, *, options: SolverOptions | None = None) -> SitingResult:
        inst = self._inst
        rules = inst.rules
        opts = options or SolverOptions()
        clock = (options or SolverOptions()).clock
        t0 = clock()
        stats: dict[str, Any] = {"demands": inst.cost.shape[0], "candidates": inst.cost.shape[1]}
        stats.update(rules.stats())
        why = rules_infeasibility(rules, inst.p, exactly=False)
        if why:
            return infeasible_result(self.model, why, clock() - t0, stats)
        u = inst.cost[:, rules.usable]
        unreachable = np.flatnonzero(~np.isfinite(u).any(axis=1))
        if unreachable.size:
            return infeasible_result(
                self.model, _unreachable_why(inst, unreachable), clock() - t0, stats
            )
        if inst.capacity is not None:
            why = _capacity_why(inst, np.arange(inst.cost.shape[0], dtype=np.int64))
            if why:
                return infeasible_result(self.model, why, clock() - t0, stats)
        lb = float(u.min(axis=1).max())
        values = np.unique(u[np.isfinite(u)])
        values = values[values >= lb]
        lo, hi = 0, values.size - 1
        best: tuple[int, ...] | None = None
        best_assign: IntArray | None = None
        checks = nodes = 0
        solver_s = 0.0
        stopped = False
        simple = (
            rules.conflicts.shape[0] == 0 and rules.max_closed is None and inst.capacity is None
        )
        if simple:
            g = _greedy(inst.cost, inst)
            r_g, a_g = self._radius(g, None)
            if math.isfinite(r_g):
                best, best_assign = g, a_g
                hi = int(np.searchsorted(values, r_g))
        if best is None:  # is the largest radius achievable at all under the rules?
            st, sites, assign, s, n = self._check(float(values[hi]), opts.remaining(clock() - t0))
            checks, solver_s, nodes = checks + 1, solver_s + s, nodes + n
            if sites is None:
                stats.update({"checks": checks, "solver_seconds": solver_s, "nodes": nodes})
                if st is SolveStatus.INFEASIBLE:
                    why = {
                        "kind": "rules",
                        "message": f"no {inst.p} sites reach every demand under "
                        "the spacing/closure rules and workload caps",
                    }
                    return infeasible_result(self.model, why, clock() - t0, stats)
                return SitingResult(
                    model=self.model,
                    status=SolveStatus.NO_SOLUTION,
                    objective=None,
                    bound=float(values[lo]),
                    gap=None,
                    sites=(),
                    seconds=clock() - t0,
                    stats=stats,
                    reason="the time limit was reached before any solution was found",
                )
            best, best_assign = sites, assign
            r_b, best_assign = self._radius(best, best_assign)
            hi = int(np.searchsorted(values, r_b))
        while lo < hi:
            mid = (lo + hi) // 2
            st, sites, assign, s, n = self._check(float(values[mid]), opts.remaining(clock() - t0))
            checks, solver_s, nodes = checks + 1, solver_s + s, nodes + n
            if sites is not None:
                r_s, assign2 = self._radius(sites, assign)
                best, best_assign = sites, assign2
                hi = min(int(np.searchsorted(values, r_s)), mid)
            elif st is SolveStatus.INFEASIBLE:
                lo = mid + 1
            else:
                stopped = True
                break
        assert best is not None and best_assign is not None
        objective, assignment = self._radius(best, best_assign)
        bound = float(values[lo])
        status = SolveStatus.FEASIBLE if stopped else SolveStatus.OPTIMAL
        stats.update(
            {
                "checks": checks,
                "solver_seconds": solver_s,
                "nodes": nodes,
                "candidate_radii": int(values.size),
            }
        )
        detail: dict[str, Any] = {
            "max_distance": objective,
            "mean_distance": float(inst.cost[np.arange(inst.cost.shape[0]), assignment].mean()),
            "lower_bound_nearest": lb,
        }
        detail.update(site_detail(best, rules))
        gap = (
            0.0 if status is SolveStatus.OPTIMAL else abs(objective - bound) / max(objective, 1e-9)
        )
        return SitingResult(
            model=self.model,
            status=status,
            objective=objective,
            bound=objective if status is SolveStatus.OPTIMAL else bound,
            gap=gap,
            sites=best,
            seconds=clock() - t0,
            assignment=assignment,
            detail=detail,
            stats=stats,
            reason="the time limit was reached; the radius is not proven minimal"
            if stopped
            else None,
        )
