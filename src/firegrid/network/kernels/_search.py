"""Searches on the contracted graph: entry pairs (graph node, start time, owner) in, the
best time at every graph node (and which owner achieves it) out (pure: numpy/scipy).

* **One search for many sources.** Per-source start offsets (turn-out times, snapped points'
  partial edges) become virtual source nodes joined to the graph by edges of those costs;
  scipy's ``min_only`` search then also reports which source reached each node. The virtual
  rows live in a per-thread copy of the CSR that is rewritten in place, not rebuilt.
* **Cutoffs** go to scipy's ``limit``; a search that reached little is expanded only where it
  reached.
"""

from __future__ import annotations

import math
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from firegrid.network.kernels._contract import _Core, _group, _spans

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

# graph.csr() stores zero-cost edges as the smallest normal float (scipy drops explicit zeros on
# some code paths); a sum of such edges stays far below this, and any real time far above.
_ZERO_BELOW = 1e-300


def _clean(d: F64) -> F64:
    # Zero-cost edges are stored as tiny positive values; report their sums as exact zeros.
    d[d < _ZERO_BELOW] = 0.0
    return d


def _to_core(
    core: _Core, node: I64, cost: F64, owner: I64
) -> tuple[tuple[npt.NDArray[np.intp], F64, I64], tuple[npt.NDArray[np.intp], F64, I64]]:
    """Entry pairs (graph node, start time, owner) -> entries of the core graph, and seeds on
    chains (slot, start time, owner) for the along-the-chain fix-up."""
    on_chain = core.slot[node] >= 0
    s = core.slot[node[on_chain]]
    c, o = cost[on_chain], owner[on_chain]
    ci = np.concatenate([core.pos[node[~on_chain]], core.end_a[s], core.end_b[s]])
    cc = np.concatenate([cost[~on_chain], c + core.ta[s], c + core.tb[s]])
    co = np.concatenate([owner[~on_chain], o, o])
    ok = np.isfinite(cc)
    return (ci[ok], cc[ok], co[ok]), (s, c, o)


class _Scratch(threading.local):
    """Per-thread search matrices: a copy of a core CSR with spare rows and entries for
    virtual sources, built once and then only its tail rewritten, so a search from virtual
    sources costs neither an O(edges) copy nor scipy's matrix construction (thread-local:
    concurrent requests never share one)."""

    def __init__(self) -> None:
        self.by_core: weakref.WeakKeyDictionary[_Core, sp.csr_array] = weakref.WeakKeyDictionary()


_scratch = _Scratch()


def _augmented(
    core: _Core, idx: npt.NDArray[np.intp], cost: F64, owner: I64, k: int
) -> sp.csr_array:
    """The core CSR plus virtual source nodes ``n_core + j`` (``j`` in 0..k-1), each joined to
    its entries (``owner == j``) by edges costing their start times (zero -> tiny: scipy
    drops explicit zeros on some paths). Spare virtual rows are empty but the last, which
    holds the spare entries (scipy trims entries beyond the last row): it is never a source
    and nothing leads to it. Valid until the next call in the same thread."""
    a = core.csr
    n_core, m, e = a.shape[0], int(a.indptr[-1]), len(idx)
    aug = _scratch.by_core.get(core)
    if aug is None or len(aug.data) < m + e or aug.shape[0] < n_core + k + 1:
        extra_e, extra_k = max(64, 2 * e), max(64, 2 * k)
        data = np.zeros(m + extra_e)
        data[:m] = a.data
        indices = np.zeros(m + extra_e, dtype=np.int32)
        indices[:m] = a.indices
        indptr = np.full(n_core + extra_k + 1, m, dtype=np.int32)
        indptr[: n_core + 1] = a.indptr
        indptr[-1] = m + extra_e
        size = n_core + extra_k
        aug = sp.csr_array((data, indices, indptr), shape=(size, size))
        _scratch.by_core[core] = aug
    o = np.argsort(owner, kind="stable")
    aug.data[m : m + e] = np.maximum(cost[o], np.finfo(np.float64).tiny)
    aug.indices[m : m + e] = idx[o]
    aug.indptr[n_core + 1 : n_core + k + 1] = m + np.cumsum(np.bincount(owner, minlength=k))
    aug.indptr[n_core + k + 1 : -1] = m + e
    return aug


