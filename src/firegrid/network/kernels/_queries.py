"""The search kernels: one source to every node, many sources in one search, a
sources × targets matrix, and the fastest route between two snapped points."""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.kernels._contract import _core
from firegrid.network.kernels._search import _clean, _solve, _solve_rows
from firegrid.network.kernels._snaps import (
    _as_snaps,
    _is_snaps,
    _segment_times,
    sources_from_snaps,
)
from firegrid.network.kernels._validate import _limit, _node, _nodes, _offsets, _vehicle
from firegrid.network.snap import Snap, SnapResult, fastest_edge

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

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


def _path_length(graph: RoadGraph, path: I64, vehicle: Vehicle) -> float:
    if len(path) < 2:
        return 0.0
    e = fastest_edge(graph, path[:-1], path[1:], vehicle=vehicle)
    return float(graph.length_m[e].sum())
