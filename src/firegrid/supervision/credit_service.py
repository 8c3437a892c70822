"""Credit and 四率 use cases: score units from their records, keep the history, list the
severe-dishonesty units, and compute the building-facility rates.

Facts per unit over the rules' window before ``as_of``: hazards found (general/major), hazards
overdue (open past the deadline, or closed after it), penalties and their amounts, supervised
listings, self-inspection compliance (months with an accepted self-check ÷ months in the window
since the unit's first self-check or the window start), and false alarms: fire alarms from the
unit's IoT devices that the command centre dismissed as false in the window
(``firegrid.iot.service.false_alarm_counts``), or an explicit ``{building_id: count}`` mapping;
a district without any IoT device has no such feed, the factor counts 0 and the result says
``no_data: false_alarms``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.db.base import utcnow
from firegrid.districts.repository import get_district
from firegrid.periods import months_between
from firegrid.supervision import repository as repo
from firegrid.supervision.config import CreditRules, load_credit_rules
from firegrid.supervision.credit import CreditFacts, score_credit
from firegrid.supervision.models import CreditScore, Hazard, Penalty, SelfInspection
from firegrid.types import EscalationKind, HazardSeverity, HazardStatus, SelfCheckReview

__all__ = [
    "FOUR_RATE_ITEMS",
    "compute_credit",
    "credit_history",
    "four_rates",
    "severe_dishonesty_list",
]


def _facts(
    session: Session,
    district_id: int,
    building_ids: list[int],
    as_of: date,
    rules: CreditRules,
    false_alarms: Mapping[int, int] | None,
) -> dict[int, CreditFacts]:
    start = as_of - timedelta(days=rules.window_days)
    if false_alarms is None:
        from firegrid.iot.service import false_alarm_counts

        false_alarms = false_alarm_counts(
            session,
            district_id,
            since=datetime.combine(start, time.max, tzinfo=UTC),
            until=datetime.combine(as_of, time.max, tzinfo=UTC),
        )
    gen: Counter[int] = Counter()
    major: Counter[int] = Counter()
    overdue: Counter[int] = Counter()
    listings: Counter[int] = Counter()
    for h in session.scalars(select(Hazard).where(Hazard.district_id == district_id)):
        found = h.found_at.date()
        if not start < found <= as_of:
            continue
        (major if h.severity is HazardSeverity.MAJOR else gen)[h.building_id] += 1
        if h.deadline is not None:
            closed = h.closed_at.date() if h.closed_at is not None else None
            open_late = (closed is None or closed > as_of) and h.deadline < as_of
            closed_late = closed is not None and closed <= as_of and closed > h.deadline
            if h.status is not HazardStatus.FOUND and (open_late or closed_late):
                overdue[h.building_id] += 1
        if h.escalation is EscalationKind.SUPERVISED_LISTING:
            listings[h.building_id] += 1
    pens: Counter[int] = Counter()
    fen: Counter[int] = Counter()
    for p in session.scalars(
        select(Penalty).where(
            Penalty.district_id == district_id,
            Penalty.decided_on > start,
            Penalty.decided_on <= as_of,
        )
    ):
        pens[p.building_id] += 1
        fen[p.building_id] += p.amount_fen
    window_months = months_between(start + timedelta(days=1), as_of)
    # the month of as_of is not due yet
    due_months = window_months[:-1]
    first: dict[int, str] = {}
    accepted: dict[int, set[str]] = {}
    for s in session.scalars(
        select(SelfInspection).where(SelfInspection.district_id == district_id)
    ):
        if s.period > f"{as_of:%Y-%m}":
            continue
        first[s.building_id] = min(first.get(s.building_id, s.period), s.period)
        if s.review_result is SelfCheckReview.ACCEPTED:
            accepted.setdefault(s.building_id, set()).add(s.period)
    out = {}
    for b in building_ids:
        expected = [m for m in due_months if b in first and m >= first[b]]
        out[b] = CreditFacts(
            general_hazards=gen[b],
            major_hazards=major[b],
            overdue_hazards=overdue[b],
            penalties=pens[b],
            penalty_fen=fen[b],
            false_alarms=None if false_alarms is None else int(false_alarms.get(b, 0)),
            self_check_months_expected=len(expected),
            self_check_months_accepted=len(accepted.get(b, set()) & set(expected)),
            supervised_listings=listings[b],
        )
    return out


def compute_credit(
    session: Session,
    district_code: str,
    *,
    as_of: date | None = None,
    false_alarms: Mapping[int, int] | None = None,
    store: bool = True,
) -> dict[str, Any]:
    """Score every key unit's credit on ``as_of``; store a CreditScore row each (history)."""
    district = get_district(session, district_code)
    day = as_of or utcnow().date()
    rules = load_credit_rules(day)
    units = repo.key_units(session, district.id)
    facts = _facts(session, district.id, [u.id for u in units], day, rules, false_alarms)
    rows = []
    for u in units:
        res = score_credit(facts[u.id], rules)
        if store:
            session.add(
                CreditScore(
                    district_id=district.id,
                    building_id=u.id,
                    as_of=day,
                    score=res.score,
                    grade=res.grade,
                    breakdown_json=json.dumps(res.breakdown, ensure_ascii=False),
                    severe_dishonesty=res.severe_dishonesty,
                    config_ref=rules.ref,
                )
            )
        rows.append({"id": u.id, "name": u.name, **res.as_dict()})
    if store:
        session.commit()
    grades = Counter(r["grade"] for r in rows)
    return {
        "district": district.code,
        "as_of": day,
        "config": rules.ref,
        "window_days": rules.window_days,
        "grades": {g: grades.get(g, 0) for g in "ABCD"},
        "severe_dishonesty": [r["id"] for r in rows if r["severe_dishonesty"]],
        "units": rows,
    }


