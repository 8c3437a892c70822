"""Supervision record use cases: people register, inspections, hazards, self-checks, penalties.

Services own the commit and raise firegrid errors. A hazard row carries a version (optimistic
lock): of two people moving the same hazard at once exactly one commits, the other gets a
ConflictError. The person who found a hazard may not record its re-inspection (closing it or
sending it back): PermissionDeniedError says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from firegrid.db.base import utcnow
from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from firegrid.personnel.models import Certificate, ConflictOfInterest, Person
from firegrid.supervision import repository as repo
from firegrid.supervision.models import (
    Hazard,
    HazardEvent,
    Inspection,
    Penalty,
    SelfInspection,
    UnitClosure,
)
from firegrid.supervision.status import REINSPECTION_MOVES, check_hazard_transition
from firegrid.types import (
    CertificateKind,
    EscalationKind,
    HazardSeverity,
    HazardStatus,
    InspectionMode,
    InspectionOutcome,
    PersonnelCategory,
    SelfCheckReview,
)

__all__ = [
    "NON_SITE_TARGET",
    "Actor",
    "add_certificate",
    "add_conflict",
    "close_unit",
    "create_hazard",
    "create_person",
    "hazard_out",
    "inspection_out",
    "list_hazards",
    "list_people",
    "move_hazard",
    "non_site_share",
    "overdue_hazards",
    "record_inspection",
    "record_penalty",
    "review_self_inspection",
    "self_inspection_out",
    "submit_self_inspection",
]

#: The plans' target for the share of non-site inspections (互联网+监管).
NON_SITE_TARGET = 0.8


@dataclass(frozen=True)
class Actor:
    """Who acts: the login name, and the register person when known (for role checks)."""

    username: str
    person_id: int | None = None


def _period(text: str) -> str:
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise InvalidInputError(f"period {text!r}: give a month as YYYY-MM") from None
    return text


# --- people register -------------------------------------------------------------------------


def person_out(p: Person, certs: list[Certificate] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.id,
        "code": p.code,
        "name": p.name,
        "category": p.category.value,
        "title": p.title,
        "station_id": p.station_id,
        "is_enforcement_staff": p.is_enforcement_staff,
        "active": p.active,
        "affiliation": p.affiliation,
        "synthetic": p.synthetic,
    }
    if certs is not None:
        out["certificates"] = [
            {
                "id": c.id,
                "kind": c.kind.value,
                "number": c.number,
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
            }
            for c in certs
        ]
    return out


def create_person(
    session: Session,
    district_code: str,
    *,
    name: str,
    category: PersonnelCategory,
    title: str = "",
    is_enforcement_staff: bool = False,
    active: bool = True,
    affiliation: str = "",
    station_id: int | None = None,
    code: str | None = None,
    synthetic: bool = False,
    source: str = "",
) -> dict[str, Any]:
    """Add a person to the register."""
    district = get_district(session, district_code)
    if not name.strip():
        raise InvalidInputError("a person needs a name")
    p = Person(
        district_id=district.id,
        station_id=station_id,
        code=code,
        name=name.strip(),
        category=PersonnelCategory(category),
        title=title,
        is_enforcement_staff=is_enforcement_staff,
        active=active,
        affiliation=affiliation,
        synthetic=synthetic,
        source=source,
    )
    session.add(p)
    session.commit()
    return person_out(p, [])


def add_certificate(
    session: Session,
    person_id: int,
    *,
    kind: CertificateKind,
    number: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
    synthetic: bool = False,
) -> dict[str, Any]:
    """Record a certificate a person holds."""
    p = repo.get_person(session, person_id)
    if issued_on and expires_on and expires_on < issued_on:
        raise InvalidInputError(f"certificate expires {expires_on} before it is issued {issued_on}")
    c = Certificate(
        person_id=p.id,
        kind=CertificateKind(kind),
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        synthetic=synthetic,
    )
    session.add(c)
    session.commit()
    return {"id": c.id, "person_id": p.id, "kind": c.kind.value, "expires_on": expires_on}


def add_conflict(
    session: Session, person_id: int, building_id: int, *, reason: str = ""
) -> dict[str, Any]:
    """Record that a person must not inspect a building."""
    p = repo.get_person(session, person_id)
    repo.get_building(session, p.district_id, building_id)
    exists = session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.person_id == person_id,
            ConflictOfInterest.building_id == building_id,
        )
    )
    if exists is not None:
        raise ConflictError(
            f"person {person_id} already has a conflict with building {building_id}"
        )
    c = ConflictOfInterest(person_id=person_id, building_id=building_id, reason=reason)
    session.add(c)
    session.commit()
    return {"id": c.id, "person_id": person_id, "building_id": building_id, "reason": reason}


def list_people(
    session: Session, district_code: str, *, enforcement_only: bool = False
) -> list[dict[str, Any]]:
    """The people register of a district with certificates."""
    district = get_district(session, district_code)
    q = select(Person).where(Person.district_id == district.id).order_by(Person.id)
    if enforcement_only:
        q = q.where(Person.is_enforcement_staff.is_(True))
    people = list(session.scalars(q))
    certs: dict[int, list[Certificate]] = {p.id: [] for p in people}
    if people:
        for c in session.scalars(
            select(Certificate)
            .where(Certificate.person_id.in_(list(certs)))
            .order_by(Certificate.id)
        ):
            certs[c.person_id].append(c)
    return [person_out(p, certs[p.id]) for p in people]


def close_unit(
    session: Session,
    district_code: str,
    building_id: int,
    *,
    closed_on: date,
    reopened_on: date | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """Record that a unit is closed (excluded from draws while closed)."""
    district = get_district(session, district_code)
    repo.get_building(session, district.id, building_id)
    c = UnitClosure(
        district_id=district.id,
        building_id=building_id,
        closed_on=closed_on,
        reopened_on=reopened_on,
        reason=reason,
    )
    session.add(c)
    session.commit()
    return {"id": c.id, "building_id": building_id, "closed_on": closed_on}


# --- inspections -----------------------------------------------------------------------------


def inspection_out(i: Inspection) -> dict[str, Any]:
    return {
        "id": i.id,
        "building_id": i.building_id,
        "draw_id": i.draw_id,
        "mode": i.mode.value,
        "mode_label": i.mode.label(),
        "non_site": i.mode.is_non_site,
        "inspector_ids": [x for x in (i.inspector1_id, i.inspector2_id) if x is not None],
        "inspected_on": i.inspected_on,
        "outcome": i.outcome.value,
        "note": i.note,
        "synthetic": i.synthetic,
    }


def _inspectors(session: Session, district_id: int, ids: list[int], on: date) -> None:
    if len(ids) != len(set(ids)):
        raise InvalidInputError(f"the same inspector is named twice: {ids}")
    if len(ids) > 2:
        raise InvalidInputError(f"at most two inspectors per inspection, got {len(ids)}")
    for pid in ids:
        p = repo.get_person(session, pid)
        if p.district_id != district_id:
            raise InvalidInputError(f"person {pid} ({p.name}) is not in this district's register")


def record_inspection(
    session: Session,
    district_code: str,
    *,
    building_id: int,
    mode: InspectionMode,
    inspected_on: date,
    inspector_ids: list[int] | None = None,
    outcome: InspectionOutcome = InspectionOutcome.PASSED,
    note: str = "",
    draw_id: int | None = None,
    actor: str = "system",
    synthetic: bool = False,
    commit: bool = True,
) -> Inspection:
    """Record an inspection (on site, or non-site: remote video, IoT data, self-check review).

    An on-site inspection needs its two inspectors (执法 by two people); non-site ones may name
    one or none.
    """
    district = get_district(session, district_code)
    repo.get_building(session, district.id, building_id)
    mode = InspectionMode(mode)
    ids = list(inspector_ids or [])
    if mode is InspectionMode.ON_SITE and len(ids) != 2:
        raise InvalidInputError(
            f"an on-site inspection is made by two inspectors; got {len(ids)} ({ids})"
        )
    _inspectors(session, district.id, ids, inspected_on)
    if draw_id is not None:
        d = repo.get_draw(session, draw_id)
        if d.district_id != district.id:
            raise InvalidInputError(f"draw {draw_id} belongs to another district")
    insp = Inspection(
        district_id=district.id,
        building_id=building_id,
        draw_id=draw_id,
        mode=mode,
        inspector1_id=ids[0] if ids else None,
        inspector2_id=ids[1] if len(ids) > 1 else None,
        inspected_on=inspected_on,
        outcome=InspectionOutcome(outcome),
        note=note,
        created_by=actor,
        synthetic=synthetic,
    )
    session.add(insp)
    if commit:
        session.commit()
    else:
        session.flush()
    return insp


def non_site_share(
    session: Session, district_code: str, *, period: str | None = None, year: int | None = None
) -> dict[str, Any]:
    """Share of non-site inspections (remote video, IoT data, self-check review) in a month/year."""
    district = get_district(session, district_code)
    q = select(Inspection.mode, Inspection.inspected_on).where(
        Inspection.district_id == district.id
    )
    rows = list(session.execute(q))
    if period is not None:
        _period(period)
        rows = [r for r in rows if r[1].strftime("%Y-%m") == period]
    elif year is not None:
        rows = [r for r in rows if r[1].year == year]
    by_mode = {m.value: 0 for m in InspectionMode}
    for mode, _ in rows:
        by_mode[InspectionMode(mode).value] += 1
    total = len(rows)
    non_site = total - by_mode[InspectionMode.ON_SITE.value]
    share = None if total == 0 else non_site / total
    return {
        "district": district.code,
        "period": period or (str(year) if year is not None else "all"),
        "inspections": total,
        "on_site": by_mode[InspectionMode.ON_SITE.value],
        "non_site": non_site,
        "by_mode": by_mode,
        "share": None if share is None else round(share, 4),
        "target": NON_SITE_TARGET,
        "meets_target": None if share is None else share >= NON_SITE_TARGET,
        "status": "no_data" if total == 0 else "ok",
    }


# --- hazards ---------------------------------------------------------------------------------


def hazard_out(h: Hazard, *, on: date | None = None) -> dict[str, Any]:
    today = on or utcnow().date()
    overdue = (
        h.deadline is not None
        and h.status in (HazardStatus.ORDERED, HazardStatus.RECTIFYING, HazardStatus.ESCALATED)
        and h.deadline < today
    )
    return {
        "id": h.id,
        "building_id": h.building_id,
        "inspection_id": h.inspection_id,
        "description": h.description,
        "severity": h.severity.value,
        "severity_label": h.severity.label(),
        "status": h.status.value,
        "status_label": h.status.label(),
        "found_at": h.found_at,
        "found_by_id": h.found_by_id,
        "found_by_user": h.found_by_user,
        "deadline": h.deadline,
        "ordered_at": h.ordered_at,
        "rectified_at": h.rectified_at,
        "reinspected_at": h.reinspected_at,
        "reinspected_by_id": h.reinspected_by_id,
        "reinspected_by_user": h.reinspected_by_user,
        "closed_at": h.closed_at,
        "escalated_at": h.escalated_at,
        "escalation": None if h.escalation is None else h.escalation.value,
        "overdue": overdue,
        "days_overdue": (today - h.deadline).days if overdue and h.deadline else 0,
        "version": h.version,
        "synthetic": h.synthetic,
    }


def create_hazard(
    session: Session,
    district_code: str,
    *,
    building_id: int,
    description: str,
    severity: HazardSeverity = HazardSeverity.GENERAL,
    inspection_id: int | None = None,
    actor: Actor,
    found_at: datetime | None = None,
    synthetic: bool = False,
    commit: bool = True,
) -> Hazard:
    """Record a hazard found (by an inspection, an IoT rule or a self-check)."""
    district = get_district(session, district_code)
    repo.get_building(session, district.id, building_id)
    if not description.strip():
        raise InvalidInputError("a hazard needs a description")
    if inspection_id is not None:
        insp = session.get(Inspection, inspection_id)
        if insp is None or insp.building_id != building_id:
            raise NotFoundError(f"inspection {inspection_id} of building {building_id} not found")
    if actor.person_id is not None:
        repo.get_person(session, actor.person_id)
    at = found_at or utcnow()
    h = Hazard(
        district_id=district.id,
        building_id=building_id,
        inspection_id=inspection_id,
        description=description.strip(),
        severity=HazardSeverity(severity),
        status=HazardStatus.FOUND,
        found_at=at,
        found_by_id=actor.person_id,
        found_by_user=actor.username,
        synthetic=synthetic,
    )
    session.add(h)
    session.flush()
    session.add(
        HazardEvent(
            hazard_id=h.id, from_status=None, to_status=h.status, at=at, actor=actor.username
        )
    )
    if commit:
        session.commit()
    return h


def _check_not_finder(h: Hazard, actor: Actor, new: HazardStatus) -> None:
    same_person = actor.person_id is not None and actor.person_id == h.found_by_id
    same_user = bool(h.found_by_user) and actor.username == h.found_by_user
    if same_person or same_user:
        who = f"person {h.found_by_id}" if same_person else f"user {h.found_by_user}"
        raise PermissionDeniedError(
            f"hazard {h.id} was found by {who}: the re-inspection ({new.value}) must be recorded "
            "by a different inspector — the finder may not re-inspect or close their own hazard "
            "(发现人不得复查销案)"
        )


def move_hazard(
    session: Session,
    hazard_id: int,
    to: HazardStatus,
    *,
    actor: Actor,
    deadline: date | None = None,
    escalation: EscalationKind | None = None,
    penalty_fen: int | None = None,
    note: str = "",
    at: datetime | None = None,
    version: int | None = None,
    commit: bool = True,
) -> dict[str, Any]:
    """Move a hazard through the loop; refuse invalid moves and finder re-inspections.

    ``ordered`` needs a deadline; ``escalated`` needs the escalation kind (a penalty may carry its
    amount, which records a Penalty); re-inspection outcomes (``closed`` or back to
    ``rectifying`` from ``reinspecting``) are refused to the hazard's finder.
    """
    h = repo.get_hazard(session, hazard_id)
    new = HazardStatus(to)
    if version is not None and version != h.version:
        raise ConflictError(
            f"hazard {hazard_id} changed since you read it (version {version}, now {h.version}, "
            f"status {h.status.value}); reload and retry"
        )
    old = h.status
    check_hazard_transition(h.id, old, new)
    if (old, new) in REINSPECTION_MOVES:
        _check_not_finder(h, actor, new)
    now = at or utcnow()
    if new is HazardStatus.ORDERED:
        if deadline is None:
            raise InvalidInputError(f"hazard {h.id}: an order to rectify needs a deadline")
        if deadline < now.date():
            raise InvalidInputError(f"hazard {h.id}: deadline {deadline} is in the past")
        h.deadline = deadline
        h.ordered_at = now
    elif new is HazardStatus.REINSPECTING:
        h.rectified_at = now
    elif new is HazardStatus.ESCALATED:
        if escalation is None:
            raise InvalidInputError(
                f"hazard {h.id}: say how it is escalated: penalty or supervised_listing (挂牌督办)"
            )
        kind = EscalationKind(escalation)
        if kind is EscalationKind.SUPERVISED_LISTING and h.severity is not HazardSeverity.MAJOR:
            raise InvalidInputError(
                f"hazard {h.id}: 挂牌督办 (supervised listing) is for major hazards "
                "(重大火灾隐患); "
                f"this one is {h.severity.value}"
            )
        h.escalation = kind
        h.escalated_at = now
        if kind is EscalationKind.PENALTY and penalty_fen is not None:
            if penalty_fen < 0:
                raise InvalidInputError(f"penalty amount {penalty_fen} fen is negative")
            session.add(
                Penalty(
                    district_id=h.district_id,
                    building_id=h.building_id,
                    hazard_id=h.id,
                    decided_on=now.date(),
                    amount_fen=penalty_fen,
                    reason=note or h.description,
                )
            )
        if deadline is not None:
            h.deadline = deadline
    elif new is HazardStatus.RECTIFYING and old is HazardStatus.REINSPECTING:
        h.reinspected_at = now
        h.reinspected_by_id = actor.person_id
        h.reinspected_by_user = actor.username
        h.rectified_at = None
        if deadline is not None:
            h.deadline = deadline
    elif new is HazardStatus.RECTIFYING and deadline is not None:
        h.deadline = deadline
    elif new is HazardStatus.CLOSED:
        h.reinspected_at = now
        h.reinspected_by_id = actor.person_id
        h.reinspected_by_user = actor.username
        h.closed_at = now
    h.status = new
    session.add(
        HazardEvent(
            hazard_id=h.id, from_status=old, to_status=new, at=now, actor=actor.username, note=note
        )
    )
    try:
        if commit:
            session.commit()
        else:
            session.flush()
    except StaleDataError:
        session.rollback()
        raise ConflictError(
            f"hazard {hazard_id} was changed by someone else at the same time; reload and retry"
        ) from None
    return hazard_out(h)


def hazard_events(session: Session, hazard_id: int) -> list[dict[str, Any]]:
    """The hazard's history, oldest first."""
    repo.get_hazard(session, hazard_id)
    return [
        {
            "from": None if e.from_status is None else e.from_status.value,
            "to": e.to_status.value,
            "at": e.at,
            "actor": e.actor,
            "note": e.note,
        }
        for e in session.scalars(
            select(HazardEvent)
            .where(HazardEvent.hazard_id == hazard_id)
            .order_by(HazardEvent.at, HazardEvent.id)
        )
    ]


