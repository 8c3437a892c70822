"""Coverage kernels: pure functions over travel-time arrays and WGS84 geometries.

Inputs are what a network search (or the straight-line approximation,
:mod:`firegrid.network.approx`) produces, so every kernel runs unchanged in both modes:

* ``time_s`` — per node, per cell or per demand point: total response time in seconds, turn-out
  included; ``inf`` = not reached.
* ``origin`` — index of the first-due station, ``-1`` = none.

Each kernel takes the limit explicitly and a :class:`~firegrid.coverage.result.Provenance`
(``standards.provenance(approximate=..., vehicle=...)``) that its result records.

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

**Raster cells.** Area coverage, first-due districts and isochrones use square cells of a grid
aligned to whole multiples of the cell size in a local metric CRS
(:func:`~firegrid.geo.crs.local_metric_crs`). Every cell that overlaps the boundary is
kept and weighted by its overlap area, so the cells partition the boundary exactly. A cell's time
is the best over its ``k`` nearest network nodes of *node time + straight off-network leg at the
off-network speed*; its first-due station is that node's.

**Polygons from cells** (districts, isochrones, uncovered area): the cells of a class are merged
into row runs, unioned, clipped to the boundary and simplified a little for display. Areas are
always the exact clipped cell areas, not the simplified outline's. Isochrones are cell-based
rather than buffers of the covered roads because buffering and unioning ~100,000 road segments
takes seconds (measured: 2.4 s for 100k segments; buffering one MultiLineString of them took
over ten minutes), while the raster costs a fraction of a second and matches the area-coverage
figures shown next to it.

No database, no web framework, no files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from firegrid.coverage.result import (
    AreaCoverage,
    DemandCoverage,
    District,
    DistrictResult,
    HydrantCoverage,
    Isochrone,
    IsochroneResult,
    NUnitCoverage,
    PointRef,
    Provenance,
    RoadCoverage,
    VehicleComparison,
)
from firegrid.errors import InvalidInputError
from firegrid.geo.crs import from_wgs84, local_metric_crs, to_wgs84, transform_geometry
from firegrid.network.graph import RoadGraph, Vehicle

__all__ = [
    "CellGrid",
    "DemandPoints",
    "StationRef",
    "area_coverage",
    "compare_vehicles",
    "demand_coverage",
    "first_due_districts",
    "grid_time_matrix_from_nodes",
    "grid_times_from_nodes",
    "hydrant_coverage",
    "isochrones",
    "make_grid",
    "n_unit_coverage",
    "road_coverage",
    "street_covered_fraction",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

#: Refuse rasters beyond this many cells in the boundary's bounding box (~1.6 GB of boxes).
MAX_GRID_CELLS = 20_000_000


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True, eq=False)
class DemandPoints:
    """Demand points (places, buildings) with weights, e.g. population.

    Build with :meth:`from_arrays`, which validates. ``label`` names points in results (ids stay
    at the edge: the caller maps indices back).
    """

    lon: F64 = field(repr=False)
    lat: F64 = field(repr=False)
    weight: F64 = field(repr=False)
    label: tuple[str, ...] = field(repr=False)

    @classmethod
    def from_arrays(
        cls,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        weight: npt.ArrayLike | None = None,
        label: Sequence[str] | None = None,
    ) -> DemandPoints:
        """Validate WGS84 positions, non-negative weights (default 1) and labels (default the
        index)."""
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
        n = len(x)
        if y.shape != (n,):
            raise InvalidInputError(f"demand points: lon has {n} values, lat {y.size}")
        bad = ~(np.isfinite(x) & np.isfinite(y)) | (np.abs(x) > 180) | (np.abs(y) > 90)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                f"demand point {i} has no valid WGS84 position (lon={x[i]!r}, lat={y[i]!r})"
            )
        w = np.ones(n) if weight is None else np.asarray(weight, dtype=np.float64).ravel()
        if w.shape != (n,):
            raise InvalidInputError(f"demand points: {n} positions but {w.size} weights")
        if not (np.isfinite(w).all() and (w >= 0).all()):
            i = int(np.flatnonzero(~(np.isfinite(w) & (w >= 0)))[0])
            raise InvalidInputError(f"demand point {i} has weight {w[i]!r}; need >= 0")
        labels = tuple(str(i) for i in range(n)) if label is None else tuple(label)
        if len(labels) != n:
            raise InvalidInputError(f"demand points: {n} positions but {len(labels)} labels")
        return cls(lon=x, lat=y, weight=w, label=labels)

    def __len__(self) -> int:
        return len(self.lon)

    def ref(
        self, i: int, *, time_s: float | None = None, hydrant_distance_m: float | None = None
    ) -> PointRef:
        """Point ``i`` as it is named in results."""
        return PointRef(
            index=i,
            label=self.label[i],
            weight=float(self.weight[i]),
            lon=float(self.lon[i]),
            lat=float(self.lat[i]),
            time_s=time_s,
            hydrant_distance_m=hydrant_distance_m,
        )


@dataclass(frozen=True)
class StationRef:
    """A station as the district kernel needs it: a label and its district area limit."""

    label: str
    #: 建标152 limit for its class (``ResponseStandards.district_limit_for``); None = no check.
    limit_km2: float | None = None


def _times(time_s: npt.ArrayLike, n: int, what: str) -> F64:
    t = np.asarray(time_s, dtype=np.float64)
    if t.shape != (n,):
        raise InvalidInputError(f"{what} has shape {t.shape}, expected ({n},)")
    if np.isnan(t).any() or (t < 0).any():
        i = int(np.flatnonzero(np.isnan(t) | (t < 0))[0])
        raise InvalidInputError(f"{what}[{i}] = {t[i]!r}; need >= 0 (inf = not reached)")
    return t


def _origin(origin: npt.ArrayLike, n: int, n_stations: int | None, what: str) -> I64:
    o = np.asarray(origin)
    if o.shape != (n,) or (o.size and not np.issubdtype(o.dtype, np.integer)):
        raise InvalidInputError(f"{what} must be {n} integer station indices, got {o.shape}")
    o = o.astype(np.int64)
    hi = n_stations if n_stations is not None else np.iinfo(np.int64).max
    if o.size and (o.min() < -1 or o.max() >= hi):
        raise InvalidInputError(f"{what} must be in [-1, {hi}); got {o.min()}..{o.max()}")
    return o


def _limit(limit_s: float, what: str = "limit_s") -> float:
    if not (math.isfinite(limit_s) and limit_s >= 0):
        raise InvalidInputError(f"{what} must be a finite non-negative number, got {limit_s!r}")
    return float(limit_s)


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
    return RoadCoverage(
        provenance=provenance,
        limit_s=limit,
        covered_km=float((street_m * covered).sum() / 1000.0),
        total_km=float(street_m.sum() / 1000.0),
        edge_fraction=covered,
        gaps=_gap_lines(graph, street_m > 0, a, b),
    )


# --------------------------------------------------------------------------- demand points


def demand_coverage(
    points: DemandPoints,
    time_s: npt.ArrayLike,
    *,
    limit_s: float,
    provenance: Provenance,
) -> DemandCoverage:
    """Weighted share of demand points reached within the standard.

    Parameters
    ----------
    points : DemandPoints
        Positions, weights and labels.
    time_s : array_like
        Per point: response time including the off-network leg (``inf`` = not reached).
    limit_s : float
        Coverage standard.
    provenance : Provenance
        Recorded in the result.

    Returns
    -------
    DemandCoverage
        Shares and the uncovered points, heaviest first (ties by index).
    """
    t = _times(time_s, len(points), "time_s")
    limit = _limit(limit_s)
    covered = t <= limit
    miss = np.flatnonzero(~covered)
    miss = miss[np.lexsort((miss, -points.weight[miss]))]
    return DemandCoverage(
        provenance=provenance,
        limit_s=limit,
        total_weight=float(points.weight.sum()),
        covered_weight=float(points.weight[covered].sum()),
        covered=covered,
        time_s=t,
        uncovered=tuple(points.ref(int(i), time_s=float(t[i])) for i in miss),
    )


def n_unit_coverage(
    station_times_s: npt.ArrayLike | Sequence[npt.ArrayLike],
    *,
    limit_s: float,
    weight: npt.ArrayLike | None = None,
    n_max: int = 3,
    provenance: Provenance,
) -> NUnitCoverage:
    """Effective response force: weighted share reached by at least N distinct stations.

    Parameters
    ----------
    station_times_s : array_like
        ``(n_stations, n_points)`` response times, one row per station (or a sequence of
        per-station arrays); ``inf`` = not reached.
    limit_s : float
        Coverage standard.
    weight : array_like, optional
        Per-point weight (population, cell area); default 1.
    n_max : int
        Report N = 1 .. n_max.
    provenance : Provenance
        Recorded in the result.

    Returns
    -------
    NUnitCoverage
        ``weight_at_least[N-1]`` and ``share(N)`` for each N, and the per-point station count.
    """
    times = np.asarray(
        np.vstack(station_times_s) if isinstance(station_times_s, Sequence) else station_times_s,
        dtype=np.float64,
    )
    if times.ndim == 1:
        times = times[None, :]
    if times.ndim != 2:
        raise InvalidInputError(f"station_times_s must be 2-D, got shape {times.shape}")
    if np.isnan(times).any():
        raise InvalidInputError("station_times_s contains NaN")
    if n_max < 1:
        raise InvalidInputError(f"n_max must be >= 1, got {n_max}")
    n_points = times.shape[1]
    w = np.ones(n_points) if weight is None else np.asarray(weight, dtype=np.float64).ravel()
    if w.shape != (n_points,) or not (np.isfinite(w).all() and (w >= 0).all()):
        raise InvalidInputError(f"weight must be {n_points} finite non-negative values")
    count = (times <= _limit(limit_s)).sum(axis=0).astype(np.int64)
    return NUnitCoverage(
        provenance=provenance,
        limit_s=float(limit_s),
        total_weight=float(w.sum()),
        weight_at_least=tuple(float(w[count >= n].sum()) for n in range(1, n_max + 1)),
        count=count,
    )


def compare_vehicles(
    points: DemandPoints, *, light: DemandCoverage, heavy: DemandCoverage
) -> VehicleComparison:
    """Places light vehicles reach within the standard and heavy appliances do not.

    Parameters
    ----------
    points : DemandPoints
        The points both coverages were computed for.
    light, heavy : DemandCoverage
        :func:`demand_coverage` on light-vehicle and on heavy-appliance times.

    Returns
    -------
    VehicleComparison
        Both shares and the light-only points (heaviest first), each with the heavy time.
    """
    if light.n_points != len(points) or heavy.n_points != len(points):
        raise InvalidInputError(
            f"coverages are for {light.n_points} and {heavy.n_points} points, "
            f"not the {len(points)} given"
        )
    if light.limit_s != heavy.limit_s:
        raise InvalidInputError(
            f"light and heavy coverage use different limits ({light.limit_s} s, {heavy.limit_s} s)"
        )
    only = np.flatnonzero(light.covered & ~heavy.covered)
    only = only[np.lexsort((only, -points.weight[only]))]
    return VehicleComparison(
        light=light,
        heavy=heavy,
        light_only=tuple(points.ref(int(i), time_s=float(heavy.time_s[i])) for i in only),
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


# --------------------------------------------------------------------------- raster


@dataclass(frozen=True, eq=False)
class CellGrid:
    """Square cells covering a boundary, in a local metric CRS.

    Cell ``i`` spans ``x0 + col[i]·cell_m .. + cell_m`` and ``y0 + row[i]·cell_m .. + cell_m``;
    ``area_m2`` is its overlap with the boundary (the cells partition the boundary exactly).
    """

    crs: str
    cell_m: float
    x0: float
    y0: float
    row: I64 = field(repr=False)
    col: I64 = field(repr=False)
    #: Cell centres in the metric CRS and in WGS84.
    x: F64 = field(repr=False)
    y: F64 = field(repr=False)
    lon: F64 = field(repr=False)
    lat: F64 = field(repr=False)
    area_m2: F64 = field(repr=False)
    #: The boundary in the metric CRS.
    boundary: BaseGeometry = field(repr=False)

    @property
    def n_cells(self) -> int:
        return len(self.row)

    @property
    def total_km2(self) -> float:
        return float(self.area_m2.sum() / 1e6)


def make_grid(boundary_wgs84: BaseGeometry, *, cell_m: float, crs: str | None = None) -> CellGrid:
    """Rasterise a district boundary into square cells.

    Parameters
    ----------
    boundary_wgs84 : shapely Polygon or MultiPolygon
        The district, WGS84.
    cell_m : float
        Cell size in metres (e.g. 100).
    crs : str, optional
        Metric CRS; default :func:`~firegrid.geo.crs.local_metric_crs` of the
        boundary's centroid (the CRS :func:`firegrid.geo.crs.area_km2` uses, so the cells' total
        area equals the boundary's ``area_km2``).

    Returns
    -------
    CellGrid

    Raises
    ------
    InvalidInputError
        For a non-polygonal, empty or invalid boundary, a non-positive cell size, or more than
        :data:`MAX_GRID_CELLS` cells.
    """
    if not isinstance(boundary_wgs84, BaseGeometry) or boundary_wgs84.geom_type not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise InvalidInputError(
            f"boundary must be a Polygon or MultiPolygon, got {boundary_wgs84!r}"
        )
    if boundary_wgs84.is_empty or not boundary_wgs84.is_valid:
        raise InvalidInputError(
            f"boundary is empty or invalid: {shapely.is_valid_reason(boundary_wgs84)}"
        )
    if not (math.isfinite(cell_m) and cell_m > 0):
        raise InvalidInputError(f"cell_m must be a positive number, got {cell_m!r}")
    cell_m = float(cell_m)  # an int size would make the area array integer and truncate
    if crs is None:
        c = boundary_wgs84.centroid
        crs = local_metric_crs([c.x], [c.y])
    metric = transform_geometry(boundary_wgs84, src="wgs84", dst=crs)
    minx, miny, maxx, maxy = metric.bounds
    # Align to whole multiples of the cell size so the same district always gets the same cells.
    x0 = math.floor(minx / cell_m) * cell_m
    y0 = math.floor(miny / cell_m) * cell_m
    n_cols = max(1, math.ceil((maxx - x0) / cell_m))
    n_rows = max(1, math.ceil((maxy - y0) / cell_m))
    if n_cols * n_rows > MAX_GRID_CELLS:
        raise InvalidInputError(
            f"a {cell_m} m raster of this boundary has {n_cols * n_rows:,} cells "
            f"(limit {MAX_GRID_CELLS:,}); use a larger cell size"
        )
    rows_l: list[I64] = []
    cols_l: list[I64] = []
    areas_l: list[F64] = []
    shapely.prepare(metric)
    # Row bands keep the temporary box arrays small for large districts.
    band = max(1, 1_000_000 // n_cols)
    all_cols = np.arange(n_cols, dtype=np.int64)
    for r0 in range(0, n_rows, band):
        mesh_r, mesh_c = np.meshgrid(
            np.arange(r0, min(n_rows, r0 + band), dtype=np.int64), all_cols, indexing="ij"
        )
        rr, cc = mesh_r.ravel(), mesh_c.ravel()
        boxes = shapely.box(
            x0 + cc * cell_m, y0 + rr * cell_m, x0 + (cc + 1) * cell_m, y0 + (rr + 1) * cell_m
        )
        hit = shapely.intersects(metric, boxes)
        rr, cc, boxes = rr[hit], cc[hit], boxes[hit]
        area = np.full(len(boxes), cell_m * cell_m, dtype=np.float64)
        edge = ~shapely.contains_properly(metric, boxes)
        area[edge] = shapely.area(shapely.intersection(boxes[edge], metric))
        keep = area > 0
        rows_l.append(rr[keep])
        cols_l.append(cc[keep])
        areas_l.append(area[keep])
    row, col, area_m2 = np.concatenate(rows_l), np.concatenate(cols_l), np.concatenate(areas_l)
    x = x0 + (col + 0.5) * cell_m
    y = y0 + (row + 0.5) * cell_m
    lon, lat = to_wgs84(x, y, crs=crs)
    return CellGrid(
        crs=crs,
        cell_m=float(cell_m),
        x0=x0,
        y0=y0,
        row=row,
        col=col,
        x=x,
        y=y,
        lon=lon,
        lat=lat,
        area_m2=area_m2,
        boundary=metric,
    )


def _nearest_nodes(
    grid: CellGrid, node_lon: npt.ArrayLike, node_lat: npt.ArrayLike, k: int
) -> tuple[I64, F64]:
    lon = np.asarray(node_lon, dtype=np.float64).ravel()
    lat = np.asarray(node_lat, dtype=np.float64).ravel()
    if lon.size == 0 or lon.shape != lat.shape:
        raise InvalidInputError("need node lon/lat arrays of equal, non-zero length")
    nx, ny = from_wgs84(lon, lat, crs=grid.crs)
    k = max(1, min(int(k), len(lon)))
    dist, idx = cKDTree(np.column_stack([nx, ny])).query(np.column_stack([grid.x, grid.y]), k=k)
    return (
        np.asarray(idx, dtype=np.int64).reshape(grid.n_cells, k),
        np.asarray(dist, dtype=np.float64).reshape(grid.n_cells, k),
    )


def _speed_mps(off_network_speed_kmh: float) -> float:
    if not (math.isfinite(off_network_speed_kmh) and off_network_speed_kmh > 0):
        raise InvalidInputError(
            f"off_network_speed_kmh must be positive, got {off_network_speed_kmh!r}"
        )
    return off_network_speed_kmh / 3.6


def grid_times_from_nodes(
    grid: CellGrid,
    node_lon: npt.ArrayLike,
    node_lat: npt.ArrayLike,
    time_s: npt.ArrayLike,
    origin: npt.ArrayLike,
    *,
    off_network_speed_kmh: float,
    k: int = 4,
) -> tuple[F64, I64]:
    """Cell times and first-due stations from a multi-source network search.

    Parameters
    ----------
    grid : CellGrid
        From :func:`make_grid`.
    node_lon, node_lat : array_like
        WGS84 node positions (``RoadGraph.lon``/``lat``).
    time_s, origin : array_like
        Per node: response time and first-due station index (``inf``/``-1`` = not reached).
    off_network_speed_kmh : float
        Speed of the straight leg from a node to the cell centre.
    k : int
        Nodes considered per cell; the best of *node time + leg* wins, so a cell next to an
        unreached node (a lane heavy appliances cannot use) is still served from a neighbour.

    Returns
    -------
    time_s, origin : numpy.ndarray
        Per cell; ``inf``/``-1`` where none of the ``k`` nodes is reached.
    """
    lon = np.asarray(node_lon, dtype=np.float64).ravel()
    t = _times(time_s, len(lon), "time_s")
    o = _origin(origin, len(lon), None, "origin")
    idx, dist = _nearest_nodes(grid, lon, node_lat, k)
    cand = t[idx] + dist / _speed_mps(off_network_speed_kmh)
    best = np.argmin(cand, axis=1)
    rows = np.arange(grid.n_cells)
    cell_t = cand[rows, best]
    cell_o = np.where(np.isfinite(cell_t), o[idx[rows, best]], -1)
    return cell_t, cell_o


def grid_time_matrix_from_nodes(
    grid: CellGrid,
    node_lon: npt.ArrayLike,
    node_lat: npt.ArrayLike,
    station_times_s: npt.ArrayLike,
    *,
    off_network_speed_kmh: float,
    k: int = 4,
) -> F64:
    """Per-station cell times from per-station node times (for N-unit area coverage and full
    per-station isochrones).

    Parameters
    ----------
    station_times_s : array_like
        ``(n_stations, n_nodes)`` response times.
    grid, node_lon, node_lat, off_network_speed_kmh, k
        As in :func:`grid_times_from_nodes`.

    Returns
    -------
    numpy.ndarray
        ``(n_stations, n_cells)``.
    """
    lon = np.asarray(node_lon, dtype=np.float64).ravel()
    times = np.asarray(station_times_s, dtype=np.float64)
    if times.ndim != 2 or times.shape[1] != len(lon):
        raise InvalidInputError(
            f"station_times_s must have shape (n_stations, {len(lon)}), got {times.shape}"
        )
    if np.isnan(times).any() or (times < 0).any():
        raise InvalidInputError("station_times_s must be >= 0 (inf = not reached)")
    idx, dist = _nearest_nodes(grid, lon, node_lat, k)
    leg = dist / _speed_mps(off_network_speed_kmh)
    out = np.empty((times.shape[0], grid.n_cells))
    for i, row in enumerate(times):  # one station at a time keeps memory at n_cells × k
        out[i] = (row[idx] + leg).min(axis=1)
    return out


def _cells_polygon(grid: CellGrid, mask: Mask, simplify_m: float) -> BaseGeometry:
    """WGS84 outline of the selected cells: row runs → union → clip → simplify."""
    if not mask.any():
        return shapely.Polygon()
    r, c = grid.row[mask], grid.col[mask]
    order = np.lexsort((c, r))
    r, c = r[order], c[order]
    brk = np.ones(len(r), dtype=bool)
    brk[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1] + 1)
    start = np.flatnonzero(brk)
    end = np.r_[start[1:], len(r)] - 1
    s = grid.cell_m
    runs = shapely.box(
        grid.x0 + c[start] * s,
        grid.y0 + r[start] * s,
        grid.x0 + (c[end] + 1) * s,
        grid.y0 + (r[start] + 1) * s,
    )
    shape = shapely.intersection(shapely.union_all(runs), grid.boundary)
    if simplify_m > 0:
        shape = shapely.simplify(shape, simplify_m, preserve_topology=True)
    return transform_geometry(shape, src=grid.crs, dst="wgs84")


def _simplify_m(grid: CellGrid, simplify_m: float | None) -> float:
    return 0.25 * grid.cell_m if simplify_m is None else max(0.0, float(simplify_m))


def area_coverage(
    grid: CellGrid,
    time_s: npt.ArrayLike,
    *,
    limit_s: float,
    provenance: Provenance,
    simplify_m: float | None = None,
) -> AreaCoverage:
    """Share of the boundary's area reached within the standard.

    Parameters
    ----------
    grid : CellGrid
        From :func:`make_grid`.
    time_s : array_like
        Per cell (:func:`grid_times_from_nodes` or
        :func:`firegrid.network.approx.first_due_times` on the cell centres).
    limit_s : float
        Coverage standard.
    provenance : Provenance
        Recorded in the result.
    simplify_m : float, optional
        Outline simplification (default a quarter cell).

    Returns
    -------
    AreaCoverage
        Areas from exact clipped cell areas; the uncovered area as a WGS84 outline.
    """
    t = _times(time_s, grid.n_cells, "time_s")
    limit = _limit(limit_s)
    covered = t <= limit
    return AreaCoverage(
        provenance=provenance,
        limit_s=limit,
        cell_m=grid.cell_m,
        total_km2=grid.total_km2,
        covered_km2=float(grid.area_m2[covered].sum() / 1e6),
        unreached_km2=float(grid.area_m2[~np.isfinite(t)].sum() / 1e6),
        uncovered=_cells_polygon(grid, ~covered, _simplify_m(grid, simplify_m)),
    )


def first_due_districts(
    grid: CellGrid,
    origin: npt.ArrayLike,
    *,
    stations: Sequence[StationRef],
    provenance: Provenance,
    time_s: npt.ArrayLike | None = None,
    limit_s: float | None = None,
    simplify_m: float | None = None,
) -> DistrictResult:
    """First-due districts by travel time (network Voronoi), checked against the class limits.

    Parameters
    ----------
    grid : CellGrid
        From :func:`make_grid`.
    origin : array_like
        Per cell: index into ``stations`` of the first-due station, ``-1`` = none.
    stations : sequence of StationRef
        Labels and district area limits (``ResponseStandards.district_limit_for``).
    provenance : Provenance
        Recorded in the result.
    time_s, limit_s : optional
        Per-cell times and the standard: then each district also reports the area it covers
        within the limit.
    simplify_m : float, optional
        Outline simplification (default a quarter cell).

    Returns
    -------
    DistrictResult
        One :class:`District` per station (area, limit, ``over_limit``, WGS84 outline) plus the
        area first-due to nobody. District areas and the unassigned area sum to the boundary's
        area.
    """
    n_st = len(stations)
    o = _origin(origin, grid.n_cells, n_st, "origin")
    area_km2 = np.bincount(o[o >= 0], weights=grid.area_m2[o >= 0], minlength=n_st) / 1e6
    covered_km2: F64 | None = None
    if time_s is not None:
        if limit_s is None:
            raise InvalidInputError("limit_s is required with time_s")
        inside = (o >= 0) & (_times(time_s, grid.n_cells, "time_s") <= _limit(limit_s))
        covered_km2 = np.bincount(o[inside], weights=grid.area_m2[inside], minlength=n_st) / 1e6
    simp = _simplify_m(grid, simplify_m)
    districts = tuple(
        District(
            station_index=i,
            label=st.label,
            area_km2=float(area_km2[i]),
            limit_km2=st.limit_km2,
            covered_km2=None if covered_km2 is None else float(covered_km2[i]),
            geometry=_cells_polygon(grid, o == i, simp),
        )
        for i, st in enumerate(stations)
    )
    return DistrictResult(
        provenance=provenance,
        cell_m=grid.cell_m,
        total_km2=grid.total_km2,
        districts=districts,
        unassigned_km2=float(grid.area_m2[o < 0].sum() / 1e6),
        unassigned=_cells_polygon(grid, o < 0, simp),
    )


def isochrones(
    grid: CellGrid,
    time_s: npt.ArrayLike,
    *,
    limit_s: float,
    labels: Sequence[str],
    provenance: Provenance,
    origin: npt.ArrayLike | None = None,
    simplify_m: float | None = None,
) -> IsochroneResult:
    """Isochrone polygons per station (cell-based, see the module docstring).

    Parameters
    ----------
    grid : CellGrid
        From :func:`make_grid`; isochrones are clipped to its boundary.
    time_s : array_like
        Either ``(n_cells,)`` times with ``origin`` (a multi-source run: each station's polygon
        is the part of its own district reached within the limit, no overlaps), or
        ``(n_stations, n_cells)`` per-station times (full isochrones, which may overlap).
    limit_s : float
        Coverage standard.
    labels : sequence of str
        Station labels, one per station.
    provenance : Provenance
        Recorded in the result.
    origin : array_like, optional
        Per-cell first-due station for the 1-D form.
    simplify_m : float, optional
        Outline simplification (default a quarter cell).

    Returns
    -------
    IsochroneResult
    """
    limit = _limit(limit_s)
    n_st = len(labels)
    simp = _simplify_m(grid, simplify_m)
    t = np.asarray(time_s, dtype=np.float64)
    masks: list[Mask]
    if t.ndim == 1:
        if origin is None:
            raise InvalidInputError("origin is required with one time per cell")
        t = _times(t, grid.n_cells, "time_s")
        o = _origin(origin, grid.n_cells, n_st, "origin")
        inside = t <= limit
        masks = [inside & (o == i) for i in range(n_st)]
        first_due = True
    elif t.ndim == 2 and t.shape == (n_st, grid.n_cells):
        if np.isnan(t).any():
            raise InvalidInputError("time_s contains NaN")
        masks = [row <= limit for row in t]
        first_due = False
    else:
        raise InvalidInputError(
            f"time_s must have shape ({grid.n_cells},) or ({n_st}, {grid.n_cells}), got {t.shape}"
        )
    return IsochroneResult(
        provenance=provenance,
        limit_s=limit,
        cell_m=grid.cell_m,
        first_due=first_due,
        isochrones=tuple(
            Isochrone(
                station_index=i,
                label=labels[i],
                area_km2=float(grid.area_m2[m].sum() / 1e6),
                geometry=_cells_polygon(grid, m, simp),
            )
            for i, m in enumerate(masks)
        ),
    )
