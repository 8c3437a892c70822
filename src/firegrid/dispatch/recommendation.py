"""Unit recommendation: run card × ETA (turn-out + travel) × availability, water sources by
network distance, the key unit's pre-plan. Reads only; nothing is written."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.dispatch.index import DispatchIndex, dispatch_index
from firegrid.dispatch.intake import get_incident, wgs84_point
from firegrid.dispatch.levels import LEVEL_COLOURS, alarm_level, level_label, max_level
from firegrid.dispatch.models import PrePlan, Unit
from firegrid.dispatch.recommend import Fleet, Pick, alternatives, choose_units
from firegrid.dispatch.runcards import Card, load_run_cards
from firegrid.dispatch.status import BUSY
from firegrid.dispatch.views import incident_out
from firegrid.districts.models import District
from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError
from firegrid.network.graph import Vehicle
from firegrid.network.snap import Snap, SnapResult
from firegrid.types import (
    BuildingClass,
    IncidentCategory,
    UnitStatus,
    UnitType,
    WaterSourceKind,
)

__all__ = [
    "DEFAULT_WATER_CUTOFF_M",
    "DEFAULT_WATER_K",
    "RecommendOptions",
    "recommend_at",
    "recommend_for_incident",
]

F64 = npt.NDArray[np.float64]

DEFAULT_WATER_K = 5
#: Water sources farther than this (network or straight-line metres) are not suggested.
DEFAULT_WATER_CUTOFF_M = 2_000.0
_LIGHT_UNITS = frozenset({UnitType.MOTORCYCLE.value, UnitType.TEAM.value})


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
) -> F64:
    """Travel time (s) from every unit to the scene."""
    n = len(units.unit)
    if n == 0:
        return np.empty(0)
    if index.network is None:
        model = index.standards.approx.model()
        pts = index.project(units.lon, units.lat)
        here = index.project([lon], [lat])[0]
        d = np.hypot(pts[:, 0] - here[0], pts[:, 1] - here[1])
        return np.asarray(model.drive_time_s(d), dtype=np.float64)
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
    return out


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
    travel = _travel_times(index, units, lon, lat, scene)
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
        "network": district.road_network or None,
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
    x, y = wgs84_point(lon, lat, crs)
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
