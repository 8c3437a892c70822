"""``solve_pmedian``: the incumbent, the Lagrangian proof, and the reduced radius MIP."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError
from firegrid.siting.pmedian._heuristic import greedy, interchange, solution_cost
from firegrid.siting.pmedian._lagrangian import Dual, client_radii, fixings, subgradient
from firegrid.siting.pmedian._radius import build_radius_model, solve_radius_model
from firegrid.siting.result import SitingResult, SolveStatus

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
IndexLike = Sequence[int] | npt.NDArray[np.integer[Any]] | npt.NDArray[np.bool_] | None

__all__ = ["solve_pmedian"]

MODEL = "pmedian"
#: Relative margin of the prune level (and HiGHS's gap) when the costs are not all integers.
REL_TOL = 1e-9
#: Relative gap accepted as "optimal" when the costs are not all integers (≥ 2 REL_TOL: the
#: cutoff and HiGHS's gap each give away one margin).
OPT_TOL = 4e-9
#: Largest total cost for which float sums of integers are exact enough to use integrality.
_EXACT_LIMIT = 2.0**50
#: Relaxation site sets polished as soon as they appear (the first ones, to get a good
#: incumbent early); later ones wait in a pool of the ``_POOL`` cheapest, polished when a
#: bound computation ends without closing the gap.
_EARLY_POLISH = 5
_POOL = 6
#: Iterated-local-search kicks of the incumbent when the root bound does not close.
_KICKS = 4
#: Fixing rounds (reduce, re-optimise the multipliers on the smaller problem, reduce again).
_FIX_ROUNDS = 3
LIMIT_REASON = "the time limit was reached; the best solution found is returned with its gap"


# ----------------------------------------------------------------------------- input checks


@dataclass(frozen=True, eq=False)
class _Input:
    """Validated input. ``allowed``: candidates not forbidden; ``fixed_pos``/``free_pos``:
    positions in ``allowed``; ``clients``: demands with positive weight."""

    d: FloatArray
    w: FloatArray
    p: int
    fixed: IntArray
    allowed: IntArray
    fixed_pos: IntArray
    free_pos: IntArray
    clients: IntArray


def _index_set(values: IndexLike, n: int, what: str) -> IntArray:
    if values is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(values)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == np.bool_:
        if arr.shape != (n,):
            raise InvalidInputError(f"{what}: mask of {arr.size} entries for {n} candidates")
        return np.flatnonzero(arr).astype(np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        raise InvalidInputError(f"{what}: candidate indices must be integers, got {arr.dtype}")
    idx = np.unique(arr.astype(np.int64).ravel())
    bad = idx[(idx < 0) | (idx >= n)]
    if bad.size:
        raise InvalidInputError(f"{what}: candidate index {int(bad[0])} is outside 0..{n - 1}")
    return idx


def _check(
    cost: npt.ArrayLike,
    p: int,
    weights: npt.ArrayLike | None,
    fixed: IndexLike,
    forbidden: IndexLike,
) -> _Input:
    try:
        d = np.array(cost, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"cost matrix is not numeric: {exc}") from None
    if d.ndim != 2 or d.shape[1] == 0:
        raise InvalidInputError(
            f"cost matrix must be 2-D (demands × candidates, ≥ 1 candidate), got shape {d.shape}"
        )
    bad = np.argwhere(np.isnan(d) | (d < 0))
    if bad.size:
        i, j = (int(v) for v in bad[0])
        raise InvalidInputError(
            f"cost matrix: demand {i}, candidate {j} has cost {d[i, j]:g} (need ≥ 0; inf means "
            "unreachable)"
        )
    n_d, n_c = d.shape
    if weights is None:
        w = np.ones(n_d)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.shape != (n_d,):
            raise InvalidInputError(f"weights: {w.size} values for {n_d} demands")
        badw = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if badw.size:
            raise InvalidInputError(
                f"weights: demand {int(badw[0])} has weight {w[badw[0]]:g} (need finite, ≥ 0)"
            )
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 1:
        raise InvalidInputError(f"p must be a whole number ≥ 1, got {p!r}")
    fx = _index_set(fixed, n_c, "fixed")
    fb = _index_set(forbidden, n_c, "forbidden")
    both = np.intersect1d(fx, fb)
    if both.size:
        raise InvalidInputError(f"candidate {int(both[0])} is both fixed and forbidden")
    allowed = np.setdiff1d(np.arange(n_c), fb)
    if p > allowed.size:
        raise InvalidInputError(
            f"p = {p} sites requested but only {allowed.size} of {n_c} candidates are allowed"
        )
    if fx.size > p:
        raise InvalidInputError(f"p = {p} but {fx.size} sites are fixed open")
    fixed_pos = np.searchsorted(allowed, fx).astype(np.int64)
    free_pos = np.setdiff1d(np.arange(allowed.size), fixed_pos).astype(np.int64)
    return _Input(d, w, int(p), fx, allowed, fixed_pos, free_pos, np.flatnonzero(w > 0))


# ----------------------------------------------------------------------------- results


def _result(
    inp: _Input,
    sites_pos: IntArray,
    *,
    proven: bool,
    bound: float | None,
    seconds: float,
    stats: dict[str, Any],
) -> SitingResult:
    """The result for the site set ``sites_pos`` (positions in ``allowed``), or the
    explanation when it leaves a weighted demand unreachable."""
    sites = np.sort(inp.allowed[sites_pos])
    sub = inp.d[:, sites]
    near = sub.min(axis=1)
    assignment = np.where(np.isfinite(near), sites[np.argmin(sub, axis=1)], -1).astype(np.int64)
    lost = inp.clients[~np.isfinite(near[inp.clients])]
    if lost.size:
        # The big-M optimum leaves a demand unserved: no p allowed sites reach every demand.
        why = {
            "kind": "unreachable_jointly",
            "count": int(lost.size),
            "demands": [{"demand": int(i), "nearest": None} for i in lost[:20].tolist()],
            "message": (
                f"no {inp.p} allowed sites together reach every demand: the best choice leaves "
                f"{lost.size} demand(s) unreachable (e.g. demand {int(lost[0])})"
            ),
        }
        if not proven:
            why["message"] = (
                "the time limit was reached before a solution serving every demand was found"
            )
        return SitingResult(
            model=MODEL,
            status=SolveStatus.INFEASIBLE if proven else SolveStatus.NO_SOLUTION,
            objective=None,
            bound=None,
            gap=None,
            sites=(),
            seconds=seconds,
            detail={"infeasible": why},
            stats=stats,
            reason=str(why["message"]),
        )
    dist = near[inp.clients]
    weights = inp.w[inp.clients]
    objective = float((weights * dist).sum())
    if proven:
        bound = objective
    elif bound is not None:
        bound = min(bound, objective)
    gap = (
        None
        if bound is None
        else (0.0 if proven else (objective - bound) / max(abs(objective), 1e-12))
    )
    total_w = float(weights.sum())
    fixed = set(inp.fixed.tolist())
    detail: dict[str, Any] = {
        "total_weighted_distance": objective,
        "mean_distance": objective / total_w if total_w > 0 else None,
        "max_distance": float(dist.max()) if dist.size else 0.0,
        "new_sites": [int(s) for s in sites if int(s) not in fixed],
    }
    if fixed:
        detail["fixed_sites"] = sorted(fixed)
    return SitingResult(
        model=MODEL,
        status=SolveStatus.OPTIMAL if proven else SolveStatus.FEASIBLE,
        objective=objective,
        bound=bound,
        gap=gap,
        sites=tuple(int(s) for s in sites),
        seconds=seconds,
        assignment=assignment,
        detail=detail,
        stats=stats,
        reason=None if proven else LIMIT_REASON,
    )


def _unreachable(
    inp: _Input, lost: IntArray, seconds: float, stats: dict[str, Any]
) -> SitingResult:
    """Demands that no allowed candidate reaches at all."""
    forbidden = np.setdiff1d(np.arange(inp.d.shape[1]), inp.allowed)
    note = None
    if forbidden.size and np.isfinite(inp.d[np.ix_(lost, forbidden)]).any():
        note = "candidates that would reach them are forbidden"
    why: dict[str, Any] = {
        "kind": "unreachable",
        "count": int(lost.size),
        "demands": [{"demand": int(i), "nearest": None} for i in lost[:20].tolist()],
        "note": note,
    }
    head = (
        f"demand {int(lost[0])} has no candidate reachable"
        if lost.size == 1
        else f"{lost.size} demands have no candidate reachable (e.g. demand {int(lost[0])})"
    )
    return SitingResult(
        model=MODEL,
        status=SolveStatus.INFEASIBLE,
        objective=None,
        bound=None,
        gap=None,
        sites=(),
        seconds=seconds,
        detail={"infeasible": why},
        stats=stats,
        reason=head + (f"; {note}" if note else ""),
    )


# ----------------------------------------------------------------------------- bookkeeping


@dataclass
class _Search:
    """Incumbent, bounds and statistics of one solve (all costs in the weighted units of ``c``)."""

    c: FloatArray
    integral: bool
    expired: Callable[[], bool]
    rng: np.random.Generator
    best: IntArray
    upper: float
    user_locked: BoolArray
    #: Lower bound valid for every solution.
    lower: float = -math.inf
    #: Every solution removed by a reduction costs at least this much.
    excluded_floor: float = math.inf
    seen: set[bytes] = field(default_factory=set)
    pool: dict[bytes, tuple[float, IntArray]] = field(default_factory=dict)
    local_searches: int = 0

    def prune_level(self) -> float:
        """A solution proven to cost more than this cannot beat the incumbent.

        Integer costs: every solution value is an integer, so "> UB − 1 + δ" means "≥ UB";
        the margin ``δ`` absorbs float rounding in the bound (sums of ~10⁵ terms, relative
        error ~10⁻¹²). Other costs: a relative ``REL_TOL`` below the incumbent.
        """
        ub = self.upper
        if self.integral:
            return ub - 1.0 + min(0.25, 1e-6 + 1e-12 * abs(ub))
        return ub - REL_TOL * max(1.0, abs(ub))

    def floor_of(self, level: float) -> float:
        """The least value a solution proven to cost more than ``level`` can have."""
        return float(math.ceil(level)) if self.integral else level

    def offer(self, sites: IntArray, *, polish: bool) -> None:
        """Consider a site set as incumbent, after an interchange local search if asked."""
        key = np.sort(sites).tobytes()
        if key in self.seen:
            return
        self.seen.add(key)
        value = solution_cost(self.c, sites)
        if polish and not self.expired():
            self.local_searches += 1
            sites, value = interchange(self.c, sites, self.user_locked, expired=self.expired)
            self.seen.add(np.sort(sites).tobytes())
        if value < self.upper:
            self.best, self.upper = np.sort(sites), value

    def observe(self, sites: IntArray) -> None:
        """The Lagrangian heuristic: a site set the relaxation chose. The first few are
        polished at once; later ones join the pool of the cheapest (see ``polish_pool``)."""
        key = np.sort(sites).tobytes()
        if key in self.seen or key in self.pool:
            return
        if self.local_searches < _EARLY_POLISH:
            self.offer(sites, polish=True)
            return
        value = solution_cost(self.c, sites)
        if value < self.upper:
            self.best, self.upper = np.sort(sites), value
        self.pool[key] = (value, sites.copy())
        if len(self.pool) > _POOL:
            worst = max(self.pool, key=lambda k: self.pool[k][0])
            del self.pool[worst]

    def polish_pool(self) -> None:
        """Polish the pooled relaxation site sets, cheapest first."""
        for _, sites in sorted(self.pool.values(), key=lambda vs: vs[0]):
            self.offer(sites, polish=True)
        self.pool.clear()

    def kick(self) -> None:
        """Iterated local search: swap a random fifth of the incumbent's free sites for random
        closed ones, then polish."""
        m = self.c.shape[1]
        movable = self.best[~self.user_locked[self.best]]
        closed = np.setdiff1d(np.arange(m), self.best)
        q = min(max(1, movable.size // 5), closed.size)
        if movable.size == 0 or q == 0:
            return
        out = self.rng.choice(movable, size=q, replace=False)
        into = self.rng.choice(closed, size=q, replace=False)
        self.offer(np.union1d(np.setdiff1d(self.best, out), into), polish=True)

    def proven(self) -> bool:
        """Is the incumbent optimal? Integer costs: a bound at the prune level rules out every
        better solution (values ≥ ceil(UB − 1 + δ) = UB). Others: within ``OPT_TOL``."""
        if self.integral:
            return self.lower >= self.prune_level()
        return self.upper - self.lower <= OPT_TOL * max(1.0, abs(self.upper))

    def reported_bound(self) -> float:
        """The proven bound in the caller's terms (rounded up for integer costs)."""
        bound = self.lower
        if self.integral:
            bound = float(math.ceil(bound - 1e-6))
        return min(bound, self.upper)


