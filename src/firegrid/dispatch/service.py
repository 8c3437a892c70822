"""Command-centre use cases: take a call, recommend units, assign them, track statuses.

Services own the commit and raise firegrid errors. Concurrency: a unit row carries a version
(optimistic lock); of two dispatchers assigning the same unit at once exactly one commits, the
other gets a ConflictError naming the unit and what it is doing now.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import String, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from firegrid.buildings.models import Building
from firegrid.db.base import utcnow
from firegrid.db.revisions import revision
from firegrid.dispatch.index import DispatchIndex, dispatch_index
from firegrid.dispatch.levels import LEVEL_COLOURS, alarm_level, level_label, max_level
from firegrid.dispatch.models import Assignment, PrePlan, Unit, UnitStatusEvent
from firegrid.dispatch.recommend import Fleet, Pick, alternatives, choose_units
from firegrid.dispatch.runcards import Card, load_run_cards
from firegrid.dispatch.status import BUSY, check_incident_transition, check_unit_transition
from firegrid.districts.models import District, Place, Township
from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError
from firegrid.geo.crs import parse_crs, to_wgs84
from firegrid.incidents.models import Incident
from firegrid.network.graph import Vehicle
from firegrid.network.snap import Snap, SnapResult
from firegrid.stations.models import Station
from firegrid.types import (
    BuildingClass,
    IncidentCategory,
    IncidentStatus,
    LocationPrecision,
    UnitStatus,
    UnitType,
    WaterSourceKind,
)

__all__ = [
    "DEFAULT_WATER_K",
    "Intake",
    "RecommendOptions",
    "assign_units",
    "create_incident",
    "dispatch_state",
    "get_incident",
    "recommend_at",
    "recommend_for_incident",
    "search_locations",
    "set_incident_level",
    "set_incident_status",
    "set_unit_status",
    "state_stamp",
]

F64 = npt.NDArray[np.float64]

DEFAULT_WATER_K = 5
#: Water sources farther than this (network or straight-line metres) are not suggested.
DEFAULT_WATER_CUTOFF_M = 2_000.0
_LIGHT_UNITS = frozenset({UnitType.MOTORCYCLE.value, UnitType.TEAM.value})


# --- intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Intake:
    """A call as taken: where (WGS84, GCJ-02 or BD-09), what, and what the caller reports."""

    lon: float
    lat: float
    category: IncidentCategory = IncidentCategory.FIRE
    crs: str = "wgs84"
    subtype: str | None = None
    building_class: BuildingClass | None = None
    building_id: int | None = None
    reported_trapped: int = 0
    reported_casualties: int = 0
    large_area: bool = False
    address: str | None = None
    caller_phone: str | None = None
    description: str | None = None
    received_at: datetime | None = None


def _wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise InvalidInputError(f"lon/lat must be numbers, got {lon!r}, {lat!r}")
    canonical = parse_crs(crs)
    if canonical not in ("wgs84", "gcj02", "bd09", "cgcs2000"):
        raise InvalidInputError(f"crs {crs!r}: give wgs84, gcj02, bd09 or cgcs2000 degrees")
    x, y = to_wgs84([lon], [lat], crs=canonical)
    out = float(x[0]), float(y[0])
    if not (-180 <= out[0] <= 180 and -90 <= out[1] <= 90):
        raise InvalidInputError(f"lon/lat out of range: {lon}, {lat}")
    return out


def _check_in_district(index: DispatchIndex, district: District, lon: float, lat: float) -> None:
    if district.boundary_geojson is None:
        return
    import json

    from shapely.geometry import Point, shape

    boundary = shape(json.loads(district.boundary_geojson))
    if not boundary.buffer(0.05).contains(Point(lon, lat)):  # ~5 km slack for border calls
        raise InvalidInputError(
            f"location {lon:.6f}, {lat:.6f} is outside district {district.code} "
            f"({district.name_zh}); wrong coordinates or coordinate system?"
        )


def create_incident(session: Session, district_code: str, intake: Intake) -> Incident:
    """Take a call: store the incident (status received) with the level its report gives."""
    district = get_district(session, district_code)
    index = dispatch_index(session, district)
    lon, lat = _wgs84(intake.lon, intake.lat, intake.crs)
    _check_in_district(index, district, lon, lat)
    category = IncidentCategory(intake.category)
    level = alarm_level(
        category,
        trapped=intake.reported_trapped,
        casualties=intake.reported_casualties,
        building_class=intake.building_class,
        large_area=intake.large_area,
    )
    building_class = intake.building_class
    if intake.building_id is not None:
        b = session.get(Building, intake.building_id)
        if b is None or b.district_id != district.id:
            raise NotFoundError(f"building {intake.building_id} not found in {district.code}")
    town = index.township_at(lon, lat)
    now = intake.received_at or utcnow()
    local = now.astimezone(ZoneInfo(district.timezone))
    inc = Incident(
        district_id=district.id,
        township_id=town[0] if town else None,
        external_id=f"119-{local:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}",
        received_at=now,
        category=category,
        subtype=intake.subtype,
        address=intake.address,
        lon=lon,
        lat=lat,
        location_precision=LocationPrecision.EXACT,
        status=IncidentStatus.RECEIVED,
        alarm_level=level,
        alarm_level_auto=level,
        building_class=BuildingClass(building_class) if building_class else None,
        building_id=intake.building_id,
        reported_trapped=intake.reported_trapped,
        reported_casualties=intake.reported_casualties,
        large_area=intake.large_area,
        caller_phone=intake.caller_phone,
        description=intake.description,
        source="command centre intake",
    )
    session.add(inc)
    session.commit()
    return inc


def get_incident(session: Session, district_code: str, incident_id: int) -> Incident:
    """The district's incident ``incident_id`` (NotFoundError otherwise)."""
    district = get_district(session, district_code)
    inc = session.get(Incident, incident_id)
    if inc is None or inc.district_id != district.id:
        raise NotFoundError(f"incident {incident_id} not found in {district_code}")
    return inc


