"""Water-source use cases: inspections, the maintenance loop, intact rate, planning list.

Services own the commit and raise firegrid errors (never HTTP ones).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from firegrid.districts.models import District
from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError
from firegrid.periods import months_between
from firegrid.types import WaterSourceKind, WaterSourceStatus, WaterTicketStatus
from firegrid.water.history import note_status_change
from firegrid.water.maintenance import (
    NOT_REGISTERED,
    SOURCE_STATUS_FOR_TICKET,
    SourceHistory,
    assess,
    check_ticket_transition,
    intact_counts,
    month_end_utc,
    planning_list,
)
from firegrid.water.models import (
    WaterInspection,
    WaterSource,
    WaterStatusEvent,
    WaterTicket,
    WaterTicketEvent,
)
from firegrid.water.standards import load_water_standards

__all__ = [
    "INTACT_DEFINITION",
    "InspectionInput",
    "get_source",
    "inspections_due",
    "intact_rate",
    "intact_rate_series",
    "list_tickets",
    "move_ticket",
    "new_hydrant_plan",
    "new_hydrant_plan_csv",
    "open_ticket",
    "recheck_ticket",
    "record_inspection",
    "source_history",
    "ticket_out",
]

INTACT_DEFINITION = {
    "zh": "完好率 = 月末完好（在用）水源数 ÷ 月末登记水源数；"
    "登记水源指已建成（建设年份未知或不晚于该年）"
    "且状态不是“规划”或“已拆除”的水源；月末状态取水源状态变更记录。",
    "en": "intact rate = sources intact (in service) at month end ÷ sources registered at month "
    "end; registered = built (commissioning year unknown or not after that year) and neither "
    "planned nor removed; the status at month end is read from the status history.",
}

OPEN_TICKET = (
    WaterTicketStatus.DISCOVERED,
    WaterTicketStatus.NOTIFIED,
    WaterTicketStatus.REPAIRING,
)


def _now(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.tzinfo is None:
        raise InvalidInputError(f"naive time {at.isoformat()}: give a time zone")
    return at


def get_source(session: Session, district: District, code: str) -> WaterSource:
    src = session.scalar(
        select(WaterSource).where(WaterSource.district_id == district.id, WaterSource.code == code)
    )
    if src is None:
        raise NotFoundError(f"no water source {code!r} in district {district.code}")
    return src


def _ticket(session: Session, district: District, ticket_id: int) -> WaterTicket:
    t = session.get(WaterTicket, ticket_id)
    if t is None or t.district_id != district.id:
        raise NotFoundError(f"no water ticket {ticket_id} in district {district.code}")
    return t


def ticket_out(t: WaterTicket, src: WaterSource | None = None, lang: str = "zh") -> dict[str, Any]:
    st = WaterTicketStatus(t.status)
    return {
        "id": t.id,
        "water_source_id": t.water_source_id,
        "water_source_code": src.code if src else None,
        "status": st.value,
        "status_label": st.label(lang),
        "open": st in OPEN_TICKET,
        "defect": t.defect,
        "notified_party": t.notified_party,
        "discovered_at": t.discovered_at.isoformat(),
        "discovered_by": t.discovered_by,
        "notified_at": t.notified_at.isoformat() if t.notified_at else None,
        "notified_by": t.notified_by,
        "repair_started_at": t.repair_started_at.isoformat() if t.repair_started_at else None,
        "repair_started_by": t.repair_started_by,
        "rechecked_at": t.rechecked_at.isoformat() if t.rechecked_at else None,
        "rechecked_by": t.rechecked_by,
        "failed_rechecks": t.failed_rechecks,
        "version": t.version,
        "synthetic": t.synthetic,
    }


def _set_source_status(
    session: Session,
    src: WaterSource,
    status: WaterSourceStatus,
    at: datetime,
    note: str,
    ticket_id: int | None,
) -> None:
    if src.status != status:
        note_status_change(session, src, at=at, note=note, ticket_id=ticket_id)
        src.status = status


def _open(
    session: Session, district: District, src: WaterSource, defect: str, actor: str, at: datetime
) -> WaterTicket:
    existing = session.scalar(
        select(WaterTicket).where(
            WaterTicket.water_source_id == src.id, WaterTicket.status.in_(OPEN_TICKET)
        )
    )
    if existing is not None:
        raise ConflictError(
            f"water source {src.code} already has open ticket {existing.id} "
            f"({WaterTicketStatus(existing.status).label()}); move that one instead"
        )
    if src.status in NOT_REGISTERED:
        raise ConflictError(
            f"water source {src.code} is {src.status.value} ({src.status.label()}): "
            "no maintenance ticket for a source that is not registered"
        )
    t = WaterTicket(
        district_id=district.id,
        water_source_id=src.id,
        status=WaterTicketStatus.DISCOVERED,
        defect=defect,
        discovered_at=at,
        discovered_by=actor,
    )
    session.add(t)
    session.flush()
    session.add(
        WaterTicketEvent(
            ticket_id=t.id, from_status=None, to_status=t.status, at=at, actor=actor, note=defect
        )
    )
    _set_source_status(
        session, src, SOURCE_STATUS_FOR_TICKET[t.status], at, f"发现：{defect}", t.id
    )
    return t


def open_ticket(
    session: Session,
    district_code: str,
    source_code: str,
    *,
    defect: str,
    actor: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Record a defect found on a water source (发现): the source becomes faulty."""
    district = get_district(session, district_code)
    src = get_source(session, district, source_code)
    t = _open(session, district, src, defect.strip() or "defect reported", actor, _now(at))
    session.commit()
    return ticket_out(t, src)


