"""The set-covering core shared by LSCP, backup coverage (its ``p``) and p-center (its checks)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from firegrid.siting.problems._base import (
    FloatArray,
    IntArray,
    ModelBuilder,
    SiteRules,
)
from firegrid.siting.problems._greedy import greedy_cover
from firegrid.siting.problems._reduce import (
    dominated_columns,
    essential_columns,
    row_groups,
    superset_rows,
)
from firegrid.siting.result import SolveStatus
from firegrid.siting.solve import SolverOptions, solve_mip


def cover_matrix(cost: FloatArray, radius: float) -> sp.csc_array:
    """``a[i, j] = 1`` when candidate ``j`` reaches demand ``i`` within ``radius`` (inclusive)."""
    return sp.csc_array(cost <= radius, dtype=np.int8)


def uncoverable_why(
    cost: FloatArray, rows: IntArray, rules: SiteRules, radius: float
) -> dict[str, Any]:
    """Describe demands no usable candidate reaches within ``radius``."""
    usable = np.flatnonzero(rules.usable)
    near = cost[np.ix_(rows, usable)].min(axis=1) if usable.size else np.full(rows.size, math.inf)
    blocked = ~rules.usable
    note = None
    if blocked.any() and (cost[np.ix_(rows, np.flatnonzero(blocked))] <= radius).any():
        note = "candidates that would reach them are forbidden or too close to fixed sites"
    return {
        "kind": "uncoverable",
        "radius": radius,
        "count": int(rows.size),
        "demands": [
            {"demand": int(i), "nearest": None if not math.isfinite(d) else float(d)}
            for i, d in list(zip(rows.tolist(), near.tolist(), strict=True))[:20]
        ],
        "note": note,
    }


@dataclass(frozen=True, eq=False)
class CoverOutcome:
    """An LSCP solve: status, every open site (fixed included), the count and its proven bound."""

    status: SolveStatus
    sites: tuple[int, ...]
    count: int | None
    bound: int | None
    solver_seconds: float
    nodes: int
    stats: dict[str, Any] = field(default_factory=dict)
    why: dict[str, Any] | None = None


def solve_cover(
    cost: FloatArray,
    radius: float,
    rules: SiteRules,
    *,
    max_sites: int | None = None,
    keep_existing: bool = True,
    reduce: bool = True,
    options: SolverOptions | None = None,
) -> CoverOutcome:
    """Minimum number of sites so every demand has one within ``radius``.

    ``max_sites`` adds ``Σ y ≤ max_sites`` (p-center's feasibility check: infeasible means the
    radius is too small). ``keep_existing`` prefers keeping closable stations among covers of
    equal size (an exact lexicographic tie-break: the bonus per kept station is below
    ``1/|closable|``, so it can never buy a larger cover).
    """
    a = cover_matrix(cost, radius)
    n_d = a.shape[0]
    stats: dict[str, Any] = {}
    fixed = rules.fixed
    covered = np.asarray(a[:, fixed].sum(axis=1)).ravel() > 0 if fixed.size else np.zeros(n_d, bool)
    stats["demands_covered_by_fixed"] = int(covered.sum())
    rows = np.flatnonzero(~covered)
    cols = np.flatnonzero(rules.free)
    sub = (
        sp.csr_array(a[rows][:, cols])
        if rows.size and cols.size
        else sp.csr_array((rows.size, cols.size))
    )
    deg = np.diff(sub.indptr)
    if (deg == 0).any():
        bad = rows[deg == 0]
        return CoverOutcome(
            SolveStatus.INFEASIBLE,
            (),
            None,
            None,
            0.0,
            0,
            stats,
            uncoverable_why(cost, bad, rules, radius),
        )
    forced: list[int] = []
    closable = np.zeros(rules.n, dtype=bool)
    closable[rules.closable] = True
    has_conflicts = rules.conflicts.shape[0] > 0
    counts = {"demands_dominated": 0, "candidates_dominated": 0, "candidates_forced": 0}
    skipped: set[str] = set()
    if reduce:
        for _ in range(20):
            changed = False
            if not has_conflicts and rows.size:
                ess = essential_columns(sub)
                if ess.size:
                    forced.extend(cols[ess].tolist())
                    counts["candidates_forced"] += int(ess.size)
                    hit = np.asarray(sub[:, ess].sum(axis=1)).ravel() > 0
                    keep_c = np.ones(cols.size, dtype=bool)
                    keep_c[ess] = False
                    rows, cols = rows[~hit], cols[keep_c]
                    sub = sp.csr_array(sub[~hit][:, keep_c])
                    changed = True
            if rows.size > 1:
                drop, done = superset_rows(sub)
                if not done:
                    skipped.add("dominated demands")
                    reps, _ = row_groups(sub)
                    drop = np.ones(rows.size, dtype=bool)
                    drop[reps] = False
                if drop.any():
                    counts["demands_dominated"] += int(drop.sum())
                    rows, sub = rows[~drop], sp.csr_array(sub[~drop])
                    changed = True
            if not has_conflicts and cols.size > 1:
                rem, done = dominated_columns(sub, closable[cols])
                if not done:
                    skipped.add("dominated candidates")
                if rem.any():
                    counts["candidates_dominated"] += int(rem.sum())
                    cols, sub = cols[~rem], sp.csr_array(sub[:, ~rem])
                    changed = True
            if not changed:
                break
    stats.update(counts)
    if skipped:
        stats["reductions_skipped"] = sorted(skipped)
    base = int(fixed.size) + len(forced)
    if max_sites is not None and base > max_sites:
        return CoverOutcome(
            SolveStatus.INFEASIBLE,
            (),
            None,
            None,
            0.0,
            0,
            stats,
            {"kind": "cover_too_large", "message": "too many sites are forced"},
        )
    closure_rule = rules.max_closed is not None and rules.closable.size > 0
    if rows.size == 0 and not closure_rule:
        sites = tuple(sorted({*fixed.tolist(), *forced}))
        stats.update({"rows": 0, "cols": 0})
        return CoverOutcome(SolveStatus.OPTIMAL, sites, len(sites), len(sites), 0.0, 0, stats)

    b = ModelBuilder()
    n_cl = int(closable[cols].sum())
    eps = 1.0 / (n_cl + 1) if (keep_existing and n_cl) else 0.0
    y0 = b.add_cols(np.where(closable[cols], 1.0 - eps, 1.0), 0.0, 1.0, integer=True)
    coo = sub.tocoo()
    b.add_rows(coo.row, coo.col + y0, 1.0, np.ones(rows.size), math.inf)
    forced_closable = int(closable[np.asarray(forced, dtype=np.int64)].sum()) if forced else 0
    b.add_site_rules(y0, cols, rules, already_open=forced_closable)
    if max_sites is not None:
        b.add_rows(
            np.zeros(cols.size, dtype=np.int64),
            np.arange(cols.size) + y0,
            1.0,
            [-math.inf],
            float(max_sites - base),
        )
    problem = b.problem(maximize=False)
    stats.update(
        {"rows": problem.num_row, "cols": problem.num_col, "nonzeros": int(problem.matrix.nnz)}
    )
    start = np.zeros(problem.num_col)
    start[y0 + greedy_cover(sub, cols, rules)] = 1.0
    res = solve_mip(problem, options=options, initial=start)
    stats["highs_status"] = res.highs_status
    if res.x is None:
        why = None
        if res.status is SolveStatus.INFEASIBLE:
            why = {
                "kind": "cover_rules",
                "message": f"no choice of sites covers every demand within radius {radius:g} "
                "while respecting the spacing/closure rules"
                + ("" if max_sites is None else f" with at most {max_sites} sites"),
            }
        return CoverOutcome(res.status, (), None, None, res.seconds, res.nodes, stats, why)
    chosen = cols[res.x[y0 : y0 + cols.size] > 0.5]
    sites = tuple(sorted({*fixed.tolist(), *forced, *chosen.tolist()}))
    bound = None if res.bound is None else base + max(0, math.ceil(res.bound - 1e-6))
    if res.status is SolveStatus.OPTIMAL:
        bound = len(sites)
    return CoverOutcome(res.status, sites, len(sites), bound, res.seconds, res.nodes, stats)
