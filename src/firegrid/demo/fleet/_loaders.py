"""The loaders: read the district's records, call a planner and upsert its rows on natural
keys, so loading twice changes nothing."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.db.upsert import UpsertCounts, upsert_rows
from firegrid.demo.fleet._key_units import (
    Nearby,
    PlannedBuilding,
    plan_key_units,
    pre_plan_order,
    render_pre_plan,
)
from firegrid.demo.fleet._spec import (
    load_fleet_spec,
    load_key_unit_spec,
)
from firegrid.demo.fleet._units import (
    ApparatusInfo,
    MicroSite,
    Poi,
    StationInfo,
    plan_micro_sites,
    plan_units,
)
from firegrid.demo.fleet._water import (
    _M_PER_DEG_LAT,
    Anchors,
    plan_water_sources,
)
from firegrid.dispatch.models import PrePlan, Unit
from firegrid.districts.models import District, Place, Township
from firegrid.errors import ConfigurationError
from firegrid.stations.models import Apparatus, Station
from firegrid.types import (
    ApparatusStatus,
    LocationPrecision,
    Staffing,
    StationClass,
    StationStatus,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource


def _dist_m(lon0: float, lat0: float, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    dx = (lon - lon0) * _M_PER_DEG_LAT * math.cos(math.radians(lat0))
    dy = (lat - lat0) * _M_PER_DEG_LAT
    return np.asarray(np.hypot(dx, dy))


def _dist_to_m(b: PlannedBuilding, lon: float, lat: float) -> float:
    """Straight-line distance from a planned building to one point."""
    return float(_dist_m(b.lon, b.lat, np.array([lon]), np.array([lat]))[0])


def _pois(session: Session, district: District) -> list[Poi]:
    places = session.scalars(
        select(Place).where(Place.district_id == district.id).order_by(Place.source_id)
    )
    return [Poi(p.source_id, p.name, p.kind, p.lon, p.lat, p.township_id) for p in places]


@dataclass
class FleetContext:
    """What the loaders share within one demo load."""

    session: Session
    district: District
    raw: Mapping[str, Any]
    micro_sites: dict[str, MicroSite] = field(default_factory=dict)


def load_micro_stations(ctx: FleetContext) -> UpsertCounts | None:
    """Generate the district's micro stations at real POIs (``[micro_stations]`` in its TOML)."""
    cfg = ctx.raw.get("micro_stations")
    if not cfg:
        return None
    spec = load_fleet_spec()
    sites = plan_micro_sites(
        [p for p in _pois(ctx.session, ctx.district)],
        count=int(cfg["count"]),
        kinds=cfg["poi_kinds"],
        spec=spec,
        rng=np.random.default_rng(int(cfg["seed"])),
    )
    rows = [
        {
            "name": s.name,
            "township_id": s.township_id,
            "station_class": StationClass.MICRO,
            "specialty": None,
            "staffing": Staffing.default_for(StationClass.MICRO),
            "status": StationStatus.EXISTING,
            "lon": s.lon,
            "lat": s.lat,
            "location_precision": LocationPrecision.EXACT,
            "synthetic": True,
            "source": (
                f"generated: micro station at the real OSM POI {s.poi_source_id} "
                f"({s.poi_name}, {s.poi_kind}; ODbL) — one of {cfg['count']} sampled with seed "
                f"{cfg['seed']}; {cfg.get('source', '')}"
            ),
            "note": "Synthetic: the district's micro stations are not published one by one.",
        }
        for s in sites
    ]
    counts, _ = upsert_rows(
        ctx.session, Station, rows, key=["name"], scope={"district_id": ctx.district.id}
    )
    ctx.micro_sites = {s.name: s for s in sites}
    return counts


