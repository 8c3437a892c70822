"""Demo supervision records: a synthetic enforcement-staff register and past inspections.

Everything here is synthetic (``synthetic=True``, source says so): the district's enforcement
roster, certificates and inspection history are not published. 12 people (10 enforcement staff
with law-enforcement certificates — one expired, one inactive — and 2 control-room operators),
two conflicts of interest, and over the six months before ``today``: inspections of about a
third of the key units (mostly non-site, as the plans steer), hazards in every state of the
loop (some overdue), self-inspections with reviews, and a penalty. Seeded: the same district and
``today`` give the same records.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.districts.models import District
from firegrid.personnel.models import Certificate, ConflictOfInterest, Person
from firegrid.supervision.models import (
    Hazard,
    HazardEvent,
    Inspection,
    Penalty,
    SelfInspection,
)
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

__all__ = ["DEMO_SOURCE", "SELF_CHECK_ITEMS", "load_supervision_demo"]

DEMO_SOURCE = "firegrid demo: synthetic supervision records (not real people or inspections)"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙"
_GIVEN = ["伟", "芳", "敏", "静", "强", "磊", "洋", "军", "杰", "涛", "明", "超"]
SELF_CHECK_ITEMS = (
    "facilities_intact",
    "annual_test_done",
    "maintenance_contract",
    "control_room_staff_certified",
    "standardised_management",
    "exits_clear",
)
_HAZARDS = (
    "疏散通道堆放杂物",
    "安全出口上锁",
    "消火栓被遮挡",
    "应急照明损坏",
    "灭火器过期",
    "电动自行车室内充电",
    "消防控制室无人值班",
)


def _seed(code: str) -> int:
    return sum(ord(c) * (i + 1) for i, c in enumerate(code)) + 7


def _dt(d: date, hour: int = 10) -> datetime:
    return datetime(d.year, d.month, d.day, hour, tzinfo=UTC)


def load_supervision_demo(
    session: Session, district: District | str, *, today: date | None = None
) -> dict[str, Any]:
    """Add the synthetic register and history to a demo district (flushes; caller commits).

    Does nothing (returns ``{"skipped": ...}``) when the district already has a people register,
    so loading the demo twice does not duplicate it.
    """
    if isinstance(district, str):
        found = session.scalar(select(District).where(District.code == district))
        if found is None:
            from firegrid.errors import NotFoundError

            raise NotFoundError(f"no district {district!r}")
        district = found
    if session.scalar(select(Person.id).where(Person.district_id == district.id).limit(1)):
        return {"skipped": "district already has a people register"}
    day = today or datetime.now(UTC).date()
    rng = np.random.default_rng(_seed(district.code))
    src = DEMO_SOURCE
    people: list[Person] = []
    for i in range(12):
        enforcement = i < 10
        p = Person(
            district_id=district.id,
            code=f"DEMO-{i + 1:03d}",
            name=_SURNAMES[i] + _GIVEN[(i * 5) % len(_GIVEN)] + ("（示例）"),
            category=PersonnelCategory.NATIONAL
            if enforcement
            else PersonnelCategory.CIVILIAN_STAFF,
            title="防火监督员" if enforcement else "消防控制室值班员",
            is_enforcement_staff=enforcement,
            active=i != 9,  # one enforcement officer on leave: never drawn
            affiliation=f"{district.name_zh}消防救援支队（示例）",
            synthetic=True,
            source=src,
        )
        session.add(p)
        people.append(p)
    session.flush()
    for i, p in enumerate(people):
        kind = (
            CertificateKind.LAW_ENFORCEMENT
            if p.is_enforcement_staff
            else CertificateKind.CONTROL_ROOM_OPERATOR
        )
        issued = day - timedelta(days=int(rng.integers(400, 1500)))
        # one officer's certificate lapsed last month: not eligible for draws
        expires = day - timedelta(days=30) if i == 8 else issued + timedelta(days=5 * 365)
        session.add(
            Certificate(
                person_id=p.id,
                kind=kind,
                number=f"DEMO-CERT-{i + 1:04d}",
                issued_on=issued,
                expires_on=expires,
                synthetic=True,
            )
        )
    units = list(
        session.scalars(
            select(Building)
            .where(Building.district_id == district.id, Building.key_unit.is_(True))
            .order_by(Building.id)
        )
    )
    counts = {"people": len(people), "inspections": 0, "hazards": 0, "self_inspections": 0}
    if not units:
        session.flush()
        return counts
    for k in range(min(2, len(units))):
        session.add(
            ConflictOfInterest(
                person_id=people[k].id,
                building_id=units[k].id,
                reason="示例：近亲属在该单位任职",
            )
        )
    officers = [p for p in people[:8]]
    inspected = rng.choice(len(units), size=max(1, len(units) // 3), replace=False)
    modes = [
        InspectionMode.ON_SITE,
        InspectionMode.REMOTE_VIDEO,
        InspectionMode.IOT_DATA,
        InspectionMode.REMOTE_VIDEO,
        InspectionMode.IOT_DATA,
    ]
    for n, ui in enumerate(sorted(int(x) for x in inspected)):
        u = units[ui]
        when = day - timedelta(days=int(rng.integers(5, 180)))
        mode = modes[n % len(modes)]
        pair = rng.choice(len(officers), size=2, replace=False)
        a, b = officers[int(pair[0])], officers[int(pair[1])]
        has_hazard = n % 3 == 0
        insp = Inspection(
            district_id=district.id,
            building_id=u.id,
            mode=mode,
            inspector1_id=a.id,
            inspector2_id=b.id if mode is InspectionMode.ON_SITE else None,
            inspected_on=when,
            outcome=InspectionOutcome.HAZARDS_FOUND if has_hazard else InspectionOutcome.PASSED,
            note="示例检查记录",
            created_by="demo",
            synthetic=True,
        )
        session.add(insp)
        session.flush()
        counts["inspections"] += 1
        if not has_hazard:
            continue
        state = [
            HazardStatus.CLOSED,
            HazardStatus.RECTIFYING,
            HazardStatus.ORDERED,
            HazardStatus.ESCALATED,
            HazardStatus.REINSPECTING,
        ][(n // 3) % 5]
        major = state is HazardStatus.ESCALATED
        deadline = when + timedelta(days=30)
        h = Hazard(
            district_id=district.id,
            building_id=u.id,
            inspection_id=insp.id,
            description=_HAZARDS[n % len(_HAZARDS)] + "（示例）",
            severity=HazardSeverity.MAJOR if major else HazardSeverity.GENERAL,
            status=state,
            found_at=_dt(when),
            found_by_id=a.id,
            found_by_user="demo",
            deadline=deadline,
            ordered_at=_dt(when, 11),
            synthetic=True,
        )
        path = [HazardStatus.FOUND, HazardStatus.ORDERED]
        if state is HazardStatus.RECTIFYING:
            path.append(state)
        elif state is HazardStatus.REINSPECTING:
            path += [HazardStatus.RECTIFYING, state]
            h.rectified_at = _dt(min(deadline, day))
        elif state is HazardStatus.ESCALATED:
            path.append(state)
            h.escalation = EscalationKind.SUPERVISED_LISTING
            h.escalated_at = _dt(min(deadline + timedelta(days=1), day))
        elif state is HazardStatus.CLOSED:
            path += [HazardStatus.RECTIFYING, HazardStatus.REINSPECTING, state]
            done = min(when + timedelta(days=20), day)
            h.rectified_at = _dt(done)
            h.reinspected_at = h.closed_at = _dt(done, 15)
            h.reinspected_by_id = b.id
            h.reinspected_by_user = "demo"
        session.add(h)
        session.flush()
        for old, new in zip([None, *path[:-1]], path, strict=True):
            session.add(
                HazardEvent(
                    hazard_id=h.id, from_status=old, to_status=new, at=h.found_at, actor="demo"
                )
            )
        if state is HazardStatus.ESCALATED:
            session.add(
                Penalty(
                    district_id=district.id,
                    building_id=u.id,
                    hazard_id=h.id,
                    decided_on=min(deadline + timedelta(days=1), day),
                    amount_fen=int(rng.integers(1, 6)) * 1_000_000,
                    reason="示例：逾期未改正重大火灾隐患",
                    synthetic=True,
                )
            )
        counts["hazards"] += 1
    # self-inspections: the first quarter of the units report monthly for three months
    months = []
    y, m = day.year, day.month
    for _ in range(3):
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
        months.append(f"{y:04d}-{m:02d}")
    for u in units[: max(1, len(units) // 4)]:
        for period in months:
            items = [
                {"item": it, "ok": bool(rng.random() > 0.15), "note": ""} for it in SELF_CHECK_ITEMS
            ]
            reviewed = period != months[0]
            session.add(
                SelfInspection(
                    district_id=district.id,
                    building_id=u.id,
                    period=period,
                    submitted_at=_dt(date(int(period[:4]), int(period[5:]), 25)),
                    submitted_by="demo-unit",
                    items_json=json.dumps(items, ensure_ascii=False),
                    all_ok=all(i["ok"] for i in items),
                    review_result=SelfCheckReview.ACCEPTED if reviewed else SelfCheckReview.PENDING,
                    reviewed_by="demo" if reviewed else None,
                    reviewed_at=_dt(date(int(period[:4]), int(period[5:]), 28))
                    if reviewed
                    else None,
                    synthetic=True,
                )
            )
            counts["self_inspections"] += 1
    session.flush()
    return counts
