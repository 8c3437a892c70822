"""Travel-time kernels on a :class:`~firegrid.network.graph.RoadGraph` (pure: numpy/scipy).

Node indices in, arrays out ("ids at the edge, indices inside"); no database, no files.

============================  ===================================================================
:func:`one_to_all`            travel time from one node (or snapped point) to every node
:func:`multi_source`          for every node the best (offset + travel time) over many sources,
                              and which source achieves it — first-due districts and coverage in
                              a single Dijkstra
:func:`many_to_many`          a sources × targets matrix
:func:`route`                 fastest route between two snapped points, with its length and nodes
:func:`sources_from_snaps`    snapped points as (node, start offset) pairs for the above
:func:`times_to_snaps`        from node times to arrival times at snapped points
============================  ===================================================================

Semantics shared by all kernels:

* Times are seconds for ``vehicle`` ("light" or "heavy"); edges with an infinite time for that
  vehicle are impassable. Parallel edges count with their minimum.
* ``inf`` marks a node that is unreachable, or farther than ``cutoff_s``. A node exactly at the
  cutoff is reachable (``time <= cutoff_s``).
* Results equal networkx's Dijkstra on the same edges to floating-point rounding (tests check
  1e-6 s).

How it is fast. Every search is one call of scipy's compiled Dijkstra
(:func:`scipy.sparse.csgraph.dijkstra`), on a *contracted* graph built once per graph and
vehicle and then cached:

* **Chains of degree-2 nodes are contracted.** A road graph keeps every OSM node, and most of
  them (87–93 % in the extracts in ``../shared/data/osm``) are shape points with exactly two
  neighbours. The search runs on the junctions only, with one edge per chain direction that is
  passable end to end; times at chain nodes are then filled in by vectorised numpy, as the
  better of ``time(end) + along-chain time`` over the chain's two ends. A source *on* a chain
  enters the junction graph at both ends and also reaches its own chain's nodes directly (a
  per-chain prefix-sum lookup). One-way and impassable links inside a chain, loops, rings
  without junctions and parallel chains are all handled; tests compare every case with
  networkx.
* **Search-friendly storage.** 32-bit indices (scipy converts int64 indices on *every* call),
  and reverse Cuthill–McKee numbering where it improves memory locality (OSM-id numbering
  scatters network neighbours through memory).
* **One search for many sources.** Per-source start offsets (turn-out times, snapped points'
  partial edges) become virtual source nodes joined to the graph by edges of those costs;
  scipy's ``min_only`` search then also reports which source reached each node. The virtual
  rows live in a per-thread copy of the CSR that is rewritten in place, not rebuilt.
* **Cutoffs** go to scipy's ``limit``; a search that reached little is expanded only where it
  reached.

``benchmarks/network.py`` measures all this against networkx and raw scipy; figures are in
``benchmarks/README.md``. :func:`route` searches the full graph (a single query, and the path
comes out with every node).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra, reverse_cuthill_mckee

from firegrid.errors import InvalidInputError
from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.snap import Snap, SnapResult, fastest_edge

__all__ = [
    "Route",
    "SnapSources",
    "many_to_many",
    "multi_source",
    "one_to_all",
    "route",
    "sources_from_snaps",
    "times_to_snaps",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

# graph.csr() stores zero-cost edges as the smallest normal float (scipy drops explicit zeros on
# some code paths); a sum of such edges stays far below this, and any real time far above.
_ZERO_BELOW = 1e-300
# many_to_many computes this many distance values (float64) per scipy call at most (128 MB).
_MATRIX_CHUNK = 1 << 24


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class Route:
    """The fastest route between two snapped points.

    Attributes
    ----------
    travel_time_s : float
        Total time including both off-network legs and the partial first and last edges;
        ``inf`` if the destination cannot be reached.
    distance_m : float
        Length of that route (network length plus both off-network legs); ``inf`` when
        unreachable.
    nodes : numpy.ndarray of int64
        Graph nodes passed in order, from the first node after leaving the origin's edge to the
        last before entering the destination's edge; empty when both points lie on the same
        segment and the direct way along it is fastest, or when unreachable.
    """

    travel_time_s: float
    distance_m: float
    nodes: I64


@dataclass(frozen=True, eq=False)
class SnapSources:
    """Snapped points as search sources: ``node[k]`` is entered at time ``offset_s[k]``.

    Each point yields up to two pairs, one per end of its edge that ``vehicle`` can drive to
    from the point (one on a one-way street); ``owner[k]`` is the index of the point.
    """

    node: I64
    offset_s: F64
    owner: I64


# --------------------------------------------------------------------------- validation


def _vehicle(vehicle: Vehicle | str) -> Vehicle:
    try:
        return Vehicle(vehicle)
    except ValueError:
        accepted = ", ".join(v.value for v in Vehicle)
        raise InvalidInputError(f"unknown vehicle {vehicle!r}; accepted: {accepted}") from None


def _limit(cutoff_s: float | None) -> float:
    if cutoff_s is None:
        return math.inf
    c = float(cutoff_s)
    if not c >= 0:
        raise InvalidInputError(f"cutoff_s must be >= 0 (or None), got {cutoff_s!r}")
    return c


def _nodes(graph: RoadGraph, nodes: npt.ArrayLike, what: str) -> I64:
    arr = np.asarray(nodes)
    if arr.ndim != 1 or not (arr.dtype.kind in "iu" or arr.size == 0):
        raise InvalidInputError(f"{what} must be a 1-d array of node indices, got {arr!r}")
    out = arr.astype(np.int64)
    bad = (out < 0) | (out >= graph.n_nodes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"{what} {i} is node {int(out[i])}, outside the graph's nodes [0, {graph.n_nodes})"
        )
    return out


def _node(graph: RoadGraph, node: int, what: str) -> int:
    if not isinstance(node, int | np.integer) or isinstance(node, bool):
        raise InvalidInputError(f"{what} must be a node index (int), got {node!r}")
    if not 0 <= int(node) < graph.n_nodes:
        raise InvalidInputError(
            f"{what} is node {int(node)}, outside the graph's nodes [0, {graph.n_nodes})"
        )
    return int(node)


def _offsets(offsets_s: npt.ArrayLike | None, k: int) -> F64:
    if offsets_s is None:
        return np.zeros(k, dtype=np.float64)
    off = np.asarray(offsets_s, dtype=np.float64)
    if off.ndim == 0:
        off = np.full(k, float(off))
    if off.shape != (k,):
        raise InvalidInputError(f"offsets_s has shape {off.shape}, expected ({k},)")
    bad = np.isnan(off) | (off < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"offset {i} is {float(off[i])!r}; offsets must be >= 0 (inf disables a source)"
        )
    return off


def _clean(d: F64) -> F64:
    # Zero-cost edges are stored as tiny positive values; report their sums as exact zeros.
    d[d < _ZERO_BELOW] = 0.0
    return d


# --------------------------------------------------------------------------- contracted graph


@dataclass(frozen=True, eq=False)
class _Core:
    """A vehicle's graph with its degree-2 chains contracted, ready for scipy.

    *Core* nodes are those with other than two distinct neighbours (junctions, dead ends), plus
    one node on each ring made only of degree-2 nodes. Every other node lies on a *chain*
    ``end_a, x_1, …, x_L, end_b`` between two core nodes (the same one for a loop). ``csr``
    holds the core nodes (in reverse Cuthill–McKee order, int32 indices) with one edge per
    chain direction that is passable end to end, plus the direct core–core edges.

    Chain nodes are stored in *slots*, sorted by chain and position along it; link ``p`` of a
    chain enters slot position ``p`` (link 0 comes from ``end_a``, link ``L`` reaches
    ``end_b``).
    """

    n: int
    csr: sp.csr_array
    #: Graph node -> core index (-1 on chains); core index -> graph node.
    pos: npt.NDArray[np.intp]
    core_node: npt.NDArray[np.intp]
    #: Graph node -> slot (-1 for core nodes); slot -> graph node.
    slot: npt.NDArray[np.intp]
    node: npt.NDArray[np.intp]
    #: Per slot: core index of the chain's ends, and the first/last slot + 1 of its chain.
    end_a: npt.NDArray[np.intp]
    end_b: npt.NDArray[np.intp]
    lo: npt.NDArray[np.intp]
    hi: npt.NDArray[np.intp]
    #: Per slot: time end_a -> node, end_b -> node, node -> end_a, node -> end_b (inf: none).
    fa: F64
    fb: F64
    ta: F64
    tb: F64
    #: Per slot: prefix sums along the chain (links 0..p) of forward (a -> b) and backward link
    #: times, impassable links counted as 0 and counted in ``nf``/``nb`` instead.
    cf: F64
    cb: F64
    nf: I64
    nb: I64
    #: Slots of the chains ending at each core index ``c``:
    #: ``inc_slots[inc_ptr[c] : inc_ptr[c] + inc_cnt[c]]``.
    inc_ptr: I64
    inc_cnt: I64
    inc_slots: npt.NDArray[np.intp]


_core_cache: weakref.WeakKeyDictionary[RoadGraph, dict[Vehicle, _Core]] = (
    weakref.WeakKeyDictionary()
)
_plain_cache: weakref.WeakKeyDictionary[RoadGraph, dict[Vehicle, sp.csr_array]] = (
    weakref.WeakKeyDictionary()
)


def _plain(graph: RoadGraph, vehicle: Vehicle) -> sp.csr_array:
    """The vehicle's CSR in the graph's own numbering with int32 indices (for routes)."""
    per_graph = _plain_cache.setdefault(graph, {})
    a = per_graph.get(vehicle)
    if a is None:
        full = graph.csr(vehicle)
        a = sp.csr_array(
            (full.data, full.indices.astype(np.int32), full.indptr.astype(np.int32)),
            shape=full.shape,
        )
        per_graph[vehicle] = a
    return a


def _core(graph: RoadGraph, vehicle: Vehicle) -> _Core:
    per_graph = _core_cache.setdefault(graph, {})
    core = per_graph.get(vehicle)
    if core is None:
        core = _contract(graph, vehicle)
        per_graph[vehicle] = core
    return core


def _sorted_unique(a: I64) -> I64:
    """``np.unique`` by sorting (numpy's default hash-based unique is far slower here)."""
    a = np.sort(a)
    keep = np.ones(len(a), dtype=bool)
    keep[1:] = a[1:] != a[:-1]
    return a[keep]


def _group(a: npt.NDArray[np.integer]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Dense group ids 0..g-1 of the values of ``a`` (in sorted value order), and the index
    of each group's first element."""
    order = np.argsort(a, kind="stable")
    flag = np.ones(len(a), dtype=bool)
    flag[1:] = a[order][1:] != a[order][:-1]
    ids = np.empty(len(a), dtype=np.intp)
    ids[order] = np.cumsum(flag) - 1
    return ids, order[flag]


def _spans(
    starts: npt.NDArray[np.integer], counts: npt.NDArray[np.integer]
) -> npt.NDArray[np.intp]:
    """Concatenation of ``arange(starts[i], starts[i] + counts[i])`` over ``i``, vectorised."""
    c = counts.astype(np.intp)
    first = np.repeat(starts.astype(np.intp) - (np.cumsum(c) - c), c)
    out: npt.NDArray[np.intp] = first + np.arange(int(c.sum()), dtype=np.intp)
    return out


def _segmented_cumsum(x: F64, start: npt.NDArray[np.intp]) -> F64:
    """Inclusive prefix sums that restart at each segment (``start[i]`` = first index of
    ``i``'s segment), by doubling: log2(longest segment) vectorised passes, and sums stay
    local to their chain (no global running total whose rounding would leak in)."""
    out = x.copy()
    idx = np.arange(len(x))
    step = 1
    longest = int((idx - start).max()) + 1 if len(x) else 0
    while step < longest:
        src = idx - step
        ok = src >= start
        nxt = out.copy()
        nxt[ok] += out[src[ok]]
        out = nxt
        step *= 2
    return out


def _contract(graph: RoadGraph, vehicle: Vehicle) -> _Core:
    n = graph.n_nodes
    a = graph.csr(vehicle)  # minimum of parallel edges, impassable dropped, zeros -> tiny
    rows = np.repeat(np.arange(n, dtype=np.intp), np.diff(a.indptr))
    cols = a.indices.astype(np.intp)
    w = np.asarray(a.data, dtype=np.float64)
    keep = rows != cols  # a self-loop never shortens a path
    rows, cols, w = rows[keep], cols[keep], w[keep]
    key = rows.astype(np.int64) * n + cols
    order = np.argsort(key, kind="stable")
    key, rows, cols, w = key[order], rows[order], cols[order], w[order]

    def weight(u: npt.NDArray[np.intp], v: npt.NDArray[np.intp]) -> F64:
        k = u.astype(np.int64) * n + v
        i = np.minimum(np.searchsorted(key, k), max(len(key) - 1, 0))
        found = key[i] == k if len(key) else np.zeros(len(k), dtype=bool)
        return np.where(found, w[i] if len(key) else 0.0, np.inf)

    # Distinct neighbours in the undirected sense.
    ukey = _sorted_unique(np.concatenate([key, cols.astype(np.int64) * n + rows]))
    urow, ucol = np.divmod(ukey, n)
    deg = np.bincount(urow, minlength=n)
    uptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(deg, out=uptr[1:])
    chain = deg == 2
    nb0 = np.full(n, -1, dtype=np.intp)
    nb1 = np.full(n, -1, dtype=np.intp)
    iv = np.flatnonzero(chain)
    nb0[iv] = ucol[uptr[iv]]
    nb1[iv] = ucol[uptr[iv] + 1]

    def components() -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_], sp.csr_array]:
        m = chain[urow] & chain[ucol]
        inner = sp.csr_array(
            (np.ones(int(m.sum()), dtype=np.float64), (urow[m], ucol[m])), shape=(n, n)
        )
        _, label = connected_components(inner, directed=False)
        touches_core = np.zeros(n, dtype=bool)
        touches_core[iv] = ~chain[nb0[iv]] | ~chain[nb1[iv]]
        return label, touches_core, inner

    label, touches_core, inner = components()
    anchored = np.zeros(int(label.max()) + 1 if n else 0, dtype=bool)
    anchored[label[touches_core & chain]] = True
    ring = chain & ~anchored[label]
    if ring.any():
        # A ring of degree-2 nodes only (an isolated loop road): make one node of it core.
        ring_nodes = np.flatnonzero(ring)
        chain[ring_nodes[_group(label[ring_nodes])[1]]] = False
        label, touches_core, inner = components()

    # Order chain nodes along their chain: hop count from one end (scipy BFS, all chains at
    # once since they are disjoint).
    slots = np.flatnonzero(chain)
    ends = slots[touches_core[slots]]
    end_label = label[ends]
    by_chain = np.lexsort((ends, end_label))
    first_end = np.ones(len(by_chain), dtype=bool)
    first_end[1:] = end_label[by_chain][1:] != end_label[by_chain][:-1]
    starts = ends[by_chain][first_end]
    if len(starts):
        hop = dijkstra(inner, unweighted=True, indices=starts, min_only=True)
    else:
        hop = np.zeros(n)
    chain_key = _group(label[slots])[0]
    order = np.lexsort((hop[slots], chain_key))
    slot_node = slots[order]
    chain_of = chain_key[order]
    length = np.bincount(chain_of, minlength=len(starts)) if len(slots) else np.zeros(0, int)
    lo_c = np.zeros(len(length), dtype=np.intp)
    if len(length):
        np.cumsum(length[:-1], out=lo_c[1:])
    first_node = slot_node[lo_c]
    last_node = slot_node[lo_c + length - 1]

    def core_neighbour(x: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        return np.where(~chain[nb0[x]], nb0[x], nb1[x])

    end_a = core_neighbour(first_node)
    single = length == 1
    # A single-node chain touches two core nodes: nb0 is end a, so nb1 is end b.
    end_b = np.where(
        single, np.where(end_a == nb0[first_node], nb1[first_node], nb0[first_node]),
        core_neighbour(last_node),
    )  # fmt: skip

    # Links of every chain: end_a -> x_1 -> ... -> x_L -> end_b.
    n_links = length + 1
    link_lo = np.zeros(len(length), dtype=np.intp)
    if len(length):
        np.cumsum(n_links[:-1], out=link_lo[1:])
    link_chain = np.repeat(np.arange(len(length), dtype=np.intp), n_links)
    j = np.arange(int(n_links.sum()), dtype=np.intp) - link_lo[link_chain]
    seq_from = np.where(j == 0, end_a[link_chain], slot_node[lo_c[link_chain] + j - 1])
    last = j == length[link_chain]
    seq_to = np.where(
        last,
        end_b[link_chain],
        slot_node[np.minimum(lo_c[link_chain] + j, max(len(slot_node) - 1, 0))],
    )
    wf = weight(seq_from, seq_to)
    wb = weight(seq_to, seq_from)
    start = link_lo[link_chain]
    cf_link = _segmented_cumsum(np.where(np.isfinite(wf), wf, 0.0), start)
    cb_link = _segmented_cumsum(np.where(np.isfinite(wb), wb, 0.0), start)
    nf_all = np.cumsum(~np.isfinite(wf))
    nb_all = np.cumsum(~np.isfinite(wb))
    before_f = np.where(start > 0, nf_all[np.maximum(start - 1, 0)], 0)
    before_b = np.where(start > 0, nb_all[np.maximum(start - 1, 0)], 0)
    nf_link = nf_all - before_f
    nb_link = nb_all - before_b

    # Per slot: its entering link is link_lo + position.
    slot_pos = np.arange(len(slot_node), dtype=np.intp) - lo_c[chain_of]
    link = link_lo[chain_of] + slot_pos
    end_link = link_lo[chain_of] + length[chain_of]
    cf, cb, nf, nb = cf_link[link], cb_link[link], nf_link[link], nb_link[link]
    tot_f, tot_b = cf_link[end_link], cb_link[end_link]
    fa = np.where(nf == 0, cf, np.inf)
    ta = np.where(nb == 0, cb, np.inf)
    tb = np.where(nf_link[end_link] - nf == 0, tot_f - cf, np.inf)
    fb = np.where(nb_link[end_link] - nb == 0, tot_b - cb, np.inf)

    # The core graph: direct core-core edges plus one edge per passable chain direction.
    is_core = ~chain
    direct = is_core[rows] & is_core[cols]
    chain_end = link_lo + length
    through_f = np.where(nf_link[chain_end] == 0, cf_link[chain_end], np.inf)
    through_b = np.where(nb_link[chain_end] == 0, cb_link[chain_end], np.inf)
    ct = np.concatenate([rows[direct], end_a, end_b])
    ch = np.concatenate([cols[direct], end_b, end_a])
    cw = np.concatenate([w[direct], through_f, through_b])
    ok = np.isfinite(cw) & (ct != ch)
    ct, ch, cw = ct[ok], ch[ok], cw[ok]
    core_nodes_sorted = np.flatnonzero(is_core)
    n_core = len(core_nodes_sorted)
    dense = np.full(n, -1, dtype=np.intp)
    dense[core_nodes_sorted] = np.arange(n_core, dtype=np.intp)
    # Node order. A search jumps between neighbours; when their numbers are far apart (OSM
    # ids scatter them), every step misses the cache. Reverse Cuthill-McKee numbering puts
    # network neighbours close in memory; it is kept only where it shortens the mean index
    # distance of the edges at least twofold, because it also makes writing the results back
    # to the graph's numbering a scattered, slower copy.
    rcm = np.arange(n_core, dtype=np.intp)
    if n_core:
        pre = sp.csr_array((np.ones(len(ct)), (dense[ct], dense[ch])), shape=(n_core, n_core))
        cand = np.asarray(reverse_cuthill_mckee(pre, symmetric_mode=False), dtype=np.intp)
        where = np.empty(n_core, dtype=np.intp)
        where[cand] = np.arange(n_core, dtype=np.intp)
        spread_now = float(np.abs(dense[ct] - dense[ch]).mean()) if len(ct) else 0.0
        spread_rcm = float(np.abs(where[dense[ct]] - where[dense[ch]]).mean()) if len(ct) else 0.0
        if 2.0 * spread_rcm < spread_now:
            rcm = cand
    core_node = core_nodes_sorted[rcm]
    pos = np.full(n, -1, dtype=np.intp)
    pos[core_node] = np.arange(n_core, dtype=np.intp)
    r, c = pos[ct], pos[ch]
    o = np.lexsort((cw, c, r))
    r, c, cw = r[o], c[o], cw[o]
    first = np.ones(len(r), dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])  # parallel edges: keep the fastest
    r, c, cw = r[first], c[first], cw[first]
    indptr = np.zeros(n_core + 1, dtype=np.int32)
    np.cumsum(np.bincount(r, minlength=n_core), out=indptr[1:])
    csr = sp.csr_array((cw, c.astype(np.int32), indptr), shape=(n_core, n_core))

    slot = np.full(n, -1, dtype=np.intp)
    slot[slot_node] = np.arange(len(slot_node), dtype=np.intp)
    slot_a, slot_b = pos[end_a][chain_of], pos[end_b][chain_of]
    # Core index -> slots of its chains, for expanding only what a bounded search reached.
    all_slots = np.arange(len(slot_node), dtype=np.intp)
    inc_core = np.concatenate([slot_a, slot_b[slot_b != slot_a]])
    inc_slot = np.concatenate([all_slots, all_slots[slot_b != slot_a]])
    o = np.argsort(inc_core, kind="stable")
    inc_ptr = np.zeros(n_core + 1, dtype=np.int64)
    np.cumsum(np.bincount(inc_core, minlength=n_core), out=inc_ptr[1:])
    return _Core(
        n=n, csr=csr, pos=pos, core_node=core_node, slot=slot, node=slot_node,
        end_a=slot_a, end_b=slot_b, lo=lo_c[chain_of], hi=(lo_c + length)[chain_of],
        fa=fa, fb=fb, ta=ta, tb=tb, cf=cf, cb=cb, nf=nf, nb=nb,
        inc_ptr=inc_ptr[:-1], inc_cnt=np.diff(inc_ptr), inc_slots=inc_slot[o],
    )  # fmt: skip


