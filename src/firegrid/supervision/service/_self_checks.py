"""Units' monthly self-inspections and their review, recorded as a non-site inspection."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.db.base import utcnow
from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError
from firegrid.supervision import repository as repo
from firegrid.supervision.models import (
    SelfInspection,
)
from firegrid.supervision.service._common import Actor, _commit_or_flush, _period
from firegrid.supervision.service._inspections import (
    record_inspection,
)
from firegrid.types import (
    InspectionMode,
    InspectionOutcome,
    SelfCheckReview,
)


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
    _commit_or_flush(session, commit=commit)
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