def list_hazards(
    session: Session,
    district_code: str,
    *,
    status: HazardStatus | None = None,
    building_id: int | None = None,
    on: date | None = None,
) -> list[dict[str, Any]]:
    """Hazards of a district, newest first."""
    district = get_district(session, district_code)
    q = select(Hazard).where(Hazard.district_id == district.id)
    if status is not None:
        q = q.where(Hazard.status == HazardStatus(status))
    if building_id is not None:
        q = q.where(Hazard.building_id == building_id)
    return [
        hazard_out(h, on=on) for h in session.scalars(q.order_by(Hazard.found_at.desc(), Hazard.id))
    ]


def overdue_hazards(
    session: Session, district_code: str, *, on: date | None = None
) -> dict[str, Any]:
    """Open hazards past their deadline (ordered, rectifying or escalated), most overdue first."""
    from firegrid.buildings.models import Building

    district = get_district(session, district_code)
    today = on or utcnow().date()
    rows = session.execute(
        select(Hazard, Building.name)
        .join(Building, Building.id == Hazard.building_id)
        .where(
            Hazard.district_id == district.id,
            Hazard.status.in_(
                [HazardStatus.ORDERED, HazardStatus.RECTIFYING, HazardStatus.ESCALATED]
            ),
            Hazard.deadline < today,
        )
        .order_by(Hazard.deadline, Hazard.id)
    )
    items = []
    for h, name in rows:
        d = hazard_out(h, on=today)
        d["building_name"] = name
        items.append(d)
    return {"district": district.code, "on": today, "count": len(items), "hazards": items}