# --------------------------------------------------------------------------- search core


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


# --------------------------------------------------------------------------- snapped points


def sources_from_snaps(
    graph: RoadGraph,
    snaps: SnapResult | Sequence[Snap] | Snap,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
    offsets_s: npt.ArrayLike | None = None,
) -> SnapSources:
    """Turn snapped points into (node, start offset) pairs for the search kernels.

    Parameters
    ----------
    graph : RoadGraph
        The graph the points were snapped to.
    snaps : SnapResult or sequence of Snap or Snap
        Snapped points.
    vehicle : {"light", "heavy"}
        Whose travel times are used along the partial edge.
    offsets_s : array_like, optional
        Per-point start delay added on top (e.g. a station's turn-out time).

    Returns
    -------
    SnapSources
        For a point at fraction ``f`` of edge ``u -> v`` with off-network cost ``leg``:
        ``(v, offset + leg + (1 - f) * t(u -> v))`` and, where the street is two-way for
        ``vehicle``, ``(u, offset + leg + f * t(v -> u))``. ``t`` is the fastest passable edge
        between the two nodes in that direction; a direction with none gives no pair.
    """
    s = _as_snaps(snaps)
    veh = _vehicle(vehicle)
    base = _offsets(offsets_s, len(s)) + s.off_network_s
    t_fwd, t_rev = _segment_times(graph, s, veh)
    to_head = base + _partial(1.0 - s.fraction, t_fwd)
    to_tail = base + _partial(s.fraction, t_rev)
    has_f, has_r = np.isfinite(to_head), np.isfinite(to_tail)
    idx = np.arange(len(s), dtype=np.int64)
    node = np.concatenate([s.head[has_f], s.tail[has_r]])
    off = np.concatenate([to_head[has_f], to_tail[has_r]])
    owner = np.concatenate([idx[has_f], idx[has_r]])
    return SnapSources(node=node.astype(np.int64), offset_s=off, owner=owner)


