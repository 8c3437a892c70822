"""Every indicator of the configuration per H3 cell (key units, fires, population, travel
time, hydrants, micro stations), with the synthetic records each rests on and notes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import h3
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.coverage.config import load_standards
from firegrid.network.approx import first_due_times
from firegrid.risk.index import IndexConfig
from firegrid.risk.service._records import F64, DistrictRecords, _synthetic_basis


def _counts_within(tree: cKDTree | None, xy: F64, r: float) -> list[list[int]]:
    if tree is None:
        return [[] for _ in range(len(xy))]
    found: list[list[int]] = tree.query_ball_point(xy, r)
    return found


def _travel_times(
    session: Session, rec: DistrictRecords, lon: F64, lat: F64
) -> tuple[F64, dict[str, Any]]:
    """First-due response time (turn-out + drive) per point; ``inf`` with no station."""
    standards = load_standards()
    st = rec.stations
    if not st:
        return np.full(len(lon), np.inf), {"approximate": True, "network": None}
    s_lon = np.array([s.lon for s in st], dtype=np.float64)
    s_lat = np.array([s.lat for s in st], dtype=np.float64)
    turnout = np.array([standards.turnout_for(s.station_class) for s in st])
    if rec.district.road_network:
        from firegrid.network.kernels import multi_source, times_to_snaps
        from firegrid.network.service import load_network
        from firegrid.network.snap import snap_points

        loaded = load_network(session, rec.district.road_network)
        g = loaded.graph
        snaps = snap_points(g, s_lon, s_lat, prefer=loaded.in_largest_scc, vehicle="light")
        node_t, _ = multi_source(g, snaps, offsets_s=turnout, vehicle="light")
        psnap = snap_points(g, lon, lat, prefer=loaded.in_largest_scc, vehicle="light")
        t = np.asarray(times_to_snaps(g, node_t, psnap, vehicle="light"), dtype=np.float64)
        return t, {
            "approximate": False,
            "network": {"name": loaded.record.name, "version": loaded.record.version},
        }
    model = standards.approx.model()
    res = first_due_times(s_lon, s_lat, lon, lat, model=model, turnout_s=turnout, crs=rec.crs)
    return res.time_s, {
        "approximate": True,
        "network": None,
        "model": {
            "circuity": model.circuity,
            "speed_kmh": model.speed_kmh,
            "delay_s": model.delay_s,
            "standards": f"{standards.id}@{standards.version}",
        },
    }


def _hydrant_coverage(
    rec: DistrictRecords, cells: list[str], *, radius_m: float, levels: int
) -> F64:
    """Share of each cell's sample points (its children ``levels`` finer) within the radius of
    an in-service hydrant."""
    out = np.zeros(len(cells))
    if not len(rec.hydrant_xy):
        return out
    tree = cKDTree(rec.hydrant_xy)
    res = h3.get_resolution(cells[0]) + levels
    owner: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    for i, c in enumerate(cells):
        for ch in h3.cell_to_children(c, res):
            la, lo = h3.cell_to_latlng(ch)
            owner.append(i)
            lats.append(la)
            lons.append(lo)
    d, _ = tree.query(rec.project(np.array(lons), np.array(lats)), k=1)
    covered = np.bincount(
        np.array(owner), weights=(d <= radius_m).astype(float), minlength=len(cells)
    )
    total = np.bincount(np.array(owner), minlength=len(cells))
    return np.asarray(covered / np.maximum(total, 1), dtype=np.float64)


def _is_high_rise(b: Building, height_m: float, storey_m: float) -> bool:
    if b.height_m is not None:
        return b.height_m > height_m
    if b.floors_above is not None:
        return b.floors_above * storey_m > height_m
    return False


@dataclass(frozen=True, eq=False)
class _Indicators:
    values: F64
    fallback: F64
    detail: list[dict[str, Any]]
    basis: dict[str, list[dict[str, Any]]]
    travel: dict[str, Any]
    notes: list[str]


def _indicators(
    session: Session,
    rec: DistrictRecords,
    cfg: IndexConfig,
    cells: list[str],
    lon: F64,
    lat: F64,
    township_idx: list[int | None],
) -> _Indicators:
    p = cfg.params
    r = float(p.get("radius_m", 1000.0))
    disk_km2 = math.pi * (r / 1000.0) ** 2
    xy = rec.project(lon, lat)
    n = len(cells)
    ids = cfg.indicator_ids()
    values = np.full((n, len(ids)), np.nan)
    fallback = np.full((n, len(ids)), np.nan)
    col = {k: j for j, k in enumerate(ids)}
    notes: list[str] = []
    basis: dict[str, list[dict[str, Any]]] = {k: [] for k in ids}

    def put(key: str, v: npt.ArrayLike, *, fb: bool = False) -> None:
        if key in col:
            (fallback if fb else values)[:, col[key]] = np.asarray(v, dtype=np.float64)

    blds = rec.buildings
    key_units = [i for i, b in enumerate(blds) if b.key_unit]
    b_tree = cKDTree(rec.building_xy) if blds else None
    near = _counts_within(b_tree, xy, r)
    key_set = set(key_units)
    high_risk = {str(o) for o in p.get("high_risk_occupancies", [])}
    hr_h, storey = float(p.get("high_rise_height_m", 24.0)), float(p.get("storey_height_m", 3.0))
    ku_density, hr_share, hr_density, cr_share = (np.zeros(n) for _ in range(4))
    detail: list[dict[str, Any]] = [{} for _ in range(n)]
    for i, idx in enumerate(near):
        kus = [j for j in idx if j in key_set]
        ku_density[i] = len(kus) / disk_km2
        if kus:
            cats: dict[str, int] = {}
            for j in kus:
                cat = blds[j].key_unit_category or blds[j].occupancy or "?"
                cats[cat] = cats.get(cat, 0) + 1
            detail[i]["key_units_by_category"] = cats
        hr_share[i] = sum(1 for j in idx if blds[j].occupancy in high_risk) / len(idx) if idx else 0
        hr_density[i] = sum(1 for j in idx if _is_high_rise(blds[j], hr_h, storey)) / disk_km2
        rooms = [blds[j].has_control_room for j in kus if blds[j].has_control_room is not None]
        cr_share[i] = sum(1 for x in rooms if x) / len(rooms) if rooms else np.nan
    put("key_unit_density", ku_density)
    put("high_risk_use_share", hr_share)
    put("high_rise_density", hr_density)
    put("control_room_share", cr_share)
    b_syn = sum(1 for b in blds if b.synthetic)
    for k in ("key_unit_density", "high_risk_use_share", "high_rise_density", "control_room_share"):
        if k in basis:
            basis[k] = _synthetic_basis("buildings", b_syn, len(blds))

    fire_tree = cKDTree(rec.fires_xy) if len(rec.fires_xy) else None
    fires_near = _counts_within(fire_tree, xy, r)
    put("fire_rate", [len(f) / disk_km2 / rec.fire_years for f in fires_near])
    if "fire_rate" in basis:
        basis["fire_rate"] = _synthetic_basis("incidents", rec.fires_synthetic, len(rec.fires_xy))
    notes.append(
        f"fire history: {len(rec.fires_xy)} located fires over {rec.fire_years:.1f} year(s)"
    )

    pop = np.full(n, np.nan)
    towns = rec.townships
    for i, t_i in enumerate(township_idx):
        if t_i is None:
            continue
        t = towns[t_i]
        if t.population and t.area_km2:
            pop[i] = t.population / t.area_km2
    put("population_density", pop)
    s_tree = cKDTree(rec.settlements_xy) if len(rec.settlements_xy) else None
    put("population_density", [len(x) / disk_km2 for x in _counts_within(s_tree, xy, r)], fb=True)
    if np.isnan(pop).all():
        notes.append(
            "population density: no township population recorded — settlement density within "
            f"{r:g} m used instead (indicator settlement_density)"
        )
    elif np.isnan(pop).any():
        notes.append(
            "population density: township population missing for some cells — settlement "
            "density used there"
        )

    times, travel = _travel_times(session, rec, lon, lat)
    put("travel_time_s", times)
    st_syn = sum(1 for s in rec.stations if s.synthetic)
    if "travel_time_s" in basis:
        basis["travel_time_s"] = _synthetic_basis("stations", st_syn, len(rec.stations))
    if not rec.stations:
        notes.append("travel time: the district has no located existing station")
    if travel["approximate"]:
        notes.append("travel time: straight-line approximation (the district has no road network)")

    put(
        "hydrant_coverage",
        _hydrant_coverage(
            rec,
            cells,
            radius_m=float(p.get("hydrant_radius_m", 150.0)),
            levels=int(p.get("hydrant_sample_levels", 2)),
        ),
    )
    if "hydrant_coverage" in basis:
        basis["hydrant_coverage"] = _synthetic_basis(
            "water_sources", rec.hydrants_synthetic, len(rec.hydrant_xy)
        )

    if rec.micro:
        m_xy = rec.project(
            np.array([s.lon for s in rec.micro], dtype=np.float64),
            np.array([s.lat for s in rec.micro], dtype=np.float64),
        )
        dist, _ = cKDTree(m_xy).query(xy, k=1)
        put("micro_station_distance_m", dist)
        m_syn = sum(1 for s in rec.micro if s.synthetic)
        if "micro_station_distance_m" in basis:
            basis["micro_station_distance_m"] = _synthetic_basis("stations", m_syn, len(rec.micro))
    else:
        put("micro_station_distance_m", np.full(n, np.inf))
        notes.append("micro stations: none recorded — every cell is beyond reach")
    return _Indicators(values, fallback, detail, basis, travel, notes)
