"""Snapping points to the road graph (pure: numpy, pyproj and shapely in, arrays out).

A station, a hydrant or an incident rarely lies on a road centre line. :func:`snap_points`
moves each point to the nearest road *segment* (not the nearest node: graph nodes can be
hundreds of metres apart on a rural road) and reports where it landed:

* the edge and the ``fraction`` (0 = tail, 1 = head) along it, with the projected lon/lat;
* ``off_network_m``, the straight leg from the point to the road, and ``off_network_s``, that
  leg's cost at ``off_network_speed_kph`` (default 10 km/h: an appliance creeping through a
  yard, a car park or along a village lane that is not in the map — slower than any road, but
  not walking pace, since the crew arrive with the vehicle). The travel-time kernels add it, so
  a hydrant 200 m from the nearest mapped road costs 72 s more than one on the kerb.

A two-way street is two directed edges with the same geometry; the index holds each physical
segment once and a snap names one of its edges. :func:`fastest_edge` and :func:`twin_edges`
find the edges (either direction) between two nodes, so the kernels can leave a snapped point
in both directions where the street allows it and only forward on a one-way street.

Distances are measured in a metric CRS chosen at the graph's centre
(:func:`firegrid.geo.crs.metric_crs_for`: the CGCS2000 3-degree Gauss–Krüger zone inside
China, UTM elsewhere; scale error below 0.1 % within a zone).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse.csgraph import connected_components

from firegrid.errors import InvalidInputError
from firegrid.geo.crs import from_wgs84, metric_crs_for, to_wgs84
from firegrid.network.graph import RoadGraph, Vehicle

__all__ = [
    "DEFAULT_OFF_NETWORK_SPEED_KPH",
    "DEFAULT_PREFER_WITHIN_M",
    "Snap",
    "SnapResult",
    "fastest_edge",
    "largest_component_mask",
    "snap_points",
    "twin_edges",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Speed at which the leg between a point and its road is costed (km/h).
DEFAULT_OFF_NETWORK_SPEED_KPH = 10.0
#: A preferred road (see ``prefer``) wins if it is at most this much farther than the nearest.
DEFAULT_PREFER_WITHIN_M = 100.0

# Lon/lat of a graph whose centre falls in these longitudes use the national Gauss–Krüger zone.
_GK3_LON_RANGE = (73.5, 136.5)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Snap:
    """One point snapped onto the road graph.

    Attributes
    ----------
    edge : int
        Index of the directed edge the point lies on (``tail -> head``). On a two-way street
        the reverse edge has the same geometry; :func:`twin_edges` finds it.
    fraction : float
        Position along the edge in [0, 1], 0 at ``tail``, 1 at ``head``.
    tail, head : int
        The edge's end nodes.
    lon, lat : float
        WGS84 position of the snapped point on the road.
    off_network_m : float
        Length of the straight leg from the original point to the road.
    off_network_s : float
        Cost of that leg at the snapping's off-network speed; travel-time kernels add it.
    """

    edge: int
    fraction: float
    tail: int
    head: int
    lon: float
    lat: float
    off_network_m: float
    off_network_s: float


@dataclass(frozen=True, eq=False)
class SnapResult:
    """Many snapped points, one array entry per input point (see :class:`Snap`).

    Indexing returns a :class:`Snap`; iterating yields them in input order.
    """

    edge: I64
    fraction: F64
    tail: I64
    head: I64
    lon: F64
    lat: F64
    off_network_m: F64
    off_network_s: F64

    def __len__(self) -> int:
        return len(self.edge)

    @overload
    def __getitem__(self, i: int) -> Snap: ...

    @overload
    def __getitem__(self, i: slice | Sequence[int] | npt.NDArray[np.integer]) -> SnapResult: ...

    def __getitem__(
        self, i: int | slice | Sequence[int] | npt.NDArray[np.integer]
    ) -> Snap | SnapResult:
        if isinstance(i, int | np.integer):
            j = int(i)
            return Snap(
                edge=int(self.edge[j]),
                fraction=float(self.fraction[j]),
                tail=int(self.tail[j]),
                head=int(self.head[j]),
                lon=float(self.lon[j]),
                lat=float(self.lat[j]),
                off_network_m=float(self.off_network_m[j]),
                off_network_s=float(self.off_network_s[j]),
            )
        sel = i if isinstance(i, slice) else np.asarray(i, dtype=np.int64)
        return SnapResult(
            edge=self.edge[sel],
            fraction=self.fraction[sel],
            tail=self.tail[sel],
            head=self.head[sel],
            lon=self.lon[sel],
            lat=self.lat[sel],
            off_network_m=self.off_network_m[sel],
            off_network_s=self.off_network_s[sel],
        )

    def __iter__(self) -> Iterator[Snap]:
        for j in range(len(self)):
            yield self[j]

    @classmethod
    def from_snaps(cls, snaps: Sequence[Snap]) -> SnapResult:
        """Gather single snaps into one result (e.g. a station and an incident)."""
        return cls(
            edge=np.array([s.edge for s in snaps], dtype=np.int64),
            fraction=np.array([s.fraction for s in snaps], dtype=np.float64),
            tail=np.array([s.tail for s in snaps], dtype=np.int64),
            head=np.array([s.head for s in snaps], dtype=np.int64),
            lon=np.array([s.lon for s in snaps], dtype=np.float64),
            lat=np.array([s.lat for s in snaps], dtype=np.float64),
            off_network_m=np.array([s.off_network_m for s in snaps], dtype=np.float64),
            off_network_s=np.array([s.off_network_s for s in snaps], dtype=np.float64),
        )


# --------------------------------------------------------------------------- edge pairs


@dataclass(frozen=True, eq=False)
class _PairIndex:
    """The fastest passable edge for every ordered node pair (parallel edges collapsed)."""

    #: Sorted ``tail * n + head`` of every ordered pair with at least one passable edge.
    keys: I64
    #: The fastest edge of each pair (ties: the lowest edge index).
    best: I64


# Per-graph caches (a RoadGraph is immutable, so anything derived from it stays valid; weak
# keys let a graph and its caches be collected together).
_pair_cache: weakref.WeakKeyDictionary[RoadGraph, dict[Vehicle, _PairIndex]] = (
    weakref.WeakKeyDictionary()
)
_tree_cache: weakref.WeakKeyDictionary[RoadGraph, dict[Vehicle | None, _SegmentIndex]] = (
    weakref.WeakKeyDictionary()
)


def _vehicle(vehicle: Vehicle | str) -> Vehicle:
    return Vehicle.parse(vehicle)


def _pairs(graph: RoadGraph, vehicle: Vehicle) -> _PairIndex:
    per_graph = _pair_cache.setdefault(graph, {})
    index = per_graph.get(vehicle)
    if index is None:
        time_s = graph.travel_time_s(vehicle)
        ok = np.flatnonzero(np.isfinite(time_s))
        key = graph.tail[ok] * graph.n_nodes + graph.head[ok].astype(np.int64)
        order = np.lexsort((ok, time_s[ok], key))
        key_sorted = key[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = key_sorted[1:] != key_sorted[:-1]
        index = _PairIndex(keys=key_sorted[first], best=ok[order][first])
        per_graph[vehicle] = index
    return index


def fastest_edge(
    graph: RoadGraph,
    tail: npt.ArrayLike,
    head: npt.ArrayLike,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
) -> I64:
    """The fastest edge ``tail -> head`` that ``vehicle`` may use, for arrays of node pairs.

    Parameters
    ----------
    graph : RoadGraph
    tail, head : array_like of int
        Node indices, broadcast against each other.
    vehicle : {"light", "heavy"}
        Edges with an infinite travel time for this vehicle are ignored.

    Returns
    -------
    numpy.ndarray of int64
        Edge indices in the broadcast shape, -1 where no passable edge joins the pair.
    """
    t, h = np.broadcast_arrays(np.asarray(tail, dtype=np.int64), np.asarray(head, dtype=np.int64))
    index = _pairs(graph, _vehicle(vehicle))
    key = t * graph.n_nodes + h
    out = np.full(key.shape, -1, dtype=np.int64)
    if len(index.keys):
        pos = np.minimum(np.searchsorted(index.keys, key), len(index.keys) - 1)
        found = index.keys[pos] == key
        out[found] = index.best[pos[found]]
    return out


def twin_edges(
    graph: RoadGraph,
    edges: npt.ArrayLike | None = None,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
) -> I64:
    """The reverse ("twin") edge of each edge: the fastest passable edge ``head -> tail``.

    Parameters
    ----------
    graph : RoadGraph
    edges : array_like of int, optional
        Edge indices; all edges when omitted.
    vehicle : {"light", "heavy"}
        Reverse edges impassable for this vehicle do not count.

    Returns
    -------
    numpy.ndarray of int64
        The twin of each edge, -1 for a one-way street (for this vehicle).
    """
    e = (
        np.arange(graph.n_edges, dtype=np.int64)
        if edges is None
        else np.asarray(edges, dtype=np.int64)
    )
    return fastest_edge(graph, graph.head[e], graph.tail[e], vehicle=vehicle)


def largest_component_mask(
    graph: RoadGraph, *, vehicle: Vehicle | str = Vehicle.LIGHT
) -> BoolArray:
    """Boolean node mask of the largest strongly connected component for ``vehicle``.

    Every node in it can reach every other one, so it is the natural ``prefer`` mask for
    :func:`snap_points`: fragments (a car park mapped without its access road, a clipped end of
    the extract) are avoided when a connected road is almost as close.
    """
    if graph.n_nodes == 0:
        return np.zeros(0, dtype=bool)
    _, labels = connected_components(
        graph.csr(vehicle), directed=True, connection="strong", return_labels=True
    )
    sizes = np.bincount(labels)
    return np.asarray(labels == int(np.argmax(sizes)), dtype=bool)


# --------------------------------------------------------------------------- spatial index


@dataclass(frozen=True, eq=False)
class _SegmentIndex:
    """Road segments in a metric CRS with an STRtree; each physical segment once."""

    crs: str
    #: Projected node coordinates (metres).
    x: F64
    y: F64
    #: The edge representing each indexed segment, and its tail and head nodes.
    edges: I64
    a: I64
    b: I64
    tree: shapely.STRtree


def _metric_crs(graph: RoadGraph) -> str:
    lon_c = 0.5 * (float(graph.lon.min()) + float(graph.lon.max()))
    lat_c = 0.5 * (float(graph.lat.min()) + float(graph.lat.max()))
    in_china_zones = _GK3_LON_RANGE[0] <= lon_c < _GK3_LON_RANGE[1]
    return metric_crs_for(lon_c, lat_c, kind="cgcs2000_gk3" if in_china_zones else "utm")


def _segments(graph: RoadGraph, vehicle: Vehicle | None) -> _SegmentIndex:
    per_graph = _tree_cache.setdefault(graph, {})
    index = per_graph.get(vehicle)
    if index is not None:
        return index
    crs = next((i.crs for i in per_graph.values()), None) or _metric_crs(graph)
    x, y = from_wgs84(graph.lon, graph.lat, crs=crs)
    if vehicle is None:
        # Any edge some vehicle may use (light times are always finite).
        candidates = np.arange(graph.n_edges, dtype=np.int64)
        time_s = graph.time_light_s
    else:
        time_s = graph.travel_time_s(vehicle)
        candidates = np.flatnonzero(np.isfinite(time_s))
    # One representative per physical segment {u, v}: the fastest of its directed edges, so
    # that a two-way street is not indexed twice (kernels find the other direction).
    t = graph.tail[candidates]
    h = graph.head[candidates].astype(np.int64)
    key = np.minimum(t, h) * graph.n_nodes + np.maximum(t, h)
    order = np.lexsort((candidates, time_s[candidates], key))
    key_sorted = key[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = key_sorted[1:] != key_sorted[:-1]
    edges = candidates[order][first]
    a = graph.tail[edges]
    b = graph.head[edges].astype(np.int64)
    coords = np.stack([np.column_stack([x[a], y[a]]), np.column_stack([x[b], y[b]])], axis=1)
    tree = shapely.STRtree(shapely.linestrings(coords))
    index = _SegmentIndex(crs=crs, x=x, y=y, edges=edges, a=a, b=b, tree=tree)
    per_graph[vehicle] = index
    return index


# --------------------------------------------------------------------------- snapping


def snap_points(
    graph: RoadGraph,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    max_distance_m: float | None = None,
    prefer: npt.ArrayLike | None = None,
    prefer_within_m: float = DEFAULT_PREFER_WITHIN_M,
    vehicle: Vehicle | str | None = None,
    off_network_speed_kph: float = DEFAULT_OFF_NETWORK_SPEED_KPH,
) -> SnapResult:
    """Snap WGS84 points to the nearest road segment.

    Parameters
    ----------
    graph : RoadGraph
        The road graph (at least one edge).
    lon, lat : array_like
        WGS84 degrees, one value per point (scalars allowed).
    max_distance_m : float, optional
        Refuse points farther than this from every road (no limit by default).
    prefer : array_like of bool, optional
        Node mask, e.g. :func:`largest_component_mask`. A segment is *preferred* when both its
        end nodes are in the mask. Rule: a point snaps to the nearest preferred segment if that
        is at most ``prefer_within_m`` farther than the nearest segment of all (and within
        ``max_distance_m``); otherwise to the nearest segment of all. So a building next to a
        mapped-but-disconnected car park still snaps to the street it is reached from, while a
        point far out on a genuine fragment stays there (and is reported unreachable rather
        than silently moved hundreds of metres).
    prefer_within_m : float
        The tolerance of the ``prefer`` rule (default 100 m).
    vehicle : {"light", "heavy"}, optional
        Snap only onto edges this vehicle may use (e.g. "heavy" skips lanes narrower than
        4 m). By default every edge is a candidate.
    off_network_speed_kph : float
        Speed at which the off-network leg is costed (default 10 km/h), giving
        ``off_network_s``.

    Returns
    -------
    SnapResult
        Per point: edge, fraction in [0, 1], end nodes, snapped lon/lat, off-network metres
        and seconds.

    Raises
    ------
    InvalidInputError
        For coordinates that are not finite WGS84 values, a ``prefer`` mask of the wrong shape,
        a non-positive speed, a graph without (passable) edges, or a point farther than
        ``max_distance_m`` from every road — the message names the first such point and its
        distance, e.g. ``point 3 is 12.4 km from the nearest road``.

    Notes
    -----
    Nearest segments come from a ``shapely.STRtree`` over the segments in the metric CRS (built
    once per graph and vehicle, then cached); the projection onto the chosen segment is then
    computed exactly: ``fraction = clip(((p - a) · (b - a)) / |b - a|², 0, 1)``, 0 for a
    zero-length segment.
    """
    if not (math.isfinite(off_network_speed_kph) and off_network_speed_kph > 0):
        raise InvalidInputError(
            f"off_network_speed_kph must be a positive number, got {off_network_speed_kph!r}"
        )
    if max_distance_m is not None and not max_distance_m >= 0:
        raise InvalidInputError(f"max_distance_m must be >= 0, got {max_distance_m!r}")
    if not prefer_within_m >= 0:
        raise InvalidInputError(f"prefer_within_m must be >= 0, got {prefer_within_m!r}")
    veh = None if vehicle is None else _vehicle(vehicle)
    lon_a = np.atleast_1d(np.asarray(lon, dtype=np.float64)).ravel()
    lat_a = np.atleast_1d(np.asarray(lat, dtype=np.float64)).ravel()
    if lon_a.shape != lat_a.shape:
        raise InvalidInputError(
            f"lon and lat must have the same length, got {lon_a.size} and {lat_a.size}"
        )
    prefer_mask = _prefer_mask(graph, prefer)
    if len(lon_a) == 0:
        return _empty_result()
    index = _segments(graph, veh)
    if len(index.edges) == 0:
        what = "" if veh is None else f" passable for {veh.value} vehicles"
        raise InvalidInputError(f"the road graph has no edges{what} to snap onto")
    px, py = from_wgs84(lon_a, lat_a, crs=index.crs)
    points = shapely.points(px, py)

    seg, _ = index.tree.query_nearest(points, return_distance=True, all_matches=False)
    # query_nearest returns (2, k) with one row per input point in input order.
    nearest = np.empty(len(lon_a), dtype=np.int64)
    nearest[seg[0]] = seg[1]
    frac, qx, qy, dist = _project(index, nearest, px, py)

    if max_distance_m is not None:
        _check_max_distance(dist, max_distance_m)

    if prefer_mask is not None:
        nearest, frac, qx, qy, dist = _apply_prefer(
            index, prefer_mask, points, px, py, nearest, frac, qx, qy, dist,
            tolerance_m=prefer_within_m, max_distance_m=max_distance_m,
        )  # fmt: skip

    edges = index.edges[nearest]
    snapped_lon, snapped_lat = to_wgs84(qx, qy, crs=index.crs)
    return SnapResult(
        edge=edges,
        fraction=frac,
        tail=graph.tail[edges],
        head=graph.head[edges].astype(np.int64),
        lon=np.asarray(snapped_lon, dtype=np.float64),
        lat=np.asarray(snapped_lat, dtype=np.float64),
        off_network_m=dist,
        off_network_s=dist / (off_network_speed_kph / 3.6),
    )


def _empty_result() -> SnapResult:
    i = np.zeros(0, dtype=np.int64)
    f = np.zeros(0, dtype=np.float64)
    return SnapResult(
        edge=i, fraction=f, tail=i, head=i, lon=f, lat=f, off_network_m=f, off_network_s=f
    )


def _prefer_mask(graph: RoadGraph, prefer: npt.ArrayLike | None) -> BoolArray | None:
    if prefer is None:
        return None
    mask = np.asarray(prefer)
    if mask.dtype != np.bool_ or mask.shape != (graph.n_nodes,):
        raise InvalidInputError(
            f"prefer must be a boolean node mask of shape ({graph.n_nodes},), got "
            f"dtype {mask.dtype} and shape {mask.shape}"
        )
    return mask


def _project(index: _SegmentIndex, seg: I64, px: F64, py: F64) -> tuple[F64, F64, F64, F64]:
    """Exact orthogonal projection of points onto indexed segments (clamped to the ends)."""
    a, b = index.a[seg], index.b[seg]
    ax, ay, bx, by = index.x[a], index.y[a], index.x[b], index.y[b]
    dx, dy = bx - ax, by - ay
    len2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        f = ((px - ax) * dx + (py - ay) * dy) / len2
    f = np.where(len2 > 0, np.clip(f, 0.0, 1.0), 0.0)
    qx = ax + f * dx
    qy = ay + f * dy
    dist = np.hypot(px - qx, py - qy)
    return f, qx, qy, dist


def _check_max_distance(dist: F64, max_distance_m: float) -> None:
    far = dist > max_distance_m
    if far.any():
        i = int(np.flatnonzero(far)[0])
        n_far = int(far.sum())
        more = f" (+{n_far - 1} more beyond {_fmt_m(max_distance_m)})" if n_far > 1 else ""
        raise InvalidInputError(
            f"point {i} is {_fmt_m(float(dist[i]))} from the nearest road "
            f"(max_distance_m={max_distance_m:g}){more}"
        )


def _fmt_m(d: float) -> str:
    return f"{d / 1000:.1f} km" if d >= 1000 else f"{d:.0f} m"


def _apply_prefer(
    index: _SegmentIndex,
    prefer: BoolArray,
    points: npt.NDArray[np.object_],
    px: F64,
    py: F64,
    nearest: I64,
    frac: F64,
    qx: F64,
    qy: F64,
    dist: F64,
    *,
    tolerance_m: float,
    max_distance_m: float | None,
) -> tuple[I64, F64, F64, F64, F64]:
    rep_ok = prefer[index.a] & prefer[index.b]
    todo = np.flatnonzero(~rep_ok[nearest])
    if len(todo) == 0 or not rep_ok.any():
        return nearest, frac, qx, qy, dist
    reach = dist[todo] + tolerance_m
    if max_distance_m is not None:
        reach = np.minimum(reach, max_distance_m)
    pair = index.tree.query(points[todo], predicate="dwithin", distance=reach)
    keep = rep_ok[pair[1]]
    p_local, segs = pair[0][keep], pair[1][keep]
    if len(segs) == 0:
        return nearest, frac, qx, qy, dist
    pts = todo[p_local]
    f2, qx2, qy2, d2 = _project(index, segs, px[pts], py[pts])
    # Nearest preferred candidate per point: sort by (point, distance, segment) and take firsts.
    order = np.lexsort((segs, d2, pts))
    first = np.ones(len(order), dtype=bool)
    first[1:] = pts[order][1:] != pts[order][:-1]
    pick = order[first]
    tgt = pts[pick]
    nearest = nearest.copy()
    frac, qx, qy, dist = frac.copy(), qx.copy(), qy.copy(), dist.copy()
    nearest[tgt] = segs[pick]
    frac[tgt], qx[tgt], qy[tgt], dist[tgt] = f2[pick], qx2[pick], qy2[pick], d2[pick]
    return nearest, frac, qx, qy, dist