def load_units(ctx: FleetContext) -> UpsertCounts:
    """One or more dispatchable units for every existing station of the district."""
    s = ctx.session
    stations = list(
        s.scalars(
            select(Station)
            .where(
                Station.district_id == ctx.district.id,
                Station.status == StationStatus.EXISTING,
            )
            .order_by(Station.name)
        )
    )
    by_id = {st.id: st.name for st in stations}
    vehicles: dict[str, list[ApparatusInfo]] = defaultdict(list)
    for a in s.scalars(
        select(Apparatus).where(
            Apparatus.district_id == ctx.district.id,
            Apparatus.status == ApparatusStatus.IN_SERVICE,
            Apparatus.station_id.is_not(None),
        )
    ):
        if a.station_id in by_id:
            vehicles[by_id[a.station_id]].append(
                ApparatusInfo(a.id, a.code, a.vehicle_type.value, a.source)
            )
    planned = plan_units(
        [StationInfo(st.name, StationClass(st.station_class), st.specialty) for st in stations],
        apparatus=vehicles,
        micro=ctx.micro_sites,
        spec=load_fleet_spec(),
    )
    ids = {st.name: st.id for st in stations}
    rows = [
        {
            "call_sign": u.call_sign,
            "station_id": ids[u.station],
            "apparatus_id": u.apparatus_id,
            "unit_type": u.unit_type,
            "crew": u.crew,
            "synthetic": u.synthetic,
            "source": u.source,
        }
        for u in planned
    ]
    counts, _ = upsert_rows(
        s, Unit, rows, key=["call_sign"], scope={"district_id": ctx.district.id}
    )
    return counts


def load_water_sources(
    ctx: FleetContext, township_geoms: Sequence[tuple[Township, BaseGeometry]]
) -> UpsertCounts | None:
    """The published water sources of the district, placed and given statuses (synthetic)."""
    cfg = ctx.raw.get("water")
    if not cfg:
        return None
    if not township_geoms:
        raise ConfigurationError(f"demo {ctx.district.code}: [water] needs township polygons")
    towns = [t for t, _ in township_geoms]
    polygons = [g for _, g in township_geoms]
    index = {t.id: i for i, t in enumerate(towns)}
    urban_names = set(cfg["urban_townships"])
    unknown = urban_names - {t.name_zh for t in towns}
    if unknown:
        raise ConfigurationError(f"[water] urban_townships not in the district: {unknown}")
    urban_kinds, rural_kinds = set(cfg["urban_anchor_kinds"]), set(cfg["rural_anchor_kinds"])
    u: list[tuple[float, float, int]] = []
    r: list[tuple[float, float, int]] = []
    for p in _pois(ctx.session, ctx.district):
        if p.township_id not in index:
            continue
        i = index[p.township_id]
        if towns[i].name_zh in urban_names:
            if p.kind in urban_kinds:
                u.append((p.lon, p.lat, i))
        elif p.kind in rural_kinds:
            r.append((p.lon, p.lat, i))
    seats = [
        (float(t.seat_lon), float(t.seat_lat), i)
        for i, t in enumerate(towns)
        if t.name_zh not in urban_names and t.seat_lon is not None and t.seat_lat is not None
    ]

    def anchors(pts: list[tuple[float, float, int]]) -> Anchors:
        a = np.array(pts, dtype=float).reshape(-1, 3)
        return Anchors(a[:, 0], a[:, 1], a[:, 2].astype(np.int64))

    planned = plan_water_sources(
        cfg["kinds"],
        urban=anchors(u),
        rural=anchors(r),
        seats=anchors(seats),
        polygons=polygons,
        rng=np.random.default_rng(int(cfg["seed"])),
        prefix=f"SYN-{ctx.district.code.upper()}",
        source=str(cfg.get("source", "")),
    )
    rows = [
        {
            "code": w.code,
            "township_id": towns[w.township_index].id,
            "kind": w.kind,
            "status": w.status,
            "lon": w.lon,
            "lat": w.lat,
            "commissioned_year": w.commissioned_year,
            "synthetic": True,
            "source": w.source + f", seed {cfg['seed']}",
        }
        for w in planned
    ]
    counts, _ = upsert_rows(
        ctx.session, WaterSource, rows, key=["code"], scope={"district_id": ctx.district.id}
    )
    return counts