def record_penalty(
    session: Session,
    district_code: str,
    *,
    building_id: int,
    decided_on: date,
    amount_fen: int,
    reason: str = "",
    hazard_id: int | None = None,
    synthetic: bool = False,
) -> dict[str, Any]:
    """Record an administrative penalty on a unit."""
    district = get_district(session, district_code)
    repo.get_building(session, district.id, building_id)
    if amount_fen < 0:
        raise InvalidInputError(f"penalty amount {amount_fen} fen is negative")
    p = Penalty(
        district_id=district.id,
        building_id=building_id,
        hazard_id=hazard_id,
        decided_on=decided_on,
        amount_fen=amount_fen,
        reason=reason,
        synthetic=synthetic,
    )
    session.add(p)
    session.commit()
    return {
        "id": p.id,
        "building_id": building_id,
        "decided_on": decided_on,
        "amount_fen": amount_fen,
    }


# --- self-inspections ------------------------------------------------------------------------


def self_inspection_out(s: SelfInspection) -> dict[str, Any]:
    return {
        "id": s.id,
        "building_id": s.building_id,
        "period": s.period,
        "submitted_at": s.submitted_at,
        "submitted_by": s.submitted_by,
        "items": json.loads(s.items_json),
        "all_ok": s.all_ok,
        "review_result": s.review_result.value,
        "reviewed_by": s.reviewed_by,
        "reviewed_at": s.reviewed_at,
        "review_note": s.review_note,
    }


