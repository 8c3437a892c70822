"""Versioned supervision configuration: draw weights and credit rules (TOML data).

Bundled sets live in ``supervision/data``; ``FIREGRID_DRAW_WEIGHTS`` / ``FIREGRID_CREDIT_RULES``
name a district's own copy. :func:`pick` takes the newest set in force on a date; every result
records the set's ``id@version``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.types import CreditGrade

__all__ = [
    "CreditRules",
    "DrawWeights",
    "load_credit_rules",
    "load_draw_weights",
    "parse_credit_rules",
    "parse_draw_weights",
]


@dataclass(frozen=True)
class DrawWeights:
    id: str
    version: str
    effective_from: date
    exclude_inspected_days: int
    risk_weights: dict[int, float]
    credit_weights: dict[str, float]
    unknown_risk_level: int
    unknown_credit_grade: str
    occupancy_risk_proxy: dict[str, int]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def proxy_level(self, occupancy: str) -> int:
        return self.occupancy_risk_proxy.get(
            occupancy.strip().lower(), self.occupancy_risk_proxy.get("default", 2)
        )

    def weight(self, risk_level: int, credit_grade: str) -> float:
        return self.risk_weights[risk_level] * self.credit_weights[credit_grade]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "exclude_inspected_days": self.exclude_inspected_days,
            "risk_weights": {str(k): v for k, v in self.risk_weights.items()},
            "credit_weights": dict(self.credit_weights),
            "unknown_risk_level": self.unknown_risk_level,
            "unknown_credit_grade": self.unknown_credit_grade,
        }


@dataclass(frozen=True)
class CreditRules:
    id: str
    version: str
    effective_from: date
    start: float
    window_days: int
    points: dict[str, float]
    grades: dict[str, float]
    severe: dict[str, float]

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


_POINTS = (
    "general_hazard",
    "major_hazard",
    "overdue_hazard",
    "penalty",
    "penalty_per_10k_yuan",
    "false_alarm",
    "self_check_noncompliance",
)


def _read(filename: str, env: str, path: str | os.PathLike[str] | None) -> tuple[Any, str]:
    chosen = path if path is not None else os.environ.get(env)
    try:
        if chosen is None:
            text = (
                resources.files("firegrid.supervision")
                .joinpath(f"data/{filename}")
                .read_text(encoding="utf-8")
            )
            return tomllib.loads(text), filename
        p = Path(chosen)
        return tomllib.loads(p.read_text(encoding="utf-8")), str(p)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read {chosen or filename}: {exc}") from exc


def _pick(sets: list[Any], on: date, source: str) -> Any:
    cands = [s for s in sets if s.effective_from <= on]
    if not cands:
        raise InvalidInputError(f"{source}: no set in force on {on.isoformat()}")
    return max(cands, key=lambda s: s.effective_from)


def parse_draw_weights(raw: dict[str, Any], *, source: str = "") -> list[DrawWeights]:
    """Validate the draw-weights document (every risk level 1–4 and grade A–D weighted > 0)."""
    out = []
    try:
        for s in raw["sets"]:
            rw = {int(k): float(v) for k, v in s["risk_weights"].items()}
            cw = {str(k): float(v) for k, v in s["credit_weights"].items()}
            if set(rw) != {1, 2, 3, 4} or set(cw) != {g.value for g in CreditGrade}:
                raise ConfigurationError(
                    f"{source} set {s['id']}: weights needed for risk levels 1-4 and grades A-D"
                )
            if min([*rw.values(), *cw.values()]) <= 0:
                raise ConfigurationError(f"{source} set {s['id']}: weights must be > 0")
            proxy = {str(k).lower(): int(v) for k, v in s.get("occupancy_risk_proxy", {}).items()}
            out.append(
                DrawWeights(
                    id=str(s["id"]),
                    version=str(s["version"]),
                    effective_from=s["effective_from"],
                    exclude_inspected_days=int(s["exclude_inspected_days"]),
                    risk_weights=rw,
                    credit_weights=cw,
                    unknown_risk_level=int(s.get("unknown_risk_level", 2)),
                    unknown_credit_grade=str(s.get("unknown_credit_grade", "B")),
                    occupancy_risk_proxy=proxy,
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"{source}: malformed draw weights ({exc!r})") from exc
    return out


def parse_credit_rules(raw: dict[str, Any], *, source: str = "") -> list[CreditRules]:
    """Validate the credit-rules document (all point kinds, grade thresholds A > B > C)."""
    out = []
    try:
        for s in raw["sets"]:
            points = {k: float(s["points"][k]) for k in _POINTS}
            grades = {g: float(s["grades"][g]) for g in ("A", "B", "C")}
            if not grades["A"] > grades["B"] > grades["C"]:
                raise ConfigurationError(f"{source} set {s['id']}: grades need A > B > C")
            out.append(
                CreditRules(
                    id=str(s["id"]),
                    version=str(s["version"]),
                    effective_from=s["effective_from"],
                    start=float(s["start"]),
                    window_days=int(s["window_days"]),
                    points=points,
                    grades=grades,
                    severe={k: float(v) for k, v in s["severe"].items()},
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"{source}: malformed credit rules ({exc!r})") from exc
    return out


def load_draw_weights(on: date, path: str | os.PathLike[str] | None = None) -> DrawWeights:
    """The draw-weights set in force on ``on`` (bundled, ``path`` or FIREGRID_DRAW_WEIGHTS)."""
    raw, src = _read("draw_weights.toml", "FIREGRID_DRAW_WEIGHTS", path)
    picked: DrawWeights = _pick(parse_draw_weights(raw, source=src), on, src)
    return picked


def load_credit_rules(on: date, path: str | os.PathLike[str] | None = None) -> CreditRules:
    """The credit-rules set in force on ``on`` (bundled, ``path`` or FIREGRID_CREDIT_RULES)."""
    raw, src = _read("credit_rules.toml", "FIREGRID_CREDIT_RULES", path)
    picked: CreditRules = _pick(parse_credit_rules(raw, source=src), on, src)
    return picked