def load_key_units(ctx: FleetContext) -> tuple[UpsertCounts, UpsertCounts] | None:
    """Key-unit buildings from real POIs (attributes synthetic) and the first pre-plans."""
    cfg = ctx.raw.get("key_units")
    if not cfg:
        return None
    s, district = ctx.session, ctx.district
    spec = load_key_unit_spec()
    planned = plan_key_units(
        _pois(s, district), spec=spec, rng=np.random.default_rng(int(cfg["seed"]))
    )
    attrs = (
        "floors, height, floor area, beds/rooms, basement and control room are synthetic "
        f"(key_units.toml v{spec.version}, seed {cfg['seed']})"
    )
    rows = [
        {
            "code": b.code,
            "name": b.name,
            "township_id": b.township_id,
            "occupancy": b.category.occupancy,
            "floors_above": b.floors_above,
            "floors_below": b.floors_below,
            "height_m": b.height_m,
            "floor_area_m2": b.floor_area_m2,
            "beds": b.beds,
            "rooms": b.rooms,
            "has_control_room": b.has_control_room,
            "key_unit": True,
            "key_unit_category": b.category.category,
            "lon": b.lon,
            "lat": b.lat,
            "synthetic": True,
            "source": (
                f"name and location: OpenStreetMap {b.code} ({b.category.osm_kind}; ODbL); "
                f"key-unit designation by firegrid from the OSM kind (公安部令第61号 categories; "
                f"the district's register is not published); {attrs}"
            ),
        }
        for b in planned
    ]
    b_counts, objs = upsert_rows(
        s, Building, rows, key=["code"], scope={"district_id": district.id}
    )
    plans = _pre_plans(ctx, pre_plan_order(planned)[: int(cfg.get("pre_plans", 0))], objs)
    p_counts, _ = upsert_rows(
        s, PrePlan, plans, key=["building_id"], scope={"district_id": district.id}
    )
    return b_counts, p_counts


def _pre_plans(
    ctx: FleetContext,
    chosen: Sequence[PlannedBuilding],
    buildings: Mapping[tuple[Any, ...], Building],
) -> list[dict[str, Any]]:
    s, district = ctx.session, ctx.district
    water = list(
        s.scalars(
            select(WaterSource)
            .where(
                WaterSource.district_id == district.id,
                WaterSource.status == WaterSourceStatus.IN_SERVICE,
            )
            .order_by(WaterSource.code)
        )
    )
    stations = list(
        s.scalars(
            select(Station)
            .where(
                Station.district_id == district.id,
                Station.status == StationStatus.EXISTING,
                Station.lon.is_not(None),
            )
            .order_by(Station.name)
        )
    )
    units: dict[int, list[str]] = defaultdict(list)
    for u in s.scalars(
        select(Unit).where(Unit.district_id == district.id).order_by(Unit.call_sign)
    ):
        units[u.station_id].append(u.call_sign)
    w_lon = np.array([w.lon for w in water])
    w_lat = np.array([w.lat for w in water])
    # Fighting stations only: specialist teams and micro stations are suggested separately.
    fire = [
        st
        for st in stations
        if st.station_class not in (StationClass.MICRO, StationClass.SPECIALIST)
    ]
    micro = [st for st in stations if st.station_class is StationClass.MICRO]
    out = []
    for b in chosen:
        near_w: list[Nearby] = []
        if water:
            d = _dist_m(b.lon, b.lat, w_lon, w_lat)
            for i in np.argsort(d, kind="stable")[:3]:
                w = water[int(i)]
                near_w.append(Nearby(f"{w.kind.label()} {w.code}", float(d[i])))
        near_u = sorted(
            (
                Nearby(
                    st.name,
                    _dist_to_m(b, st.lon, st.lat),
                    f"（{'、'.join(units[st.id]) or '无可调派力量'}）",
                )
                for st in fire
                if st.lon is not None and st.lat is not None
            ),
            key=lambda n: (n.distance_m, n.label),
        )[:2]
        near_m = min(
            (
                Nearby(
                    st.name,
                    _dist_to_m(b, st.lon, st.lat),
                )
                for st in micro
                if st.lon is not None and st.lat is not None
            ),
            key=lambda n: (n.distance_m, n.label),
            default=None,
        )
        if near_m is not None and near_m.distance_m > 1000:
            near_m = None
        out.append(
            {
                "building_id": buildings[(b.code,)].id,
                "title": f"{b.name}灭火救援预案（演示·合成）",
                "content": render_pre_plan(b, water=near_w, units=near_u, micro=near_m),
                "revision": 1,
                "synthetic": True,
                "source": (
                    f"synthetic: generated by firegrid for the key unit {b.code} from its OSM "
                    "name and position and the demo's generated water sources, stations and "
                    "units; not a real pre-plan"
                ),
            }
        )
    return out
