"""Assess a district's fire risk per H3 cell and per township with the AHP index.

Adapter between the records and the pure index (:mod:`firegrid.risk.index`): it grids the
district boundary into H3 cells, computes every indicator of the configuration per cell from
key units, buildings, fires, stations, hydrants, settlements and townships, and lets the kernel
score them. Townships get the mean of their cells (score and contributions alike, so the
township's contributions still sum to its deficit).

Travel time comes from the district's road network (``district.road_network``) when it has one,
else from the straight-line approximation of the response standards — ``approximate`` says which.

Synthetic inputs
----------------
Like the plan indicators (:mod:`firegrid.indicators.service`), a factor computed from generated
demo records is flagged: ``synthetic_inputs`` lists per indicator how many of which records are
synthetic, ``synthetic`` is true when any indicator with data rests on them, and
``synthetic_note_zh`` / ``synthetic_note_en`` say so in words. The demo's key units (real OSM
names and places, synthetic attributes), micro stations, hydrants and fires are all synthetic,
so its risk map is a demonstration, not an assessment.

Results are cached per database, district, resolution and configuration, and rebuilt when a
tracked table changes (:func:`firegrid.db.revisions.revision`). Township boundaries and
populations are not tracked: a change there shows after a restart.
"""

from __future__ import annotations

