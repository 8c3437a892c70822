"""Shared pieces of the siting models: input checks, site rules, model assembly, explanations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from firegrid.errors import InvalidInputError
from firegrid.siting.result import SitingResult, SolveStatus
from firegrid.siting.solve import MipProblem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
IndexLike = Sequence[int] | npt.NDArray[np.integer[Any]] | npt.NDArray[np.bool_] | None

# ------------------------------------------------------------------------------ validation


def as_cost(cost: npt.ArrayLike) -> FloatArray:
    """A demands × candidates cost matrix: 2-D floats ≥ 0, no NaN (``inf`` = unreachable)."""
    try:
        arr = np.array(cost, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"cost matrix is not numeric: {exc}") from None
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InvalidInputError(
            f"cost matrix must be 2-D demands × candidates, non-empty; got shape {arr.shape}"
        )
    if np.isnan(arr).any():
        i, j = (int(v) for v in np.argwhere(np.isnan(arr))[0])
        raise InvalidInputError(f"cost matrix has NaN at demand {i}, candidate {j}")
    if (arr < 0).any():
        i, j = (int(v) for v in np.argwhere(arr < 0)[0])
        raise InvalidInputError(
            f"cost matrix has a negative cost {arr[i, j]:g} at demand {i}, candidate {j}"
        )
    return arr


def as_weights(weights: npt.ArrayLike | None, n: int) -> FloatArray:
    if weights is None:
        return np.ones(n)
    w = np.asarray(weights, dtype=np.float64).ravel()
    if w.shape != (n,):
        raise InvalidInputError(f"weights: {w.shape[0]} values for {n} demands")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise InvalidInputError(
            f"weights: demand {int(bad[0])} has weight {w[bad[0]]:g} (need ≥ 0, finite)"
        )
    return w


def as_index_set(values: IndexLike, n: int, what: str) -> IntArray:
    """Candidate indices from a list of indices or a boolean mask; sorted, unique, in range."""
    if values is None:
        return np.zeros(0, dtype=np.int64)
    arr = np.asarray(values)
    if arr.dtype == np.bool_:
        if arr.shape != (n,):
            raise InvalidInputError(f"{what}: mask has {arr.shape[0]} entries for {n} candidates")
        return np.flatnonzero(arr).astype(np.int64)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        raise InvalidInputError(f"{what}: candidate indices must be integers, got {arr.dtype}")
    idx = np.unique(arr.astype(np.int64).ravel())
    out = idx[(idx < 0) | (idx >= n)]
    if out.size:
        raise InvalidInputError(f"{what}: candidate index {int(out[0])} is out of range 0..{n - 1}")
    return idx


def as_count(p: int, what: str = "p") -> int:
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or int(p) < 1:
        raise InvalidInputError(f"{what} must be a whole number ≥ 1, got {p!r}")
    return int(p)


def as_radius(radius: float) -> float:
    r = float(radius)
    if not math.isfinite(r) or r < 0:
        raise InvalidInputError(f"radius must be a finite number ≥ 0, got {radius!r}")
    return r


# ------------------------------------------------------------------------------ site rules


@dataclass(frozen=True, eq=False)
class SiteRules:
    """Which candidates may, must or must not open, and which pairs may not open together.

    ``free`` candidates are the decision variables; ``fixed`` ones are open constants.
    ``conflicts`` lists pairs of free candidates closer than ``min_spacing`` (``y_j + y_k ≤ 1``);
    free candidates closer than that to a fixed site are ``spacing_excluded``.
    """

    n: int
    fixed: IntArray
    closable: IntArray
    max_closed: int | None
    forbidden: BoolArray
    spacing_excluded: BoolArray
    conflicts: IntArray
    min_spacing: float | None
    fixed_conflicts: list[tuple[int, int, float]] = field(default_factory=list)

    @property
    def fixed_mask(self) -> BoolArray:
        m = np.zeros(self.n, dtype=bool)
        m[self.fixed] = True
        return m

    @property
    def free(self) -> BoolArray:
        return ~(self.forbidden | self.fixed_mask | self.spacing_excluded)

    @property
    def usable(self) -> BoolArray:
        return self.free | self.fixed_mask

    def stats(self) -> dict[str, int]:
        return {
            "candidates_fixed": int(self.fixed.size),
            "candidates_closable": int(self.closable.size),
            "candidates_forbidden": int(self.forbidden.sum()),
            "candidates_spacing_excluded": int(self.spacing_excluded.sum()),
            "spacing_conflict_pairs": int(self.conflicts.shape[0]),
        }


def make_rules(
    n: int,
    *,
    fixed: IndexLike,
    closable: IndexLike,
    max_closed: int | None,
    forbidden: IndexLike,
    min_spacing: float | None,
    candidate_cost: npt.ArrayLike | None,
) -> SiteRules:
    fx = as_index_set(fixed, n, "fixed")
    cl = as_index_set(closable, n, "closable")
    fb_idx = as_index_set(forbidden, n, "forbidden")
    forbidden_mask = np.zeros(n, dtype=bool)
    forbidden_mask[fb_idx] = True
    both = np.intersect1d(fx, fb_idx)
    if both.size:
        raise InvalidInputError(f"candidate {int(both[0])} is both fixed open and forbidden")
    both = np.intersect1d(fx, cl)
    if both.size:
        raise InvalidInputError(
            f"candidate {int(both[0])} is both fixed and closable: an existing station is "
            "one or the other"
        )
    both = np.intersect1d(cl, fb_idx)
    if both.size:
        raise InvalidInputError(
            f"candidate {int(both[0])} is closable and forbidden: to close it, pass it as "
            "forbidden only"
        )
    if max_closed is not None and (isinstance(max_closed, bool) or int(max_closed) < 0):
        raise InvalidInputError(f"max_closed must be ≥ 0, got {max_closed!r}")

    excluded = np.zeros(n, dtype=bool)
    conflicts = np.zeros((0, 2), dtype=np.int64)
    fixed_conflicts: list[tuple[int, int, float]] = []
    spacing: float | None = None
    if min_spacing is not None:
        spacing = float(min_spacing)
        if not math.isfinite(spacing) or spacing < 0:
            raise InvalidInputError(f"min_spacing must be a finite number ≥ 0, got {min_spacing!r}")
        if candidate_cost is None:
            raise InvalidInputError(
                "min_spacing needs candidate_cost: the candidates × candidates distance matrix"
            )
        cc = np.asarray(candidate_cost, dtype=np.float64)
        if cc.shape != (n, n):
            raise InvalidInputError(f"candidate_cost must be {n} × {n}, got {cc.shape}")
        if np.isnan(cc).any():
            raise InvalidInputError("candidate_cost has NaN entries")
        d = np.minimum(cc, cc.T)  # network distances may differ by direction; spacing does not
        close = d < spacing
        np.fill_diagonal(close, False)
        fm = np.zeros(n, dtype=bool)
        fm[fx] = True
        for a, b in zip(*np.nonzero(np.triu(close & fm[:, None] & fm[None, :])), strict=True):
            fixed_conflicts.append((int(a), int(b), float(d[a, b])))
        excluded = close[fm].any(axis=0) & ~fm & ~forbidden_mask if fx.size else excluded
        free = ~(forbidden_mask | fm | excluded)
        pairs = np.argwhere(np.triu(close & free[:, None] & free[None, :]))
        conflicts = pairs.astype(np.int64)
        spacing_closable = np.intersect1d(cl, np.flatnonzero(excluded))
        if spacing_closable.size:
            j = int(spacing_closable[0])
            raise InvalidInputError(
                f"closable station {j} is closer than min_spacing {spacing:g} to a fixed site"
            )
    return SiteRules(
        n=n,
        fixed=fx,
        closable=cl,
        max_closed=None if max_closed is None else int(max_closed),
        forbidden=forbidden_mask,
        spacing_excluded=excluded,
        conflicts=conflicts,
        min_spacing=spacing,
        fixed_conflicts=fixed_conflicts,
    )


def rules_infeasibility(
    rules: SiteRules, p: int | None, *, exactly: bool = True
) -> dict[str, Any] | None:
    """Reasons a request fails before any model is built (spacing among fixed sites, p).

    ``exactly`` False is for models opening *at most* ``p`` sites (p-center).
    """
    if rules.fixed_conflicts:
        a, b, d = rules.fixed_conflicts[0]
        return {
            "kind": "fixed_spacing",
            "a": a,
            "b": b,
            "distance": d,
            "min_spacing": rules.min_spacing,
        }
    if p is None:
        return None
    if p < rules.fixed.size:
        return {"kind": "p_below_fixed", "p": p, "fixed": int(rules.fixed.size)}
    available = int(rules.usable.sum())
    if exactly and p > available:
        return {
            "kind": "p_above_candidates",
            "p": p,
            "available": available,
            "forbidden": int(rules.forbidden.sum()),
            "spacing_excluded": int(rules.spacing_excluded.sum()),
        }
    return None


# ------------------------------------------------------------------------------ explanations


def _fmt(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "none reachable"
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:.0f}"


def explain(
    detail: dict[str, Any] | SitingResult,
    demand_names: Sequence[str] | None = None,
    candidate_names: Sequence[str] | None = None,
) -> str | None:
    """Say why a request is infeasible, naming demands and candidates by the caller's labels.

    ``detail`` is a result (or its ``detail``) whose ``"infeasible"`` entry a model filled in;
    without labels, 0-based indices are used ("demand 16").
    """
    if isinstance(detail, SitingResult):
        detail = detail.detail
    why = detail.get("infeasible")
    if not why:
        return None

    def dn(i: int) -> str:
        return f"demand {demand_names[i] if demand_names is not None else i}"

    def cn(j: int) -> str:
        return candidate_names[j] if candidate_names is not None else f"candidate {j}"

    kind = why["kind"]
    if kind in ("uncoverable", "unreachable"):
        items = why["demands"]
        within = f"within radius {why['radius']:g}" if kind == "uncoverable" else "reachable"
        parts = [f"{dn(d['demand'])} (nearest {_fmt(d['nearest'])})" for d in items[:5]]
        more = f" and {len(items) - 5} more" if len(items) > 5 else ""
        total = why.get("count", len(items))
        if total == 1:
            d = items[0]
            head = f"{dn(d['demand'])} has no candidate {within} (nearest {_fmt(d['nearest'])})"
        else:
            head = f"{total} demands have no candidate {within}: {', '.join(parts)}{more}"
        note = why.get("note")
        return head + (f"; {note}" if note else "")
    if kind == "fixed_spacing":
        return (
            f"fixed sites {cn(why['a'])} and {cn(why['b'])} are {_fmt(why['distance'])} apart, "
            f"closer than the minimum spacing {why['min_spacing']:g}"
        )
    if kind == "p_below_fixed":
        return f"p = {why['p']} but {why['fixed']} sites are fixed open"
    if kind == "p_above_candidates":
        excl = []
        if why["forbidden"]:
            excl.append(f"{why['forbidden']} forbidden")
        if why["spacing_excluded"]:
            excl.append(f"{why['spacing_excluded']} too close to fixed sites")
        tail = f" ({', '.join(excl)})" if excl else ""
        return f"p = {why['p']} but only {why['available']} candidates are available{tail}"
    if kind == "p_below_cover":
        return (
            f"covering every demand within radius {why['radius']:g} needs at least "
            f"{why['needed']} sites; p = {why['p']}"
        )
    if kind == "demand_over_capacity":
        return (
            f"{dn(why['demand'])} alone has workload {why['load']:g}, more than any usable "
            f"station's capacity ({why['max_capacity']:g})"
        )
    if kind == "total_over_capacity":
        return (
            f"total workload {why['load']:g} exceeds the capacity of the {why['p']} largest "
            f"usable stations ({why['capacity']:g})"
        )
    return str(why.get("message", "no choice of sites satisfies every rule"))


# ------------------------------------------------------------------------------ assembly


class ModelBuilder:
    """Collect columns and sparse rows, then emit one :class:`MipProblem`."""

    def __init__(self) -> None:
        self._cost: list[FloatArray] = []
        self._lo: list[FloatArray] = []
        self._hi: list[FloatArray] = []
        self._int: list[BoolArray] = []
        self._r: list[IntArray] = []
        self._c: list[IntArray] = []
        self._v: list[FloatArray] = []
        self._rlo: list[FloatArray] = []
        self._rhi: list[FloatArray] = []
        self.num_col = 0
        self.num_row = 0

    def add_cols(
        self, cost: FloatArray, lo: float | FloatArray, hi: float | FloatArray, *, integer: bool
    ) -> int:
        """Add ``len(cost)`` columns (bounds scalar or per column); return the first's index."""
        n = int(cost.shape[0])
        start = self.num_col
        self._cost.append(np.asarray(cost, dtype=np.float64))
        self._lo.append(np.broadcast_to(np.asarray(lo, dtype=np.float64), (n,)).copy())
        self._hi.append(np.broadcast_to(np.asarray(hi, dtype=np.float64), (n,)).copy())
        self._int.append(np.full(n, integer))
        self.num_col += n
        return start

    def add_rows(
        self,
        rows: npt.ArrayLike,
        cols: npt.ArrayLike,
        vals: npt.ArrayLike,
        lower: npt.ArrayLike,
        upper: npt.ArrayLike,
    ) -> int:
        """Add rows given as triplets with row indices relative to this block."""
        lo = np.atleast_1d(np.asarray(lower, dtype=np.float64))
        hi = np.broadcast_to(np.asarray(upper, dtype=np.float64), lo.shape).copy()
        start = self.num_row
        self._r.append(np.asarray(rows, dtype=np.int64) + start)
        self._c.append(np.asarray(cols, dtype=np.int64))
        self._v.append(np.broadcast_to(np.asarray(vals, dtype=np.float64), np.shape(rows)).copy())
        self._rlo.append(lo)
        self._rhi.append(hi)
        self.num_row += int(lo.shape[0])
        return start

    def add_site_rules(
        self, y0: int, cand: IntArray, rules: SiteRules, *, already_open: int = 0
    ) -> None:
        """Spacing conflicts and the closure limit over the ``y`` columns ``y0 + k`` ↔ ``cand[k]``.

        ``already_open`` counts closable stations opened outside these columns (forced open).
        """
        pos = np.full(rules.n, -1, dtype=np.int64)
        pos[cand] = np.arange(cand.size)
        if rules.conflicts.shape[0]:
            a, b = pos[rules.conflicts[:, 0]], pos[rules.conflicts[:, 1]]
            keep = (a >= 0) & (b >= 0)
            a, b = a[keep], b[keep]
            k = np.arange(a.size)
            self.add_rows(
                np.concatenate([k, k]),
                np.concatenate([a, b]) + y0,
                1.0,
                np.full(a.size, -math.inf),
                1.0,
            )
        if rules.max_closed is not None and rules.closable.size:
            cp = pos[rules.closable]
            cp = cp[cp >= 0]
            need = rules.closable.size - rules.max_closed - already_open
            self.add_rows(np.zeros(cp.size, dtype=np.int64), cp + y0, 1.0, [float(need)], math.inf)

    def problem(self, *, maximize: bool, offset: float = 0.0) -> MipProblem:
        def cat(parts: list[Any], dtype: Any) -> Any:
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

        a = sp.coo_array(
            (cat(self._v, np.float64), (cat(self._r, np.int64), cat(self._c, np.int64))),
            shape=(self.num_row, self.num_col),
        ).tocsc()
        return MipProblem(
            cost=cat(self._cost, np.float64),
            matrix=a,
            row_lower=cat(self._rlo, np.float64),
            row_upper=cat(self._rhi, np.float64),
            col_lower=cat(self._lo, np.float64),
            col_upper=cat(self._hi, np.float64),
            integer=cat(self._int, np.bool_),
            maximize=maximize,
            offset=offset,
        )


