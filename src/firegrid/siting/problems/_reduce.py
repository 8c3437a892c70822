"""Exact reductions of covering instances (a 0/1 demands × candidates matrix).

Each function returns what may be removed without changing the optimum of the model that
calls it; which reductions are valid depends on the model, and the models say so:

* identical demand rows can be merged (their weights summed) in every covering model;
* a demand whose covering set contains another demand's covering set is implied by it and can
  be dropped — for the set-covering constraint only (LSCP), not where coverage is counted;
* a candidate whose covered set is contained in another's can be removed when swapping it for
  the other never hurts: LSCP and MCLP without spacing conflicts (a swap could break a spacing
  rule) and never for backup coverage (choosing both counts twice);
* a candidate that is the only cover of some demand must open (LSCP, "essential" column).

Pairwise containment uses the sparse products ``AᵀA`` / ``AAᵀ``; when such a product would be
too large (dense coverage of many points) that reduction is skipped and reported as skipped.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Largest number of pairwise products a containment test may form (memory ~ 16 bytes each).
MAX_PAIR_WORK = 60_000_000


def _csr(a: sp.sparray) -> sp.csr_array:
    out = sp.csr_array(a, dtype=np.int32)
    out.sum_duplicates()
    out.sort_indices()
    return out


def row_groups(a: sp.sparray, key: npt.ArrayLike | None = None) -> tuple[IntArray, IntArray]:
    """Group identical rows (same column set, and same ``key`` value when given).

    Returns ``(representative, group)``: the first row of each group, and each row's group number.
    """
    m = _csr(a)
    keys = None if key is None else np.asarray(key)
    seen: dict[bytes, int] = {}
    group = np.empty(m.shape[0], dtype=np.int64)
    reps: list[int] = []
    for i in range(m.shape[0]):
        sig = m.indices[m.indptr[i] : m.indptr[i + 1]].tobytes()
        if keys is not None:
            sig += b"|" + np.asarray(keys[i]).tobytes()
        g = seen.get(sig)
        if g is None:
            g = seen[sig] = len(reps)
            reps.append(i)
        group[i] = g
    return np.asarray(reps, dtype=np.int64), group


def _pair_work(m: sp.csr_array) -> int:
    """Number of entries formed by ``m @ m.T`` (sum over columns of the column count squared)."""
    counts = np.bincount(m.indices, minlength=m.shape[1]).astype(np.int64)
    return int((counts * counts).sum())


def superset_rows(a: sp.sparray) -> tuple[BoolArray, bool]:
    """Rows whose column set strictly contains another row's (ties: the later of identical rows).

    For a set-covering constraint ``A y ≥ 1`` such a row is implied by the smaller one.
    Returns ``(drop, done)``; ``done`` is False when the test was skipped as too large.
    """
    m = _csr(a)
    n = m.shape[0]
    drop = np.zeros(n, dtype=bool)
    if n < 2:
        return drop, True
    if _pair_work(m) > MAX_PAIR_WORK:
        return drop, False
    size = np.diff(m.indptr)
    s = (m @ m.T).tocoo()  # s[i, k] = |cov(i) ∩ cov(k)|
    i, k, v = s.row, s.col, s.data
    # cov(i) ⊆ cov(k) and (strictly smaller, or identical with i before k): drop k.
    sub = (i != k) & (v == size[i]) & (size[i] > 0) & ((size[i] < size[k]) | (i < k))
    drop[k[sub]] = True
    return drop, True


def dominated_columns(a: sp.sparray, protected: BoolArray | None = None) -> tuple[BoolArray, bool]:
    """Columns whose row set is contained in another column's.

    Ties among identical columns keep the protected one, then the lowest index; every removed
    column has a surviving column that covers at least the same rows (containment is
    transitive, and a maximal column with the smallest key is never removed). Empty columns
    are removed whenever another column survives. Protected columns are never removed.
    Returns ``(removable, done)``.
    """
    m = _csr(sp.csr_array(a).T)  # one row per column of ``a``
    n = m.shape[0]
    prot = np.zeros(n, dtype=bool) if protected is None else protected.astype(bool)
    remove = np.zeros(n, dtype=bool)
    if n < 2:
        return remove, True
    if _pair_work(m) > MAX_PAIR_WORK:
        return remove, False
    size = np.diff(m.indptr)
    # key: protected first, then index — the survivor among identical columns.
    rank = np.lexsort((np.arange(n), ~prot))
    key = np.empty(n, dtype=np.int64)
    key[rank] = np.arange(n)
    s = (m @ m.T).tocoo()
    j, k, v = s.row, s.col, s.data
    dom = (j != k) & (v == size[j]) & ((size[j] < size[k]) | (key[k] < key[j]))
    remove[j[dom]] = True
    empty = size == 0
    if empty.any() and (~empty).any():
        remove |= empty
    elif empty.all():
        # nothing covers anything: keep the single best-keyed column
        remove = key != 0
    remove &= ~prot
    return remove, True


def essential_columns(a: sp.sparray) -> IntArray:
    """Columns that are the only cover of some row (they open in every feasible cover)."""
    m = _csr(a)
    deg = np.diff(m.indptr)
    rows = np.flatnonzero(deg == 1)
    return np.unique(m.indices[m.indptr[rows]]).astype(np.int64)
