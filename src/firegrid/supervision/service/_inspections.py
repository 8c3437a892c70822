"""Inspections on site and non-site, and the share of non-site ones against the plans' target."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError
from firegrid.supervision import repository as repo
from firegrid.supervision.models import (
    Inspection,
)
from firegrid.supervision.service._common import _commit_or_flush, _period
from firegrid.types import (
    InspectionMode,
    InspectionOutcome,
)

#: The plans' target for the share of non-site inspections (互联网+监管).
NON_SITE_TARGET = 0.8


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
    _commit_or_flush(session, commit=commit)
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
