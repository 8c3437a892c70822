"""Lagrangian lower bound of the p-median problem and the reductions it proves.

Relaxing the assignment constraints ``Σ_j x_ij = 1`` of

    min Σ_ij c_ij x_ij   s.t.  Σ_j x_ij = 1,  x_ij ≤ y_j,  Σ_j y_j = p,  y_j = 1 (j locked),
                               x, y ∈ {0, 1}

with multipliers ``u`` (Beasley 1985; Daskin 2013, ch. 6) leaves

    L(u) = Σ_i u_i + min { Σ_j ρ_j y_j : Σ_j y_j = p, locked open },
    ρ_j(u) = Σ_i min(0, c_ij − u_i),

solved by opening the locked sites and the ``p − |locked|`` free sites of smallest ``ρ_j``.
For *every* ``u``, ``L(u)`` is a lower bound on the optimum (weak duality: for a feasible
``(x, y)``, ``Σ c x = Σ u + Σ_ij (c_ij − u_i) x_ij ≥ Σ u + Σ_j y_j ρ_j``, because ``x_ij ≤ y_j``
and ``min(0, ·)`` is the cheapest choice of ``x_ij`` given ``y_j``). Subgradient optimisation
only searches for a good ``u``; its correctness never depends on convergence.

Reductions, all relative to an incumbent of value ``UB`` and a *prune level* ``T`` such that
a solution whose value is proven ``> T`` cannot beat the incumbent (``T = UB − 1 + δ`` when
every cost is an integer, else ``UB`` minus a relative tolerance; see ``_solver``):

* **site closed** — the same argument applied to the problem with ``y_j = 1`` forced gives the
  bound ``L(u) + ρ_j − ρ_(p')`` (site ``j`` takes the slot of the worst chosen free site).
  When it exceeds ``T`` no solution opening ``j`` beats the incumbent: drop ``j``.
* **site open** — with ``y_j = 0`` forced the bound is ``L(u) − ρ_j + ρ_(p'+1)``; when it
  exceeds ``T`` every improving solution opens ``j``: lock it.
* **client radius** — for client ``i`` and a distance level ``D``, forcing closed every free
  site with ``c_ij ≤ D`` gives the bound of the remaining sites (or ``+∞`` when fewer than
  ``p'`` remain). When it exceeds ``T`` every improving solution opens a site within ``D`` of
  ``i``: the radius formulation needs no level above ``D`` for that client, and gains the
  valid constraint "some site within ``D`` is open". A locked site ``j`` caps the radius at
  ``c_ij`` unconditionally.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["Dual", "client_radii", "evaluate", "fixings", "subgradient"]


@dataclass(frozen=True, eq=False)
class Dual:
    """A multiplier vector with its Lagrangian value, ``ρ`` and the sites the relaxation opens."""

    u: FloatArray
    value: float
    rho: FloatArray
    chosen: IntArray


class _Relaxation:
    """``L(u)`` for a fixed problem, with the work buffers allocated once."""

    def __init__(self, c: FloatArray, locked: BoolArray, p: int) -> None:
        self.c = c
        self.buf = np.empty_like(c)
        self.locked_idx = np.flatnonzero(locked).astype(np.int64)
        self.free = np.flatnonzero(~locked).astype(np.int64)
        self.k = p - self.locked_idx.size

    def __call__(self, u: FloatArray) -> Dual:
        red = np.subtract(self.c, u[:, None], out=self.buf)
        np.minimum(red, 0.0, out=red)
        rho = red.sum(axis=0)
        free, k = self.free, self.k
        pick = free[np.argpartition(rho[free], k - 1)[:k]] if 0 < k < free.size else free[:k]
        chosen = np.concatenate([self.locked_idx, pick]) if self.locked_idx.size else pick
        return Dual(u, float(u.sum() + rho[chosen].sum()), rho, chosen)


def evaluate(c: FloatArray, u: FloatArray, locked: BoolArray, p: int) -> Dual:
    """``L(u)`` with its minimiser: locked sites plus the ``p − |locked|`` smallest free ``ρ``."""
    return _Relaxation(c, locked, p)(u)


@dataclass(frozen=True, eq=False)
class SubgradientRun:
    best: Dual
    iterations: int
    closed: bool


def subgradient(
    c: FloatArray,
    locked: BoolArray,
    p: int,
    u0: FloatArray,
    *,
    upper: Callable[[], float],
    prune: Callable[[], float],
    on_chosen: Callable[[IntArray], None] | None = None,
    expired: Callable[[], bool] | None = None,
    max_iter: int = 4000,
    patience: int = 30,
    step0: float = 2.0,
    min_step: float = 1e-4,
    window: int = 100,
    min_gain: float = 0.01,
) -> SubgradientRun:
    """Held–Karp subgradient ascent on ``L(u)``.

    Step ``u ← u + λ (UB − L(u)) g / ‖g‖²`` with ``g_i = 1 − Σ_j x_ij`` (the relaxed
    constraint's violation at the minimiser, ``x_ij = 1`` iff ``j`` is chosen and
    ``c_ij < u_i``); ``λ`` halves after ``patience`` steps without a better bound. Stops when
    the bound passes ``prune()`` (the incumbent is proven optimal), when ``λ < min_step``,
    when the last ``window`` steps gained less than ``min_gain`` of the remaining gap, at
    ``max_iter`` or when ``expired()``. ``on_chosen`` sees the relaxation's site sets (the
    Lagrangian heuristic); ``upper()``/``prune()`` are re-read so improvements count at once.
    """
    relax = _Relaxation(c, locked, p)
    u = u0.astype(np.float64, copy=True)
    best: Dual | None = None
    lam = step0
    stall = 0
    it = 0
    history: list[float] = []
    for it in range(1, max_iter + 1):
        d = relax(u)
        if best is None or d.value > best.value:
            improved = best is None or d.value > best.value + 1e-9 * max(1.0, abs(d.value))
            best = d
            stall = 0 if improved else stall + 1
            if on_chosen is not None:
                on_chosen(d.chosen)
        else:
            stall += 1
        if best.value > prune():
            return SubgradientRun(best, it, True)
        if stall >= patience:
            lam *= 0.5
            stall = 0
            if lam < min_step:
                break
        if it % 50 == 0:
            history.append(best.value)
            back = window // 50
            if len(history) > back and (
                best.value - history[-1 - back] < min_gain * (upper() - best.value)
            ):
                break
        if expired is not None and expired():
            break
        g = 1.0 - (relax.buf[:, d.chosen] < 0.0).sum(axis=1)  # buf holds min(0, c - u)
        norm = float(g @ g)
        if norm == 0.0:  # u is optimal for the relaxation and x is feasible: L(u) = cost(x)
            break
        u = u + (lam * max(upper() - d.value, 1e-9 * max(1.0, abs(d.value))) / norm) * g
    assert best is not None
    return SubgradientRun(best, it, best.value > prune())


def fixings(d: Dual, locked: BoolArray, p: int, level: float) -> tuple[BoolArray, BoolArray]:
    """Sites proven closed and proven open in every solution whose value is ≤ ``level``.

    Returns ``(close, open_)`` masks over the current sites (see the module docstring).
    """
    m = d.rho.size
    close = np.zeros(m, dtype=bool)
    open_ = np.zeros(m, dtype=bool)
    free = np.flatnonzero(~locked)
    k = p - int(locked.sum())
    if k <= 0 or k >= free.size:
        return close, open_
    order = free[np.argsort(d.rho[free], kind="stable")]
    picked, rest = order[:k], order[k:]
    last = d.rho[order[k - 1]]
    nxt = d.rho[order[k]]
    close[rest] = d.value + d.rho[rest] - last > level
    open_[picked] = d.value - d.rho[picked] + nxt > level
    return close, open_


def client_radii(c: FloatArray, d: Dual, locked: BoolArray, p: int, level: float) -> FloatArray:
    """For each client, a cost ``D_i`` such that every solution of value ≤ ``level`` opens a
    site ``j`` with ``c_ij ≤ D_i`` (``+∞`` when nothing is proven).

    Closing the free sites nearest to ``i`` one distance level at a time, the bound is kept
    incrementally: the relaxation's free choice is the first ``k`` non-closed sites in
    ascending ``ρ``; closing a chosen one brings in the next non-closed site.
    """
    n, m = c.shape
    radius = np.full(n, np.inf)
    if locked.any():
        radius = c[:, locked].min(axis=1)
    free = np.flatnonzero(~locked)
    k = p - int(locked.sum())
    if k <= 0 or free.size == 0:
        return radius
    base = float(d.u.sum() + d.rho[locked].sum())
    order = free[np.argsort(d.rho[free], kind="stable")]
    rho_sorted = d.rho[order]
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(order.size)
    start_sum = float(rho_sorted[:k].sum())
    cf = c[:, free]
    near_all = np.argsort(cf, axis=1, kind="stable")
    for i in range(n):
        cap = radius[i]
        removed = np.zeros(order.size, dtype=bool)
        total = start_sum
        edge = k  # positions [0, edge) of ``order`` hold the k chosen plus removed ones
        row = cf[i]
        near = near_all[i]
        t = 0
        while t < near.size:
            level_cost = row[near[t]]
            if level_cost >= cap:
                break
            while t < near.size and row[near[t]] == level_cost:
                r = int(rank[free[near[t]]])
                removed[r] = True
                if r < edge:
                    while edge < order.size and removed[edge]:
                        edge += 1
                    if edge >= order.size:
                        total = np.inf
                    else:
                        total += float(rho_sorted[edge] - rho_sorted[r])
                        edge += 1
                t += 1
            if base + total > level:
                cap = level_cost
                break
        radius[i] = cap
    return radius
