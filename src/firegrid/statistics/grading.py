"""Fire grading by the rule set in force on the incident date (versioned data)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from firegrid.errors import ConfigurationError

__all__ = ["GRADE_ORDER", "GradeRule", "RuleSet", "grade_fire", "load_rules", "rules_for"]

GRADE_ORDER = ("especially_serious", "serious", "major", "ordinary", "minor")


@dataclass(frozen=True)
class GradeRule:
    grade: str
    zh: str
    en: str
    deaths: int | None = None
    serious_injuries: int | None = None
    loss_fen: int | None = None
    households: int | None = None


@dataclass(frozen=True)
class RuleSet:
    id: str
    name_zh: str
    name_en: str
    effective_from: date
    effective_to: date | None
    death_count_days: int
    grades: tuple[GradeRule, ...]
    default: GradeRule
    minor: GradeRule | None
    minor_loss_below_fen: int | None
    confirm: bool

    def labels(self) -> dict[str, tuple[str, str]]:
        out = {g.grade: (g.zh, g.en) for g in self.grades}
        out[self.default.grade] = (self.default.zh, self.default.en)
        if self.minor:
            out[self.minor.grade] = (self.minor.zh, self.minor.en)
        return out


def _rule(d: dict[str, Any]) -> GradeRule:
    loss = d.get("loss_yuan")
    return GradeRule(
        grade=d["grade"],
        zh=d["zh"],
        en=d["en"],
        deaths=d.get("deaths"),
        serious_injuries=d.get("serious_injuries"),
        loss_fen=None if loss is None else int(loss) * 100,
        households=d.get("households"),
    )


@lru_cache(maxsize=1)
def load_rules() -> tuple[RuleSet, ...]:
    text = (
        resources.files("firegrid.statistics")
        .joinpath("data", "fire_grading.toml")
        .read_text(encoding="utf-8")
    )
    try:
        raw = tomllib.loads(text)
        sets = []
        for r in raw["rules"]:
            minor = r.get("minor_grade")
            sets.append(
                RuleSet(
                    id=r["id"],
                    name_zh=r["name_zh"],
                    name_en=r["name_en"],
                    effective_from=r["effective_from"],
                    effective_to=r.get("effective_to"),
                    death_count_days=int(r["death_count_days"]),
                    grades=tuple(_rule(g) for g in r["grades"]),
                    default=_rule(r["default_grade"]),
                    minor=_rule(minor) if minor else None,
                    minor_loss_below_fen=int(minor["loss_below_yuan"]) * 100 if minor else None,
                    confirm=bool(r.get("confirm", False)),
                )
            )
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"fire_grading.toml: {exc!r}") from exc
    sets.sort(key=lambda s: s.effective_from)
    return tuple(sets)


def rules_for(day: date) -> RuleSet:
    """The rule set in force on ``day``."""
    for rs in load_rules():
        if rs.effective_from <= day and (rs.effective_to is None or day <= rs.effective_to):
            return rs
    raise ConfigurationError(f"no fire grading rules in force on {day.isoformat()}")


def grade_fire(
    day: date,
    *,
    deaths: int,
    serious_injuries: int,
    injuries: int = 0,
    loss_fen: int | None,
    households: int | None = None,
) -> tuple[str, str]:
    """Grade one fire; returns ``(grade, rule_set_id)``."""
    rs = rules_for(day)
    for g in rs.grades:
        if (
            (g.deaths is not None and deaths >= g.deaths)
            or (g.serious_injuries is not None and serious_injuries >= g.serious_injuries)
            or (g.loss_fen is not None and loss_fen is not None and loss_fen >= g.loss_fen)
            or (g.households is not None and households is not None and households >= g.households)
        ):
            return g.grade, rs.id
    if (
        rs.minor is not None
        and rs.minor_loss_below_fen is not None
        and deaths == 0
        and injuries == 0
        and serious_injuries == 0
        and loss_fen is not None
        and loss_fen < rs.minor_loss_below_fen
    ):
        return rs.minor.grade, rs.id
    return rs.default.grade, rs.id