def search_locations(
    session: Session, district_code: str, query: str, *, limit: int = 10
) -> list[dict[str, Any]]:
    """Find a place by name: townships, villages and places, key units and buildings."""
    q = query.strip()
    if not q:
        raise InvalidInputError("search text is empty")
    district = get_district(session, district_code)
    like = f"%{q}%"
    out: list[dict[str, Any]] = []
    for b in session.scalars(
        select(Building)
        .where(Building.district_id == district.id, Building.name.ilike(like))
        .order_by(Building.key_unit.desc(), func.length(Building.name), Building.id)
        .limit(limit)
    ):
        out.append(
            {
                "kind": "key_unit" if b.key_unit else "building",
                "name": b.name,
                "lon": b.lon,
                "lat": b.lat,
                "building_id": b.id,
                "synthetic": b.synthetic,
            }
        )
    for p in session.scalars(
        select(Place)
        .where(Place.district_id == district.id, Place.name.ilike(like))
        .order_by(func.length(Place.name), Place.id)
        .limit(limit)
    ):
        out.append({"kind": p.kind, "name": p.name, "lon": p.lon, "lat": p.lat})
    towns = session.scalars(
        select(Township)
        .where(
            Township.district_id == district.id,
            Township.name_zh.ilike(like) | Township.name_en.ilike(like),
        )
        .limit(limit)
    ).all()
    for t in towns:
        if t.boundary_geojson:
            import json

            from shapely.geometry import shape

            c = shape(json.loads(t.boundary_geojson)).representative_point()
            out.append({"kind": "township", "name": t.name_zh, "lon": c.x, "lat": c.y})
    return out[:limit]


# --- recommendation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendOptions:
    level: int | None = None
    water_k: int = DEFAULT_WATER_K
    water_cutoff_m: float = DEFAULT_WATER_CUTOFF_M
    #: Returning units are offered from their reported position (they are on the road, crewed).
    include_returning: bool = True
    lang: str = "zh"


@dataclass
class _UnitRows:
    unit: list[Any]
    lon: F64
    lat: F64
    turnout_s: F64
    at_station: npt.NDArray[np.bool_]
    unit_type: list[str]
    status: list[str]
    specialty: list[str | None]


