"""Data-quality findings for a district: published tables checked for plausibility, and the
records checked against the published totals they should reproduce."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.districts.repository import get_district
from firegrid.quality.checks import Cell, Finding, QualityThresholds, run_checks
from firegrid.statistics.models import PublishedFigure
from firegrid.statistics.service import annual_fire_table

__all__ = ["district_findings"]

_RECORD_FIELDS = {"fires": "fires", "deaths": "deaths", "injuries": "injuries", "loss": "loss_yuan"}


def _cells(session: Session, district_id: int) -> list[Cell]:
    rows = session.scalars(
        select(PublishedFigure)
        .where(PublishedFigure.district_id == district_id)
        .order_by(PublishedFigure.table_code, PublishedFigure.id)
    )
    return [
        Cell(
            table_code=r.table_code,
            row_key=r.row_key,
            year=r.year,
            column_key=r.column_key,
            column_heading=r.column_heading,
            declared_unit=r.declared_unit,
            raw_text=r.raw_text,
            value=r.value,
            measure=r.measure,
        )
        for r in rows
    ]


def _records_vs_published(
    session: Session, code: str, cells: list[Cell], skip: set[tuple[str, str]]
) -> list[Finding]:
    years = sorted({c.year for c in cells if c.year is not None and c.column_key == "fires"})
    if not years:
        return []
    computed = {r.year: r for r in annual_fire_table(session, code, years[0], years[-1])}
    out: list[Finding] = []
    for c in cells:
        field = _RECORD_FIELDS.get(c.column_key)
        if (
            field is None
            or c.year is None
            or c.value is None
            or (c.table_code, c.column_key) in skip
        ):
            continue
        row = computed.get(c.year)
        if row is None or row.records == 0:
            continue
        printed = c.value * (10_000 if c.declared_unit.startswith("万") else 1)
        got = getattr(row, field)
        if got is None or abs(got - printed) > 0.011:
            out.append(
                Finding(
                    code="records_vs_published",
                    severity="warning",
                    table_code=c.table_code,
                    column_key=c.column_key,
                    rows=(str(c.year),),
                    message=f"{c.year}年记录汇总“{c.column_heading}”为{got}，规划公布为{c.raw_text}。",
                    message_en=f"{c.year}: records add up to {got} for {c.column_key}, the "
                    f"published figure is {c.raw_text}.",
                    evidence={"records": got, "published": c.raw_text},
                )
            )
    return out


def district_findings(
    session: Session, district_code: str, *, thresholds: QualityThresholds | None = None
) -> list[Finding]:
    """Every data-quality finding for the district, most severe first."""
    district = get_district(session, district_code)
    cells = _cells(session, district.id)
    findings = run_checks(cells, thresholds=thresholds)
    # A column already reported as being in the wrong unit is not compared again.
    skip = {(f.table_code, f.column_key) for f in findings if f.code == "loss_unit_mismatch"}
    findings += _records_vs_published(session, district_code, cells, skip)
    order = {"error": 0, "warning": 1}
    return sorted(findings, key=lambda f: order.get(f.severity, 2))