def _along_chains(
    core: _Core, seeds: tuple[npt.NDArray[np.intp], F64, I64]
) -> tuple[npt.NDArray[np.intp], F64, I64]:
    """Times from seeds on chains to every slot of their own chain without leaving it:
    (slot, time, owner) candidates."""
    s, c, o = seeds
    if len(s) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0), np.zeros(0, dtype=np.int64)
    span = core.hi[s] - core.lo[s]
    rep = np.repeat(np.arange(len(s)), span)
    q = _spans(core.lo[s], span)
    p = s[rep]  # each seed against every slot of its chain
    fwd = np.where(core.nf[q] - core.nf[p] == 0, core.cf[q] - core.cf[p], np.inf)
    bwd = np.where(core.nb[p] - core.nb[q] == 0, core.cb[p] - core.cb[q], np.inf)
    direct = np.where(q > p, fwd, np.where(q < p, bwd, 0.0))
    return q, c[rep] + direct, o[rep]


def _solve(
    core: _Core, node: I64, cost: F64, owner: I64, k: int, limit: float, *, origin: bool
) -> tuple[F64, I64 | None]:
    """Best start time + travel time at every graph node over entry pairs (graph node, start
    time, owner in 0..k-1), and (with ``origin``) the owner achieving it (-1: none within
    ``limit``)."""
    n_core = core.csr.shape[0]
    if len(node) == 1 and cost[0] == 0.0 and core.pos[node[0]] >= 0:
        # The common isochrone: one junction, no delay. Straight to scipy.
        p = int(core.pos[node[0]])
        d = dijkstra(core.csr, indices=p, limit=limit)
        src = _Sources(owner=int(owner[0])) if origin else None
        return _assemble(core, d, src, limit, None)
    keep = np.isfinite(cost) & (cost <= limit)
    (ci, cc, co), seeds = _to_core(core, node[keep], cost[keep], owner[keep])
    keep = cc <= limit
    ci, cc, co = ci[keep], cc[keep], co[keep]
    src = None
    if len(ci) == 0:
        d = np.full(n_core, np.inf)
        src = _Sources() if origin else None
    elif not cc.any():
        # Sources at junctions without delays: scipy's own multi-source search names the
        # source, no virtual nodes needed.
        _, first = _group(ci)
        d, _, found = dijkstra(
            core.csr, indices=ci[first], limit=limit, min_only=True, return_predecessors=True
        )
        if origin:
            lut = np.full(n_core, -1, dtype=np.int64)
            lut[ci[first]] = co[first]
            src = _Sources(found=found, lut=lut)
    elif origin and k > 1:
        aug = _augmented(core, ci, cc, co, k)
        d, _, found = dijkstra(
            aug, indices=np.arange(n_core, n_core + k), limit=limit, min_only=True,
            return_predecessors=True,
        )  # fmt: skip
        d = d[:n_core]
        lut = np.full(n_core + k, -1, dtype=np.int64)
        lut[n_core:] = np.arange(k)
        src = _Sources(found=found[:n_core], lut=lut)
    else:
        aug = _augmented(core, ci, cc, np.zeros(len(ci), dtype=np.int64), 1)
        d = dijkstra(aug, indices=n_core, limit=limit)[:n_core]
        src = _Sources(owner=int(co[0])) if origin else None
    return _assemble(core, d, src, limit, seeds)


@dataclass(frozen=True, eq=False)
class _Sources:
    """Which source reached each core node, looked up only where needed: ``lut[found[i]]``
    (``found`` as scipy returns it, negative where nothing arrived), or one ``owner`` for
    every node when ``found`` is None. Callers mask unreached nodes."""

    found: npt.NDArray[np.integer] | None = None
    lut: I64 | None = None
    owner: int = -1

    def at(self, idx: slice | npt.NDArray[np.intp], size: int) -> I64:
        if self.found is None or self.lut is None:
            return np.full(size, self.owner, dtype=np.int64)
        f = self.found[idx]
        out: I64 = np.where(f >= 0, self.lut[np.maximum(f, 0)], -1)
        return out


