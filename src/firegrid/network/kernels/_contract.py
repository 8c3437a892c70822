"""The contracted search graph: a vehicle's road graph with its chains of degree-2 nodes
contracted, built once per graph and vehicle and then cached (pure: numpy/scipy).

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
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra, reverse_cuthill_mckee

from firegrid.network.graph import RoadGraph, Vehicle

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


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
