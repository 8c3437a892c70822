"""Status and lifecycle: assigning units (optimistic lock), unit and incident status moves,
alarm-level changes, and the live state the map shows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from firegrid.db.base import utcnow
from firegrid.db.revisions import revision
from firegrid.dispatch.intake import get_incident, wgs84_point
from firegrid.dispatch.levels import max_level
from firegrid.dispatch.models import Assignment, Unit, UnitStatusEvent
from firegrid.dispatch.runcards import load_run_cards
from firegrid.dispatch.status import BUSY, check_incident_transition, check_unit_transition
from firegrid.dispatch.views import incident_out, unit_out
from firegrid.districts.models import District
from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError
from firegrid.incidents.models import Incident
from firegrid.stations.models import Station
from firegrid.types import (
    IncidentCategory,
    IncidentStatus,
    UnitStatus,
)

__all__ = [
    "assign_units",
    "dispatch_state",
    "set_incident_level",
    "set_incident_status",
    "set_unit_status",
    "state_stamp",
]


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
        u.lon, u.lat = wgs84_point(lon, lat, "wgs84")
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
