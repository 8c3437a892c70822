"""Annual fire statistics and calls by category, laid out like the plans' tables.

Years are local calendar years in the district's time zone. Rates use the resident population
(常住人口) of the same year and are rounded to two decimals, as the plans print them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.districts.models import District
from firegrid.districts.repository import get_district, populations
from firegrid.errors import InvalidInputError
from firegrid.incidents.models import Incident
from firegrid.statistics.grading import grade_fire
from firegrid.types import IncidentCategory
from firegrid.units import fen_to_yuan

__all__ = [
    "RATE_DECIMALS",
    "AnnualRow",
    "CallsRow",
    "annual_fire_table",
    "calls_table",
    "year_bounds_utc",
]

RATE_DECIMALS = 2


@dataclass(frozen=True)
class AnnualRow:
    """One row of the annual fire table (``year`` None = the total / average row)."""

    year: int | None
    fires: int
    injuries: int
    serious_injuries: int
    deaths: int
    loss_yuan: float | None
    population: int | None
    death_rate_per_100k: float | None
    fires_per_10k: float | None
    deaths_per_million: float | None
    grades: dict[str, int] = field(default_factory=dict)
    records: int = 0
    synthetic_records: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["year"] = self.year if self.year is not None else "total"
        return out


@dataclass(frozen=True)
class CallsRow:
    year: int | None
    total: int
    fire: int
    rescue: int
    social_assistance: int
    other: int
    synthetic_records: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["year"] = self.year if self.year is not None else "total"
        return out


def _check_years(year_from: int, year_to: int) -> None:
    if year_from > year_to:
        raise InvalidInputError(f"--from {year_from} is after --to {year_to}")
    if year_to - year_from > 100:
        raise InvalidInputError(f"year range {year_from}–{year_to} is longer than 100 years")


def year_bounds_utc(district: District, year_from: int, year_to: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(district.timezone)
    return datetime(year_from, 1, 1, tzinfo=zone), datetime(year_to + 1, 1, 1, tzinfo=zone)


def _rate(count: float, population: int | None, per: int) -> float | None:
    if not population:
        return None
    return round(count / population * per, RATE_DECIMALS)


def annual_fire_table(
    session: Session, district_code: str, year_from: int, year_to: int, *, total: bool = False
) -> list[AnnualRow]:
    """Fires, casualties, direct loss and rates per year (plus a total row if asked)."""
    _check_years(year_from, year_to)
    district = get_district(session, district_code)
    zone = ZoneInfo(district.timezone)
    start, end = year_bounds_utc(district, year_from, year_to)
    rows = session.execute(
        select(
            Incident.received_at,
            Incident.deaths,
            Incident.injuries,
            Incident.serious_injuries,
            Incident.loss_fen,
            Incident.households_affected,
            Incident.synthetic,
        ).where(
            Incident.district_id == district.id,
            Incident.category == IncidentCategory.FIRE,
            Incident.received_at >= start,
            Incident.received_at < end,
        )
    ).all()
    acc: dict[int, dict[str, Any]] = {
        y: {
            "fires": 0,
            "deaths": 0,
            "injuries": 0,
            "serious": 0,
            "loss": 0,
            "loss_known": 0,
            "grades": Counter(),
            "synthetic": 0,
        }
        for y in range(year_from, year_to + 1)
    }
    for received, deaths, injuries, serious, loss, households, synthetic in rows:
        local = received.astimezone(zone)
        a = acc[local.year]
        a["fires"] += 1
        a["deaths"] += deaths
        a["injuries"] += injuries
        a["serious"] += serious
        if loss is not None:
            a["loss"] += loss
            a["loss_known"] += 1
        grade, _ = grade_fire(
            local.date(),
            deaths=deaths,
            serious_injuries=serious,
            injuries=injuries,
            loss_fen=loss,
            households=households,
        )
        a["grades"][grade] += 1
        a["synthetic"] += int(synthetic)
    pops = populations(session, district.id)
    out: list[AnnualRow] = []
    for year, a in acc.items():
        pop = pops[year].population if year in pops else None
        out.append(
            AnnualRow(
                year=year,
                fires=a["fires"],
                injuries=a["injuries"],
                serious_injuries=a["serious"],
                deaths=a["deaths"],
                loss_yuan=float(fen_to_yuan(a["loss"])) if a["loss_known"] else None,
                population=pop,
                death_rate_per_100k=_rate(a["deaths"], pop, 100_000),
                fires_per_10k=_rate(a["fires"], pop, 10_000),
                deaths_per_million=_rate(a["deaths"], pop, 1_000_000),
                grades=dict(sorted(a["grades"].items())),
                records=a["fires"],
                synthetic_records=a["synthetic"],
            )
        )
    if total:
        out.append(_total_row(out))
    return out


def _total_row(rows: list[AnnualRow]) -> AnnualRow:
    """Sums; population is the mean; rates are the average annual rates (the plans' 年均)."""
    pops = [r.population for r in rows if r.population]
    complete = len(pops) == len(rows)
    person_years = sum(pops) if complete else 0
    grades: Counter[str] = Counter()
    for r in rows:
        grades.update(r.grades)
    losses = [r.loss_yuan for r in rows if r.loss_yuan is not None]
    fires = sum(r.fires for r in rows)
    deaths = sum(r.deaths for r in rows)
    return AnnualRow(
        year=None,
        fires=fires,
        injuries=sum(r.injuries for r in rows),
        serious_injuries=sum(r.serious_injuries for r in rows),
        deaths=deaths,
        loss_yuan=round(sum(losses), 2) if losses else None,
        population=round(sum(pops) / len(pops)) if complete and pops else None,
        death_rate_per_100k=_rate(deaths, person_years, 100_000) if complete else None,
        fires_per_10k=_rate(fires, person_years, 10_000) if complete else None,
        deaths_per_million=_rate(deaths, person_years, 1_000_000) if complete else None,
        grades=dict(sorted(grades.items())),
        records=fires,
        synthetic_records=sum(r.synthetic_records for r in rows),
    )


def calls_table(
    session: Session, district_code: str, year_from: int, year_to: int, *, total: bool = False
) -> list[CallsRow]:
    """Calls (警情) per year by category: 火灾扑救, 抢险救援, 社会救助, 其他出动."""
    _check_years(year_from, year_to)
    district = get_district(session, district_code)
    zone = ZoneInfo(district.timezone)
    start, end = year_bounds_utc(district, year_from, year_to)
    rows = session.execute(
        select(Incident.received_at, Incident.category, Incident.synthetic).where(
            Incident.district_id == district.id,
            Incident.received_at >= start,
            Incident.received_at < end,
        )
    ).all()
    counts: dict[int, Counter[str]] = {y: Counter() for y in range(year_from, year_to + 1)}
    for received, category, synthetic in rows:
        c = counts[received.astimezone(zone).year]
        c[IncidentCategory(category).value] += 1
        c["_synthetic"] += int(synthetic)

    def row(year: int | None, c: Counter[str]) -> CallsRow:
        parts = {cat.value: c[cat.value] for cat in IncidentCategory}
        return CallsRow(
            year=year, total=sum(parts.values()), synthetic_records=c["_synthetic"], **parts
        )

    out = [row(y, c) for y, c in counts.items()]
    if total:
        grand: Counter[str] = Counter()
        for c in counts.values():
            grand.update(c)
        out.append(row(None, grand))
    return out
