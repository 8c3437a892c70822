"""Evaluate a district's plan indicators for a year from its records.

Values that rest on synthetic records
-------------------------------------
The demo districts hold records generated for the demonstration (``synthetic = true``). Where
published figures exist the generators reproduce them (the yearly fire and death totals, the
number of water sources of each kind); everything else about such a record — the time and place
of a call, the status and commissioning year of a hydrant, a micro station — is generated. An
indicator computed from such records is evaluated like any other (the demo shows what the
district will see), but its result is flagged, for every record-based indicator alike:

* ``synthetic`` is true and ``synthetic_inputs`` says how many of which records are generated;
* ``synthetic_note_zh`` / ``synthetic_note_en`` say so in words ("computed from synthetic demo
  records … the status is for demonstration only");
* the status keeps its code (the traffic-light colours and counts stay comparable), but it is a
  *demonstration* status: every consumer must show the flag next to it, never "on track" alone.
  The report labels it "达标（合成数据）" / "On track (synthetic data)" and counts such
  indicators separately in its summary.

A result with no value (``no_data``) is never flagged: nothing rests on any record.

The year that is running
------------------------
``evaluate_district`` takes ``today`` (default: the date now in the district's time zone — the
only place the clock is read). When the evaluated year is not over, values are figures to date:
``year_complete`` is false, ``as_of`` is ``today`` and ``year_note_zh`` / ``year_note_en`` say so,
and the kernel never calls a count that can still grow ``missed`` (see ``kernels``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from firegrid.districts.repository import get_district
from firegrid.indicators.catalog import Indicator, Plan, load_plan, plans_for_district
from firegrid.indicators.formulas import (
    SYNTHETIC_KIND_LABELS,
    FormulaContext,
    Need,
    SyntheticInput,
    compute,
)
from firegrid.indicators.kernels import evaluate_status

__all__ = [
    "IndicatorResult",
    "PlanResult",
    "evaluate_district",
    "synthetic_note",
    "year_note",
]


def synthetic_note(inputs: tuple[SyntheticInput, ...], lang: str) -> str:
    """Say which generated records a value rests on ("" when none), in ``zh`` or ``en``."""
    if not inputs:
        return ""
    if lang == "zh":
        parts = "；".join(
            f"{SYNTHETIC_KIND_LABELS[i.kind][0]}{i.records}条中{i.synthetic}条为合成记录"
            for i in inputs
        )
        return f"依据合成演示记录计算（{parts}），数值与状态仅作演示，不代表真实情况。"
    parts = "; ".join(
        f"{i.synthetic} of {i.records} {SYNTHETIC_KIND_LABELS[i.kind][1]} are synthetic"
        for i in inputs
    )
    return (
        f"Computed from synthetic demo records ({parts}): the value and its status are for "
        "demonstration only, not a real figure."
    )


def year_note(year: int, as_of: date | None, lang: str) -> str:
    """Say that ``year`` is not over and the value is a figure to ``as_of`` ("" when it is over)."""
    if as_of is None:
        return ""
    if lang == "zh":
        return (
            f"{year}年尚未结束：数值截至{as_of.isoformat()}，年内累计的数量仍可能增加，"
            "状态可能变化。"
        )
    return (
        f"{year} is not over: the value is a figure to {as_of.isoformat()}; counts may still "
        "grow and the status may change."
    )


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
    #: Synthetic records the value rests on, per kind (see the module docstring).
    synthetic_inputs: tuple[SyntheticInput, ...] = ()
    #: The year evaluated.
    year: int | None = None
    #: The evaluation date when the year is not over (the value is a figure to that date).
    as_of: date | None = None

    @property
    def year_complete(self) -> bool:
        """False while the evaluated year is running."""
        return self.as_of is None

    @property
    def synthetic(self) -> bool:
        """True when the value rests on synthetic (generated demo) records."""
        return bool(self.synthetic_inputs)

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
            "synthetic": self.synthetic,
            "synthetic_inputs": [i.as_dict() for i in self.synthetic_inputs],
            "synthetic_note_zh": synthetic_note(self.synthetic_inputs, "zh"),
            "synthetic_note_en": synthetic_note(self.synthetic_inputs, "en"),
            "year_complete": self.year_complete,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "year_note_zh": year_note(self.year or 0, self.as_of, "zh"),
            "year_note_en": year_note(self.year or 0, self.as_of, "en"),
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
    session: Session,
    district_code: str,
    year: int,
    *,
    plan_id: str | None = None,
    today: date | None = None,
) -> list[PlanResult]:
    """Every indicator of the district's plans (or one plan) evaluated for ``year``.

    ``today`` (default: today in the district's time zone) decides whether ``year`` is over.
    """
    district = get_district(session, district_code)
    if today is None:
        today = datetime.now(ZoneInfo(district.timezone)).date()
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
                today=today,
            )
            fv = compute(ctx)
            st = evaluate_status(
                ind,
                fv.value,
                year=year,
                period_start=plan.period_start,
                period_end=plan.period_end,
                today=today,
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
                    synthetic_inputs=fv.synthetic if fv.value is not None else (),
                    year=year,
                    as_of=None if st.year_complete else today,
                )
            )
        out.append(PlanResult(plan=plan, year=year, results=tuple(results)))
    return out