def nearest_open(cost: FloatArray, sites: Sequence[int] | IntArray) -> tuple[IntArray, FloatArray]:
    """Each demand's nearest open site (−1 if none reachable) and its distance (inf if none)."""
    s = np.asarray(sites, dtype=np.int64)
    n = cost.shape[0]
    if s.size == 0:
        return np.full(n, -1, dtype=np.int64), np.full(n, math.inf)
    sub = cost[:, s]
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(n), k]
    return np.where(np.isfinite(d), s[k], -1).astype(np.int64), d


def site_detail(sites: Sequence[int], rules: SiteRules) -> dict[str, Any]:
    """Which chosen sites are fixed, kept (closable and open), new; which closable closed."""
    chosen = set(sites)
    fixed = set(rules.fixed.tolist())
    closable = set(rules.closable.tolist())
    out: dict[str, Any] = {"new_sites": sorted(chosen - fixed - closable)}
    if fixed:
        out["fixed_sites"] = sorted(fixed)
    if closable:
        out["kept_sites"] = sorted(chosen & closable)
        out["closed_sites"] = sorted(closable - chosen)
    return out


def infeasible_result(
    model: str, why: dict[str, Any], seconds: float, stats: dict[str, Any]
) -> SitingResult:
    detail = {"infeasible": why}
    return SitingResult(
        model=model,
        status=SolveStatus.INFEASIBLE,
        objective=None,
        bound=None,
        gap=None,
        sites=(),
        seconds=seconds,
        detail=detail,
        stats=stats,
        reason=explain(detail),
    )


def combine_status(statuses: Sequence[SolveStatus]) -> SolveStatus:
    """The weakest of several sub-solve statuses (for models solved in stages)."""
    order = [
        SolveStatus.INFEASIBLE,
        SolveStatus.NO_SOLUTION,
        SolveStatus.FEASIBLE,
        SolveStatus.OPTIMAL,
    ]
    return min(statuses, key=order.index) if statuses else SolveStatus.OPTIMAL


LIMIT_REASON = "the time limit was reached; the best solution found is returned with its gap"


def limit_reason(status: SolveStatus) -> str | None:
    """The reason attached to a result stopped by the time limit (None when optimal)."""
    return LIMIT_REASON if status is SolveStatus.FEASIBLE else None


def finite_or_none(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)