def submit_self_inspection(
    session: Session,
    district_code: str,
    *,
    building_id: int,
    period: str,
    items: list[dict[str, Any]],
    submitted_by: str,
    submitted_at: datetime | None = None,
    synthetic: bool = False,
    commit: bool = True,
) -> dict[str, Any]:
    """Accept a unit's monthly self-check (one per unit and month); ``all_ok`` from its items."""
    district = get_district(session, district_code)
    repo.get_building(session, district.id, building_id)
    _period(period)
    if not items:
        raise InvalidInputError("a self-inspection lists at least one checked item")
    clean = []
    for n, it in enumerate(items, 1):
        if not isinstance(it, dict) or not str(it.get("item", "")).strip():
            raise InvalidInputError(f"self-inspection item {n}: needs an 'item' name")
        if not isinstance(it.get("ok"), bool):
            raise InvalidInputError(
                f"self-inspection item {n} ({it['item']}): 'ok' must be true/false"
            )
        clean.append({"item": str(it["item"]), "ok": it["ok"], "note": str(it.get("note", ""))})
    dup = session.scalar(
        select(SelfInspection).where(
            SelfInspection.building_id == building_id, SelfInspection.period == period
        )
    )
    if dup is not None:
        raise ConflictError(
            f"building {building_id} already submitted its self-inspection for {period} "
            f"(id {dup.id})"
        )
    s = SelfInspection(
        district_id=district.id,
        building_id=building_id,
        period=period,
        submitted_at=submitted_at or utcnow(),
        submitted_by=submitted_by,
        items_json=json.dumps(clean, ensure_ascii=False),
        all_ok=all(i["ok"] for i in clean),
        synthetic=synthetic,
    )
    session.add(s)
    if commit:
        session.commit()
    else:
        session.flush()
    return self_inspection_out(s)