import json
import math
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import h3
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.coverage.config import load_standards
from firegrid.coverage.service import COVERAGE_CLASSES
from firegrid.db.revisions import revision
from firegrid.districts.models import District, Place, Township
from firegrid.districts.repository import get_district
from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.geo.crs import from_wgs84, local_metric_crs
from firegrid.incidents.models import Incident
from firegrid.network.approx import first_due_times
from firegrid.risk.index import IndexConfig, assess, level_of, parse_index_config
from firegrid.stations.models import Station
from firegrid.types import (
    IncidentCategory,
    StationClass,
    StationStatus,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

__all__ = [
    "DEFAULT_RESOLUTION",
    "SYNTHETIC_LABELS",
    "assess_district",
    "district_records",
    "load_index_config",
    "reason_text",
    "synthetic_note",
]

F64 = npt.NDArray[np.float64]

DEFAULT_RESOLUTION = 8
#: H3 resolutions offered: 6 (~36 km² cells) to 10 (~0.015 km²).
_RESOLUTIONS = range(6, 11)
#: A district gridded into more cells than this is refused (choose a coarser resolution).
MAX_CELLS = 250_000
_BUNDLED = "index_default.toml"
_REVISION_TABLES = ("building", "incident", "road_network", "station", "water_source")

#: Record kinds the synthetic flags count, with their labels.
SYNTHETIC_LABELS: dict[str, tuple[str, str]] = {
    "buildings": ("建筑/重点单位记录", "building / key-unit records"),
    "incidents": ("警情记录", "incident records"),
    "stations": ("站点记录", "station records"),
    "water_sources": ("消防水源记录", "water-source records"),
}


# -- configuration -----------------------------------------------------------------------------


@cache
def _bundled() -> IndexConfig:
    text = resources.files("firegrid.risk").joinpath("data", _BUNDLED).read_text("utf-8")
    return parse_index_config(text, source=f"firegrid/risk/data/{_BUNDLED}")


def load_index_config(path: str | os.PathLike[str] | None = None) -> IndexConfig:
    """The bundled index configuration, or a district's own file (same schema)."""
    if path is None:
        return _bundled()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{p}: cannot read index configuration: {exc}") from exc
    return parse_index_config(text, source=str(p))


# -- records -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Points:
    """Located records of one kind, projected to the district's metric CRS."""

    xy: F64
    synthetic: int
    total: int

    @property
    def tree(self) -> cKDTree | None:
        return cKDTree(self.xy) if len(self.xy) else None

    def basis(self, kind: str) -> list[dict[str, Any]]:
        return (
            [{"kind": kind, "synthetic": self.synthetic, "records": self.total}]
            if (self.synthetic)
            else []
        )


@dataclass(frozen=True, eq=False)
class DistrictRecords:
    """Everything the indicators need, read once."""

    district: District
    crs: str
    boundary: BaseGeometry
    buildings: list[Building]
    building_xy: F64
    fires_xy: F64
    fire_lon: F64
    fire_lat: F64
    fires_synthetic: int
    fire_years: float
    stations: list[Station]
    micro: list[Station]
    hydrant_xy: F64
    hydrants_synthetic: int
    settlements_xy: F64
    townships: list[Township]
    township_geoms: list[BaseGeometry]

    def project(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> F64:
        x, y = from_wgs84(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64), crs=self.crs
        )
        return np.column_stack([x, y]) if np.size(x) else np.empty((0, 2))

    def township_of(self, lon: F64, lat: F64) -> list[int | None]:
        """Index into ``townships`` of the township containing each point (None: outside)."""
        out: list[int | None] = [None] * len(lon)
        if not self.township_geoms:
            return out
        tree = STRtree(self.township_geoms)
        pts = [Point(a, b) for a, b in zip(lon, lat, strict=True)]
        hits = tree.query(pts, predicate="within")
        for p_i, t_i in zip(hits[0], hits[1], strict=True):
            if out[int(p_i)] is None:
                out[int(p_i)] = int(t_i)
        return out


def district_records(session: Session, district: District) -> DistrictRecords:
    """Read the records the risk indicators use (located ones only)."""
    if not district.boundary_geojson:
        raise InvalidInputError(
            f"district {district.code!r} has no boundary: the risk grid needs one "
            "(import it with `firegrid import districts`)"
        )
    boundary = shape(json.loads(district.boundary_geojson))
    c = boundary.centroid
    crs = local_metric_crs(np.array([c.x]), np.array([c.y]))
    buildings = list(
        session.scalars(
            select(Building).where(Building.district_id == district.id).order_by(Building.id)
        )
    )
    fires = session.execute(
        select(Incident.lon, Incident.lat, Incident.synthetic, Incident.received_at).where(
            Incident.district_id == district.id,
            Incident.category == IncidentCategory.FIRE,
            Incident.lon.is_not(None),
            Incident.lat.is_not(None),
        )
    ).all()
    span = session.execute(
        select(func.min(Incident.received_at), func.max(Incident.received_at)).where(
            Incident.district_id == district.id, Incident.category == IncidentCategory.FIRE
        )
    ).one()
    years = 1.0
    if span[0] is not None and span[1] is not None:
        years = max(1.0, (span[1] - span[0]).total_seconds() / (365.25 * 86400))
    stations = list(
        session.scalars(
            select(Station)
            .where(
                Station.district_id == district.id,
                Station.status == StationStatus.EXISTING,
                Station.lon.is_not(None),
                Station.lat.is_not(None),
            )
            .order_by(Station.id)
        )
    )
    hydrants = session.execute(
        select(WaterSource.lon, WaterSource.lat, WaterSource.synthetic).where(
            WaterSource.district_id == district.id,
            WaterSource.kind == WaterSourceKind.HYDRANT,
            WaterSource.status == WaterSourceStatus.IN_SERVICE,
        )
    ).all()
    places = session.execute(
        select(Place.lon, Place.lat).where(
            Place.district_id == district.id, Place.is_settlement.is_(True)
        )
    ).all()
    towns = list(
        session.scalars(
            select(Township)
            .where(Township.district_id == district.id, Township.boundary_geojson.is_not(None))
            .order_by(Township.id)
        )
    )

    def proj(rows: Any) -> F64:
        if not rows:
            return np.empty((0, 2))
        x, y = from_wgs84(
            np.array([r[0] for r in rows], dtype=np.float64),
            np.array([r[1] for r in rows], dtype=np.float64),
            crs=crs,
        )
        return np.column_stack([x, y])

    return DistrictRecords(
        district=district,
        crs=crs,
        boundary=boundary,
        buildings=buildings,
        building_xy=proj([(b.lon, b.lat) for b in buildings]),
        fires_xy=proj(fires),
        fire_lon=np.array([f[0] for f in fires], dtype=np.float64),
        fire_lat=np.array([f[1] for f in fires], dtype=np.float64),
        fires_synthetic=sum(1 for f in fires if f[2]),
        fire_years=years,
        stations=[s for s in stations if StationClass(s.station_class) in COVERAGE_CLASSES],
        micro=[s for s in stations if StationClass(s.station_class) is StationClass.MICRO],
        hydrant_xy=proj(hydrants),
        hydrants_synthetic=sum(1 for h in hydrants if h[2]),
        settlements_xy=proj(places),
        townships=towns,
        township_geoms=[shape(json.loads(t.boundary_geojson or "{}")) for t in towns],
    )


# -- indicators --------------------------------------------------------------------------------


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
    b_basis = [{"kind": "buildings", "synthetic": b_syn, "records": len(blds)}] if b_syn else []
    for k in ("key_unit_density", "high_risk_use_share", "high_rise_density", "control_room_share"):
        if k in basis:
            basis[k] = list(b_basis)

    fire_tree = cKDTree(rec.fires_xy) if len(rec.fires_xy) else None
    fires_near = _counts_within(fire_tree, xy, r)
    put("fire_rate", [len(f) / disk_km2 / rec.fire_years for f in fires_near])
    if "fire_rate" in basis and rec.fires_synthetic:
        basis["fire_rate"] = [
            {"kind": "incidents", "synthetic": rec.fires_synthetic, "records": len(rec.fires_xy)}
        ]
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
    if "travel_time_s" in basis and st_syn:
        basis["travel_time_s"] = [
            {"kind": "stations", "synthetic": st_syn, "records": len(rec.stations)}
        ]
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
    if "hydrant_coverage" in basis and rec.hydrants_synthetic:
        basis["hydrant_coverage"] = [
            {
                "kind": "water_sources",
                "synthetic": rec.hydrants_synthetic,
                "records": len(rec.hydrant_xy),
            }
        ]

    if rec.micro:
        m_xy = rec.project(
            np.array([s.lon for s in rec.micro], dtype=np.float64),
            np.array([s.lat for s in rec.micro], dtype=np.float64),
        )
        dist, _ = cKDTree(m_xy).query(xy, k=1)
        put("micro_station_distance_m", dist)
        m_syn = sum(1 for s in rec.micro if s.synthetic)
        if "micro_station_distance_m" in basis and m_syn:
            basis["micro_station_distance_m"] = [
                {"kind": "stations", "synthetic": m_syn, "records": len(rec.micro)}
            ]
    else:
        put("micro_station_distance_m", np.full(n, np.inf))
        notes.append("micro stations: none recorded — every cell is beyond reach")
    return _Indicators(values, fallback, detail, basis, travel, notes)


# -- texts -------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if math.isinf(value):
        return "∞"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "s":
        return f"{value / 60:.1f} min"
    if unit == "m":
        return f"{value:,.0f} m"
    return f"{value:.2f} {unit}".strip()


def reason_text(
    name_zh: str, name_en: str, unit: str, value: float | None, points: float
) -> tuple[str, str]:
    """One reason in Chinese and English: the factor, its value and the points it costs."""
    v = _fmt(value, unit)
    return f"{name_zh}：{v}，扣{points:.1f}分", f"{name_en}: {v}, costs {points:.1f} points"


def synthetic_note(basis: dict[str, list[dict[str, Any]]], lang: str) -> str:
    """Say which generated records the result rests on ("" when none), in ``zh`` or ``en``."""
    kinds: dict[str, tuple[int, int]] = {}
    for items in basis.values():
        for it in items:
            kinds[it["kind"]] = (it["synthetic"], it["records"])
    if not kinds:
        return ""
    if lang == "zh":
        parts = "；".join(
            f"{SYNTHETIC_LABELS[k][0]}{r}条中{s}条为合成记录" for k, (s, r) in sorted(kinds.items())
        )
        return f"依据合成演示记录计算（{parts}），风险分值与等级仅作演示，不代表真实评估。"
    parts = "; ".join(
        f"{s} of {r} {SYNTHETIC_LABELS[k][1]} are synthetic" for k, (s, r) in sorted(kinds.items())
    )
    return (
        f"Computed from synthetic demo records ({parts}): the scores and levels are for "
        "demonstration only, not a real assessment."
    )


# -- assessment --------------------------------------------------------------------------------

_CACHE: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], dict[str, Any]]] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()


