"""Primal heuristics for the p-median problem: greedy construction and swap local search.

Both work on a weighted cost matrix ``c`` (clients × candidates, ``c[i, j] = w_i d_ij``) and a
boolean ``locked`` mask of candidates that must stay open (the caller's fixed sites). They
only ever produce feasible solutions, so their value is an upper bound; nothing here is
needed for the optimality proof.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["greedy", "interchange", "solution_cost"]


def solution_cost(c: FloatArray, sites: IntArray) -> float:
    """Total cost of serving every client from its cheapest open site."""
    if c.shape[0] == 0:
        return 0.0
    return float(c[:, sites].min(axis=1).sum())


def greedy(c: FloatArray, p: int, locked: BoolArray) -> IntArray:
    """Greedy construction: open the locked sites, then repeatedly the site saving the most.

    The first free site (when nothing is locked) is the one with the least total cost, i.e.
    the 1-median; every later one maximises ``Σ_i max(0, b_i − c_ij)`` for the current
    best costs ``b``.
    """
    chosen = [int(j) for j in np.flatnonzero(locked)]
    taken = locked.copy()
    best = c[:, chosen].min(axis=1) if chosen else None
    while len(chosen) < p:
        if best is None:
            score = c.sum(axis=0)
            score[taken] = np.inf
            j = int(np.argmin(score))
        else:
            gain = np.maximum(best[:, None] - c, 0.0).sum(axis=0)
            gain[taken] = -np.inf
            j = int(np.argmax(gain))
        chosen.append(j)
        taken[j] = True
        best = c[:, j].copy() if best is None else np.minimum(best, c[:, j])
    return np.sort(np.asarray(chosen, dtype=np.int64))


def interchange(
    c: FloatArray,
    sites: IntArray,
    locked: BoolArray,
    *,
    expired: Callable[[], bool] | None = None,
    max_moves: int = 10_000,
) -> tuple[IntArray, float]:
    """Best-improvement vertex substitution (Teitz–Bart, evaluated the fast way).

    A swap removes open site ``r`` and opens closed site ``j``. With ``d1_i``/``d2_i`` the
    cheapest and second-cheapest open costs of client ``i`` and ``a_i`` its cheapest site,
    the saving of the swap is (Whitaker 1983; Resende & Werneck 2004)::

        gain(j) − loss(r) + extra(r, j)
        gain(j)     = Σ_i max(0, d1_i − c_ij)                    (open j, keep all)
        loss(r)     = Σ_{i: a_i = r} (d2_i − d1_i)               (close r, add nothing)
        extra(r, j) = Σ_{i: a_i = r, c_ij < d2_i} (d2_i − max(c_ij, d1_i))

    Only pairs with ``c_ij < d2_i`` contribute to ``gain`` and ``extra``, so both are sparse
    sums (``bincount``) over those pairs — few when ``p`` is large. Each step applies the best
    swap until none saves anything; locked sites are never removed. Needs two open sites
    (``p = 1`` is solved exactly by the caller).
    """
    sites = np.sort(np.asarray(sites, dtype=np.int64))
    n, m = c.shape
    p = sites.size
    if n == 0 or p < 2 or p >= m:
        return sites, solution_cost(c, sites)
    for _ in range(max_moves):
        if expired is not None and expired():
            break
        cs = c[:, sites]
        two = np.argpartition(cs, 1, axis=1)[:, :2]
        v = np.take_along_axis(cs, two, axis=1)  # v[:, 0] ≤ v[:, 1]: kth=1 orders the pair
        a = two[:, 0]
        d1, d2 = v[:, 0], v[:, 1]
        ii, jj = np.nonzero(c < d2[:, None])
        cij = c[ii, jj]
        gain = np.bincount(jj, weights=np.maximum(d1[ii] - cij, 0.0), minlength=m)
        loss = np.bincount(a, weights=d2 - d1, minlength=p)
        extra = np.bincount(
            a[ii] * m + jj, weights=d2[ii] - np.maximum(cij, d1[ii]), minlength=p * m
        ).reshape(p, m)
        profit = extra + gain[None, :] - loss[:, None]
        profit[:, sites] = -np.inf
        profit[locked[sites], :] = -np.inf
        r, j = np.unravel_index(int(np.argmax(profit)), profit.shape)
        # A saving below the noise of the float sums is no saving (prevents cycling).
        if not profit[r, j] > 1e-9 * max(1.0, float(d1.sum())):
            break
        sites[r] = j
        sites.sort()
    return sites, solution_cost(c, sites)