def times_to_snaps(
    graph: RoadGraph,
    node_times_s: npt.ArrayLike,
    snaps: SnapResult | Sequence[Snap] | Snap,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
) -> F64:
    """Arrival times at snapped points, given arrival times at every node.

    Parameters
    ----------
    graph : RoadGraph
    node_times_s : array_like, shape (n_nodes,) or (k, n_nodes)
        E.g. the output of :func:`one_to_all`, :func:`multi_source` or rows of
        :func:`many_to_many` with ``targets`` = all nodes.
    snaps : SnapResult or sequence of Snap or Snap
    vehicle : {"light", "heavy"}

    Returns
    -------
    numpy.ndarray
        Shape (len(snaps),) or (k, len(snaps)): the best of entering the point's edge at its
        tail (``t_u + f * t(u -> v)``) or, on a two-way street, at its head
        (``t_v + (1 - f) * t(v -> u)``), plus the point's off-network leg.

    Notes
    -----
    A source lying on the same segment as the point could reach it directly along the segment
    without passing a node; that shortcut is not seen here (:func:`route` handles it).
    """
    s = _as_snaps(snaps)
    veh = _vehicle(vehicle)
    t = np.asarray(node_times_s, dtype=np.float64)
    if t.shape[-1:] != (graph.n_nodes,) or t.ndim > 2:
        raise InvalidInputError(
            f"node_times_s has shape {t.shape}, expected ({graph.n_nodes},) or (k, {graph.n_nodes})"
        )
    t_fwd, t_rev = _segment_times(graph, s, veh)
    via_tail = t[..., s.tail] + _partial(s.fraction, t_fwd)
    via_head = t[..., s.head] + _partial(1.0 - s.fraction, t_rev)
    out: F64 = np.minimum(via_tail, via_head) + s.off_network_s
    return out