def _commit_ticket(session: Session, t: WaterTicket) -> None:
    try:
        session.commit()
    except StaleDataError:
        session.rollback()
        raise ConflictError(
            f"water ticket {t.id} was changed by someone else first; reload and try again"
        ) from None


def _move(
    session: Session,
    t: WaterTicket,
    src: WaterSource,
    new: WaterTicketStatus,
    *,
    actor: str,
    at: datetime,
    note: str,
) -> None:
    old = WaterTicketStatus(t.status)
    check_ticket_transition(f"{t.id} ({src.code})", old, new)
    t.status = new
    if new == WaterTicketStatus.NOTIFIED:
        t.notified_at, t.notified_by = at, actor
    elif new == WaterTicketStatus.REPAIRING:
        t.repair_started_at, t.repair_started_by = at, actor
    elif new == WaterTicketStatus.RECHECKED:
        t.rechecked_at, t.rechecked_by = at, actor
    session.add(
        WaterTicketEvent(
            ticket_id=t.id, from_status=old, to_status=new, at=at, actor=actor, note=note
        )
    )
    label = {
        WaterTicketStatus.NOTIFIED: "通报",
        WaterTicketStatus.REPAIRING: "维修",
        WaterTicketStatus.RECHECKED: "复核通过",
    }.get(new, new.value)
    _set_source_status(
        session, src, SOURCE_STATUS_FOR_TICKET[new], at, f"{label} {note}".strip(), t.id
    )


def _check_version(t: WaterTicket, version: int | None) -> None:
    if version is not None and version != t.version:
        raise ConflictError(
            f"water ticket {t.id} is at version {t.version}, you edited version {version} "
            f"(now {WaterTicketStatus(t.status).value}); reload and try again"
        )


def move_ticket(
    session: Session,
    district_code: str,
    ticket_id: int,
    to_status: WaterTicketStatus | str,
    *,
    actor: str,
    version: int | None = None,
    at: datetime | None = None,
    note: str = "",
    notified_party: str | None = None,
) -> dict[str, Any]:
    """Move a ticket one step (通报 or 维修); the recheck goes through :func:`recheck_ticket`."""
    new = WaterTicketStatus(to_status)
    district = get_district(session, district_code)
    t = _ticket(session, district, ticket_id)
    _check_version(t, version)
    src = session.get(WaterSource, t.water_source_id)
    assert src is not None
    if new == WaterTicketStatus.RECHECKED:
        raise InvalidInputError("close a ticket with a recheck (passed or failed), not a move")
    if notified_party is not None:
        t.notified_party = notified_party
    _move(session, t, src, new, actor=actor, at=_now(at), note=note)
    _commit_ticket(session, t)
    return ticket_out(t, src)


