"""Greedy starting solutions: HiGHS begins from them, so a time limit still returns a plan.

Each respects fixed, forbidden and spacing rules (a candidate conflicting with one already
chosen is skipped); HiGHS checks the start and ignores it when some other rule (a closure
limit, a site count) makes it infeasible.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from firegrid.siting.problems._base import FloatArray, IntArray, SiteRules


def _conflict_sets(rules: SiteRules) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for a, b in rules.conflicts.tolist():
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out


def greedy_cover(sub: sp.csr_array, cols: IntArray, rules: SiteRules) -> IntArray:
    """Positions (into ``cols``) of a greedy cover of every row of ``sub`` (rows × cols)."""
    csc = sp.csc_array(sub)
    uncovered = np.ones(sub.shape[0], dtype=bool)
    allowed = np.ones(cols.size, dtype=bool)
    conflicts = _conflict_sets(rules)
    pos = {int(c): k for k, c in enumerate(cols.tolist())}
    chosen: list[int] = []
    while uncovered.any():
        gain = csc.T @ uncovered.astype(np.float64)
        gain[~allowed] = -1.0
        k = int(np.argmax(gain))
        if gain[k] <= 0:
            break
        chosen.append(k)
        allowed[k] = False
        for other in conflicts.get(int(cols[k]), ()):
            if other in pos:
                allowed[pos[other]] = False
        uncovered[csc.indices[csc.indptr[k] : csc.indptr[k + 1]]] = False
    return np.asarray(chosen, dtype=np.int64)


def greedy_median(
    wcost: FloatArray, base: FloatArray, cols: IntArray, rules: SiteRules, count: int
) -> IntArray:
    """Positions (into ``cols``) of ``count`` sites, each lowering Σ min(weighted distance) most.

    ``wcost`` is demands × cols of ``w_i d_ij``; ``base`` each demand's current weighted
    distance (to the fixed sites, or ``inf``).
    """
    current = base.copy()
    allowed = np.ones(cols.size, dtype=bool)
    conflicts = _conflict_sets(rules)
    pos = {int(c): k for k, c in enumerate(cols.tolist())}
    chosen: list[int] = []
    big = 1e300  # stands in for inf so sums stay finite
    for _ in range(count):
        if not allowed.any():
            break
        cur = np.minimum(current, big)
        totals = np.minimum(cur[:, None], np.minimum(wcost, big)).sum(axis=0)
        totals[~allowed] = np.inf
        k = int(np.argmin(totals))
        chosen.append(k)
        allowed[k] = False
        for other in conflicts.get(int(cols[k]), ()):
            if other in pos:
                allowed[pos[other]] = False
        current = np.minimum(current, wcost[:, k])
    return np.asarray(chosen, dtype=np.int64)


def greedy_coverage(
    sub: sp.csr_array, w: FloatArray, cols: IntArray, rules: SiteRules, count: int
) -> IntArray:
    """Positions (into ``cols``) of ``count`` sites, each adding the most uncovered weight."""
    csc = sp.csc_array(sub)
    left = np.asarray(w, dtype=np.float64).copy()
    allowed = np.ones(cols.size, dtype=bool)
    conflicts = _conflict_sets(rules)
    pos = {int(c): k for k, c in enumerate(cols.tolist())}
    chosen: list[int] = []
    for _ in range(count):
        if not allowed.any():
            break
        gain = csc.T @ left
        gain[~allowed] = -1.0
        k = int(np.argmax(gain))
        chosen.append(k)
        allowed[k] = False
        for other in conflicts.get(int(cols[k]), ()):
            if other in pos:
                allowed[pos[other]] = False
        left[csc.indices[csc.indptr[k] : csc.indptr[k + 1]]] = 0.0
    return np.asarray(chosen, dtype=np.int64)
