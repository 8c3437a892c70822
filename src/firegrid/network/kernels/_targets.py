"""Kernels for unit recommendation: every unit's time to one incident, and the nearest
snapped points (water sources) by network distance — each in a single search.

* :func:`times_to_target` searches *backwards* from the target on the transpose of the
  contracted graph (:func:`_reverse_core`, built from the cached forward core in O(edges) and
  cached alike), so one search gives every origin's time to the target.
* :func:`nearest_by_distance` searches the graph with every edge usable both ways and weighted
  by its length (:meth:`RoadGraph.undirected_by_length`, built once per graph and cached with
  its contracted core), bounded by the cutoff.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from firegrid.errors import InvalidInputError
from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.kernels._contract import _Core, _core, _sorted_unique, _spans
from firegrid.network.kernels._search import _solve
from firegrid.network.kernels._snaps import _as_snaps, _partial, _segment_times
from firegrid.network.kernels._validate import _limit, _node, _nodes, _vehicle
from firegrid.network.snap import Snap, SnapResult

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


# --------------------------------------------------------------------------- cached structures

_reverse_cache: weakref.WeakKeyDictionary[RoadGraph, dict[Vehicle, _Core]] = (
    weakref.WeakKeyDictionary()
)


def _reverse_core(graph: RoadGraph, vehicle: Vehicle) -> _Core:
    """The contracted graph of ``vehicle`` with every edge reversed (cached per graph and
    vehicle, like :func:`~firegrid.network.kernels._contract._core`).

    Contraction does not depend on direction (chains are found on the undirected structure),
    so the reversed graph's core is the forward core with its CSR transposed and the
    along-chain tables of the two directions swapped: time ``end -> node`` becomes
    ``node -> end`` and the forward prefix sums become the backward ones.
    """
    per_graph = _reverse_cache.setdefault(graph, {})
    rev = per_graph.get(vehicle)
    if rev is None:
        rev = _transpose(_core(graph, vehicle))
        per_graph[vehicle] = rev
    return rev


def _transpose(core: _Core) -> _Core:
    a = core.csr
    n_core = a.shape[0]
    rows = np.repeat(np.arange(n_core, dtype=np.int32), np.diff(a.indptr))
    cols = np.asarray(a.indices, dtype=np.int32)
    order = np.lexsort((rows, cols))
    indptr = np.zeros(n_core + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=n_core), out=indptr[1:])
    csr = sp.csr_array(
        (np.asarray(a.data, dtype=np.float64)[order], rows[order], indptr), shape=a.shape
    )
    return _Core(
        n=core.n, csr=csr, pos=core.pos, core_node=core.core_node, slot=core.slot,
        node=core.node, end_a=core.end_a, end_b=core.end_b, lo=core.lo, hi=core.hi,
        fa=core.ta, fb=core.tb, ta=core.fa, tb=core.fb,
        cf=core.cb, cb=core.cf, nf=core.nb, nb=core.nf,
        inc_ptr=core.inc_ptr, inc_cnt=core.inc_cnt, inc_slots=core.inc_slots,
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class _Walk:
    """The graph for distances on foot and by hose: every edge both ways, by length."""

    graph: RoadGraph
    #: Per edge of the original graph: the shortest edge joining its two nodes, either way
    #: (what the search uses for that segment, so a point splits the same length).
    segment_m: F64


_walk_cache: weakref.WeakKeyDictionary[RoadGraph, _Walk] = weakref.WeakKeyDictionary()


def _walk(graph: RoadGraph) -> _Walk:
    walk = _walk_cache.get(graph)
    if walk is None:
        t, h = graph.tail, graph.head.astype(np.int64)
        key = np.minimum(t, h) * graph.n_nodes + np.maximum(t, h)
        order = np.lexsort((graph.length_m, key))
        first = np.ones(len(order), dtype=bool)
        first[1:] = key[order][1:] != key[order][:-1]
        group = np.cumsum(first) - 1
        shortest = graph.length_m[order][first]
        segment_m = np.empty(graph.n_edges)
        segment_m[order] = shortest[group]
        walk = _Walk(graph=graph.undirected_by_length(), segment_m=segment_m)
        _walk_cache[graph] = walk
    return walk


# --------------------------------------------------------------------------- kernels


def times_to_target(
    graph: RoadGraph,
    origins: SnapResult | Sequence[Snap],
    target: Snap,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
    cutoff_s: float | None = None,
) -> F64:
    """Fastest travel time from each of many snapped points to one snapped target, in one
    search.

    Parameters
    ----------
    graph : RoadGraph
    origins : SnapResult or sequence of Snap
        Where the units are, snapped to ``graph``.
    target : Snap
        The incident, snapped to ``graph``.
    vehicle : {"light", "heavy"}
    cutoff_s : float, optional
        Times above this are ``inf``; a time exactly at the cutoff is kept.

    Returns
    -------
    numpy.ndarray of float64, shape (len(origins),)
        Seconds; element ``i`` equals ``route(graph, origins[i], target,
        vehicle=vehicle).travel_time_s`` (both off-network legs, the partial first and last
        edges, one-way streets and the vehicle's impassable edges included), ``inf`` where the
        target is unreachable or beyond ``cutoff_s``.

    Raises
    ------
    InvalidInputError
        For an unknown ``vehicle``, a negative ``cutoff_s`` or a snap whose nodes are not in
        ``graph``.

    Notes
    -----
    The search runs backwards from the target on the reversed contracted graph (cached per
    graph and vehicle): it starts at the target segment's tail with the cost of driving from
    there to the target, and at its head where the street is two-way, and yields the time
    from every node to the target. Each origin then leaves its own segment towards its head,
    and towards its tail where the street is two-way, with the partial-edge cost, as
    :func:`route` does. An origin on the target's segment (the same edge or its twin) may also
    drive straight along it when the direction allows, also as :func:`route` does.
    """
    veh = _vehicle(vehicle)
    limit = _limit(cutoff_s)
    s = _as_snaps(origins)
    if not isinstance(target, Snap):
        raise InvalidInputError(f"target must be a Snap, got {type(target).__name__}")
    _nodes(graph, s.tail, "origin")
    _nodes(graph, s.head, "origin")
    _node(graph, target.tail, "target tail")
    _node(graph, target.head, "target head")
    out = np.full(len(s), np.inf)
    if len(s) == 0:
        return out
    tgt = SnapResult.from_snaps([target])
    t_fwd, t_rev = (float(x[0]) for x in _segment_times(graph, tgt, veh))
    f_t = np.array([target.fraction])
    # Entering the target's segment: from its tail forwards, or from its head backwards.
    node = np.array([target.tail, target.head], dtype=np.int64)
    cost = target.off_network_s + np.concatenate(
        [_partial(f_t, np.array([t_fwd])), _partial(1.0 - f_t, np.array([t_rev]))]
    )
    to_target, _ = _solve(
        _reverse_core(graph, veh), node, cost, np.zeros(2, dtype=np.int64), 1, limit,
        origin=False,
    )  # fmt: skip

    o_fwd, o_rev = _segment_times(graph, s, veh)
    via_head = _partial(1.0 - s.fraction, o_fwd) + to_target[s.head]
    via_tail = _partial(s.fraction, o_rev) + to_target[s.tail]
    out = np.minimum(via_head, via_tail) + s.off_network_s

    # Straight along the shared segment (the same edge, or its twin), as route() does.
    same = ((s.tail == target.tail) & (s.head == target.head)) | (
        (s.tail == target.head) & (s.head == target.tail)
    )
    if same.any():
        i = np.flatnonzero(same)
        f = s.fraction[i]
        g = np.where(s.tail[i] == target.tail, target.fraction, 1.0 - target.fraction)
        ahead, behind = g - f, f - g
        with np.errstate(invalid="ignore"):
            fwd = np.where(ahead >= 0, _partial(np.maximum(ahead, 0.0), o_fwd[i]), np.inf)
            bwd = np.where(behind >= 0, _partial(np.maximum(behind, 0.0), o_rev[i]), np.inf)
        direct = np.minimum(fwd, bwd) + (s.off_network_s[i] + target.off_network_s)
        out[i] = np.minimum(out[i], direct)
    out[out > limit] = np.inf
    return out


def nearest_by_distance(
    graph: RoadGraph,
    origin: Snap,
    points: SnapResult | Sequence[Snap],
    *,
    k: int,
    cutoff_m: float,
) -> tuple[I64, F64]:
    """The ``k`` snapped points nearest to a snapped origin by network distance, in one
    bounded search.

    Distances are in metres along the roads, every street usable both ways whatever its
    one-way rules and vehicle restrictions (:meth:`RoadGraph.undirected_by_length`): hoses are
    laid and crews walk either way. Use it, e.g., for the water sources nearest to an incident.

    Parameters
    ----------
    graph : RoadGraph
    origin : Snap
        The start (e.g. the incident), snapped to ``graph``.
    points : SnapResult or sequence of Snap
        Candidates snapped to ``graph`` (e.g. all water sources, snapped once and kept). A
        ``SnapResult`` is checked and indexed by node on its first use with ``graph`` and the
        index is kept while the object lives, so later calls cost only the search and the
        points it reaches; do not modify its arrays in place afterwards.
    k : int
        How many points to return at most (>= 1).
    cutoff_m : float
        Points farther than this are left out; a point exactly at the cutoff is kept (>= 0;
        ``inf`` for no limit).

    Returns
    -------
    indices : numpy.ndarray of int64
        Indices into ``points`` of the up to ``k`` nearest points within ``cutoff_m``, nearest
        first (ties: lower index first); fewer when fewer are reachable within the cutoff.
    distance_m : numpy.ndarray of float64
        Their distances in metres.

    Raises
    ------
    InvalidInputError
        For ``k`` < 1 or not an integer, a negative or NaN ``cutoff_m``, or a snap whose edge
        or nodes are not in ``graph``.

    Notes
    -----
    A distance is ``origin.off_network_m`` + the way along the roads between the two snapped
    positions + the point's ``off_network_m``: both off-network legs (the straight lines from
    the original positions to the road) are included, in the distance and in the cutoff. The
    way along the roads leaves the origin's segment at either end, with the partial length
    (``fraction`` × length), and enters the point's segment at either end likewise; a point
    on the origin's own segment is also reached straight along it (``|difference of
    fractions|`` × length). A segment's length is that of the shortest edge joining its two
    nodes in either direction, as in the search.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise InvalidInputError(f"k must be an integer >= 1, got {k!r}")
    try:
        limit = float(cutoff_m)
    except (TypeError, ValueError):
        raise InvalidInputError(f"cutoff_m must be a number >= 0, got {cutoff_m!r}") from None
    if not limit >= 0:
        raise InvalidInputError(f"cutoff_m must be >= 0, got {cutoff_m!r}")
    if not isinstance(origin, Snap):
        raise InvalidInputError(f"origin must be a Snap, got {type(origin).__name__}")
    _check_edges(graph, SnapResult.from_snaps([origin]), "origin")
    p = _as_snaps(points)
    at = _point_index(graph, p)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
    if len(p) == 0:
        return empty
    walk = _walk(graph)
    seg_o = float(walk.segment_m[origin.edge])
    node = np.array([origin.tail, origin.head], dtype=np.int64)
    cost = origin.off_network_m + np.array(
        [origin.fraction * seg_o, (1.0 - origin.fraction) * seg_o]
    )
    d, _ = _solve(
        _core(walk.graph, Vehicle.LIGHT), node, cost, np.zeros(2, dtype=np.int64), 1, limit,
        origin=False,
    )  # fmt: skip
    # Candidates: the points at the reached nodes, and those on the origin's own segment
    # (reached straight along it even when neither end is within the cutoff).
    nodes = np.concatenate([np.flatnonzero(np.isfinite(d)), node])  # d is inf beyond limit
    cnt = at.ptr[nodes + 1] - at.ptr[nodes]
    i = _sorted_unique(at.point[_spans(at.ptr[nodes], cnt)])
    seg = at.segment_m[i]
    f = p.fraction[i]
    dist = np.minimum(d[p.tail[i]] + f * seg, d[p.head[i]] + (1.0 - f) * seg)
    tail, head = p.tail[i], p.head[i]
    same = ((tail == origin.tail) & (head == origin.head)) | (
        (tail == origin.head) & (head == origin.tail)
    )
    g = np.where(tail == origin.tail, f, 1.0 - f)
    direct = np.where(same, origin.off_network_m + np.abs(g - origin.fraction) * seg_o, np.inf)
    dist = np.minimum(dist, direct) + p.off_network_m[i]
    ok = (dist <= limit) & np.isfinite(dist)  # limit may be inf
    i, dist = i[ok], dist[ok]
    if len(i) > k:
        # Only the k smallest need sorting: partition first (keeping every value tied with
        # the k-th, so ties still go by index).
        kth = np.partition(dist, k - 1)[k - 1]
        keep = dist <= kth
        i, dist = i[keep], dist[keep]
    order = np.lexsort((i, dist))[:k]
    return i[order].astype(np.int64), dist[order]


