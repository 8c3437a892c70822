"""HTTP routes of the plan indicators (public: the plans and their figures are public)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from firegrid.api.deps import PublicSession
from firegrid.indicators.catalog import all_plans
from firegrid.indicators.service import evaluate_district

router = APIRouter(prefix="/api", tags=["indicators"])


@router.get("/plans", operation_id="list_plans")
def list_plans() -> list[dict[str, Any]]:
    """List the five-year plans whose indicators firegrid tracks."""
    return [
        {
            "plan_id": p.plan_id,
            "district": p.district,
            "title_zh": p.title_zh,
            "title_en": p.title_en,
            "period_start": p.period_start,
            "period_end": p.period_end,
            "version": p.version,
            "indicators": len(p.indicators),
        }
        for p in all_plans()
    ]


@router.get("/districts/{code}/indicators", operation_id="district_indicators")
def district_indicators(
    code: str,
    session: PublicSession,
    year: Annotated[int, Query(ge=1949, le=2100, description="Year to evaluate.")],
    plan: Annotated[str | None, Query(description="One plan id (default: all).")] = None,
) -> dict[str, Any]:
    """Evaluate the district's plan indicators for a year from its records."""
    results = evaluate_district(session, code, year, plan_id=plan)
    return {"district": code, "year": year, "plans": [r.as_dict() for r in results]}
