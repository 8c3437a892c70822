"""Indicator values from the supervision, people-register and IoT records.

Registered into :data:`firegrid.indicators.formulas.FORMULA_FUNCTIONS` on import (formulas.py
imports this module at its end). Each formula reads a calendar year of the district:

``non_site_inspection_share`` (mtg-05)
    Inspections dated in the year: non-site (remote video, IoT data, self-check review) ÷ all,
    in percent — the supervision service's :func:`~firegrid.supervision.service.non_site_share`.
``key_unit_standardisation_rate`` (mtg-06)
    Of every registered key unit, the share whose accepted (reviewed) self-inspection of the
    *review month* reports the standardised-management item ok. The review month is the latest
    month of the year, not after ``today``, with an accepted self-inspection in the district.
``building_facility_four_rates`` (mtg-07)
    :func:`~firegrid.supervision.credit_service.four_rates` of the review month over the key units
    with a fire control room; each of the four rates must reach the target, so the value is the
    lowest of the four (all four are in ``detail``).
``special_rescue_certified_count`` (mtg-15)
    Active firefighters of the people register holding a special-disaster rescue certificate
    valid on the year's *as-of* date: 31 December, or ``today`` in the year that is running.
``enforcement_certificate_share`` (mtg-16)
    Active enforcement staff of the national fire service (``is_enforcement_staff``, category
    ``national``) holding a law-enforcement certificate valid on the as-of date ÷ those staff.
``iot_install_rate`` (mtg-20)
    Units with a fire control room (``Building.has_control_room``) with at least one registered
    IoT device registered by the end of the year ÷ units with a fire control room.

A rate over a register needs evidence for *every* member of its denominator: a unit without a
reviewed self-check is not known to meet the standard, and assuming either way would make a
figure up. With partial evidence the value is ``None`` and the ``Need`` says how many units lack
it; ``detail`` keeps the partial figures. The people register has no start or end dates: a past
year is read from the register as it stands, with each certificate's validity on that year's
31 December. A year after ``today`` has not begun: no value.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import func, select

from firegrid.buildings.models import Building
from firegrid.indicators.formulas import (
    FormulaContext,
    FormulaValue,
    Need,
    _percent,
    _synthetic,
    formula,
)
from firegrid.iot.models import IotDevice
from firegrid.personnel.models import Certificate, Person
from firegrid.statistics.service import year_bounds_utc
from firegrid.supervision import repository as supervision_repo
from firegrid.supervision.credit_service import FOUR_RATE_ITEMS, four_rates
from firegrid.supervision.models import Inspection, SelfInspection
from firegrid.supervision.service import non_site_share
from firegrid.types import CertificateKind, PersonnelCategory, SelfCheckReview

__all__: list[str] = []

#: The 四率 of mtg-07 (FOUR_RATE_ITEMS also holds the standardisation rate of mtg-06).
FOUR_RATES = (
    "facilities_intact_rate",
    "testing_rate",
    "maintenance_contract_rate",
    "control_room_certified_rate",
)
_STANDARDISATION_ITEM = FOUR_RATE_ITEMS["standardisation_rate"][0]


def _not_begun(ctx: FormulaContext) -> FormulaValue | None:
    if ctx.year <= ctx.today.year:
        return None
    return FormulaValue(
        None,
        (Need(f"{ctx.year}年尚未开始（今天为{ctx.today}）", f"{ctx.year} has not begun yet"),),
    )


def _as_of(ctx: FormulaContext) -> date:
    """31 December of the year, or ``today`` in the year that is running."""
    return min(date(ctx.year, 12, 31), ctx.today)


# -- inspections -------------------------------------------------------------------------------


@formula("non_site_inspection_share")
def _non_site_share(ctx: FormulaContext) -> FormulaValue:
    if (early := _not_begun(ctx)) is not None:
        return early
    fig = non_site_share(ctx.session, ctx.district.code, year=ctx.year)
    total = int(fig["inspections"])
    if total == 0:
        elsewhere = ctx.session.scalar(
            select(func.count()).where(Inspection.district_id == ctx.district.id)
        )
        return FormulaValue(
            None,
            (
                Need(
                    f"{ctx.year}年的检查记录（现场与非现场；本区其他年份有{elsewhere}条）",
                    f"inspection records (on-site and non-site) dated in {ctx.year} "
                    f"({elsewhere} recorded in other years)",
                ),
            ),
        )
    synthetic = ctx.session.scalar(
        select(func.count()).where(
            Inspection.district_id == ctx.district.id,
            Inspection.inspected_on >= date(ctx.year, 1, 1),
            Inspection.inspected_on <= date(ctx.year, 12, 31),
            Inspection.synthetic.is_(True),
        )
    )
    return FormulaValue(
        _percent(int(fig["non_site"]), total),
        detail={
            "inspections": total,
            "on_site": fig["on_site"],
            "non_site": fig["non_site"],
            "by_mode": fig["by_mode"],
        },
        synthetic=_synthetic("inspections", int(synthetic or 0), total),
    )


# -- reviewed self-inspections: standardisation and the four rates ------------------------------


def _review_month(ctx: FormulaContext) -> str | None:
    """Latest month of the year, not after today, with an accepted self-inspection."""
    last = min(date(ctx.year, 12, 31), ctx.today)
    return ctx.session.scalar(
        select(func.max(SelfInspection.period)).where(
            SelfInspection.district_id == ctx.district.id,
            SelfInspection.review_result == SelfCheckReview.ACCEPTED,
            SelfInspection.period >= f"{ctx.year:04d}-01",
            SelfInspection.period <= f"{last:%Y-%m}",
        )
    )


def _accepted_checks(ctx: FormulaContext, month: str) -> dict[int, SelfInspection]:
    rows = ctx.session.scalars(
        select(SelfInspection).where(
            SelfInspection.district_id == ctx.district.id,
            SelfInspection.period == month,
            SelfInspection.review_result == SelfCheckReview.ACCEPTED,
        )
    )
    return {s.building_id: s for s in rows}


def _no_reviews(ctx: FormulaContext, what_zh: str, what_en: str) -> FormulaValue:
    return FormulaValue(
        None,
        (
            Need(
                f"{ctx.year}年经审核通过的单位自查记录（含{what_zh}；来自：监督检查）",
                f"accepted (reviewed) self-inspections of {ctx.year} reporting {what_en} "
                "(fed by: supervision)",
            ),
        ),
    )


@formula("key_unit_standardisation_rate")
def _standardisation(ctx: FormulaContext) -> FormulaValue:
    if (early := _not_begun(ctx)) is not None:
        return early
    units = supervision_repo.key_units(ctx.session, ctx.district.id)
    if not units:
        return FormulaValue(None, (Need("消防安全重点单位名录", "key-unit register"),))
    month = _review_month(ctx)
    if month is None:
        return _no_reviews(ctx, "“标准化管理”项", "the standardised-management item")
    checks = _accepted_checks(ctx, month)
    reported: dict[int, bool] = {}
    used: list[SelfInspection] = []
    for u in units:
        s = checks.get(u.id)
        items = {} if s is None else {i["item"]: i["ok"] for i in json.loads(s.items_json)}
        if s is not None and _STANDARDISATION_ITEM in items:
            reported[u.id] = bool(items[_STANDARDISATION_ITEM])
            used.append(s)
    met = sum(reported.values())
    detail: dict[str, Any] = {
        "month": month,
        "key_units": len(units),
        "reported": len(reported),
        "met": met,
    }
    if len(reported) < len(units):
        gap = len(units) - len(reported)
        detail["rate_among_reported"] = _percent(met, len(reported)) if reported else None
        return FormulaValue(
            None,
            (
                Need(
                    f"全部{len(units)}家重点单位{month}经审核的自查记录（含“标准化管理”项）："
                    f"仅{len(reported)}家有，缺{gap}家",
                    f"accepted self-inspections of {month} reporting the standardised-"
                    f"management item for all {len(units)} key units: {len(reported)} have "
                    f"one, {gap} do not",
                ),
            ),
            detail=detail,
        )
    return FormulaValue(
        _percent(met, len(units)),
        detail=detail,
        synthetic=_synthetic("buildings", sum(1 for u in units if u.synthetic), len(units))
        + _synthetic("self_inspections", sum(1 for s in used if s.synthetic), len(used)),
    )


@formula("building_facility_four_rates")
def _four_rates(ctx: FormulaContext) -> FormulaValue:
    if (early := _not_begun(ctx)) is not None:
        return early
    month = _review_month(ctx)
    if month is None:
        return _no_reviews(
            ctx, "“四率”各项", "the 四率 items (intact, tested, maintained, certified)"
        )
    out = four_rates(ctx.session, ctx.district.code, period=month)
    n = int(out["units_with_control_room"])
    if n == 0:
        return FormulaValue(
            None,
            (
                Need(
                    "设有消防控制室的重点单位（has_control_room）",
                    "key units with a fire control room (has_control_room)",
                ),
            ),
        )
    rates = {k: out["rates"][k] for k in FOUR_RATES}
    reported = {k: int(r.get("denominator", 0)) for k, r in rates.items()}
    detail: dict[str, Any] = {"month": month, "units_with_control_room": n, "reported": reported}
    partial = {
        k: _percent(int(r["numerator"]), int(r["denominator"]))
        for k, r in rates.items()
        if r["status"] == "ok"
    }
    if any(d < n for d in reported.values()):
        detail["rates_among_reported"] = partial
        counts_zh = "、".join(f"{FOUR_RATE_ITEMS[k][1]}{d}家" for k, d in reported.items())
        counts_en = ", ".join(f"{FOUR_RATE_ITEMS[k][0]} {d}" for k, d in reported.items())
        return FormulaValue(
            None,
            (
                Need(
                    f"全部{n}家设有消防控制室的重点单位{month}经审核的自查记录（含“四率”各项）："
                    f"已报告{counts_zh}",
                    f"accepted self-inspections of {month} reporting the 四率 items for all {n} "
                    f"key units with a fire control room: reported {counts_en}",
                ),
            ),
            detail=detail,
        )
    lowest = min(FOUR_RATES, key=lambda k: partial[k])
    detail.update(rates=partial, lowest=lowest)
    room_units = [
        u for u in supervision_repo.key_units(ctx.session, ctx.district.id) if u.has_control_room
    ]
    checks = _accepted_checks(ctx, month)
    used = [checks[u.id] for u in room_units if u.id in checks]
    return FormulaValue(
        partial[lowest],
        detail=detail,
        synthetic=_synthetic(
            "buildings", sum(1 for u in room_units if u.synthetic), len(room_units)
        )
        + _synthetic("self_inspections", sum(1 for s in used if s.synthetic), len(used)),
    )


# -- the people register ---------------------------------------------------------------------


@formula("special_rescue_certified_count")
def _special_rescue(ctx: FormulaContext) -> FormulaValue:
    if (early := _not_begun(ctx)) is not None:
        return early
    rows = ctx.session.execute(
        select(Certificate, Person)
        .join(Person, Person.id == Certificate.person_id)
        .where(
            Person.district_id == ctx.district.id,
            Certificate.kind == CertificateKind.SPECIAL_DISASTER_RESCUE,
        )
    ).all()
    if not rows:
        registered = ctx.session.scalar(
            select(func.count()).where(Person.district_id == ctx.district.id)
        )
        return FormulaValue(
            None,
            (
                Need(
                    "人员名录中的国家级特种灾害救援技术认证证书"
                    f"（special_disaster_rescue；名录{registered}人中无此类证书记录）",
                    "national special-disaster rescue certificates (special_disaster_rescue) "
                    f"in the people register (none among its {registered} people)",
                ),
            ),
        )
    as_of = _as_of(ctx)
    holders = {
        p.id
        for c, p in rows
        if p.active and PersonnelCategory(p.category).is_firefighter and c.valid_on(as_of)
    }
    people = {p.id: p for _, p in rows}
    # The count rests on every certificate of the kind (a synthetic one may be counted or not).
    return FormulaValue(
        float(len(holders)),
        detail={"as_of": as_of.isoformat(), "holders": len(holders), "certificates": len(rows)},
        synthetic=_synthetic("people", sum(1 for p in people.values() if p.synthetic), len(people))
        + _synthetic("certificates", sum(1 for c, _ in rows if c.synthetic), len(rows)),
    )


@formula("enforcement_certificate_share")
def _enforcement_share(ctx: FormulaContext) -> FormulaValue:
    if (early := _not_begun(ctx)) is not None:
        return early
    staff = ctx.session.scalars(
        select(Person).where(
            Person.district_id == ctx.district.id,
            Person.is_enforcement_staff.is_(True),
            Person.active.is_(True),
            Person.category == PersonnelCategory.NATIONAL,
        )
    ).all()
    if not staff:
        return FormulaValue(
            None,
            (
                Need(
                    "国家综合性消防救援队伍在岗执法人员名录（is_enforcement_staff，类别national）",
                    "register of the national fire service's active enforcement staff "
                    "(is_enforcement_staff, category national)",
                ),
            ),
        )
    certs = ctx.session.scalars(
        select(Certificate).where(
            Certificate.person_id.in_([p.id for p in staff]),
            Certificate.kind == CertificateKind.LAW_ENFORCEMENT,
        )
    ).all()
    as_of = _as_of(ctx)
    holders = {c.person_id for c in certs if c.valid_on(as_of)}
    return FormulaValue(
        _percent(len(holders), len(staff)),
        detail={
            "as_of": as_of.isoformat(),
            "enforcement_staff": len(staff),
            "with_valid_certificate": len(holders),
        },
        synthetic=_synthetic("people", sum(1 for p in staff if p.synthetic), len(staff))
        + _synthetic("certificates", sum(1 for c in certs if c.synthetic), len(certs)),
    )


# -- IoT ------------------------------------------------------------------------------------------


@formula("iot_install_rate")
def _iot_install(ctx: FormulaContext) -> FormulaValue:
    if (early := _not_begun(ctx)) is not None:
        return early
    buildings = ctx.session.scalars(
        select(Building).where(Building.district_id == ctx.district.id)
    ).all()
    rooms = [b for b in buildings if b.has_control_room]
    unknown = sum(1 for b in buildings if b.has_control_room is None)
    if not rooms:
        return FormulaValue(
            None,
            (
                Need(
                    "设有消防控制室的单位名录（has_control_room）",
                    "register of units with a fire control room (has_control_room)",
                ),
            ),
        )
    _, year_end = year_bounds_utc(ctx.district, ctx.year, ctx.year)
    devices = ctx.session.scalars(
        select(IotDevice).where(
            IotDevice.district_id == ctx.district.id,
            IotDevice.registered.is_(True),
            IotDevice.building_id.is_not(None),
            IotDevice.created_at < year_end,
        )
    ).all()
    if not devices:
        return FormulaValue(
            None,
            (
                Need(
                    f"设有消防控制室的{len(rooms)}家单位的物联网“三水一报警”设备台账"
                    f"（截至{ctx.year}年底本区无已登记设备；来自：物联网）",
                    f"IoT “three water + one alarm” device register of the {len(rooms)} units "
                    f"with a fire control room (no device registered in the district by the end "
                    f"of {ctx.year}; fed by: iot)",
                ),
            ),
        )
    room_ids = {b.id for b in rooms}
    counted = [d for d in devices if d.building_id in room_ids]
    covered = {d.building_id for d in counted}
    return FormulaValue(
        _percent(len(covered), len(rooms)),
        detail={
            "units_with_control_room": len(rooms),
            "units_with_device": len(covered),
            "devices": len(counted),
            "control_room_unknown": unknown,
            # Residential compounds (住宅小区) are not in the building register yet.
            "scope": "units with a fire control room; residential compounds not registered",
        },
        synthetic=_synthetic("buildings", sum(1 for b in rooms if b.synthetic), len(rooms))
        + _synthetic("iot_devices", sum(1 for d in counted if d.synthetic), len(counted)),
    )
