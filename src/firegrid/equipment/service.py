"""Equipment use cases: items and their lifecycle, maintenance, vehicle replacement plan and
装备配备达标率 against the station standard. Services own the commit."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from firegrid.districts.models import District
from firegrid.districts.repository import get_district
from firegrid.equipment.lifecycle import (
    COUNTED,
    Compliance,
    check_equipment_transition,
    compliance,
    group_rate,
    next_due,
    replacement_year,
    validate_epc,
)
from firegrid.equipment.models import EquipmentEvent, EquipmentItem, EquipmentMaintenance
from firegrid.equipment.standards import EquipmentStandards, load_equipment_standards
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError
from firegrid.stations.models import Apparatus, Station
from firegrid.types import ApparatusStatus, EquipmentStatus, StationStatus, VehicleType

__all__ = [
    "ItemInput",
    "create_item",
    "equipment_compliance",
    "get_item",
    "item_out",
    "list_items",
    "maintenance_due",
    "move_item",
    "record_maintenance",
    "replacement_plan",
    "station_group",
]


def _now(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:
        raise InvalidInputError(f"naive time {at.isoformat()}: give a time zone")
    return at


def item_out(i: EquipmentItem, lang: str = "zh", station: Station | None = None) -> dict[str, Any]:
    std = load_equipment_standards()
    st = EquipmentStatus(i.status)
    return {
        "id": i.id,
        "code": i.code,
        "epc": i.epc,
        "kind": i.kind,
        "kind_label": std.kind_label(i.kind, lang),
        "name": i.name,
        "status": st.value,
        "status_label": st.label(lang),
        "status_at": i.status_at.isoformat(),
        "station_id": i.station_id,
        "station": station.name if station else None,
        "procured_on": i.procured_on.isoformat() if i.procured_on else None,
        "last_maintained_on": i.last_maintained_on.isoformat() if i.last_maintained_on else None,
        "version": i.version,
        "synthetic": i.synthetic,
    }


def _station(session: Session, district: District, name: str | None) -> Station | None:
    if not name:
        return None
    st = session.scalar(
        select(Station).where(Station.district_id == district.id, Station.name == name)
    )
    if st is None:
        raise NotFoundError(f"no station named {name!r} in district {district.code}")
    return st


def get_item(session: Session, district: District, code: str) -> EquipmentItem:
    item = session.scalar(
        select(EquipmentItem).where(
            EquipmentItem.district_id == district.id, EquipmentItem.code == code
        )
    )
    if item is None:
        raise NotFoundError(f"no equipment item {code!r} in district {district.code}")
    return item


@dataclass(frozen=True)
class ItemInput:
    code: str
    kind: str
    epc: str | None = None
    name: str = ""
    station: str | None = None
    procured_on: date | None = None
    note: str = ""


def create_item(
    session: Session, district_code: str, data: ItemInput, *, actor: str, at: datetime | None = None
) -> dict[str, Any]:
    """Register an item at procurement (采购), with its EPC tag if it has one."""
    std = load_equipment_standards()
    district = get_district(session, district_code)
    if data.kind not in std.kinds:
        raise InvalidInputError(
            f"unknown equipment kind {data.kind!r}; kinds of standard {std.version}: "
            + ", ".join(sorted(std.kinds))
        )
    epc = validate_epc(data.epc) if data.epc else None
    clash = session.scalar(
        select(EquipmentItem.code).where(
            EquipmentItem.district_id == district.id,
            (EquipmentItem.code == data.code) | (EquipmentItem.epc == epc if epc else False),
        )
    )
    if clash is not None:
        raise ConflictError(f"equipment code {data.code!r} or EPC {epc} is already used by {clash}")
    when = _now(at)
    station = _station(session, district, data.station)
    item = EquipmentItem(
        district_id=district.id,
        station_id=station.id if station else None,
        code=data.code,
        epc=epc,
        kind=data.kind,
        name=data.name or std.kind_label(data.kind),
        status=EquipmentStatus.PROCUREMENT,
        status_at=when,
        procured_on=data.procured_on,
        note=data.note,
    )
    session.add(item)
    session.flush()
    session.add(
        EquipmentEvent(
            item_id=item.id,
            from_status=None,
            to_status=item.status,
            at=when,
            actor=actor,
            station_id=item.station_id,
            note="采购登记",
        )
    )
    session.commit()
    return item_out(item, station=station)


def move_item(
    session: Session,
    district_code: str,
    code: str,
    to_status: EquipmentStatus | str,
    *,
    actor: str,
    version: int | None = None,
    station: str | None = None,
    at: datetime | None = None,
    note: str = "",
) -> dict[str, Any]:
    """Move an item one lifecycle step; issuing names the station it goes to."""
    new = EquipmentStatus(to_status)
    district = get_district(session, district_code)
    item = get_item(session, district, code)
    if version is not None and version != item.version:
        raise ConflictError(
            f"equipment {code} is at version {item.version}, you edited version {version}; "
            "reload and try again"
        )
    old = EquipmentStatus(item.status)
    check_equipment_transition(code, old, new)
    target = _station(session, district, station)
    if new == EquipmentStatus.ISSUED and target is None and item.station_id is None:
        raise InvalidInputError(f"equipment {code}: issuing needs the station it goes to")
    if target is not None:
        item.station_id = target.id
    if new == EquipmentStatus.IN_STOCK and old != EquipmentStatus.PROCUREMENT:
        item.station_id = None  # returned to the depot
    when = _now(at)
    item.status, item.status_at = new, when
    session.add(
        EquipmentEvent(
            item_id=item.id,
            from_status=old,
            to_status=new,
            at=when,
            actor=actor,
            station_id=item.station_id,
            note=note,
        )
    )
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ConflictError(
            f"equipment {code} was changed by someone else first; reload and try again"
        ) from None
    return item_out(
        item, station=session.get(Station, item.station_id) if item.station_id else None
    )


def record_maintenance(
    session: Session,
    district_code: str,
    code: str,
    *,
    performed_on: date,
    actor: str,
    note: str = "",
) -> dict[str, Any]:
    """Record a maintenance of an item; its next due date moves on."""
    district = get_district(session, district_code)
    item = get_item(session, district, code)
    if item.status in (EquipmentStatus.SCRAPPED, EquipmentStatus.PROCUREMENT):
        raise ConflictError(f"equipment {code} is {item.status.value}: nothing to maintain")
    session.add(
        EquipmentMaintenance(item_id=item.id, performed_on=performed_on, actor=actor, note=note)
    )
    if item.last_maintained_on is None or performed_on > item.last_maintained_on:
        item.last_maintained_on = performed_on
    session.commit()
    return item_out(item)


def list_items(
    session: Session, district_code: str, *, station: str | None = None, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Items of the district (or one station), by code."""
    district = get_district(session, district_code)
    q = select(EquipmentItem).where(EquipmentItem.district_id == district.id)
    st = _station(session, district, station)
    if st is not None:
        q = q.where(EquipmentItem.station_id == st.id)
    stations = {
        s.id: s for s in session.scalars(select(Station).where(Station.district_id == district.id))
    }
    return [
        item_out(i, lang, stations.get(i.station_id) if i.station_id else None)
        for i in session.scalars(q.order_by(EquipmentItem.code))
    ]