@dataclass(frozen=True, eq=False)
class _PointIndex:
    """Snapped points by node, so a bounded search looks only at the points it reached."""

    #: The points whose segment ends at node ``u``: ``point[ptr[u] : ptr[u + 1]]``.
    ptr: I64
    point: I64
    #: Per point: its segment's length (see :attr:`_Walk.segment_m`).
    segment_m: F64


# Points are snapped once and kept by the caller (50,000 water sources): index them once per
# SnapResult object (weak keys: the entry goes with the object).
_point_cache: weakref.WeakKeyDictionary[
    SnapResult, tuple[weakref.ReferenceType[RoadGraph], _PointIndex]
] = weakref.WeakKeyDictionary()


def _point_index(graph: RoadGraph, p: SnapResult) -> _PointIndex:
    hit = _point_cache.get(p)
    if hit is not None and hit[0]() is graph and len(hit[1].segment_m) == len(p):
        return hit[1]
    _check_edges(graph, p, "point")
    n, m = graph.n_nodes, len(p)
    ends = np.concatenate([p.tail, p.head])
    order = np.argsort(ends, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=ptr[1:])
    point = np.tile(np.arange(m, dtype=np.int64), 2)[order]
    index = _PointIndex(ptr=ptr, point=point, segment_m=_walk(graph).segment_m[p.edge])
    _point_cache[p] = (weakref.ref(graph), index)
    return index


def _check_edges(graph: RoadGraph, s: SnapResult, what: str) -> None:
    """Snaps must name an edge of ``graph`` and its two end nodes."""
    if len(s) == 0:
        return
    e = np.asarray(s.edge, dtype=np.int64)
    bad = (e < 0) | (e >= graph.n_edges)
    if not bad.any():
        bad = (graph.tail[e] != s.tail) | (graph.head[e] != s.head)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        label = what if len(s) == 1 and what == "origin" else f"{what} {i}"
        raise InvalidInputError(
            f"{label} is snapped to edge {int(e[i])} ({int(s.tail[i])} -> {int(s.head[i])}), "
            f"which is not an edge of this graph with these end nodes "
            f"({graph.n_edges} edges)"
        )
