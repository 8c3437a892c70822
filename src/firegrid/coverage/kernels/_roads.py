"""Road and hydrant coverage: the part of every street reached within the standard (pure).

Rules
-----
**Covered part of a road edge.** Edges are straight segments (the graph does not simplify ways).
A vehicle that reaches the tail ``u`` at ``t_u`` and drives the edge (travel time ``τ``) is at
fraction ``f`` of it at ``t_u + f·τ``: time grows linearly in the driving direction, so the part
reached within the limit ``L`` from that end is ``clip((L − t_u) / τ, 0, 1)``. A two-way street is
also entered from its other end through the reverse edge, so its covered fraction is
``min(1, a + b)`` with ``a`` from the tail and ``b`` from the head; a one-way street only has
``a``. This is exact for a road whose ends are reached first (both end times are shortest-path
times), it leaves the middle of a long street uncovered even when both ends are within the
limit, and an impassable edge (``τ = inf``, e.g. too narrow for heavy appliances) covers nothing
beyond its end points. Each street is counted once (:meth:`RoadGraph.undirected_length_m`).
The same rule with lengths for times gives hydrant coverage along roads (a hose ignores one-way
rules, so both ends count for every edge).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from firegrid.coverage.kernels._demand import DemandPoints
from firegrid.coverage.kernels._validate import _limit, _times
from firegrid.coverage.result import HydrantCoverage, PointRef, Provenance, RoadCoverage
from firegrid.errors import InvalidInputError
from firegrid.geo.crs import from_wgs84, local_metric_crs
from firegrid.network.graph import RoadGraph, Vehicle

F64 = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


# --------------------------------------------------------------------------- road coverage


def street_covered_fraction(
    t_tail: npt.ArrayLike,
    t_head: npt.ArrayLike,
    cost_fwd: npt.ArrayLike,
    cost_rev: npt.ArrayLike,
    *,
    limit: float,
) -> tuple[F64, F64, F64]:
    """Covered fraction of straight road segments under the linear-growth rule.

    Parameters
    ----------
    t_tail, t_head : array_like
        Time (or distance) at which the two ends are reached; ``inf`` = not reached.
    cost_fwd : array_like
        Cost of driving the segment tail → head (``inf`` = not allowed).
    cost_rev : array_like
        Cost head → tail (``inf`` for a one-way segment).
    limit : float
        The standard, in the same unit.

    Returns
    -------
    covered, from_tail, from_head : numpy.ndarray
        ``from_tail = clip((limit − t_tail) / cost_fwd, 0, 1)``, ``from_head`` likewise with
        ``t_head`` and ``cost_rev``, and ``covered = min(1, from_tail + from_head)``.

    Examples
    --------
    A 100 s two-way edge whose ends are reached at 250 s and 280 s, limit 300 s: 50 % is
    covered from the tail and 20 % from the head, 70 % in all.

    >>> street_covered_fraction([250.0], [280.0], [100.0], [100.0], limit=300.0)[0]
    array([0.7])
    """
    a = _reach(np.asarray(t_tail, dtype=np.float64), np.asarray(cost_fwd, np.float64), limit)
    b = _reach(np.asarray(t_head, dtype=np.float64), np.asarray(cost_rev, np.float64), limit)
    return np.minimum(1.0, a + b), a, b


def _reach(t: F64, cost: F64, limit: float) -> F64:
    """``clip((limit − t) / cost, 0, 1)`` with the edge cases made explicit."""
    t, cost = np.broadcast_arrays(t, cost)
    out = np.zeros(t.shape)
    inside = t <= limit  # False for inf
    zero = inside & (cost == 0)
    out[zero] = 1.0  # a zero-cost segment is covered as soon as its end is
    part = inside & (cost > 0) & np.isfinite(cost)
    out[part] = np.minimum(1.0, (limit - t[part]) / cost[part])
    return out


def _reverse_cost(graph: RoadGraph, cost: F64) -> F64:
    """Per edge, the cheapest cost of a parallel edge in the opposite direction (inf: none)."""
    n = np.int64(graph.n_nodes)
    tail, head = graph.tail, graph.head.astype(np.int64)
    key, rkey = tail * n + head, head * n + tail
    order = np.lexsort((cost, key))
    sk, sc = key[order], cost[order]
    first = np.ones(len(sk), dtype=bool)
    first[1:] = sk[1:] != sk[:-1]
    uk, uc = sk[first], sc[first]
    if len(uk) == 0:
        return np.full(len(cost), np.inf)
    pos = np.minimum(np.searchsorted(uk, rkey), len(uk) - 1)
    return np.where(uk[pos] == rkey, uc[pos], np.inf)


def _gap_lines(graph: RoadGraph, rep: Mask, a: F64, b: F64) -> BaseGeometry:
    """Uncovered middle parts (fraction a .. 1−b) of the representative street edges."""
    sel = rep & (a + b < 1.0)
    idx = np.flatnonzero(sel)
    u, v = graph.tail[idx], graph.head[idx].astype(np.int64)
    lon_u, lat_u, lon_v, lat_v = graph.lon[u], graph.lat[u], graph.lon[v], graph.lat[v]
    f0, f1 = a[idx], 1.0 - b[idx]
    coords = np.empty((len(idx), 2, 2))
    coords[:, 0, 0] = lon_u + f0 * (lon_v - lon_u)
    coords[:, 0, 1] = lat_u + f0 * (lat_v - lat_u)
    coords[:, 1, 0] = lon_u + f1 * (lon_v - lon_u)
    coords[:, 1, 1] = lat_u + f1 * (lat_v - lat_u)
    return shapely.multilinestrings(shapely.linestrings(coords))


def road_coverage(
    graph: RoadGraph,
    time_s: npt.ArrayLike,
    *,
    limit_s: float,
    vehicle: Vehicle | str,
    provenance: Provenance,
    edge_mask: npt.ArrayLike | None = None,
) -> RoadCoverage:
    """Road length reached within the standard.

    Parameters
    ----------
    graph : RoadGraph
        The network the times were computed on.
    time_s : array_like
        Per node: response time (turn-out included), ``inf`` = not reached.
    limit_s : float
        Coverage standard, e.g. 300 s.
    vehicle : {"light", "heavy"}
        Vehicle of ``time_s``; its edge times drive the interpolation, and streets it may not
        use count as uncovered road.
    provenance : Provenance
        Recorded in the result.
    edge_mask : array_like of bool, optional
        Edges to count (e.g. those inside the district); default all. Times still come from
        the whole network, so a station beyond the boundary still covers roads inside it.

    Returns
    -------
    RoadCoverage
        Covered and total km (each street once), share, per-edge covered fraction and the
        uncovered parts as WGS84 lines.

    Notes
    -----
    The covered part of each street follows the linear-growth rule of the module docstring.
    """
    t = _times(time_s, graph.n_nodes, "time_s")
    limit = _limit(limit_s)
    veh = Vehicle(vehicle)
    if provenance.vehicle is None:
        provenance = replace(provenance, vehicle=veh.value)
    elif provenance.vehicle != veh.value:
        raise InvalidInputError(
            f"provenance says vehicle {provenance.vehicle!r} but the times are for {veh.value!r}"
        )
    cost = graph.travel_time_s(veh)
    covered, a, b = street_covered_fraction(
        t[graph.tail], t[graph.head], cost, _reverse_cost(graph, cost), limit=limit
    )
    street_m = graph.undirected_length_m()
    if edge_mask is not None:
        mask = np.asarray(edge_mask, dtype=bool)
        if mask.shape != street_m.shape:
            raise InvalidInputError(
                f"edge_mask has shape {mask.shape}, the graph has {graph.n_edges} edges"
            )
        street_m = np.where(mask, street_m, 0.0)
    return RoadCoverage(
        provenance=provenance,
        limit_s=limit,
        covered_km=float((street_m * covered).sum() / 1000.0),
        total_km=float(street_m.sum() / 1000.0),
        edge_fraction=covered,
        gaps=_gap_lines(graph, street_m > 0, a, b),
    )


# --------------------------------------------------------------------------- hydrants


def hydrant_coverage(
    graph: RoadGraph,
    distance_m: npt.ArrayLike,
    *,
    hydrant_lon: npt.ArrayLike,
    hydrant_lat: npt.ArrayLike,
    points: DemandPoints | None = None,
    road_distance_m: float,
    radius_m: float,
    provenance: Provenance,
) -> HydrantCoverage:
    """Hydrant coverage along roads and around demand points (basis for new hydrants).

    Parameters
    ----------
    graph : RoadGraph
        Road network.
    distance_m : array_like
        Per node: distance along the network (m) from the nearest in-service hydrant, from a
        search that ignores one-way rules (hoses do); ``inf`` = none reachable.
    hydrant_lon, hydrant_lat : array_like
        WGS84 positions of the in-service hydrants (for the straight-line radius).
    points : DemandPoints, optional
        Places/buildings to check against ``radius_m``.
    road_distance_m : float
        Road farther than this along the network from every hydrant is a gap (120 m).
    radius_m : float
        Protection radius (150 m).
    provenance : Provenance
        Recorded in the result.

    Returns
    -------
    HydrantCoverage
        Gap km and lines (WGS84), share of road covered, and the points beyond the radius with
        their distance to the nearest hydrant (farthest first).

    Notes
    -----
    Road gaps follow the linear-growth rule with lengths for times, from both ends of every
    edge: hydrants at 0 m and 400 m of a straight road leave exactly 120–280 m uncovered.
    """
    d = _times(distance_m, graph.n_nodes, "distance_m")
    limit = _limit(road_distance_m, "road_distance_m")
    radius = _limit(radius_m, "radius_m")
    length = graph.length_m
    _, a, b = street_covered_fraction(d[graph.tail], d[graph.head], length, length, limit=limit)
    covered = np.minimum(1.0, a + b)
    street_m = graph.undirected_length_m()
    h_lon = np.asarray(hydrant_lon, dtype=np.float64).ravel()
    h_lat = np.asarray(hydrant_lat, dtype=np.float64).ravel()
    uncovered: tuple[PointRef, ...] = ()
    total_w = covered_w = 0.0
    if points is not None and len(points):
        if len(h_lon):
            crs = local_metric_crs(np.r_[points.lon, h_lon], np.r_[points.lat, h_lat])
            hx, hy = from_wgs84(h_lon, h_lat, crs=crs)
            px, py = from_wgs84(points.lon, points.lat, crs=crs)
            nearest, _ = cKDTree(np.column_stack([hx, hy])).query(np.column_stack([px, py]))
            nearest = np.asarray(nearest, dtype=np.float64)
        else:
            nearest = np.full(len(points), np.inf)
        inside = nearest <= radius
        miss = np.flatnonzero(~inside)
        miss = miss[np.lexsort((miss, -nearest[miss]))]
        total_w = float(points.weight.sum())
        covered_w = float(points.weight[inside].sum())
        uncovered = tuple(points.ref(int(i), hydrant_distance_m=float(nearest[i])) for i in miss)
    return HydrantCoverage(
        provenance=provenance,
        road_distance_m=limit,
        radius_m=radius,
        total_km=float(street_m.sum() / 1000.0),
        gap_km=float((street_m * (1.0 - covered)).sum() / 1000.0),
        gaps=_gap_lines(graph, street_m > 0, a, b),
        total_weight=total_w,
        covered_weight=covered_w,
        uncovered=uncovered,
    )
