"""Coverage of a district: the 5-minute standard on the road network, or approximated.

Orchestrates the pure pieces: stations (a district's register or a CSV) and demand points
(the district's settlements) are snapped to a stored road network, one multi-source search
gives every node its response time and first-due station, and the coverage kernels turn that
into shares, districts, isochrones and gaps. Without a network, the straight-line model
(distance × circuity ÷ speed) produces the same arrays and every result says ``approximate``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPoint, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.coverage.config import ResponseStandards, load_standards
from firegrid.coverage.kernels import (
    DemandPoints,
    StationRef,
    area_coverage,
    compare_vehicles,
    demand_coverage,
    first_due_districts,
    grid_times_from_nodes,
    isochrones,
    make_grid,
    n_unit_coverage,
    road_coverage,
)
from firegrid.coverage.result import DemandCoverage
from firegrid.districts.models import District, Place
from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError, RowError
from firegrid.geo.io import read_csv_points
from firegrid.network.approx import first_due_times, station_time_matrix
from firegrid.network.graph import Vehicle
from firegrid.network.kernels import multi_source, one_to_all, times_to_snaps
from firegrid.network.service import LoadedNetwork, load_network
from firegrid.network.snap import snap_points
from firegrid.stations.models import Station
from firegrid.types import StationClass, StationStatus

__all__ = [
    "COVERAGE_CLASSES",
    "CoverageRequest",
    "StationPoint",
    "coverage_analysis",
    "district_stations",
    "hydrant_analysis",
    "stations_from_csv",
]

#: A station farther than this from any road is an input error, not a long off-road drive.
MAX_SNAP_M = 2_000.0

#: Teams that answer the 5-minute standard with their own district (辖区): 建标152 road stations
#: and the full-time teams that stand in for them. Micro stations and volunteer teams are first
#: responders inside a unit or a community; support, fireboat and specialist teams guard none.
COVERAGE_CLASSES = frozenset(
    {
        StationClass.LEVEL1,
        StationClass.LEVEL2,
        StationClass.SMALL,
        StationClass.SPECIAL,
        StationClass.GOV_FULLTIME,
        StationClass.TOWNSHIP_TEAM,
    }
)


@dataclass(frozen=True)
class StationPoint:
    name: str
    station_class: StationClass
    lon: float
    lat: float


@dataclass(frozen=True)
class CoverageRequest:
    district_code: str | None = None
    network: str | None = None
    stations_csv: Path | None = None
    stations_crs: str = "wgs84"
    #: An explicit station list (what-if analyses); wins over the CSV and the district's.
    stations: tuple[StationPoint, ...] | None = None
    minutes: float | None = None
    vehicle: Vehicle = Vehicle.LIGHT
    #: Include planned / under-construction stations (what-if of the plan).
    include_planned: bool = False
    cell_m: float | None = None
    n_max: int = 3
    layers: bool = False  # include GeoJSON geometries (districts, isochrones, gaps)


@dataclass
class _Inputs:
    standards: ResponseStandards
    limit_s: float
    stations: list[StationPoint]
    boundary: BaseGeometry | None
    demand: DemandPoints | None
    demand_note: str
    district: District | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def stations_from_csv(path: str | Path, *, crs: str = "wgs84") -> list[StationPoint]:
    """Stations from a CSV with ``name,class,lon,lat`` (every bad row reported together)."""
    pts = read_csv_points(path, crs=crs)
    errors = list(pts.errors)
    out: list[StationPoint] = []
    for f in pts.features:
        name = (f.properties.get("name") or "").strip()
        if not name:
            errors.append(RowError(f.row, "name", "required, but empty"))
            continue
        try:
            cls = StationClass.parse(f.properties.get("class") or "level1")
        except ValueError as exc:
            errors.append(RowError(f.row, "class", str(exc)))
            continue
        out.append(StationPoint(name, StationClass(cls), f.geometry.x, f.geometry.y))
    if errors:
        from firegrid.errors import ImportValidationError

        raise ImportValidationError(sorted(errors, key=lambda e: e.row), source=str(path))
    if not out:
        raise InvalidInputError(f"{path}: no stations")
    return out


def district_stations(
    session: Session,
    district: District,
    include_planned: bool = False,
    *,
    statuses: Sequence[StationStatus] | None = None,
) -> list[StationPoint]:
    """The district's located stations that answer the standard (``COVERAGE_CLASSES``):
    existing ones, plus planned and under construction with ``include_planned``, or exactly
    the given ``statuses``."""
    if statuses is None:
        statuses = [StationStatus.EXISTING]
        if include_planned:
            statuses += [StationStatus.UNDER_CONSTRUCTION, StationStatus.PLANNED]
    rows = session.scalars(
        select(Station)
        .where(
            Station.district_id == district.id,
            Station.status.in_(list(statuses)),
            Station.lon.is_not(None),
        )
        .order_by(Station.name)
    ).all()
    return [
        StationPoint(s.name, StationClass(s.station_class), float(s.lon or 0), float(s.lat or 0))
        for s in rows
        if StationClass(s.station_class) in COVERAGE_CLASSES
    ]


def _demand(session: Session, district: District) -> tuple[DemandPoints | None, str]:
    places = session.scalars(
        select(Place)
        .where(Place.district_id == district.id, Place.is_settlement.is_(True))
        .order_by(Place.source_id)
    ).all()
    if not places:
        return None, "no settlements recorded"
    weights = np.array([float(p.population or 0) for p in places])
    if (weights > 0).all():
        note = "settlements weighted by population"
    else:
        weights = np.ones(len(places))
        note = "settlements, equal weights (population of places not recorded)"
    return DemandPoints.from_arrays(
        np.array([p.lon for p in places]),
        np.array([p.lat for p in places]),
        weight=weights,
        label=[p.name for p in places],
    ), note


def _inputs(session: Session, req: CoverageRequest) -> _Inputs:
    standards = load_standards()
    limit_s = req.minutes * 60.0 if req.minutes is not None else standards.coverage_limit_s
    if not limit_s > 0:
        raise InvalidInputError(f"--minutes must be positive, got {req.minutes}")
    district = get_district(session, req.district_code) if req.district_code else None
    if req.stations is not None:
        stations = list(req.stations)
    elif req.stations_csv is not None:
        stations = stations_from_csv(req.stations_csv, crs=req.stations_crs)
    elif district is not None:
        stations = district_stations(session, district, req.include_planned)
    else:
        raise InvalidInputError("give a district or a stations CSV")
    if not stations:
        raise InvalidInputError("no stations with a location to analyse")
    boundary = (
        shape(json.loads(district.boundary_geojson))
        if district is not None and district.boundary_geojson
        else None
    )
    demand, note = _demand(session, district) if district is not None else (None, "no district")
    return _Inputs(standards, limit_s, stations, boundary, demand, note, district)


def _turnout(inp: _Inputs) -> npt.NDArray[np.float64]:
    return np.array([inp.standards.turnout_for(s.station_class) for s in inp.stations])


def _station_refs(inp: _Inputs) -> list[StationRef]:
    return [
        StationRef(s.name, inp.standards.district_limit_for(s.station_class)) for s in inp.stations
    ]


def _snap_stations(loaded: LoadedNetwork, inp: _Inputs, vehicle: Vehicle) -> Any:
    lon = np.array([s.lon for s in inp.stations])
    lat = np.array([s.lat for s in inp.stations])
    try:
        return snap_points(
            loaded.graph,
            lon,
            lat,
            max_distance_m=MAX_SNAP_M,
            prefer=loaded.in_largest_scc,
            vehicle=vehicle,
        )
    except InvalidInputError as exc:
        # Name the station, not just its index.
        msg = str(exc)
        for i, s in enumerate(inp.stations):
            msg = msg.replace(f"point {i} ", f"station {s.name!r} ", 1)
        raise InvalidInputError(msg) from exc


def _network_mode(session: Session, req: CoverageRequest, inp: _Inputs) -> dict[str, Any]:
    assert req.network is not None
    loaded = load_network(session, req.network)
    graph = loaded.graph
    vehicle = Vehicle(req.vehicle)
    prov = inp.standards.provenance(approximate=False, vehicle=vehicle.value)
    snaps = _snap_stations(loaded, inp, vehicle)
    turnout = _turnout(inp)
    node_time, origin = multi_source(graph, snaps, offsets_s=turnout, vehicle=vehicle)
    out: dict[str, Any] = {
        "network": {"name": loaded.record.name, "version": loaded.record.version}
    }
    inside = None
    if inp.boundary is not None:
        # Count only the roads of the district: an edge whose midpoint lies inside it.
        mid_lon = (graph.lon[graph.tail] + graph.lon[graph.head]) / 2
        mid_lat = (graph.lat[graph.tail] + graph.lat[graph.head]) / 2
        inside = shapely.contains_xy(inp.boundary, mid_lon, mid_lat)
    road = road_coverage(
        graph, node_time, limit_s=inp.limit_s, vehicle=vehicle, provenance=prov, edge_mask=inside
    )
    out["road"] = road
    demand: DemandCoverage | None = None
    if inp.demand is not None:
        dsnap = snap_points(
            graph, inp.demand.lon, inp.demand.lat, prefer=loaded.in_largest_scc, vehicle=vehicle
        )
        dtime = times_to_snaps(graph, node_time, dsnap, vehicle=vehicle)
        demand = demand_coverage(inp.demand, dtime, limit_s=inp.limit_s, provenance=prov)
        out["demand"] = demand
        # N-unit coverage: each station's own times to the demand points.
        per_station = [
            times_to_snaps(
                graph,
                one_to_all(graph, snaps[i], vehicle=vehicle, cutoff_s=inp.limit_s) + turnout[i],
                dsnap,
                vehicle=vehicle,
            )
            for i in range(len(inp.stations))
        ]
        out["n_unit"] = n_unit_coverage(
            per_station,
            limit_s=inp.limit_s,
            weight=inp.demand.weight,
            n_max=req.n_max,
            provenance=prov,
        )
        if vehicle is Vehicle.LIGHT:
            hnode, _ = multi_source(
                graph,
                _snap_stations(loaded, inp, Vehicle.HEAVY),
                offsets_s=turnout,
                vehicle=Vehicle.HEAVY,
            )
            hsnap = snap_points(
                graph,
                inp.demand.lon,
                inp.demand.lat,
                prefer=loaded.in_largest_scc,
                vehicle=Vehicle.HEAVY,
            )
            heavy = demand_coverage(
                inp.demand,
                times_to_snaps(graph, hnode, hsnap, vehicle=Vehicle.HEAVY),
                limit_s=inp.limit_s,
                provenance=inp.standards.provenance(vehicle="heavy"),
            )
            out["heavy_demand"] = heavy
            out["light_only"] = compare_vehicles(inp.demand, light=demand, heavy=heavy)
    boundary = inp.boundary
    if boundary is None:
        boundary = MultiPoint(list(zip(graph.lon, graph.lat, strict=True))).convex_hull
    _raster(out, inp, req, boundary, graph.lon, graph.lat, node_time, origin, prov)
    return out


def _raster(
    out: dict[str, Any],
    inp: _Inputs,
    req: CoverageRequest,
    boundary: BaseGeometry,
    node_lon: npt.NDArray[np.float64],
    node_lat: npt.NDArray[np.float64],
    node_time: npt.NDArray[np.float64],
    origin: npt.NDArray[np.int64],
    prov: Any,
) -> None:
    area_cfg = inp.standards.area
    grid = make_grid(boundary, cell_m=req.cell_m or area_cfg.cell_m)
    cell_time, cell_origin = grid_times_from_nodes(
        grid,
        node_lon,
        node_lat,
        node_time,
        origin,
        off_network_speed_kmh=area_cfg.off_network_speed_kmh,
    )
    _raster_results(out, inp, grid, cell_time, cell_origin, prov)


def _raster_results(
    out: dict[str, Any],
    inp: _Inputs,
    grid: Any,
    cell_time: npt.NDArray[np.float64],
    cell_origin: npt.NDArray[np.int64],
    prov: Any,
) -> None:
    simplify = inp.standards.area.simplify_m
    out["area"] = area_coverage(
        grid, cell_time, limit_s=inp.limit_s, provenance=prov, simplify_m=simplify
    )
    out["districts"] = first_due_districts(
        grid,
        cell_origin,
        stations=_station_refs(inp),
        provenance=prov,
        time_s=cell_time,
        limit_s=inp.limit_s,
        simplify_m=simplify,
    )
    out["isochrones"] = isochrones(
        grid,
        cell_time,
        limit_s=inp.limit_s,
        labels=[s.name for s in inp.stations],
        provenance=prov,
        origin=cell_origin,
        simplify_m=simplify,
    )


def _approx_mode(req: CoverageRequest, inp: _Inputs) -> dict[str, Any]:
    model = inp.standards.approx.model()
    prov = inp.standards.provenance(approximate=True, vehicle=Vehicle(req.vehicle).value)
    s_lon = np.array([s.lon for s in inp.stations])
    s_lat = np.array([s.lat for s in inp.stations])
    turnout = _turnout(inp)
    out: dict[str, Any] = {
        "network": None,
        "model": {
            "circuity": model.circuity,
            "speed_kmh": model.speed_kmh,
            "delay_s": model.delay_s,
        },
    }
    if inp.demand is not None:
        t = first_due_times(
            s_lon, s_lat, inp.demand.lon, inp.demand.lat, model=model, turnout_s=turnout
        )
        out["demand"] = demand_coverage(inp.demand, t.time_s, limit_s=inp.limit_s, provenance=prov)
        matrix = station_time_matrix(
            s_lon, s_lat, inp.demand.lon, inp.demand.lat, model=model, turnout_s=turnout
        )
        out["n_unit"] = n_unit_coverage(
            matrix, limit_s=inp.limit_s, weight=inp.demand.weight, n_max=req.n_max, provenance=prov
        )
    if inp.boundary is not None:
        grid = make_grid(inp.boundary, cell_m=req.cell_m or inp.standards.area.cell_m)
        t = first_due_times(s_lon, s_lat, grid.lon, grid.lat, model=model, turnout_s=turnout)
        _raster_results(out, inp, grid, t.time_s, t.origin, prov)
    return out


def coverage_analysis(session: Session, req: CoverageRequest) -> dict[str, Any]:
    """Coverage of the standard (default 5 min) for a district or a list of stations."""
    inp = _inputs(session, req)
    parts = _network_mode(session, req, inp) if req.network else _approx_mode(req, inp)
    road, demand = parts.get("road"), parts.get("demand")
    districts = parts.get("districts")
    result: dict[str, Any] = {
        "approximate": req.network is None,
        "standards": f"{inp.standards.id}@{inp.standards.version}",
        "limit_s": inp.limit_s,
        "vehicle": Vehicle(req.vehicle).value,
        "network": parts.get("network"),
        "stations": [
            {
                "name": s.name,
                "class": s.station_class.value,
                "turnout_s": inp.standards.turnout_for(s.station_class),
                "lon": s.lon,
                "lat": s.lat,
            }
            for s in inp.stations
        ],
        "share_road_km": None if road is None else road.share,
        "road_km": None if road is None else road.total_km,
        "covered_road_km": None if road is None else road.covered_km,
        "share_demand": None if demand is None else demand.share,
        "demand": inp.demand_note,
        "share_area": parts["area"].share if "area" in parts else None,
        "districts": []
        if districts is None
        else [
            {k: v for k, v in d.as_dict().items() if req.layers or k != "geometry"}
            for d in districts.districts
        ],
        "over_limit": [] if districts is None else [d.label for d in districts.over_limit],
        "uncovered": [] if demand is None else [p.as_dict() for p in demand.uncovered],
    }
    if "model" in parts:
        result["model"] = parts["model"]
    if "n_unit" in parts:
        result["n_unit"] = parts["n_unit"].as_dict()
    if "light_only" in parts:
        result["heavy_share_demand"] = parts["heavy_demand"].share
        result["light_only"] = parts["light_only"].as_dict()
    if req.layers:
        for key in ("area", "isochrones", "road"):
            if key in parts:
                result[f"{key}_layer"] = parts[key].as_dict()
    return result


def hydrant_analysis(
    session: Session, district_code: str, *, network: str | None = None
) -> dict[str, Any]:
    """Road and places beyond reach of in-service hydrants (120 m along roads, 150 m radius).

    Road gaps need a road network; without one only the radius check of places is made.
    """
    from firegrid.coverage.kernels import hydrant_coverage
    from firegrid.network.approx import straight_line_distance_m
    from firegrid.types import WaterSourceKind, WaterSourceStatus
    from firegrid.water.models import WaterSource

    standards = load_standards()
    rules = standards.hydrant
    district = get_district(session, district_code)
    rows = session.scalars(
        select(WaterSource)
        .where(
            WaterSource.district_id == district.id,
            WaterSource.kind == WaterSourceKind.HYDRANT,
            WaterSource.status == WaterSourceStatus.IN_SERVICE,
        )
        .order_by(WaterSource.code)
    ).all()
    if not rows:
        raise InvalidInputError(
            f"district {district_code!r} has no in-service hydrants recorded; import them with "
            "`firegrid import water`"
        )
    h_lon = np.array([r.lon for r in rows])
    h_lat = np.array([r.lat for r in rows])
    demand, note = _demand(session, district)
    base: dict[str, Any] = {
        "hydrants_in_service": len(rows),
        "demand": note,
        "road_distance_m": rules.road_distance_m,
        "radius_m": rules.radius_m,
    }
    if network is None:
        if demand is None:
            raise InvalidInputError("without a road network the check needs settlements")
        d = straight_line_distance_m(demand.lon, demand.lat, h_lon, h_lat).min(axis=1)
        far = d > rules.radius_m
        order = np.argsort(-d[far])
        return {
            **base,
            "approximate": True,
            "network": None,
            "share_road": None,
            "gap_km": None,
            "share_demand": float(demand.weight[~far].sum() / demand.weight.sum()),
            "uncovered": [
                {"label": demand.label[i], "distance_m": round(float(d[i]), 1)}
                for i in np.flatnonzero(far)[order]
            ],
        }
    loaded = load_network(session, network)
    length_graph = loaded.graph.undirected_by_length()
    snaps = snap_points(loaded.graph, h_lon, h_lat, max_distance_m=MAX_SNAP_M)
    g = loaded.graph
    edge_len = g.length_m[snaps.edge]
    nodes = np.concatenate([snaps.tail, snaps.head])
    offsets = np.concatenate(
        [
            snaps.off_network_m + snaps.fraction * edge_len,
            snaps.off_network_m + (1 - snaps.fraction) * edge_len,
        ]
    )
    dist, _ = multi_source(length_graph, nodes, offsets_s=offsets)
    res = hydrant_coverage(
        g,
        dist,
        hydrant_lon=h_lon,
        hydrant_lat=h_lat,
        points=demand,
        road_distance_m=rules.road_distance_m,
        radius_m=rules.radius_m,
        provenance=standards.provenance(approximate=False),
    )
    out = res.as_dict()
    return {
        **base,
        **out,
        "network": {"name": loaded.record.name, "version": loaded.record.version},
    }
