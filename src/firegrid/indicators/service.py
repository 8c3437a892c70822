"""Evaluate a district's plan indicators for a year from its records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from firegrid.districts.repository import get_district
from firegrid.indicators.catalog import Indicator, Plan, load_plan, plans_for_district
from firegrid.indicators.formulas import FormulaContext, Need, compute
from firegrid.indicators.kernels import evaluate_status

__all__ = ["IndicatorResult", "PlanResult", "evaluate_district"]


@dataclass(frozen=True)
class IndicatorResult:
    indicator: Indicator
    value: float | None
    status: str
    reason: str
    missing: tuple[Need, ...]
    detail: dict[str, Any] = field(default_factory=dict)
    progress: float | None = None
    expected_share: float | None = None

    def as_dict(self) -> dict[str, Any]:
        ind = self.indicator
        return {
            "id": ind.id,
            "number": ind.number,
            "category_zh": ind.category_zh,
            "category_en": ind.category_en,
            "name_zh": ind.name_zh,
            "name_en": ind.name_en,
            "unit": ind.unit,
            "unit_zh": ind.unit_zh,
            "value": self.value,
            "target": ind.target,
            "target_text": ind.target_text,
            "comparison": ind.comparison.value,
            "kind": ind.kind.value,
            "binding": ind.binding.value,
            "baseline": ind.baseline,
            "baseline_year": ind.baseline_year,
            "baseline_text": ind.baseline_text,
            "status": self.status,
            "reason": self.reason,
            "missing": [m.en for m in self.missing],
            "missing_zh": [m.zh for m in self.missing],
            "detail": self.detail,
            "progress": self.progress,
            "expected_share": self.expected_share,
            "formula": ind.formula,
            "fed_by": list(ind.fed_by),
            "note_zh": ind.note_zh,
            "note_en": ind.note_en,
        }


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    year: int
    results: tuple[IndicatorResult, ...]

    def as_dict(self) -> dict[str, Any]:
        p = self.plan
        return {
            "plan_id": p.plan_id,
            "title_zh": p.title_zh,
            "title_en": p.title_en,
            "period_start": p.period_start,
            "period_end": p.period_end,
            "version": p.version,
            "indicators": [r.as_dict() for r in self.results],
        }


def evaluate_district(
    session: Session, district_code: str, year: int, *, plan_id: str | None = None
) -> list[PlanResult]:
    """Every indicator of the district's plans (or one plan) evaluated for ``year``."""
    district = get_district(session, district_code)
    plans = [load_plan(plan_id)] if plan_id else list(plans_for_district(district.code))
    out = []
    for plan in plans:
        results = []
        for ind in plan.indicators:
            ctx = FormulaContext(
                session=session,
                district=district,
                year=year,
                period_start=plan.period_start,
                period_end=plan.period_end,
                indicator=ind,
            )
            fv = compute(ctx)
            st = evaluate_status(
                ind,
                fv.value,
                year=year,
                period_start=plan.period_start,
                period_end=plan.period_end,
            )
            results.append(
                IndicatorResult(
                    indicator=ind,
                    value=fv.value,
                    status=st.status.value,
                    reason=st.reason.value,
                    missing=fv.missing,
                    detail=fv.detail,
                    progress=st.progress,
                    expected_share=st.expected_share,
                )
            )
        out.append(PlanResult(plan=plan, year=year, results=tuple(results)))
    return out