def _unit_rows(session: Session, index: DispatchIndex) -> tuple[_UnitRows, list[str]]:
    # Core execution (no ORM identity map): 500 rows in ~1 ms.
    rows = (
        session.connection()
        .execute(
            select(
                Unit.id,
                Unit.call_sign,
                # Plain strings: no enum conversion of 500 rows × 2 columns per call.
                type_coerce(Unit.unit_type, String).label("unit_type"),
                Unit.crew,
                type_coerce(Unit.status, String).label("status"),
                Unit.station_id,
                Unit.lon,
                Unit.lat,
                Unit.version,
                Unit.incident_id,
                Unit.synthetic,
            )
            .where(Unit.district_id == index.district_id, Unit.status != UnitStatus.OUT_OF_SERVICE)
            .order_by(Unit.id)
        )
        .all()
    )
    notes: list[str] = []
    keep, lon, lat, turnout, at_station = [], [], [], [], []
    types: list[str] = []
    statuses: list[str] = []
    specialty: list[str | None] = []
    unlocated = 0
    available = UnitStatus.AVAILABLE.value
    for r in rows:
        st = index.stations.get(r.station_id)
        moving = r.status != available and r.lon is not None and r.lat is not None
        if moving:
            x, y, t = float(r.lon), float(r.lat), 0.0
        elif st is not None and st.lon is not None and st.lat is not None:
            x, y, t = st.lon, st.lat, st.turnout_s
        elif r.lon is not None and r.lat is not None:
            x, y, t = float(r.lon), float(r.lat), st.turnout_s if st else 60.0
        else:
            unlocated += 1
            continue
        keep.append(r)
        lon.append(x)
        lat.append(y)
        turnout.append(t)
        at_station.append(not moving)
        types.append(r.unit_type)
        statuses.append(r.status)
        specialty.append(st.specialty if st is not None else None)
    if unlocated:
        notes.append(
            f"{unlocated} unit(s) left out: neither they nor their station have a location"
        )
    return _UnitRows(
        keep,
        np.array(lon, dtype=np.float64),
        np.array(lat, dtype=np.float64),
        np.array(turnout, dtype=np.float64),
        np.array(at_station, dtype=bool),
        types,
        statuses,
        specialty,
    ), notes


def _travel_times(
    index: DispatchIndex, units: _UnitRows, lon: float, lat: float, scene: Snap | None
) -> tuple[F64, F64 | None]:
    """Travel time (s) from every unit to the scene, and the straight-line distance (approx)."""
    n = len(units.unit)
    if n == 0:
        return np.empty(0), None
    if index.network is None:
        model = index.standards.approx.model()
        pts = index.project(units.lon, units.lat)
        here = index.project([lon], [lat])[0]
        d = np.hypot(pts[:, 0] - here[0], pts[:, 1] - here[1])
        return np.asarray(model.drive_time_s(d), dtype=np.float64), d
    from firegrid.network.kernels import times_to_target
    from firegrid.network.snap import snap_points

    net = index.network
    graph = net.loaded.graph
    assert scene is not None
    # Units at their station use the station's cached snap; only units on the road are snapped.
    rows = net.station_snap_row()
    static_pos, static_row, moving_pos = [], [], []
    for i, u in enumerate(units.unit):
        row = rows.get(u.station_id) if units.at_station[i] else None
        if row is None or net.station_snaps is None:
            moving_pos.append(i)
        else:
            static_pos.append(i)
            static_row.append(row)
    parts: list[tuple[list[int], SnapResult]] = []
    if static_pos and net.station_snaps is not None:
        parts.append((static_pos, net.station_snaps[static_row]))
    if moving_pos:
        fresh = snap_points(
            graph, units.lon[moving_pos], units.lat[moving_pos], prefer=net.loaded.in_largest_scc
        )
        parts.append((moving_pos, fresh))
    snaps = _merge_snaps(n, parts)
    heavy = np.array([t not in _LIGHT_UNITS for t in units.unit_type], dtype=bool)
    out = np.full(n, np.inf)
    for veh, mask in ((Vehicle.HEAVY, heavy), (Vehicle.LIGHT, ~heavy)):
        if mask.any():
            idx = np.flatnonzero(mask)
            out[idx] = times_to_target(graph, snaps[idx], scene, vehicle=veh)
    return out, None


def _merge_snaps(n: int, parts: list[tuple[list[int], SnapResult]]) -> SnapResult:
    """One SnapResult of ``n`` points from parts placed at the given positions."""
    fields = ("edge", "fraction", "tail", "head", "lon", "lat", "off_network_m", "off_network_s")
    out: dict[str, Any] = {}
    for name in fields:
        dtype = np.int64 if name in ("edge", "tail", "head") else np.float64
        arr = np.zeros(n, dtype=dtype)
        for pos, part in parts:
            arr[pos] = getattr(part, name)
        out[name] = arr
    return SnapResult(**out)


def _scene(index: DispatchIndex, lon: float, lat: float) -> Snap | None:
    """The scene snapped to the district's network (None in the approximate mode)."""
    if index.network is None:
        return None
    from firegrid.network.snap import snap_points

    net = index.network
    return snap_points(net.loaded.graph, [lon], [lat], prefer=net.loaded.in_largest_scc)[0]