def review_self_inspection(
    session: Session,
    self_inspection_id: int,
    *,
    result: SelfCheckReview,
    actor: Actor,
    on: date | None = None,
    note: str = "",
    commit: bool = True,
) -> dict[str, Any]:
    """Review a self-check; the review is recorded as a non-site inspection (self_check_review)."""
    s = repo.get_self_inspection(session, self_inspection_id)
    res = SelfCheckReview(result)
    if res is SelfCheckReview.PENDING:
        raise InvalidInputError("a review result is accepted or rejected")
    if s.review_result is not SelfCheckReview.PENDING:
        raise ConflictError(
            f"self-inspection {s.id} was already reviewed ({s.review_result.value}) by "
            f"{s.reviewed_by}"
        )
    now = utcnow()
    day = on or now.date()
    s.review_result = res
    s.reviewed_by = actor.username
    s.reviewed_at = now
    s.review_note = note
    from firegrid.districts.models import District

    district = session.get(District, s.district_id)
    assert district is not None
    insp = record_inspection(
        session,
        district.code,
        building_id=s.building_id,
        mode=InspectionMode.SELF_CHECK_REVIEW,
        inspected_on=day,
        inspector_ids=[actor.person_id] if actor.person_id is not None else [],
        outcome=(
            InspectionOutcome.PASSED
            if res is SelfCheckReview.ACCEPTED and s.all_ok
            else InspectionOutcome.HAZARDS_FOUND
        ),
        note=f"self-inspection {s.period} review: {res.value}" + (f" — {note}" if note else ""),
        actor=actor.username,
        synthetic=s.synthetic,
        commit=False,
    )
    if commit:
        session.commit()
    out = self_inspection_out(s)
    out["inspection_id"] = insp.id
    return out


def list_self_inspections(
    session: Session, district_code: str, *, pending_only: bool = False
) -> list[dict[str, Any]]:
    """Self-inspections of a district (pending ones first when asked)."""
    district = get_district(session, district_code)
    q = select(SelfInspection).where(SelfInspection.district_id == district.id)
    if pending_only:
        q = q.where(SelfInspection.review_result == SelfCheckReview.PENDING)
    return [
        self_inspection_out(s)
        for s in session.scalars(q.order_by(SelfInspection.period.desc(), SelfInspection.id))
    ]


def list_inspections(
    session: Session, district_code: str, *, period: str | None = None
) -> list[dict[str, Any]]:
    """Inspections of a district, newest first (optionally one month)."""
    district = get_district(session, district_code)
    rows = session.scalars(
        select(Inspection)
        .where(Inspection.district_id == district.id)
        .order_by(Inspection.inspected_on.desc(), Inspection.id)
    )
    out = [inspection_out(i) for i in rows]
    if period is not None:
        _period(period)
        out = [i for i in out if i["inspected_on"].strftime("%Y-%m") == period]
    return out
