"""The hazard loop (found, ordered, rectifying, re-inspected, closed or escalated) under an
optimistic lock, its history and overdue list, and administrative penalties."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from firegrid.db.base import utcnow
from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from firegrid.supervision import repository as repo
from firegrid.supervision.models import (
    Hazard,
    HazardEvent,
    Inspection,
    Penalty,
)
from firegrid.supervision.service._common import Actor, _commit_or_flush
from firegrid.supervision.status import REINSPECTION_MOVES, check_hazard_transition
from firegrid.types import (
    EscalationKind,
    HazardSeverity,
    HazardStatus,
)


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


def _mark_reinspected(h: Hazard, actor: Actor, now: datetime) -> None:
    h.reinspected_at = now
    h.reinspected_by_id = actor.person_id
    h.reinspected_by_user = actor.username


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
        _mark_reinspected(h, actor, now)
        h.rectified_at = None
        if deadline is not None:
            h.deadline = deadline
    elif new is HazardStatus.RECTIFYING and deadline is not None:
        h.deadline = deadline
    elif new is HazardStatus.CLOSED:
        _mark_reinspected(h, actor, now)
        h.closed_at = now
    h.status = new
    session.add(
        HazardEvent(
            hazard_id=h.id, from_status=old, to_status=new, at=now, actor=actor.username, note=note
        )
    )
    try:
        _commit_or_flush(session, commit=commit)
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