def _water(
    index: DispatchIndex, lon: float, lat: float, scene: Snap | None, opts: RecommendOptions
) -> list[dict[str, Any]]:
    if opts.water_k < 1:
        raise InvalidInputError(f"water_k must be ≥ 1, got {opts.water_k}")
    net = index.network
    picks: list[tuple[int, float]] = []
    if net is not None and net.water_snaps is not None and len(net.water_snaps):
        from firegrid.network.kernels import nearest_by_distance

        assert scene is not None
        idx, dist = nearest_by_distance(
            net.loaded.graph, scene, net.water_snaps, k=opts.water_k, cutoff_m=opts.water_cutoff_m
        )
        picks = [(int(net.water_snapped[i]), float(d)) for i, d in zip(idx, dist, strict=True)]
    elif index.water_tree is not None:
        scene = index.project([lon], [lat])[0]
        k = min(opts.water_k, len(index.water_in_service))
        dist, pos = index.water_tree.query(scene, k=k, distance_upper_bound=opts.water_cutoff_m)
        for d, p in zip(np.atleast_1d(dist), np.atleast_1d(pos), strict=True):
            if np.isfinite(d):
                picks.append((int(index.water_in_service[int(p)]), float(d)))
    out = []
    for i, d in picks:
        kind = index.water_kind[i]
        out.append(
            {
                "id": int(index.water_id[i]),
                "code": index.water_code[i],
                "type": kind.value,
                "type_label": WaterSourceKind(kind).label(opts.lang),
                "status": index.water_status[i].value,
                "status_label": index.water_status[i].label(opts.lang),
                "distance_m": round(d, 1),
                "lon": float(index.water_lon[i]),
                "lat": float(index.water_lat[i]),
            }
        )
    return out


def _unit_out(
    r: Any, index: DispatchIndex, eta: float, turnout: float, lang: str
) -> dict[str, Any]:
    st = index.stations.get(r.station_id)
    ut = UnitType(r.unit_type)
    status = UnitStatus(r.status)
    finite = bool(np.isfinite(eta))
    return {
        "id": int(r.id),
        "call_sign": r.call_sign,
        "station": st.name if st else None,
        "station_id": int(r.station_id),
        "type": ut.value,
        "type_label": ut.label(lang),
        "crew": int(r.crew),
        "status": status.value,
        "status_label": status.label(lang),
        "version": int(r.version),
        "eta_s": round(eta, 1) if finite else None,
        "turnout_s": round(turnout, 1),
        "travel_s": round(eta - turnout, 1) if finite else None,
        "synthetic": bool(r.synthetic),
    }


def _recommend(
    session: Session,
    district: District,
    *,
    lon: float,
    lat: float,
    category: IncidentCategory,
    level: int,
    building_class: BuildingClass | None,
    subtype: str | None,
    building_id: int | None,
    opts: RecommendOptions,
    incident_id: int | None = None,
) -> dict[str, Any]:
    index = dispatch_index(session, district)
    cards = load_run_cards()
    card = cards.card(category, level, building_class=building_class, subtype=subtype)
    units, notes = _unit_rows(session, index)
    scene = _scene(index, lon, lat)
    travel, _straight = _travel_times(index, units, lon, lat, scene)
    eta = travel + units.turnout_s
    busy = {b.value for b in BUSY}
    ok_status = {UnitStatus.AVAILABLE.value}
    if opts.include_returning:
        ok_status.add(UnitStatus.RETURNING.value)
    available = np.array([st in ok_status for st in units.status], dtype=bool)
    fleet = Fleet(
        unit_type=units.unit_type,
        specialty=units.specialty,
        station=np.array([u.station_id for u in units.unit], dtype=np.int64),
        crew=np.array([u.crew for u in units.unit], dtype=np.int64),
        eta_s=eta,
        available=available,
        committed=np.array(
            [
                incident_id is not None and u.incident_id == incident_id and st in busy
                for u, st in zip(units.unit, units.status, strict=True)
            ],
            dtype=bool,
        ),
    )
    pick = choose_units(fleet, card)
    lang = opts.lang
    chosen = []
    for j, i in enumerate(pick.chosen):
        row = _unit_out(units.unit[i], index, float(eta[i]), float(units.turnout_s[i]), lang)
        k = pick.need_of[j]
        row["for"] = card.needs[k].describe(lang) if k is not None else _fill_label(lang)
        chosen.append(row)
    shortfall = _shortfall(card, pick, fleet, units, eta, index, lang)
    pre_plan = _pre_plan(session, building_id)
    colour, _zh, _en = LEVEL_COLOURS[category][level]
    if index.approximate:
        notes.append(
            "approximate: straight-line travel-time model (no road network set for this "
            "district); water-source distances are straight-line"
        )
    return {
        "district": district.code,
        "lon": lon,
        "lat": lat,
        "category": category.value,
        "level": level,
        "level_label": level_label(category, level, lang),
        "level_colour": colour,
        "max_level": max_level(category),
        "building_class": building_class.value if building_class else None,
        "run_cards": card.ref,
        "card": card.as_dict(),
        "units": chosen,
        "already_assigned": [
            _unit_out(units.unit[i], index, float(eta[i]), float(units.turnout_s[i]), lang)
            for i in pick.kept
        ],
        "totals": pick.totals,
        "complete": pick.complete,
        "shortfall": shortfall,
        "water_sources": _water(index, lon, lat, scene, opts),
        "pre_plan": pre_plan,
        "approximate": index.approximate,
        "network": index.district_code and (district.road_network or None),
        "standards": f"{index.standards.id}@{index.standards.version}",
        "notes": notes,
    }


