"""Fire-safety credit of a unit (消防安全信用) — pure scoring from counted facts.

score = start + Σ points × count (points are negative deductions, from the versioned credit
rules), clipped to [0, start]; grade by the rules' thresholds (A ≥ a, B ≥ b, C ≥ c, else D);
severe dishonesty (严重失信) if the score is below a floor or listings/penalties reach their
limits. Self-inspection non-compliance is the share of expected months without an accepted
self-check, times its points.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firegrid.supervision.config import CreditRules
from firegrid.types import CreditGrade

__all__ = ["CreditFacts", "CreditResult", "grade_of", "score_credit"]


@dataclass(frozen=True)
class CreditFacts:
    """What the records say about one unit over the look-back window."""

    general_hazards: int = 0
    major_hazards: int = 0
    overdue_hazards: int = 0
    penalties: int = 0
    penalty_fen: int = 0
    #: None: no false-alarm source (counted as 0 and reported in ``no_data``).
    false_alarms: int | None = None
    self_check_months_expected: int = 0
    self_check_months_accepted: int = 0
    supervised_listings: int = 0


@dataclass(frozen=True)
class CreditResult:
    score: float
    grade: CreditGrade
    severe_dishonesty: bool
    breakdown: dict[str, dict[str, float]]
    severe_reasons: tuple[str, ...]
    no_data: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "grade": self.grade.value,
            "severe_dishonesty": self.severe_dishonesty,
            "breakdown": self.breakdown,
            "severe_reasons": list(self.severe_reasons),
            "no_data": list(self.no_data),
        }


def grade_of(score: float, thresholds: dict[str, float]) -> CreditGrade:
    """A if score ≥ thresholds['A'], B if ≥ ['B'], C if ≥ ['C'], else D."""
    for g in (CreditGrade.A, CreditGrade.B, CreditGrade.C):
        if score >= thresholds[g.value]:
            return g
    return CreditGrade.D


def score_credit(facts: CreditFacts, rules: CreditRules) -> CreditResult:
    """Score one unit's credit from its facts under ``rules``."""
    p = rules.points
    expected = max(facts.self_check_months_expected, 0)
    missed_share = (
        0.0 if expected == 0 else 1.0 - min(facts.self_check_months_accepted, expected) / expected
    )
    items: dict[str, tuple[float, float]] = {
        "general_hazard": (facts.general_hazards, p["general_hazard"]),
        "major_hazard": (facts.major_hazards, p["major_hazard"]),
        "overdue_hazard": (facts.overdue_hazards, p["overdue_hazard"]),
        "penalty": (facts.penalties, p["penalty"]),
        "penalty_per_10k_yuan": (facts.penalty_fen / 1_000_000, p["penalty_per_10k_yuan"]),
        "false_alarm": (facts.false_alarms or 0, p["false_alarm"]),
        "self_check_noncompliance": (missed_share, p["self_check_noncompliance"]),
    }
    breakdown = {
        k: {"count": round(float(n), 4), "points": round(float(n) * pts, 2)}
        for k, (n, pts) in items.items()
    }
    raw = rules.start + sum(v["points"] for v in breakdown.values())
    score = round(min(rules.start, max(0.0, raw)), 2)
    sev = rules.severe
    reasons = []
    if "score_below" in sev and score < sev["score_below"]:
        reasons.append(f"score {score:g} < {sev['score_below']:g}")
    if "supervised_listings" in sev and facts.supervised_listings >= sev["supervised_listings"]:
        reasons.append(f"{facts.supervised_listings} supervised listing(s) (挂牌督办)")
    if "penalties" in sev and facts.penalties >= sev["penalties"]:
        reasons.append(f"{facts.penalties} penalties ≥ {sev['penalties']:g}")
    no_data = ("false_alarms",) if facts.false_alarms is None else ()
    return CreditResult(
        score, grade_of(score, rules.grades), bool(reasons), breakdown, tuple(reasons), no_data
    )
