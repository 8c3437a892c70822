"""IoT use cases: the alarm view, devices, incident proposals, online and false-alarm rates.

Services own the commit and raise firegrid errors. :func:`online_rate` and
:func:`false_alarm_rate` are the figures other domains (fire-safety credit, the 四率) call.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from firegrid.accounts.audit import record
from firegrid.buildings.models import Building
from firegrid.db.base import utcnow
from firegrid.dispatch.service import Intake, create_incident
from firegrid.districts.models import District
from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError
from firegrid.incidents.models import Incident
from firegrid.iot.models import (
    AlarmState,
    IncidentProposal,
    IotDevice,
    IotProtocol,
    ProposalStatus,
)
from firegrid.types import IncidentCategory

__all__ = [
    "Rate",
    "accept_proposal",
    "alarm_view",
    "device_profiles",
    "dismiss_proposal",
    "false_alarm_rate",
    "list_devices",
    "list_proposals",
    "online_rate",
    "proposal_out",
    "register_device",
]


@dataclass(frozen=True, slots=True)
class Rate:
    """``numerator / denominator``; ``value`` is None when there is nothing to divide by."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def as_dict(self) -> dict[str, Any]:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _device_out(d: IotDevice, b: Building | None) -> dict[str, Any]:
    return {
        "id": d.id,
        "code": d.code,
        "address": f"{d.address:012x}" if d.address is not None else None,
        "protocol": d.protocol.value,
        "profile": d.profile,
        "name": d.name,
        "registered": d.registered,
        "online": d.online,
        "last_seen_at": _iso(d.last_seen_at),
        "last_heartbeat_at": _iso(d.last_heartbeat_at),
        "clock_offset_s": d.clock_offset_s,
        "building_id": b.id if b else None,
        "building_code": b.code if b else None,
        "building_name": b.name if b else None,
    }


def alarm_view(
    session: Session, district_code: str, *, active_only: bool = True
) -> list[dict[str, Any]]:
    """Alarm states of the district's devices (active ones by default), fires first."""
    district = get_district(session, district_code)
    q = (
        select(AlarmState, IotDevice, Building)
        .join(IotDevice, IotDevice.id == AlarmState.device_id)
        .outerjoin(Building, Building.id == IotDevice.building_id)
        .where(IotDevice.district_id == district.id)
        .order_by(
            AlarmState.fire.desc(),
            AlarmState.fault.desc(),
            AlarmState.supervisory.desc(),
            AlarmState.since.desc(),
            AlarmState.id,
        )
    )
    if active_only:
        q = q.where(AlarmState.active.is_(True))
    out = []
    for st, dev, b in session.execute(q).all():
        out.append(
            {
                "id": st.id,
                "device": _device_out(dev, b),
                "system_type": st.system_type,
                "system_address": st.system_address,
                "component_type": st.component_type,
                "component_address": st.component_address,
                "description": st.description,
                "fire": st.fire,
                "fault": st.fault,
                "supervisory": st.supervisory,
                "disabled": st.disabled,
                "active": st.active,
                "since": _iso(st.since),
                "changed_at": _iso(st.changed_at),
            }
        )
    return out


def list_devices(session: Session, district_code: str) -> list[dict[str, Any]]:
    """The district's devices with their online state."""
    district = get_district(session, district_code)
    rows = session.execute(
        select(IotDevice, Building)
        .outerjoin(Building, Building.id == IotDevice.building_id)
        .where(IotDevice.district_id == district.id)
        .order_by(IotDevice.code)
    ).all()
    return [_device_out(d, b) for d, b in rows]


def proposal_out(p: IncidentProposal, dev: IotDevice, b: Building | None) -> dict[str, Any]:
    return {
        "id": p.id,
        "status": p.status.value,
        "created_at": _iso(p.created_at),
        "decided_at": _iso(p.decided_at),
        "decided_by": p.decided_by,
        "note": p.note,
        "incident_id": p.incident_id,
        "description": p.description,
        "lon": p.lon,
        "lat": p.lat,
        "system_type": p.system_type,
        "system_address": p.system_address,
        "component_type": p.component_type,
        "component_address": p.component_address,
        "device": _device_out(dev, b),
    }