def recheck_ticket(
    session: Session,
    district_code: str,
    ticket_id: int,
    *,
    passed: bool,
    actor: str,
    version: int | None = None,
    at: datetime | None = None,
    note: str = "",
) -> dict[str, Any]:
    """复核: a passed recheck closes the ticket and returns the source to service; a failed one
    sends the ticket back to 通报 (the repairer is told again)."""
    district = get_district(session, district_code)
    t = _ticket(session, district, ticket_id)
    _check_version(t, version)
    src = session.get(WaterSource, t.water_source_id)
    assert src is not None
    when = _now(at)
    if passed:
        _move(session, t, src, WaterTicketStatus.RECHECKED, actor=actor, at=when, note=note)
    else:
        check_ticket_transition(
            f"{t.id} ({src.code})", WaterTicketStatus(t.status), WaterTicketStatus.NOTIFIED
        )
        t.failed_rechecks += 1
        _move(
            session,
            t,
            src,
            WaterTicketStatus.NOTIFIED,
            actor=actor,
            at=when,
            note=f"复核未通过 recheck failed {note}".strip(),
        )
    _commit_ticket(session, t)
    return ticket_out(t, src)


def list_tickets(
    session: Session, district_code: str, *, open_only: bool = True, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Tickets of the district, oldest discovery first."""
    district = get_district(session, district_code)
    q = (
        select(WaterTicket, WaterSource)
        .join(WaterSource, WaterSource.id == WaterTicket.water_source_id)
        .where(WaterTicket.district_id == district.id)
        .order_by(WaterTicket.discovered_at, WaterTicket.id)
    )
    if open_only:
        q = q.where(WaterTicket.status.in_(OPEN_TICKET))
    return [ticket_out(t, s, lang) for t, s in session.execute(q).all()]


@dataclass(frozen=True)
class InspectionInput:
    checks: Mapping[str, bool | None]
    pressure_mpa: float | None = None
    flow_l_s: float | None = None
    note: str = ""


def record_inspection(
    session: Session,
    district_code: str,
    source_code: str,
    data: InspectionInput,
    *,
    actor: str,
    at: datetime | None = None,
    synthetic: bool = False,
) -> dict[str, Any]:
    """Record an inspection; one that is not intact opens a ticket (unless one is open)."""
    std = load_water_standards()
    district = get_district(session, district_code)
    src = get_source(session, district, source_code)
    when = _now(at)
    verdict = assess(
        std,
        WaterSourceKind(src.kind),
        data.checks,
        pressure_mpa=data.pressure_mpa,
        flow_l_s=data.flow_l_s,
    )
    insp = WaterInspection(
        district_id=district.id,
        water_source_id=src.id,
        inspected_at=when,
        inspector=actor,
        pressure_mpa=data.pressure_mpa,
        flow_l_s=data.flow_l_s,
        intact=verdict.intact,
        failed_items=",".join(verdict.failed),
        standard_version=std.version,
        note=data.note,
        synthetic=synthetic,
        **{k: data.checks.get(k) for k in std.items},
    )
    ticket: WaterTicket | None = None
    if not verdict.intact:
        ticket = session.scalar(
            select(WaterTicket).where(
                WaterTicket.water_source_id == src.id, WaterTicket.status.in_(OPEN_TICKET)
            )
        )
        if ticket is None:
            defect = "、".join(std.label(i) for i in verdict.failed)
            ticket = _open(session, district, src, defect, actor, when)
        insp.ticket_id = ticket.id
    if data.pressure_mpa is not None:
        src.pressure_mpa = data.pressure_mpa
    if data.flow_l_s is not None:
        src.flow_l_s = data.flow_l_s
    session.add(insp)
    session.commit()
    return {
        "id": insp.id,
        "water_source_code": src.code,
        "inspected_at": when.isoformat(),
        "intact": verdict.intact,
        "failed_items": list(verdict.failed),
        "failed_labels": [std.label(i) for i in verdict.failed],
        "standard_version": std.version,
        "ticket": ticket_out(ticket, src) if ticket is not None else None,
        "source_status": src.status.value,
    }


# -- history and the intact rate -------------------------------------------------------------


def _histories(session: Session, district: District) -> tuple[list[SourceHistory], int, int]:
    rows = session.execute(
        select(
            WaterSource.id,
            WaterSource.kind,
            WaterSource.status,
            WaterSource.commissioned_year,
            WaterSource.synthetic,
        ).where(WaterSource.district_id == district.id)
    ).all()
    events: dict[int, list[tuple[datetime, WaterSourceStatus, WaterSourceStatus]]] = defaultdict(
        list
    )
    for sid, at, old, new in session.execute(
        select(
            WaterStatusEvent.water_source_id,
            WaterStatusEvent.at,
            WaterStatusEvent.from_status,
            WaterStatusEvent.to_status,
        )
        .join(WaterSource, WaterSource.id == WaterStatusEvent.water_source_id)
        .where(WaterSource.district_id == district.id)
        .order_by(WaterStatusEvent.water_source_id, WaterStatusEvent.at, WaterStatusEvent.id)
    ):
        events[sid].append((at, WaterSourceStatus(old), WaterSourceStatus(new)))
    out = [
        SourceHistory(
            kind=WaterSourceKind(kind),
            status=WaterSourceStatus(status),
            commissioned_year=year,
            events=tuple(events.get(sid, ())),
        )
        for sid, kind, status, year, _syn in rows
    ]
    return out, sum(1 for r in rows if r[4]), len(rows)


def _rate(
    histories: list[SourceHistory], district: District, month: str, lang: str
) -> dict[str, Any]:
    end, year = month_end_utc(month, district.timezone)
    total, by_kind = intact_counts(histories, end, year)
    return {
        "month": month,
        "month_end_utc": end.isoformat(),
        **total.as_dict(),
        "by_kind": {k.value: {**c.as_dict(), "label": k.label(lang)} for k, c in by_kind.items()},
    }


def intact_rate(
    session: Session, district_code: str, month: str, *, lang: str = "zh"
) -> dict[str, Any]:
    """完好率 of the month (intact ÷ registered at month end), overall and per kind."""
    district = get_district(session, district_code)
    histories, synthetic, records = _histories(session, district)
    return {
        "district": district.code,
        **_rate(histories, district, month, lang),
        "definition": INTACT_DEFINITION[lang if lang in INTACT_DEFINITION else "zh"],
        "synthetic": synthetic > 0,
        "synthetic_sources": synthetic,
        "sources": records,
    }


def _months(start: str, end: str) -> list[str]:
    for text in (start, end):
        month_end_utc(text, "UTC")  # validates YYYY-MM
    y0, m0 = (int(x) for x in start.strip().split("-"))
    y1, m1 = (int(x) for x in end.strip().split("-"))
    out = months_between(date(y0, m0, 1), date(y1, m1, 1))
    if not out:
        raise InvalidInputError(f"month range {start}..{end} is empty")
    if len(out) > 240:
        raise InvalidInputError(f"month range {start}..{end} is longer than 20 years")
    return out


def intact_rate_series(
    session: Session, district_code: str, start: str, end: str, *, lang: str = "zh"
) -> dict[str, Any]:
    """完好率 month by month from ``start`` to ``end`` (YYYY-MM, inclusive)."""
    district = get_district(session, district_code)
    histories, synthetic, records = _histories(session, district)
    return {
        "district": district.code,
        "months": [_rate(histories, district, m, lang) for m in _months(start, end)],
        "definition": INTACT_DEFINITION[lang if lang in INTACT_DEFINITION else "zh"],
        "synthetic": synthetic > 0,
        "synthetic_sources": synthetic,
        "sources": records,
    }


def source_history(session: Session, district_code: str, code: str) -> dict[str, Any]:
    """A source's status changes and inspections, oldest first."""
    district = get_district(session, district_code)
    src = get_source(session, district, code)
    events = session.scalars(
        select(WaterStatusEvent)
        .where(WaterStatusEvent.water_source_id == src.id)
        .order_by(WaterStatusEvent.at, WaterStatusEvent.id)
    ).all()
    insps = session.scalars(
        select(WaterInspection)
        .where(WaterInspection.water_source_id == src.id)
        .order_by(WaterInspection.inspected_at, WaterInspection.id)
    ).all()
    return {
        "code": src.code,
        "kind": src.kind.value,
        "status": src.status.value,
        "events": [
            {
                "at": e.at.isoformat(),
                "from": e.from_status.value,
                "to": e.to_status.value,
                "actor": e.actor,
                "ticket_id": e.ticket_id,
                "note": e.note,
                "synthetic": e.synthetic,
            }
            for e in events
        ],
        "inspections": [
            {
                "id": i.id,
                "at": i.inspected_at.isoformat(),
                "inspector": i.inspector,
                "intact": i.intact,
                "failed_items": [x for x in i.failed_items.split(",") if x],
                "pressure_mpa": i.pressure_mpa,
                "flow_l_s": i.flow_l_s,
                "ticket_id": i.ticket_id,
            }
            for i in insps
        ],
    }


def inspections_due(
    session: Session, district_code: str, *, today: date, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Registered sources whose next inspection (last one + the kind's cadence) is due by
    ``today``, most overdue first; never-inspected sources are due now."""
    std = load_water_standards()
    district = get_district(session, district_code)
    last = dict(
        session.execute(
            select(WaterInspection.water_source_id, func.max(WaterInspection.inspected_at))
            .where(WaterInspection.district_id == district.id)
            .group_by(WaterInspection.water_source_id)
        ).all()
    )
    rows = session.scalars(
        select(WaterSource).where(
            WaterSource.district_id == district.id,
            WaterSource.status.notin_(list(NOT_REGISTERED)),
        )
    ).all()
    out = []
    for s in rows:
        kind = WaterSourceKind(s.kind)
        days = std.cadence_days[kind]
        prev = last.get(s.id)
        if prev is not None and prev.tzinfo is None:
            prev = prev.replace(tzinfo=UTC)
        due = (prev + timedelta(days=days)).date() if prev is not None else None
        if due is None or due <= today:
            out.append(
                {
                    "code": s.code,
                    "kind": kind.value,
                    "kind_label": kind.label(lang),
                    "status": s.status.value,
                    "last_inspected_at": prev.isoformat() if prev else None,
                    "cadence_days": days,
                    "due_on": due.isoformat() if due else None,
                    "days_overdue": (today - due).days if due else None,
                    "synthetic": s.synthetic,
                }
            )
    out.sort(key=lambda r: (r["due_on"] is not None, r["due_on"] or "", r["code"]))
    return out


# -- new-hydrant planning list -------------------------------------------------------------------


def new_hydrant_plan(
    session: Session, district_code: str, *, network: str | None = None
) -> dict[str, Any]:
    """Rank the hydrant coverage gaps (places beyond 150 m, road beyond 120 m) into a list of
    places to build hydrants, with the standards and analysis it rests on."""
    from firegrid.coverage.service import hydrant_analysis

    std = load_water_standards()
    analysis = hydrant_analysis(session, district_code, network=network)
    if any("geometry" not in p for p in analysis.get("uncovered") or []):
        # The straight-line check names places without their position: add it from the
        # district's settlements.
        from firegrid.districts.models import Place

        district = get_district(session, district_code)
        where = {
            p.name: (p.lon, p.lat)
            for p in session.scalars(
                select(Place).where(Place.district_id == district.id, Place.is_settlement.is_(True))
            )
        }
        analysis = {
            **analysis,
            "uncovered": [
                p
                if "geometry" in p or p.get("label") not in where
                else {**p, "geometry": {"type": "Point", "coordinates": list(where[p["label"]])}}
                for p in analysis.get("uncovered") or []
            ],
        }
    items = planning_list(analysis, road_metres_per_hydrant=std.road_metres_per_hydrant)
    return {
        "district": district_code,
        "radius_m": analysis.get("radius_m"),
        "road_distance_m": analysis.get("road_distance_m"),
        "approximate": analysis.get("approximate", False),
        "network": analysis.get("network"),
        "hydrants_in_service": analysis.get("hydrants_in_service"),
        "standards_version": std.version,
        "hydrants_proposed": sum(i.hydrants_proposed for i in items),
        "items": [i.as_dict() for i in items],
    }


PLAN_COLUMNS = ("rank", "kind", "label", "lon", "lat", "weight", "distance_m", "hydrants_proposed")


def new_hydrant_plan_csv(plan: Mapping[str, Any]) -> str:
    """The planning list as CSV (UTF-8; the columns of :data:`PLAN_COLUMNS`)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(PLAN_COLUMNS), lineterminator="\n")
    w.writeheader()
    for item in plan["items"]:
        w.writerow({k: item[k] for k in PLAN_COLUMNS})
    return buf.getvalue()