def _fill_label(lang: str) -> str:
    return "minimum appliances / stations / crew" if lang == "en" else "补足车辆/队站/人数"


def _shortfall(
    card: Card,
    pick: Pick,
    fleet: Fleet,
    units: _UnitRows,
    eta: F64,
    index: DispatchIndex,
    lang: str,
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for k, miss in enumerate(pick.missing):
        if miss <= 0:
            continue
        need = card.needs[k]
        alts = [
            _unit_out(units.unit[i], index, float(eta[i]), float(units.turnout_s[i]), lang)
            for i in alternatives(fleet, card, k, pick)
        ]
        out.append(
            {
                "need": need.describe(lang),
                "types": sorted(need.types),
                "specialty": need.specialty,
                "missing": miss,
                "reason": need.reason_en if lang == "en" else need.reason_zh,
                "alternatives": alts,
            }
        )
    for key, short, zh, en in (
        ("stations", pick.stations_short, "队站数不足", "too few stations"),
        ("appliances", pick.appliances_short, "车辆数不足", "too few appliances"),
        ("personnel", pick.personnel_short, "人数不足", "too few firefighters"),
    ):
        if short > 0:
            out.append(
                {
                    "need": f"{key} ≥ {getattr(card, key)}",
                    "types": [],
                    "specialty": None,
                    "missing": short,
                    "reason": en if lang == "en" else zh,
                    "alternatives": [],
                }
            )
    return out


def _pre_plan(session: Session, building_id: int | None) -> dict[str, Any] | None:
    if building_id is None:
        return None
    row = session.execute(
        select(PrePlan, Building.name)
        .join(Building, Building.id == PrePlan.building_id)
        .where(PrePlan.building_id == building_id)
    ).first()
    if row is None:
        return None
    plan, name = row
    return {
        "id": plan.id,
        "building_id": building_id,
        "building": name,
        "title": plan.title,
        "content": plan.content,
        "revision": plan.revision,
        "synthetic": plan.synthetic,
    }


def recommend_for_incident(
    session: Session, district_code: str, incident_id: int, opts: RecommendOptions | None = None
) -> dict[str, Any]:
    """Units, water sources and pre-plan for a stored incident at its current level."""
    opts = opts or RecommendOptions()
    inc = get_incident(session, district_code, incident_id)
    if inc.lon is None or inc.lat is None:
        raise InvalidInputError(f"incident {inc.external_id} has no location")
    district = get_district(session, district_code)
    category = IncidentCategory(inc.category)
    level = opts.level or inc.alarm_level or 1
    out = _recommend(
        session,
        district,
        lon=inc.lon,
        lat=inc.lat,
        category=category,
        level=level,
        building_class=BuildingClass(inc.building_class) if inc.building_class else None,
        subtype=inc.subtype,
        building_id=inc.building_id,
        opts=opts,
        incident_id=inc.id,
    )
    out["incident"] = incident_out(inc, opts.lang)
    return out


def recommend_at(
    session: Session,
    district_code: str,
    lon: float,
    lat: float,
    *,
    category: IncidentCategory | str = IncidentCategory.FIRE,
    crs: str = "wgs84",
    building_class: BuildingClass | str | None = None,
    subtype: str | None = None,
    level: int | None = None,
    trapped: int = 0,
    building_id: int | None = None,
    opts: RecommendOptions | None = None,
) -> dict[str, Any]:
    """A recommendation for a point without storing an incident (CLI, what-if, benchmark)."""
    opts = opts or RecommendOptions()
    district = get_district(session, district_code)
    x, y = _wgs84(lon, lat, crs)
    cat = IncidentCategory(category)
    bclass = BuildingClass(building_class) if building_class else None
    lv = level or alarm_level(cat, trapped=trapped, building_class=bclass)
    return _recommend(
        session,
        district,
        lon=x,
        lat=y,
        category=cat,
        level=lv,
        building_class=bclass,
        subtype=subtype,
        building_id=building_id,
        opts=replace(opts, level=lv),
    )


# --- status ------------------------------------------------------------------------------------


def incident_out(inc: Incident, lang: str = "zh") -> dict[str, Any]:
    cat = IncidentCategory(inc.category)
    status = IncidentStatus(inc.status)
    level = inc.alarm_level
    return {
        "id": inc.id,
        "external_id": inc.external_id,
        "category": cat.value,
        "category_label": cat.label(lang),
        "subtype": inc.subtype,
        "status": status.value,
        "status_label": status.label(lang),
        "level": level,
        "level_auto": inc.alarm_level_auto,
        "level_label": level_label(cat, level, lang) if level else None,
        "level_colour": LEVEL_COLOURS[cat][level][0] if level else None,
        "building_class": inc.building_class.value if inc.building_class else None,
        "building_id": inc.building_id,
        "reported_trapped": inc.reported_trapped,
        "reported_casualties": inc.reported_casualties,
        "address": inc.address,
        "lon": inc.lon,
        "lat": inc.lat,
        "received_at": inc.received_at.isoformat(),
        "dispatched_at": inc.dispatched_at.isoformat() if inc.dispatched_at else None,
        "first_arrival_at": inc.first_arrival_at.isoformat() if inc.first_arrival_at else None,
        "controlled_at": inc.controlled_at.isoformat() if inc.controlled_at else None,
        "closed_at": inc.closed_at.isoformat() if inc.closed_at else None,
        "synthetic": inc.synthetic,
    }


def unit_out(u: Unit, station: Station | None, lang: str = "zh") -> dict[str, Any]:
    status = UnitStatus(u.status)
    ut = UnitType(u.unit_type)
    at_station = u.lon is None or u.lat is None
    return {
        "id": u.id,
        "call_sign": u.call_sign,
        "station": station.name if station else None,
        "station_id": u.station_id,
        "type": ut.value,
        "type_label": ut.label(lang),
        "crew": u.crew,
        "status": status.value,
        "status_label": status.label(lang),
        "status_at": u.status_at.isoformat(),
        "incident_id": u.incident_id,
        "lon": (station.lon if station else None) if at_station else u.lon,
        "lat": (station.lat if station else None) if at_station else u.lat,
        "version": u.version,
        "synthetic": u.synthetic,
    }


def _stale(session: Session, unit_ids: Sequence[int]) -> ConflictError:
    session.rollback()
    now = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(list(unit_ids)))).all()}
    parts = []
    for uid in unit_ids:
        u = now.get(uid)
        if u is not None:
            parts.append(f"{u.call_sign} is now {u.status.value} ({u.status.label()})")
    return ConflictError(
        "another dispatcher changed the unit(s) first: " + "; ".join(parts) + ". Refresh and "
        "take the next recommendation."
    )