def _segment_times(graph: RoadGraph, s: SnapResult, vehicle: Vehicle) -> tuple[F64, F64]:
    """Fastest time along each snap's segment tail -> head and head -> tail (inf: none)."""
    time_s = graph.travel_time_s(vehicle)
    e = fastest_edge(
        graph, np.concatenate([s.tail, s.head]), np.concatenate([s.head, s.tail]), vehicle=vehicle
    )
    t = np.where(e >= 0, time_s[np.maximum(e, 0)], np.inf) if len(e) else np.zeros(0)
    return t[: len(s)], t[len(s) :]


def _partial(fraction: F64, time_s: F64) -> F64:
    """``fraction * time_s``, but 0 for a zero fraction even when the edge is impassable (the
    point is then at the node itself)."""
    with np.errstate(invalid="ignore"):
        out: F64 = np.where(fraction > 0, fraction * time_s, 0.0)
    return out


def _as_snaps(snaps: SnapResult | Sequence[Snap] | Snap) -> SnapResult:
    if isinstance(snaps, SnapResult):
        return snaps
    if isinstance(snaps, Snap):
        return SnapResult.from_snaps([snaps])
    return SnapResult.from_snaps(list(snaps))


def _is_snaps(x: object) -> TypeGuard[SnapResult | Sequence[Snap] | Snap]:
    return isinstance(x, SnapResult | Snap) or (
        isinstance(x, Sequence) and len(x) > 0 and all(isinstance(s, Snap) for s in x)
    )