def _assemble(
    core: _Core,
    d: F64,
    src: _Sources | None,
    limit: float,
    seeds: tuple[npt.NDArray[np.intp], F64, I64] | None,
) -> tuple[F64, I64 | None]:
    """Times (and owners) at every graph node from times at the core nodes: chain nodes take
    the better of their two ends, then seeds on chains improve their own chain directly."""
    out = np.full(core.n, np.inf)
    org = None if src is None else np.full(core.n, -1, dtype=np.int64)
    r: slice | npt.NDArray[np.intp] = slice(None)
    sl: slice | npt.NDArray[np.intp] = slice(None)
    if not math.isinf(limit):
        reached = np.flatnonzero(d <= limit)
        cnt = core.inc_cnt[reached]
        if 2 * (len(reached) + int(cnt.sum())) < core.n:
            # A small bounded search: expand only the reached nodes and their chains; a
            # large one is cheaper over the whole, contiguous arrays.
            r = reached
            ends = cnt > 0
            sl = core.inc_slots[_spans(core.inc_ptr[reached[ends]], cnt[ends])]
    out[core.core_node[r]] = _clean(d[r])
    ea, eb = core.end_a[sl], core.end_b[sl]
    va = d[ea]
    va += core.fa[sl]
    vb = d[eb]
    vb += core.fb[sl]
    v = np.minimum(va, vb)
    v[v > limit] = np.inf  # d is bounded by scipy, a chain node beyond it may not be
    out[core.node[sl]] = _clean(v)
    if org is not None and src is not None:
        dr = d[r]
        at_core = src.at(r, len(dr))
        at_core[np.isinf(dr)] = -1
        org[core.core_node[r]] = at_core
        from_end = np.where(va <= vb, src.at(ea, len(v)), src.at(eb, len(v)))
        from_end[np.isinf(v)] = -1
        org[core.node[sl]] = from_end
    if seeds is not None and len(seeds[0]):
        q, t, o = _along_chains(core, seeds)
        if len(seeds[0]) > 1:  # several seeds may offer the same slot: keep the best
            first = np.lexsort((t, q))
            q, t, o = q[first], t[first], o[first]
            best = np.ones(len(q), dtype=bool)
            best[1:] = q[1:] != q[:-1]
            q, t, o = q[best], t[best], o[best]
        t = _clean(t)
        nodes = core.node[q]
        better = (t < out[nodes]) & (t <= limit)
        out[nodes[better]] = t[better]
        if org is not None:
            org[nodes[better]] = o[better]
    return out, org


def _solve_rows(core: _Core, sources: I64, targets: I64, limit: float) -> F64:
    """Times from each source node to each target node (one search per source)."""
    k = len(sources)
    (ci, cc, co), seeds = _to_core(core, sources, np.zeros(k), np.arange(k, dtype=np.int64))
    n_core = core.csr.shape[0]
    aug = _augmented(core, ci, cc, co, k)
    d = dijkstra(aug, indices=np.arange(n_core, n_core + k), limit=limit)[:, :n_core]
    out = np.empty((k, len(targets)))
    tp = core.pos[targets]
    at_core = tp >= 0
    out[:, at_core] = d[:, tp[at_core]]
    ts = core.slot[targets[~at_core]]
    out[:, ~at_core] = np.minimum(
        d[:, core.end_a[ts]] + core.fa[ts], d[:, core.end_b[ts]] + core.fb[ts]
    )
    q, t, o = _along_chains(core, seeds)
    if len(q):
        # Pair each candidate slot with the target columns at that slot.
        tslot = core.slot[targets]
        cols = np.argsort(tslot, kind="stable")
        sorted_slots = tslot[cols]
        left = np.searchsorted(sorted_slots, q, side="left")
        right = np.searchsorted(sorted_slots, q, side="right")
        n_pairs = right - left
        rep = np.repeat(np.arange(len(q)), n_pairs)
        pick = cols[_spans(left, n_pairs)]
        np.minimum.at(out, (o[rep], pick), t[rep])
    out[out > limit] = np.inf
    return _clean(out)