def credit_history(session: Session, district_code: str, building_id: int) -> dict[str, Any]:
    """Every stored credit score of a unit, oldest first."""
    district = get_district(session, district_code)
    b = repo.get_building(session, district.id, building_id)
    rows = session.scalars(
        select(CreditScore)
        .where(CreditScore.building_id == b.id)
        .order_by(CreditScore.as_of, CreditScore.id)
    )
    return {
        "id": b.id,
        "name": b.name,
        "history": [
            {
                "as_of": c.as_of,
                "score": c.score,
                "grade": c.grade.value,
                "severe_dishonesty": c.severe_dishonesty,
                "breakdown": json.loads(c.breakdown_json),
                "config": c.config_ref,
            }
            for c in rows
        ],
    }


def severe_dishonesty_list(
    session: Session, district_code: str, *, on: date | None = None
) -> dict[str, Any]:
    """Units whose latest credit score (on or before ``on``) marks severe dishonesty."""
    district = get_district(session, district_code)
    day = on or utcnow().date()
    latest = repo.latest_credit(session, district.id, day)
    names = {
        b.id: b.name
        for b in session.scalars(select(Building).where(Building.id.in_(list(latest) or [-1])))
    }
    units = [
        {
            "id": b,
            "name": names.get(b, ""),
            "score": c.score,
            "grade": c.grade.value,
            "as_of": c.as_of,
        }
        for b, c in sorted(latest.items())
        if c.severe_dishonesty
    ]
    return {"district": district.code, "on": day, "count": len(units), "units": units}


#: 四率 + 标准化管理达标率 → the standard self-inspection item that evidences it.
FOUR_RATE_ITEMS: dict[str, tuple[str, str]] = {
    "facilities_intact_rate": ("facilities_intact", "设施完好率"),
    "testing_rate": ("annual_test_done", "检测率"),
    "maintenance_contract_rate": ("maintenance_contract", "维保合同签订率"),
    "control_room_certified_rate": ("control_room_staff_certified", "控制室值班人员持证率"),
    "standardisation_rate": ("standardised_management", "标准化管理达标率"),
}


def four_rates(session: Session, district_code: str, *, period: str) -> dict[str, Any]:
    """四率 and 标准化管理达标率 over the units with a fire control room, per unit and district.

    The only records that carry these facts today are reviewed self-inspections: a rate's
    numerator is the units whose accepted self-check of ``period`` reports the standard item ok,
    its denominator the units with a control room that have such a reviewed item. Facility
    status, annual test reports, maintenance contracts and duty-staff certificates are not
    registered yet — a rate without any evidence is ``no_data`` and says what is missing.
    """
    from firegrid.supervision.service._common import _period

    district = get_district(session, district_code)
    _period(period)
    units = [u for u in repo.key_units(session, district.id) if u.has_control_room]
    checks = {
        s.building_id: s
        for s in session.scalars(
            select(SelfInspection).where(
                SelfInspection.district_id == district.id,
                SelfInspection.period == period,
                SelfInspection.review_result == SelfCheckReview.ACCEPTED,
            )
        )
    }
    per_unit = []
    tally = {k: [0, 0] for k in FOUR_RATE_ITEMS}
    for u in units:
        s = checks.get(u.id)
        items = {} if s is None else {i["item"]: i["ok"] for i in json.loads(s.items_json)}
        row: dict[str, Any] = {"id": u.id, "name": u.name}
        for key, (item, _) in FOUR_RATE_ITEMS.items():
            if item in items:
                row[key] = bool(items[item])
                tally[key][1] += 1
                tally[key][0] += int(bool(items[item]))
            else:
                row[key] = None
        per_unit.append(row)
    rates: dict[str, Any] = {}
    for key, (item, zh) in FOUR_RATE_ITEMS.items():
        num, den = tally[key]
        if den == 0:
            rates[key] = {
                "label": zh,
                "status": "no_data",
                "value": None,
                "missing": (
                    f"no accepted self-inspection of {period} reports '{item}' for the "
                    f"{len(units)} key unit(s) with a control room; facility status, test "
                    "reports, maintenance contracts and duty-staff certificates are not "
                    "registered yet"
                    if units
                    else "no key unit has a fire control room recorded (has_control_room)"
                ),
            }
        else:
            rates[key] = {
                "label": zh,
                "status": "ok",
                "value": round(num / den, 4),
                "numerator": num,
                "denominator": den,
                "coverage": f"{den} of {len(units)} units with a control room reported",
                "source": "reviewed self-inspections",
            }
    return {
        "district": district.code,
        "period": period,
        "units_with_control_room": len(units),
        "rates": rates,
        "units": per_unit,
    }