# --------------------------------------------------------------------------- public kernels


def one_to_all(
    graph: RoadGraph,
    source: int | Snap,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
    cutoff_s: float | None = None,
) -> F64:
    """Travel time from one source to every node.

    Parameters
    ----------
    graph : RoadGraph
    source : int or Snap
        A node index, or a snapped point (its off-network leg and partial edge are included).
    vehicle : {"light", "heavy"}
    cutoff_s : float, optional
        Stop the search here: nodes farther away are ``inf``.

    Returns
    -------
    numpy.ndarray, shape (n_nodes,)
        Seconds; ``inf`` for nodes unreachable or beyond the cutoff.
    """
    veh = _vehicle(vehicle)
    limit = _limit(cutoff_s)
    if isinstance(source, Snap):
        pairs = sources_from_snaps(graph, source, vehicle=veh)
        node, cost = pairs.node, pairs.offset_s
    else:
        node = np.array([_node(graph, source, "source")], dtype=np.int64)
        cost = np.zeros(1)
    owner = np.zeros(len(node), dtype=np.int64)
    return _solve(_core(graph, veh), node, cost, owner, 1, limit, origin=False)[0]


def multi_source(
    graph: RoadGraph,
    sources: npt.ArrayLike | SnapResult | Sequence[Snap],
    *,
    offsets_s: npt.ArrayLike | None = None,
    vehicle: Vehicle | str = Vehicle.LIGHT,
    cutoff_s: float | None = None,
) -> tuple[F64, I64]:
    """For every node, the best start offset plus travel time over many sources, and which
    source achieves it — in a single search.

    Parameters
    ----------
    graph : RoadGraph
    sources : array_like of int, or SnapResult / sequence of Snap
        Node indices, or snapped points (their off-network legs and partial edges included).
    offsets_s : array_like, optional
        Per-source start delay in seconds (turn-out time, ...); ``inf`` disables a source.
        Default 0.
    vehicle : {"light", "heavy"}
    cutoff_s : float, optional
        Nodes whose best (offset + time) exceeds this are ``inf``.

    Returns
    -------
    time_s : numpy.ndarray, shape (n_nodes,)
        ``min over sources of (offset + travel time)``; ``inf`` if no source reaches the node
        within the cutoff.
    origin : numpy.ndarray of int64, shape (n_nodes,)
        Index into ``sources`` of a source achieving ``time_s`` (-1 where ``time_s`` is inf).
        On exact ties any of the tied sources may be named.
    """
    veh = _vehicle(vehicle)
    limit = _limit(cutoff_s)
    core = _core(graph, veh)
    if _is_snaps(sources):
        snaps = _as_snaps(sources)
        pairs = sources_from_snaps(graph, snaps, vehicle=veh, offsets_s=offsets_s)
        node, cost, owner, k = pairs.node, pairs.offset_s, pairs.owner, len(snaps)
    else:
        node = _nodes(graph, cast("npt.ArrayLike", sources), "source")
        cost = _offsets(offsets_s, len(node))
        owner, k = np.arange(len(node), dtype=np.int64), len(node)
    times, origin = _solve(core, node, cost, owner, k, limit, origin=True)
    assert origin is not None
    return times, origin