def _lock_units(session: Session, district: District, unit_ids: Sequence[int]) -> list[Unit]:
    if not unit_ids:
        raise InvalidInputError("no units to assign")
    if len(set(unit_ids)) != len(unit_ids):
        raise InvalidInputError(f"a unit is listed twice: {list(unit_ids)}")
    units = {
        u.id: u
        for u in session.scalars(
            select(Unit).where(Unit.id.in_(list(unit_ids)), Unit.district_id == district.id)
        ).all()
    }
    missing = [i for i in unit_ids if i not in units]
    if missing:
        raise NotFoundError(f"unit(s) {missing} not found in {district.code}")
    return [units[i] for i in unit_ids]


def _event(
    session: Session, u: Unit, old: UnitStatus, new: UnitStatus, actor: str, at: datetime
) -> None:
    session.add(
        UnitStatusEvent(
            unit_id=u.id,
            incident_id=u.incident_id,
            from_status=old,
            to_status=new,
            at=at,
            actor=actor,
            lon=u.lon,
            lat=u.lat,
        )
    )


def assign_units(
    session: Session,
    district_code: str,
    incident_id: int,
    unit_ids: Sequence[int],
    *,
    actor: str,
    versions: dict[int, int] | None = None,
    etas: dict[int, float] | None = None,
) -> dict[str, Any]:
    """Send units to an incident, all or none.

    A unit must be available (or returning) and, when ``versions`` is given, unchanged since
    the dispatcher saw it; otherwise ConflictError says which unit and what it is doing now.
    """
    district = get_district(session, district_code)
    inc = get_incident(session, district_code, incident_id)
    if inc.status == IncidentStatus.CLOSED:
        raise ConflictError(f"incident {inc.external_id} is closed")
    units = _lock_units(session, district, unit_ids)
    try:
        _assign(session, inc, units, actor, versions, etas)
        session.commit()
    except StaleDataError:
        # Another dispatcher's transaction changed a unit between our read and our write.
        raise _stale(session, unit_ids) from None
    return {
        "incident": incident_out(inc),
        "assigned": [u.call_sign for u in units],
        "unit_ids": [u.id for u in units],
    }