def _grid(boundary: BaseGeometry, resolution: int) -> list[str]:
    if resolution not in _RESOLUTIONS:
        raise InvalidInputError(
            f"resolution must be an H3 resolution from {_RESOLUTIONS.start} to "
            f"{_RESOLUTIONS.stop - 1}, got {resolution}"
        )
    try:
        shape_ = h3.geo_to_h3shape(boundary.__geo_interface__)
        cells = sorted(h3.h3shape_to_cells(shape_, resolution))
    except (ValueError, h3.H3BaseException) as exc:
        raise InvalidInputError(f"cannot grid the district boundary: {exc}") from exc
    if len(cells) > MAX_CELLS:
        raise InvalidInputError(
            f"resolution {resolution} gives {len(cells)} cells (limit {MAX_CELLS}): use a "
            "coarser one"
        )
    if not cells:
        # A boundary smaller than one cell: take the cell of its centroid.
        c = boundary.representative_point()
        cells = [h3.latlng_to_cell(c.y, c.x, resolution)]
    return cells


def _compute(
    session: Session, district: District, resolution: int, cfg: IndexConfig
) -> dict[str, Any]:
    rec = district_records(session, district)
    cells = _grid(rec.boundary, resolution)
    centres = [h3.cell_to_latlng(c) for c in cells]
    lat = np.array([c[0] for c in centres], dtype=np.float64)
    lon = np.array([c[1] for c in centres], dtype=np.float64)
    town_idx = rec.township_of(lon, lat)
    ind = _indicators(session, rec, cfg, cells, lon, lat, town_idx)
    res = assess(ind.values, cfg, fallback_values=ind.fallback)
    ids = res.indicators
    specs = {s.id: s for s in cfg.indicators}
    crit_of = cfg.criterion_of()
    towns = rec.townships

    def shown(j: int, i: int) -> float | None:
        v = float((ind.fallback if res.fallback_used[i, j] else ind.values)[i, j])
        if math.isnan(v):
            return None
        return None if math.isinf(v) else round(v, 4)

    out_cells = []
    for i, c in enumerate(cells):
        contrib = {
            k: round(float(res.contributions[i, j]), 3)
            for j, k in enumerate(ids)
            if res.weights[i, j] > 0
        }
        t_i = town_idx[i]
        out_cells.append(
            {
                "cell": c,
                "lon": round(float(lon[i]), 6),
                "lat": round(float(lat[i]), 6),
                "township_id": None if t_i is None else towns[t_i].id,
                "township": None if t_i is None else towns[t_i].name_zh,
                "township_en": None if t_i is None else towns[t_i].name_en,
                "score": round(float(res.score[i]), 2),
                "level": int(res.level[i]),
                "contributions": contrib,
                "values": {k: shown(j, i) for j, k in enumerate(ids) if res.weights[i, j] > 0},
                "fallback": [k for j, k in enumerate(ids) if res.fallback_used[i, j]],
                **ind.detail[i],
            }
        )

    township_rows: list[dict[str, Any]] = []
    for t_i, t in enumerate(towns):
        mask = np.array([x == t_i for x in town_idx], dtype=bool)
        if not mask.any():
            continue
        score = float(res.score[mask].mean())
        contrib = res.contributions[mask].mean(axis=0)
        by_crit: dict[str, float] = {}
        for j, k in enumerate(ids):
            by_crit[crit_of[k]] = by_crit.get(crit_of[k], 0.0) + float(contrib[j])
        order = np.argsort(-contrib)
        township_rows.append(
            {
                "township_id": t.id,
                "township": t.name_zh,
                "township_en": t.name_en,
                "cells": int(mask.sum()),
                "score": round(score, 2),
                "level": level_of(score, cfg.bands),
                "min_score": round(float(res.score[mask].min()), 2),
                "levels": {str(lv): int((res.level[mask] == lv).sum()) for lv in (1, 2, 3, 4)},
                "contributions": {k: round(float(contrib[j]), 3) for j, k in enumerate(ids)},
                "criteria": {k: round(v, 3) for k, v in by_crit.items()},
                "top_factors": [
                    {
                        "factor": ids[j],
                        "points": round(float(contrib[j]), 2),
                        "name_zh": specs[ids[j]].name_zh,
                        "name_en": specs[ids[j]].name_en,
                    }
                    for j in order[:3]
                    if contrib[j] > 0
                ],
            }
        )
    township_rows.sort(key=lambda r: r["score"])

    used = {k for j, k in enumerate(ids) if (res.weights[:, j] > 0).any()}
    basis = {k: v for k, v in ind.basis.items() if k in used and v}
    excluded = [
        {
            "indicator": k,
            "name_zh": specs[k].name_zh,
            "name_en": specs[k].name_en,
            "reason": "no_data" if specs[k].no_data else "no values in this district",
            "note_zh": f"{specs[k].name_zh}：暂无数据，已剔除并对其余指标权重归一化",
            "note_en": (f"{specs[k].name_en}: no data — excluded, the other weights renormalised"),
        }
        for k in res.excluded
    ]
    notes = list(ind.notes)
    notes += [e["note_en"] for e in excluded]
    notes.append(
        "score is a SAFETY score 0–100 (higher = safer); contributions are the points each "
        "factor costs and sum to 100 − score; bands (confirm): I 低 (85,100], II 中 (65,85], "
        "III 高 (25,65], IV 极高 [0,25]"
    )
    # H3 cells shrink away from the icosahedron's face centres: report the real mean here.
    cell_area = float(np.mean([h3.cell_area(c, unit="km^2") for c in cells]))
    return {
        "district": district.code,
        "district_name": district.name_zh,
        "config": cfg.ref,
        "config_name_zh": cfg.name_zh,
        "config_name_en": cfg.name_en,
        "confirm": list(cfg.confirm),
        "resolution": resolution,
        "cell_area_km2": round(cell_area, 4),
        "approximate": bool(ind.travel["approximate"]),
        "travel_time": ind.travel,
        "hierarchy": cfg.hierarchy_dict(),
        "cells": out_cells,
        "townships": township_rows,
        "levels": {str(lv): int((res.level == lv).sum()) for lv in (1, 2, 3, 4)},
        "excluded": excluded,
        "synthetic": bool(basis),
        "synthetic_inputs": basis,
        "synthetic_note_zh": synthetic_note(basis, "zh"),
        "synthetic_note_en": synthetic_note(basis, "en"),
        "notes": notes,
    }


def assess_district(
    session: Session,
    code: str,
    *,
    resolution: int = DEFAULT_RESOLUTION,
    config: IndexConfig | None = None,
) -> dict[str, Any]:
    """Assess the district's fire risk per H3 cell and per township (cached per data revision).

    The result holds every cell's safety score, level, contributions and indicator values,
    the township table, the hierarchy with its weights and consistency ratios, the
    configuration ``id@version`` and the synthetic flags. Do not mutate it: it is shared.
    """
    cfg = config or load_index_config()
    district = get_district(session, code)
    key = (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        district.id,
        resolution,
        cfg.ref,
        cfg.source,
        id(cfg),
    )
    stamp = (*revision(session, _REVISION_TABLES), district.road_network)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == stamp:
            _CACHE.move_to_end(key)
            return {**hit[1], "cached": True}
    result = _compute(session, district, resolution, cfg)
    with _LOCK:
        _CACHE[key] = (stamp, result)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return {**result, "cached": False}