def many_to_many(
    graph: RoadGraph,
    sources: npt.ArrayLike,
    targets: npt.ArrayLike,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
    cutoff_s: float | None = None,
) -> F64:
    """Travel times from every source node to every target node.

    Parameters
    ----------
    graph : RoadGraph
    sources, targets : array_like of int
        Node indices.
    vehicle : {"light", "heavy"}
    cutoff_s : float, optional
        Pairs farther apart than this are ``inf``.

    Returns
    -------
    numpy.ndarray, shape (len(sources), len(targets))
        Row ``i`` equals ``one_to_all(graph, sources[i])[targets]``.

    Notes
    -----
    One bounded Dijkstra per source on the contracted graph, in chunks so that no more than
    2**24 intermediate distances (128 MB) are held at once.
    """
    veh = _vehicle(vehicle)
    limit = _limit(cutoff_s)
    src = _nodes(graph, sources, "source")
    tgt = _nodes(graph, targets, "target")
    out = np.full((len(src), len(tgt)), np.inf)
    if len(src) == 0 or len(tgt) == 0:
        return out
    core = _core(graph, veh)
    chunk = max(1, _MATRIX_CHUNK // max(core.csr.shape[0], 1))
    for start in range(0, len(src), chunk):
        rows = src[start : start + chunk]
        out[start : start + len(rows)] = _solve_rows(core, rows, tgt, limit)
    return out


def route(
    graph: RoadGraph,
    origin: Snap,
    destination: Snap,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
) -> Route:
    """The fastest route between two snapped points.

    Parameters
    ----------
    graph : RoadGraph
    origin, destination : Snap
        Points from :func:`~firegrid.network.snap.snap_points` on this graph.
    vehicle : {"light", "heavy"}

    Returns
    -------
    Route
        Travel time and distance including both off-network legs; ``inf`` if unreachable.

    Notes
    -----
    The search leaves the origin's segment towards its head, and towards its tail where the
    street is two-way for ``vehicle``, each with the cost of the partial edge; it enters the
    destination's segment from its tail, or from its head on a two-way street, likewise. When
    both points lie on the same segment, driving straight along it (if its direction allows)
    competes with every route through the network.
    """
    veh = _vehicle(vehicle)
    _nodes(graph, [origin.tail, origin.head, destination.tail, destination.head], "snap node")
    pair = SnapResult.from_snaps([origin, destination])
    (o_fwd_s, d_fwd_s), (o_rev_s, d_rev_s) = _segment_times(graph, pair, veh)
    o_len, d_len = float(graph.length_m[origin.edge]), float(graph.length_m[destination.edge])
    legs_s = origin.off_network_s + destination.off_network_s
    legs_m = origin.off_network_m + destination.off_network_m
    best_s, best_m, best_nodes = math.inf, math.inf, np.zeros(0, dtype=np.int64)

    def part(fraction: float, time_s: float) -> float:
        return fraction * time_s if fraction > 0 else 0.0

    # Straight along a shared segment (the same edge, or its twin).
    if {origin.tail, origin.head} == {destination.tail, destination.head}:
        same_way = destination.tail == origin.tail
        g = destination.fraction if same_way else 1.0 - destination.fraction
        ahead, behind = g - origin.fraction, origin.fraction - g
        if ahead >= 0 and math.isfinite(cost := part(ahead, o_fwd_s)):
            best_s, best_m = legs_s + cost, legs_m + ahead * o_len
        if behind >= 0 and (cost := legs_s + part(behind, o_rev_s)) < best_s:
            best_s, best_m = cost, legs_m + behind * o_len

    # Through the network: leave the origin's segment at either end the vehicle may drive to,
    # enter the destination's segment from either end likewise.
    exits = [
        (origin.head, part(1.0 - origin.fraction, o_fwd_s), (1.0 - origin.fraction) * o_len),
        (origin.tail, part(origin.fraction, o_rev_s), origin.fraction * o_len),
    ]
    exits = [x for x in exits if math.isfinite(x[1])]
    entries = [
        (destination.tail, part(destination.fraction, d_fwd_s), destination.fraction * d_len),
        (
            destination.head,
            part(1.0 - destination.fraction, d_rev_s),
            (1.0 - destination.fraction) * d_len,
        ),
    ]
    entries = [x for x in entries if math.isfinite(x[1])]
    if not (exits and entries):
        return Route(travel_time_s=best_s, distance_m=best_m, nodes=best_nodes)
    # Routes are single queries: search the full graph, so the path comes with every node.
    a = _plain(graph, veh)
    n = graph.n_nodes
    exit_nodes = np.array([x[0] for x in exits], dtype=np.int64)
    exit_s = np.maximum(np.array([x[1] for x in exits]), np.finfo(np.float64).tiny)
    aug = sp.csr_array(
        (
            np.concatenate([a.data, exit_s]),
            np.concatenate([a.indices, exit_nodes.astype(np.int32)]),
            np.append(a.indptr, np.int32(a.indptr[-1] + len(exits))),
        ),
        shape=(n + 1, n + 1),
    )
    d, pred = dijkstra(aug, indices=n, return_predecessors=True)
    d = _clean(d)
    for node, entry_s, entry_m in entries:
        total = float(d[node]) + entry_s + legs_s
        if not total < best_s:
            continue
        walk = [int(node)]
        while pred[walk[-1]] != n:
            walk.append(int(pred[walk[-1]]))
        path = np.array(walk[::-1], dtype=np.int64)
        # The search left the origin's segment through the cheapest exit at the path's start.
        exit_m = min((x for x in exits if x[0] == path[0]), key=lambda x: x[1])[2]
        best_s = total
        best_m = legs_m + exit_m + _path_length(graph, path, veh) + entry_m
        best_nodes = path
    return Route(travel_time_s=best_s, distance_m=best_m, nodes=best_nodes)


def _path_length(graph: RoadGraph, path: I64, vehicle: Vehicle) -> float:
    if len(path) < 2:
        return 0.0
    e = fastest_edge(graph, path[:-1], path[1:], vehicle=vehicle)
    return float(graph.length_m[e].sum())