def _assign(
    session: Session,
    inc: Incident,
    units: list[Unit],
    actor: str,
    versions: dict[int, int] | None,
    etas: dict[int, float] | None,
) -> None:
    now = utcnow()
    for u in units:
        if versions and u.id in versions and versions[u.id] != u.version:
            raise ConflictError(
                f"unit {u.call_sign} changed since the recommendation (version "
                f"{versions[u.id]} → {u.version}, now {u.status.value} ({u.status.label()}))"
            )
        old = UnitStatus(u.status)
        if old not in (UnitStatus.AVAILABLE, UnitStatus.RETURNING):
            where = f" on incident {u.incident_id}" if u.incident_id else ""
            raise ConflictError(
                f"unit {u.call_sign} is {old.value} ({old.label()}){where}, not available"
            )
        check_unit_transition(u.call_sign, old, UnitStatus.DISPATCHED)
        u.status = UnitStatus.DISPATCHED
        u.status_at = now
        u.incident_id = inc.id
        _event(session, u, old, UnitStatus.DISPATCHED, actor, now)
        existing = session.scalar(
            select(Assignment).where(Assignment.incident_id == inc.id, Assignment.unit_id == u.id)
        )
        if existing is not None:
            existing.dispatched_at, existing.cleared_at = now, None
            existing.en_route_at = existing.on_scene_at = None
        else:
            session.add(
                Assignment(
                    incident_id=inc.id,
                    unit_id=u.id,
                    station_id=u.station_id,
                    eta_s=(etas or {}).get(u.id),
                    dispatched_at=now,
                    dispatched_by=actor,
                )
            )
    if inc.status == IncidentStatus.RECEIVED:
        inc.status = IncidentStatus.DISPATCHED
        inc.dispatched_at = now
        inc.run_cards = load_run_cards().ref


def set_unit_status(
    session: Session,
    district_code: str,
    unit_id: int,
    status: UnitStatus | str,
    *,
    actor: str,
    version: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> dict[str, Any]:
    """Move a unit along available → dispatched → en route → on scene → returning → available
    (or out of service and back); any other move is refused with the allowed ones."""
    district = get_district(session, district_code)
    (u,) = _lock_units(session, district, [unit_id])
    try:
        out = _move_unit(session, u, status, actor=actor, version=version, lon=lon, lat=lat)
        session.commit()
    except StaleDataError:
        raise _stale(session, [unit_id]) from None
    return out


def _move_unit(
    session: Session,
    u: Unit,
    status: UnitStatus | str,
    *,
    actor: str,
    version: int | None,
    lon: float | None,
    lat: float | None,
) -> dict[str, Any]:
    try:
        new = UnitStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in UnitStatus)
        raise InvalidInputError(f"unknown unit status {status!r}; allowed: {allowed}") from None
    if version is not None and version != u.version:
        raise ConflictError(
            f"unit {u.call_sign} changed meanwhile (version {version} → {u.version}, now "
            f"{u.status.value} ({u.status.label()}))"
        )
    old = UnitStatus(u.status)
    if new == UnitStatus.DISPATCHED:
        raise InvalidInputError("dispatch a unit by assigning it to an incident")
    check_unit_transition(u.call_sign, old, new)
    now = utcnow()
    inc = session.get(Incident, u.incident_id) if u.incident_id else None
    asg = (
        session.scalar(
            select(Assignment).where(
                Assignment.incident_id == u.incident_id, Assignment.unit_id == u.id
            )
        )
        if u.incident_id
        else None
    )
    if new == UnitStatus.EN_ROUTE and asg is not None:
        asg.en_route_at = now
    elif new == UnitStatus.ON_SCENE:
        if asg is not None:
            asg.on_scene_at = now
        if inc is not None:
            u.lon, u.lat, u.position_at = inc.lon, inc.lat, now
            if inc.status == IncidentStatus.DISPATCHED:
                inc.status = IncidentStatus.FIRST_ARRIVAL
                inc.first_arrival_at = now
                inc.first_station_id = u.station_id
    elif new == UnitStatus.RETURNING and asg is not None:
        asg.cleared_at = now
    elif new == UnitStatus.AVAILABLE and asg is not None and asg.cleared_at is None:
        asg.cleared_at = now  # stood down before arriving
    if lon is not None and lat is not None:
        u.lon, u.lat = _wgs84(lon, lat, "wgs84")
        u.position_at = now
    _event(session, u, old, new, actor, now)
    u.status = new
    u.status_at = now
    if new in (UnitStatus.AVAILABLE, UnitStatus.OUT_OF_SERVICE):
        u.incident_id = None
        if lon is None:
            u.lon = u.lat = None  # back at its station
            u.position_at = None
    return unit_out(u, session.get(Station, u.station_id))