def list_proposals(
    session: Session, district_code: str, *, status: ProposalStatus | None = None
) -> list[dict[str, Any]]:
    """Fire alarms offered to the command centre, newest first."""
    district = get_district(session, district_code)
    q = (
        select(IncidentProposal, IotDevice, Building)
        .join(IotDevice, IotDevice.id == IncidentProposal.device_id)
        .outerjoin(Building, Building.id == IncidentProposal.building_id)
        .where(IncidentProposal.district_id == district.id)
        .order_by(IncidentProposal.created_at.desc(), IncidentProposal.id.desc())
    )
    if status is not None:
        q = q.where(IncidentProposal.status == status)
    return [proposal_out(p, d, b) for p, d, b in session.execute(q).all()]


def _proposal(session: Session, district: District, proposal_id: int) -> IncidentProposal:
    p = session.get(IncidentProposal, proposal_id)
    if p is None or p.district_id != district.id:
        raise NotFoundError(f"no IoT incident proposal {proposal_id} in {district.code}")
    return p


def _claim(
    session: Session, p: IncidentProposal, status: ProposalStatus, actor: str, note: str
) -> None:
    """Move a proposal out of ``proposed`` — exactly one of two concurrent dispatchers wins."""
    now = utcnow()
    res = session.execute(
        update(IncidentProposal)
        .where(IncidentProposal.id == p.id, IncidentProposal.status == ProposalStatus.PROPOSED)
        .values(status=status, decided_at=now, decided_by=actor, note=note)
        .execution_options(synchronize_session=False)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        current = session.get(IncidentProposal, p.id)
        state = current.status.value if current is not None else "gone"
        raise ConflictError(f"IoT incident proposal {p.id} is already {state}")
    # A conditional bulk UPDATE bypasses the ORM audit listener: record it here.
    record(
        session,
        action="update",
        entity=IncidentProposal.__tablename__,
        entity_id=str(p.id),
        before={"status": ProposalStatus.PROPOSED.value},
        after={"status": status.value, "decided_by": actor, "note": note},
    )


def accept_proposal(
    session: Session,
    district_code: str,
    proposal_id: int,
    *,
    actor: str,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
) -> tuple[IncidentProposal, Incident]:
    """Accept a fire alarm: create the command-centre incident at the device's building."""
    district = get_district(session, district_code)
    p = _proposal(session, district, proposal_id)
    if (lon is None) != (lat is None):
        raise InvalidInputError("give both lon and lat, or neither")
    if lon is None and (p.lon is None or p.lat is None):
        raise InvalidInputError(
            f"proposal {p.id}: device {p.device_id} has no building with a location; "
            "give lon and lat (or register the device to its building)"
        )
    device = session.get(IotDevice, p.device_id)
    building = session.get(Building, p.building_id) if p.building_id is not None else None
    _claim(session, p, ProposalStatus.ACCEPTED, actor, "")
    where = building.name if building is not None else (device.code if device else "")
    intake = Intake(
        lon=lon if lon is not None else p.lon,  # type: ignore[arg-type]
        lat=lat if lat is not None else p.lat,  # type: ignore[arg-type]
        crs=crs if lon is not None else "wgs84",
        category=IncidentCategory.FIRE,
        building_id=p.building_id,
        address=where or None,
        description=f"消防物联网火警 IoT fire alarm: {p.description or 'component'} "
        f"(device {device.code if device else p.device_id}, proposal {p.id})",
        received_at=p.created_at,
    )
    incident = create_incident(session, district_code, intake)  # commits the claim too
    session.refresh(p)
    p.incident_id = incident.id
    session.commit()
    return p, incident


def dismiss_proposal(
    session: Session, district_code: str, proposal_id: int, *, actor: str, note: str = ""
) -> IncidentProposal:
    """Dismiss a fire alarm as false (it counts towards the unit's false-alarm rate)."""
    district = get_district(session, district_code)
    p = _proposal(session, district, proposal_id)
    _claim(session, p, ProposalStatus.DISMISSED, actor, note)
    session.commit()
    session.refresh(p)
    return p


def online_rate(session: Session, district_code: str, *, building_id: int | None = None) -> Rate:
    """Registered devices online ÷ registered devices (of one building, or the district)."""
    district = get_district(session, district_code)
    q = select(
        func.count().filter(IotDevice.online.is_(True)),
        func.count(),
    ).where(IotDevice.district_id == district.id, IotDevice.registered.is_(True))
    if building_id is not None:
        q = q.where(IotDevice.building_id == building_id)
    online, total = session.execute(q).one()
    return Rate(int(online), int(total))


def false_alarm_rate(
    session: Session,
    district_code: str,
    *,
    building_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Rate:
    """Fire alarms dismissed as false ÷ fire alarms decided (accepted or dismissed).

    Pending proposals are left out: they are neither true nor false yet.
    """
    district = get_district(session, district_code)
    q = select(
        func.count().filter(IncidentProposal.status == ProposalStatus.DISMISSED),
        func.count(),
    ).where(
        IncidentProposal.district_id == district.id,
        IncidentProposal.status != ProposalStatus.PROPOSED,
    )
    if building_id is not None:
        q = q.where(IncidentProposal.building_id == building_id)
    if since is not None:
        q = q.where(IncidentProposal.created_at >= since)
    if until is not None:
        q = q.where(IncidentProposal.created_at < until)
    dismissed, total = session.execute(q).one()
    return Rate(int(dismissed), int(total))


def register_device(
    session: Session,
    district_code: str,
    *,
    code: str | None = None,
    address: int | None = None,
    building_code: str | None = None,
    protocol: IotProtocol = IotProtocol.GB26875,
    profile: str = "",
    name: str = "",
    synthetic: bool = False,
) -> IotDevice:
    """Register a device to a building (updates an unregistered one that announced itself)."""
    district = get_district(session, district_code)
    if address is not None and not 0 <= address < (1 << 48):
        raise InvalidInputError(f"address {address}: a GB/T 26875 address is 48 bits")
    if protocol is IotProtocol.GB26875 and address is None:
        raise InvalidInputError("a GB/T 26875 device needs its address")
    if protocol is IotProtocol.MQTT and not code:
        raise InvalidInputError("an MQTT device needs its code (the topic's device name)")
    code = code or f"{address:012x}"
    building = None
    if building_code is not None:
        building = session.scalar(
            select(Building).where(
                Building.district_id == district.id, Building.code == building_code
            )
        )
        if building is None:
            raise NotFoundError(f"no building {building_code!r} in {district.code}")
    dev = session.scalar(
        select(IotDevice).where(
            IotDevice.district_id == district.id,
            (IotDevice.address == address) if address is not None else (IotDevice.code == code),
        )
    )
    if dev is None:
        dev = IotDevice(district_id=district.id, code=code, address=address, protocol=protocol)
        session.add(dev)
    dev.registered = True
    dev.building_id = building.id if building else dev.building_id
    dev.profile = profile or dev.profile or ""
    dev.name = name or dev.name or ""
    dev.synthetic = synthetic
    session.commit()
    return dev


def device_profiles(session: Session) -> dict[int, str]:
    """Vendor profile names of GB/T 26875 devices that have one, by address."""
    rows = session.execute(
        select(IotDevice.address, IotDevice.profile).where(
            IotDevice.address.is_not(None), IotDevice.profile != ""
        )
    )
    return {int(a): str(p) for a, p in rows if a is not None}


def false_alarm_counts(
    session: Session, district_id: int, *, since: datetime, until: datetime
) -> dict[int, int] | None:
    """``{building_id: fire alarms dismissed as false}`` decided in ``(since, until]``, or None
    when the district has no IoT device at all (no feed: the count is unknown, not zero)."""
    from sqlalchemy import func, select

    from firegrid.iot.models import IncidentProposal, IotDevice, ProposalStatus

    has_devices = session.scalar(
        select(func.count()).select_from(IotDevice).where(IotDevice.district_id == district_id)
    )
    if not has_devices:
        return None
    rows = session.execute(
        select(IncidentProposal.building_id, func.count())
        .where(
            IncidentProposal.district_id == district_id,
            IncidentProposal.status == ProposalStatus.DISMISSED,
            IncidentProposal.building_id.is_not(None),
            IncidentProposal.decided_at > since,
            IncidentProposal.decided_at <= until,
        )
        .group_by(IncidentProposal.building_id)
    ).all()
    return {int(b): int(n) for b, n in rows if b is not None}