def _offer_mapped(search: _Search, cols: IntArray) -> Callable[[IntArray], None]:
    """The Lagrangian heuristic on a reduced problem: its sites mapped back first."""

    def offer(sites: IntArray) -> None:
        search.observe(cols[sites])

    return offer


# ----------------------------------------------------------------------------- the solver


def solve_pmedian(
    cost: npt.ArrayLike,
    p: int,
    *,
    weights: npt.ArrayLike | None = None,
    fixed: IndexLike = (),
    forbidden: IndexLike = (),
    time_limit_s: float = 60.0,
    seed: int = 0,
    clock: Callable[[], float] = time.perf_counter,
) -> SitingResult:
    r"""Solve the (weighted) p-median problem to proven optimality.

    .. math::

        \min \sum_{i,j} w_i d_{ij} x_{ij} \quad\text{s.t.}\quad \sum_j x_{ij} = 1,\;
        x_{ij} \le y_j,\; \sum_j y_j = p,\; y_j = 1\ (j \in F),\; y_j = 0\ (j \in X),\;
        x, y \in \{0, 1\}

    Method (every step is exact; the private modules' docstrings prove the reductions):

    1. **Incumbent**: greedy construction, then best-improvement vertex substitution; the
       Lagrangian relaxation's site sets are polished the same way as the bound improves,
       and a few seeded kicks (iterated local search) follow when the root does not close.
    2. **Lower bound**: Lagrangian relaxation of the assignment constraints, maximised by
       subgradient optimisation (Beasley 1985). When the bound passes the prune level
       (``UB − 1`` for integer costs) the incumbent is optimal — most OR-Library instances
       end here.
    3. **Reductions** relative to the incumbent: sites whose forced opening (closing) lifts
       the bound past the prune level are closed (opened); the bound is re-optimised on the
       smaller problem and reduced again. Each client's radius is capped at the distance
       within which every improving solution must serve it.
    4. **Exact search**: the radius formulation (Elloumi 2010; García, Labbé & Marín 2011)
       over the remaining sites and distance levels, in chain form, solved by HiGHS with the
       prune level as its objective cutoff.

    The proven bound is ``max(root bound, min(bound of the reduced problem, least value of
    the solutions the reductions removed))``: every reduction only removes solutions that
    cannot beat the incumbent.

    Parameters
    ----------
    cost : (n_demands, n_candidates) array
        Distances ``d_ij`` ≥ 0; ``inf`` marks a candidate that cannot serve a demand.
    p : int
        Number of sites to open (fixed sites included).
    weights : (n_demands,) array, optional
        Demand weights ``w_i`` ≥ 0 (default 1). Zero-weight demands do not count.
    fixed, forbidden : candidate indices or boolean masks
        Sites that must open (existing stations) / must stay closed (excluded zones).
    time_limit_s : float
        Wall-clock budget. On reaching it the best solution is returned with status
        ``FEASIBLE``, its proven bound and gap. The greedy solution is always built.
    seed : int
        Seed of the kicks and of HiGHS (the same input gives the same result).
    clock : callable
        Seconds counter (injectable for tests).

    Returns
    -------
    SitingResult
        ``objective = Σ w_i min_{j∈S} d_ij``; ``bound`` a proven lower bound, equal to the
        objective when ``OPTIMAL`` (exactly for integer costs, to a relative ``4e-9``
        otherwise); ``sites`` sorted candidate indices; ``assignment`` each demand's nearest
        site; ``detail`` distances and new/fixed sites; ``stats`` the work done (bounds,
        fixings, model size, HiGHS nodes). ``INFEASIBLE`` when no ``p`` allowed sites reach
        every weighted demand (``reason`` and ``detail["infeasible"]`` say which).

    Raises
    ------
    InvalidInputError
        Bad shapes, negative or NaN costs, bad weights, ``p`` out of range, an index both
        fixed and forbidden, more fixed sites than ``p``.
    """
    start = clock()
    deadline = start + float(time_limit_s)

    def expired() -> bool:
        return clock() >= deadline

    inp = _check(cost, p, weights, fixed, forbidden)
    p = inp.p
    fixed_pos, free_pos = inp.fixed_pos, inp.free_pos
    k = p - fixed_pos.size
    stats: dict[str, Any] = {
        "demands": int(inp.d.shape[0]),
        "candidates": int(inp.d.shape[1]),
        "weighted_demands": int(inp.clients.size),
        "allowed": int(inp.allowed.size),
        "fixed": int(fixed_pos.size),
    }

    def result(sites_pos: IntArray, *, proven: bool, bound: float | None = None) -> SitingResult:
        return _result(
            inp, sites_pos, proven=proven, bound=bound, seconds=clock() - start, stats=stats
        )

    # Nothing to decide.
    if inp.clients.size == 0 or k == 0 or k == free_pos.size:
        stats["method"] = "trivial"
        return result(np.concatenate([fixed_pos, free_pos[:k]]), proven=True)

    c = inp.w[inp.clients, None] * inp.d[np.ix_(inp.clients, inp.allowed)]
    unreachable = ~np.isfinite(c)
    if unreachable.any():
        never = unreachable.all(axis=1)
        if never.any():
            stats["method"] = "unreachable"
            return _unreachable(inp, inp.clients[never], clock() - start, stats)
        # Big-M: one unserved demand costs more than every fully served solution together,
        # so the optimum serves everyone whenever some choice of p sites can.
        big = float(np.where(unreachable, 0.0, c).max(axis=1).sum()) + 1.0
        c = np.where(unreachable, big, c)
        stats["big_m"] = big
    integral = bool(np.all(c == np.round(c))) and float(c.max(axis=1).sum()) < _EXACT_LIMIT
    stats["integral"] = integral

    # One free site to add: enumerate.
    if k == 1:
        base = c[:, fixed_pos].min(axis=1) if fixed_pos.size else np.full(c.shape[0], np.inf)
        totals = np.minimum(base[:, None], c[:, free_pos]).sum(axis=0)
        stats["method"] = "enumeration"
        return result(np.append(fixed_pos, free_pos[int(np.argmin(totals))]), proven=True)

    # 1. Incumbent.
    locked = np.zeros(inp.allowed.size, dtype=bool)
    locked[fixed_pos] = True
    t = clock()
    first = greedy(c, p, locked)
    search = _Search(
        c=c,
        integral=integral,
        expired=expired,
        rng=np.random.default_rng(seed),
        best=first,
        upper=solution_cost(c, first),
        user_locked=locked.copy(),
    )
    stats["greedy"] = search.upper
    search.offer(first, polish=True)
    stats["interchange"] = search.upper
    stats["heuristic_s"] = round(clock() - t, 4)
    # Valid for every solution, even with no time left: each client at its cheapest allowed
    # site (the Lagrangian at u_i = min_j c_ij).
    search.lower = float(c.min(axis=1).sum())

    def done(method: str) -> SitingResult:
        stats["method"] = method
        stats["local_searches"] = search.local_searches
        proven = search.proven()
        return result(search.best, proven=proven, bound=None if proven else search.reported_bound())

    # 2. Root Lagrangian bound.
    t = clock()
    run = subgradient(
        c,
        locked,
        p,
        c[:, search.best].min(axis=1),
        upper=lambda: search.upper,
        prune=search.prune_level,
        on_chosen=search.observe,
        expired=expired,
    )
    search.lower = max(search.lower, run.best.value)
    stats["root_bound"] = run.best.value
    stats["root_iterations"] = run.iterations
    stats["lagrangian_s"] = round(clock() - t, 4)
    if search.proven():
        return done("lagrangian root")
    # The reductions are relative to the incumbent: try to improve it first.
    search.polish_pool()
    if search.proven():
        return done("lagrangian root + polish")
    for _ in range(_KICKS):
        if expired():
            break
        search.kick()
    if search.proven():
        return done("lagrangian root + kicks")

    # 3. Reductions: close/open sites, re-optimise the multipliers on what is left, repeat.
    alive = np.ones(inp.allowed.size, dtype=bool)
    dual: Dual = run.best
    for round_no in range(1, _FIX_ROUNDS + 1):
        if expired():
            break
        level = search.prune_level()
        cols = np.flatnonzero(alive)
        close, open_ = fixings(dual, locked[cols], p, level)
        if not close.any() and not open_.any():
            break
        search.excluded_floor = min(search.excluded_floor, search.floor_of(level))
        locked[cols[open_]] = True
        alive[cols[close]] = False
        cols = np.flatnonzero(alive)
        run = subgradient(
            c[:, cols],
            locked[cols],
            p,
            dual.u,
            upper=lambda: search.upper,
            prune=search.prune_level,
            on_chosen=_offer_mapped(search, cols),
            expired=expired,
            max_iter=500,
        )
        dual = run.best
        search.lower = max(search.lower, min(dual.value, search.excluded_floor))
        stats[f"round{round_no}_bound"] = dual.value
        if not search.proven():
            search.polish_pool()
        if search.proven():
            break
    stats["closed_by_bound"] = int((~alive).sum())
    stats["opened_by_bound"] = int(locked.sum()) - int(fixed_pos.size)
    if search.proven():
        return done("lagrangian reductions")
    if expired():
        return done("time limit")

    # 4. Radius MIP on the reduced problem, looking only for solutions below the prune level.
    cols = np.flatnonzero(alive)
    sub_c, sub_locked = c[:, cols], locked[cols]
    level = search.prune_level()
    search.excluded_floor = min(search.excluded_floor, search.floor_of(level))
    radius = client_radii(sub_c, dual, sub_locked, p, level)
    model = build_radius_model(sub_c, sub_locked, p, radius)
    stats.update(radius_rows=model.n_rows, radius_cols=model.n_cols, sites_in_mip=int(cols.size))
    # HiGHS stops at an absolute gap: just under 1 for integer costs (a gap below 1 proves
    # an integer optimum), one relative margin otherwise.
    abs_gap = (1.0 - 1e-6) if integral else REL_TOL * max(1.0, abs(search.upper))
    out = solve_radius_model(
        model, cutoff=level, time_limit_s=deadline - clock(), abs_gap=abs_gap, seed=seed
    )
    stats.update(mip_status=out.status, mip_nodes=out.nodes, mip_s=round(out.seconds, 4))
    if out.sites is not None and out.sites.size == p:
        search.offer(cols[out.sites], polish=False)
    if out.complete:
        # HiGHS finished: every node was pruned by the cutoff (value ≥ floor(cutoff)) or by
        # its gap against the solution it returned (value ≥ that value − abs_gap; that
        # solution is now the incumbent if it was better). Integer costs absorb abs_gap < 1.
        if integral:
            mip_floor = min(search.upper, search.floor_of(level))
        else:
            mip_floor = min(search.upper, level) - abs_gap
    else:
        # HiGHS's bound covers the reduced solutions below the cutoff; the others cost at
        # least the cutoff's floor; the reduced Lagrangian bound covers them all.
        mip_floor = max(dual.value, min(out.bound, search.floor_of(level)))
    search.lower = max(search.lower, min(mip_floor, search.excluded_floor))
    return done("radius MIP")