def set_incident_level(
    session: Session, district_code: str, incident_id: int, level: int, *, actor: str
) -> dict[str, Any]:
    """Escalate (or lower) an incident's alarm level; the report's own level is kept."""
    inc = get_incident(session, district_code, incident_id)
    cat = IncidentCategory(inc.category)
    if not 1 <= level <= max_level(cat):
        raise InvalidInputError(f"level {level} out of range for {cat.value}: 1–{max_level(cat)}")
    if inc.status == IncidentStatus.CLOSED:
        raise ConflictError(f"incident {inc.external_id} is closed")
    inc.alarm_level = level
    session.commit()
    return incident_out(inc)


def set_incident_status(
    session: Session,
    district_code: str,
    incident_id: int,
    status: IncidentStatus | str,
    *,
    actor: str,
) -> dict[str, Any]:
    """Mark an incident controlled or closed (closing needs every unit released first)."""
    inc = get_incident(session, district_code, incident_id)
    try:
        new = IncidentStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in IncidentStatus)
        raise InvalidInputError(f"unknown incident status {status!r}; allowed: {allowed}") from None
    check_incident_transition(inc.external_id, IncidentStatus(inc.status), new)
    if new in (IncidentStatus.DISPATCHED, IncidentStatus.FIRST_ARRIVAL):
        raise InvalidInputError(
            f"{new.value} follows from the units: assign one, or set a unit on scene"
        )
    now = utcnow()
    if new == IncidentStatus.CLOSED:
        busy = session.scalars(
            select(Unit).where(Unit.incident_id == inc.id, Unit.status.in_(list(BUSY)))
        ).all()
        if busy:
            names = ", ".join(f"{u.call_sign} ({u.status.value})" for u in busy)
            raise ConflictError(
                f"incident {inc.external_id}: release the units first (returning or stood "
                f"down): {names}"
            )
        inc.closed_at = now
    elif new == IncidentStatus.CONTROLLED:
        inc.controlled_at = now
    inc.status = new
    session.commit()
    return incident_out(inc)


def state_stamp(session: Session) -> tuple[int, ...]:
    """Changes whenever any unit or incident changes (the map's server push watches it)."""
    return revision(session, ("unit", "incident"))


def dispatch_state(session: Session, district_code: str, *, lang: str = "zh") -> dict[str, Any]:
    """Every unit with its live status and every open incident: the map's live layers."""
    district = get_district(session, district_code)
    stamp = state_stamp(session)
    stations = {
        s.id: s
        for s in session.scalars(select(Station).where(Station.district_id == district.id)).all()
    }
    units = session.scalars(
        select(Unit).where(Unit.district_id == district.id).order_by(Unit.id)
    ).all()
    incidents = session.scalars(
        select(Incident)
        .where(Incident.district_id == district.id, Incident.status != IncidentStatus.CLOSED)
        .order_by(Incident.received_at.desc())
        .limit(200)
    ).all()
    counts: dict[str, int] = {s.value: 0 for s in UnitStatus}
    for u in units:
        counts[UnitStatus(u.status).value] += 1
    return {
        "district": district.code,
        "stamp": list(stamp),
        "units": [unit_out(u, stations.get(u.station_id), lang) for u in units],
        "incidents": [incident_out(i, lang) for i in incidents],
        "unit_counts": counts,
    }
