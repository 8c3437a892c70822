"""HTTP routes of the statistics domain (thin: parse, call the service, return).

Annual fire statistics and calls by category are public aggregates (no login). Rows are the
service's ``as_dict()``; ``synthetic_records`` says how many of the counted records are generated
(demo) data, so a client can say so.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from firegrid.api.deps import PublicSession
from firegrid.districts.queries import year_span
from firegrid.statistics.service import annual_fire_table, calls_table

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["statistics"])


DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
YearFrom = Annotated[
    int | None,
    Query(alias="from", ge=1900, le=2200, description="First year (default: first with records)."),
]
YearTo = Annotated[
    int | None,
    Query(alias="to", ge=1900, le=2200, description="Last year (default: last with records)."),
]
Total = Annotated[bool, Query(description='Append a total row (year = "total").')]


class AnnualRowOut(BaseModel):
    """One year of the annual fire table (the plans' 火灾情况统计表), or the total row."""

    year: int | Literal["total"]
    fires: int
    injuries: int
    serious_injuries: int
    deaths: int
    loss_yuan: float | None = Field(description="Direct property loss (直接财产损失), yuan.")
    population: int | None = Field(description="Resident population; the mean on the total row.")
    death_rate_per_100k: float | None
    fires_per_10k: float | None
    deaths_per_million: float | None
    grades: dict[str, int] = Field(description="Fires by grade (一般/较大/重大/特别重大).")
    records: int
    synthetic_records: int = Field(description="How many counted records are synthetic.")


class CallsRowOut(BaseModel):
    """Calls (警情) of one year by category, or the total row."""

    year: int | Literal["total"]
    total: int
    fire: int
    rescue: int
    social_assistance: int
    other: int
    synthetic_records: int


class AnnualTableOut(BaseModel):
    district: str
    year_from: int
    year_to: int
    rows: list[AnnualRowOut]


class CallsTableOut(BaseModel):
    district: str
    year_from: int
    year_to: int
    rows: list[CallsRowOut]


def _rows(rows: list[Any]) -> list[dict[str, Any]]:
    return [r.as_dict() for r in rows]


@router.get("/districts/{code}/stats/annual", operation_id="get_annual_fire_table")
def get_annual_fire_table(
    code: DistrictCode,
    session: PublicSession,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    total: Total = False,
) -> AnnualTableOut:
    """Tabulate fires, casualties, direct loss and rates per year."""
    first, last = year_span(session, code, year_from, year_to)
    rows = annual_fire_table(session, code, first, last, total=total)
    return AnnualTableOut.model_validate(
        {"district": code, "year_from": first, "year_to": last, "rows": _rows(rows)}
    )


@router.get("/districts/{code}/stats/calls", operation_id="get_calls_table")
def get_calls_table(
    code: DistrictCode,
    session: PublicSession,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    total: Total = False,
) -> CallsTableOut:
    """Tabulate calls per year by category (fire, rescue, social assistance, other)."""
    first, last = year_span(session, code, year_from, year_to)
    rows = calls_table(session, code, first, last, total=total)
    return CallsTableOut.model_validate(
        {"district": code, "year_from": first, "year_to": last, "rows": _rows(rows)}
    )