def maintenance_due(
    session: Session, district_code: str, *, today: date, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Items whose next maintenance (last one, else procurement, + the kind's interval) is due
    by ``today`` — the overdue list, most overdue first."""
    std = load_equipment_standards()
    district = get_district(session, district_code)
    rows = session.scalars(
        select(EquipmentItem).where(
            EquipmentItem.district_id == district.id,
            EquipmentItem.status.notin_([EquipmentStatus.PROCUREMENT, EquipmentStatus.SCRAPPED]),
        )
    ).all()
    out = []
    for i in rows:
        days = std.maintenance_days.get(i.kind)
        if days is None:
            continue
        due = next_due(i.last_maintained_on, i.procured_on or i.created_at.date(), days)
        if due is not None and due <= today:
            out.append(
                {
                    **item_out(i, lang),
                    "interval_days": days,
                    "due_on": due.isoformat(),
                    "days_overdue": (today - due).days,
                }
            )
    out.sort(key=lambda r: (-r["days_overdue"], r["code"]))
    return out


def replacement_plan(
    session: Session, district_code: str, *, year: int | None = None, lang: str = "zh"
) -> dict[str, Any]:
    """Vehicles by replacement year (commission year + service life, 15 years in the plans);
    those at or past it by ``year`` are due now."""
    std = load_equipment_standards()
    district = get_district(session, district_code)
    this_year = year or datetime.now(UTC).year
    stations = {
        s.id: s.name
        for s in session.scalars(select(Station).where(Station.district_id == district.id))
    }
    rows = session.scalars(
        select(Apparatus)
        .where(
            Apparatus.district_id == district.id,
            Apparatus.status.in_([ApparatusStatus.IN_SERVICE, ApparatusStatus.OUT_OF_SERVICE]),
        )
        .order_by(Apparatus.code)
    ).all()
    by_year: dict[int, list[dict[str, Any]]] = defaultdict(list)
    unknown = []
    for a in rows:
        vt = VehicleType(a.vehicle_type)
        rec = {
            "code": a.code,
            "vehicle_type": vt.value,
            "vehicle_type_label": vt.label(lang),
            "station": stations.get(a.station_id) if a.station_id else None,
            "commission_year": a.commission_year,
            "age_years": this_year - a.commission_year if a.commission_year else None,
            "synthetic": a.synthetic,
        }
        ry = replacement_year(a.commission_year, std.service_life_years)
        if ry is None:
            unknown.append(rec)
        else:
            by_year[ry].append({**rec, "replacement_year": ry, "due": ry <= this_year})
    years: list[dict[str, Any]] = [
        {"year": y, "count": len(v), "vehicles": v} for y, v in sorted(by_year.items())
    ]
    due_now = [v for y, vs in sorted(by_year.items()) if y <= this_year for v in vs]
    return {
        "district": district.code,
        "as_of_year": this_year,
        "service_life_years": std.service_life_years,
        "rule": f"replace vehicles older than {std.service_life_years} years "
        f"(replacement year = commission year + {std.service_life_years})",
        "vehicles": len(rows),
        "due_now": len(due_now),
        "years": years,
        "unknown_commission_year": unknown,
        "synthetic": any(a.synthetic for a in rows),
        "standard_version": std.version,
    }


def station_group(st: Station, std: EquipmentStandards, year: int, new_since: int) -> str | None:
    """``new`` / ``existing`` / ``small`` / None (not evaluated) for a station in ``year``."""
    if st.status != StationStatus.EXISTING or st.station_class not in std.classes:
        return None
    if st.commissioned_year is not None and st.commissioned_year > year:
        return None
    if st.commissioned_year is not None and st.commissioned_year >= new_since:
        return "new"
    if st.station_class in std.small_classes:
        return "small"
    if st.station_class in std.existing_classes:
        return "existing"
    return None


def equipment_compliance(
    session: Session,
    district_code: str,
    *,
    year: int | None = None,
    new_since: int | None = None,
    lang: str = "zh",
) -> dict[str, Any]:
    """装备配备达标率 per station and per group (new / existing / small) against the standard.

    A station's lines are the standard's item counts of its class plus its minimum vehicles;
    a line is met when the station holds at least the count (items issued, in use or under
    repair; vehicles in service). A group's rate = Σ lines met ÷ Σ lines required.
    """
    std = load_equipment_standards()
    district = get_district(session, district_code)
    yr = year or datetime.now(UTC).year
    since = new_since if new_since is not None else std.new_since
    stations = session.scalars(
        select(Station).where(Station.district_id == district.id).order_by(Station.name)
    ).all()
    held: dict[int, Counter[str]] = defaultdict(Counter)
    items = session.execute(
        select(EquipmentItem.station_id, EquipmentItem.kind, EquipmentItem.synthetic).where(
            EquipmentItem.district_id == district.id,
            EquipmentItem.station_id.is_not(None),
            EquipmentItem.status.in_(list(COUNTED)),
        )
    ).all()
    for sid, kind, _syn in items:
        held[int(sid or 0)][kind] += 1
    for sid, cy in session.execute(
        select(Apparatus.station_id, Apparatus.commission_year).where(
            Apparatus.district_id == district.id,
            Apparatus.station_id.is_not(None),
            Apparatus.status == ApparatusStatus.IN_SERVICE,
        )
    ):
        if cy is None or cy <= yr:
            held[int(sid or 0)]["vehicles"] += 1
    rows = []
    groups: dict[str, list[Compliance]] = defaultdict(list)
    for st in stations:
        grp = station_group(st, std, yr, since)
        if grp is None:
            continue
        cls = std.classes[st.station_class]
        required = {**cls.items, "vehicles": cls.vehicles}
        c = compliance(required, held.get(st.id, Counter()))
        groups[grp].append(c)
        rows.append(
            {
                "station_id": st.id,
                "station": st.name,
                "station_class": st.station_class.value,
                "station_class_label": st.station_class.label(lang),
                "group": grp,
                "commissioned_year": st.commissioned_year,
                "synthetic": st.synthetic,
                **c.as_dict(),
            }
        )
    all_c = [c for v in groups.values() for c in v]
    return {
        "district": district.code,
        "year": yr,
        "new_since": since,
        **std.provenance(),
        "standard_source": std.source,
        "definition": "station rate = lines of its class standard met ÷ lines; group rate = "
        "Σ lines met ÷ Σ lines required (firegrid's reading, confirm)",
        "district_rate_percent": group_rate(all_c),
        "groups": {
            g: {
                "stations": len(groups.get(g, [])),
                "compliant_stations": sum(1 for c in groups.get(g, []) if c.compliant),
                "rate_percent": group_rate(groups.get(g, [])),
                "target_percent": std.targets.get(g),
            }
            for g in ("new", "existing", "small")
        },
        "stations": rows,
        "synthetic_items": sum(1 for *_x, syn in items if syn),
        "items_counted": len(items),
    }
