"""Key-unit classification (消防安全重点单位界定) by versioned rules per province — pure.

The rules are data (``supervision/data/key_unit_rules.toml``; ``FIREGRID_KEY_UNIT_RULES`` names a
district's own copy). :func:`classify` picks the province's newest set in force on the date (else
the national one) and walks its rules: the first rule whose occupancy matches and whose threshold
is met decides. Three outcomes:

* key unit — a rule matched (``rule_id``, ``category``, the reason with the figure);
* not a key unit — every applicable rule was evaluated and fell short, or the occupancy is not a
  key-unit kind in the set;
* undetermined — an applicable rule needs an attribute the building lacks (``missing`` names it);
  the caller decides what to do (the register service keeps the current designation).

No I/O here except reading the bundled TOML in :func:`load_key_unit_rules`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from firegrid.errors import ConfigurationError, InvalidInputError

__all__ = [
    "ATTRIBUTES",
    "Classification",
    "KeyUnitAttrs",
    "Rule",
    "RuleSet",
    "RuleSets",
    "classify",
    "load_key_unit_rules",
    "parse_key_unit_rules",
]

#: Attributes a rule may compare, with their units (for the reason text).
ATTRIBUTES: dict[str, tuple[str, str]] = {
    "floor_area_m2": ("建筑面积", "m²"),
    "underground_area_m2": ("地下建筑面积", "m²"),
    "rooms": ("客房数", "间"),
    "beds": ("床位数", "张"),
    "boarding_beds": ("寄宿床位数", "张"),
    "hall_area_m2": ("候车（船）厅面积", "m²"),
    "seats": ("座位数", "个"),
    "workers": ("车间员工数", "人"),
}


@dataclass(frozen=True)
class KeyUnitAttrs:
    """What the rules look at; ``None`` = not known (never guessed)."""

    occupancy: str
    floor_area_m2: float | None = None
    underground_area_m2: float | None = None
    rooms: int | None = None
    beds: int | None = None
    boarding_beds: int | None = None
    hall_area_m2: float | None = None
    seats: int | None = None
    workers: int | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    occupancy: frozenset[str]
    attr: str | None = None
    min: float | None = None
    always: bool = False
    confirm: bool = False


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: str
    province: str
    effective_from: date
    rules: tuple[Rule, ...]
    aliases: frozenset[str] = frozenset()
    name_zh: str = ""
    name_en: str = ""
    confirm_effective_from: bool = False

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def matches(self, province: str) -> bool:
        p = province.strip()
        return p == self.province or p in self.aliases or p.lower() == self.province.lower()


@dataclass(frozen=True)
class RuleSets:
    sets: tuple[RuleSet, ...]
    source: str = "bundled"

    def pick(self, province: str, on: date) -> RuleSet:
        """The province's newest set in force on ``on``, else the newest national one."""
        for want in (province, "national"):
            cands = [s for s in self.sets if s.matches(want) and s.effective_from <= on]
            if cands:
                return max(cands, key=lambda s: s.effective_from)
        raise InvalidInputError(
            f"no key-unit rule set in force on {on.isoformat()} for province {province!r} "
            f"(sets: {', '.join(f'{s.ref} from {s.effective_from}' for s in self.sets)})"
        )


@dataclass(frozen=True)
class Classification:
    """The decision for one building and why."""

    is_key_unit: bool
    undetermined: bool
    category: str | None
    rule_id: str | None
    ruleset_ref: str
    reason_zh: str
    reason_en: str
    confirm: bool = False
    missing: tuple[str, ...] = field(default=())

    @property
    def rule_ref(self) -> str:
        return f"{self.ruleset_ref}:{self.rule_id}" if self.rule_id else self.ruleset_ref

    def as_dict(self) -> dict[str, Any]:
        return {
            "is_key_unit": self.is_key_unit,
            "undetermined": self.undetermined,
            "category": self.category,
            "rule_id": self.rule_id,
            "rule_ref": self.rule_ref,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "confirm": self.confirm,
            "missing": list(self.missing),
        }


def _fmt(x: float) -> str:
    return f"{x:g}"


def classify(attrs: KeyUnitAttrs, province: str, *, on: date, rules: RuleSets) -> Classification:
    """Classify one building as 消防安全重点单位 or not under the rules in force on ``on``.

    Parameters
    ----------
    attrs
        The building's occupancy and the figures the rules compare.
    province
        The district's province (name, alias or ``national``).
    on
        Date the classification is for; picks the rule set by effective date.
    rules
        All rule sets (:func:`load_key_unit_rules`).
    """
    rs = rules.pick(province, on)
    occ = attrs.occupancy.strip().lower()
    applicable = [r for r in rs.rules if occ in r.occupancy]
    if not applicable:
        return Classification(
            False,
            False,
            None,
            None,
            rs.ref,
            f"用途“{attrs.occupancy or '未填'}”不属于{rs.name_zh or rs.id}所列重点单位类别",
            f"occupancy {attrs.occupancy or '(empty)'!r} is not a key-unit kind in {rs.ref}",
        )
    missing: list[str] = []
    shortfalls_zh: list[str] = []
    shortfalls_en: list[str] = []
    for r in applicable:
        if r.always:
            return Classification(
                True,
                False,
                r.category,
                r.id,
                rs.ref,
                f"{r.category}：按用途认定（{rs.ref}:{r.id}）",
                f"{r.category}: by occupancy alone ({rs.ref}:{r.id})",
                confirm=r.confirm,
            )
        assert r.attr is not None and r.min is not None
        value = getattr(attrs, r.attr)
        name, unit = ATTRIBUTES[r.attr]
        if value is None:
            missing.append(r.attr)
            continue
        if float(value) >= r.min:
            return Classification(
                True,
                False,
                r.category,
                r.id,
                rs.ref,
                f"{r.category}：{name} {_fmt(float(value))}{unit} ≥ {_fmt(r.min)}{unit}"
                f"（{rs.ref}:{r.id}）",
                f"{r.category}: {r.attr} {_fmt(float(value))} ≥ {_fmt(r.min)} ({rs.ref}:{r.id})",
                confirm=r.confirm,
            )
        shortfalls_zh.append(f"{name} {_fmt(float(value))}{unit} < {_fmt(r.min)}{unit}")
        shortfalls_en.append(f"{r.attr} {_fmt(float(value))} < {_fmt(r.min)}")
    confirm = any(r.confirm for r in applicable)
    if missing:
        need = ", ".join(dict.fromkeys(missing))
        return Classification(
            False,
            True,
            applicable[0].category,
            None,
            rs.ref,
            f"无法判定：缺少 {need}"
            + (f"（已知：{'；'.join(shortfalls_zh)}）" if shortfalls_zh else ""),
            f"undetermined: missing {need}"
            + (f" (known: {'; '.join(shortfalls_en)})" if shortfalls_en else ""),
            confirm=confirm,
            missing=tuple(dict.fromkeys(missing)),
        )
    return Classification(
        False,
        False,
        None,
        applicable[0].id,
        rs.ref,
        f"未达{applicable[0].category}标准：{'；'.join(shortfalls_zh)}（{rs.ref}）",
        f"below the {applicable[0].id} threshold: {'; '.join(shortfalls_en)} ({rs.ref})",
        confirm=confirm,
    )


def _rule(raw: dict[str, Any], where: str) -> Rule:
    rid = str(raw["id"])
    attr = raw.get("attr")
    always = bool(raw.get("always", False))
    if always == (attr is not None):
        raise ConfigurationError(f"{where} rule {rid}: give either attr + min or always = true")
    if attr is not None and attr not in ATTRIBUTES:
        raise ConfigurationError(
            f"{where} rule {rid}: unknown attr {attr!r}; known: {', '.join(ATTRIBUTES)}"
        )
    if attr is not None and not isinstance(raw.get("min"), int | float):
        raise ConfigurationError(f"{where} rule {rid}: min must be a number")
    occ = raw.get("occupancy")
    if not isinstance(occ, list) or not occ:
        raise ConfigurationError(f"{where} rule {rid}: occupancy must be a non-empty list")
    return Rule(
        id=rid,
        category=str(raw["category"]),
        occupancy=frozenset(str(o).lower() for o in occ),
        attr=None if attr is None else str(attr),
        min=None if attr is None else float(raw["min"]),
        always=always,
        confirm=bool(raw.get("confirm", False)),
    )


def parse_key_unit_rules(raw: dict[str, Any], *, source: str = "bundled") -> RuleSets:
    """Validate the TOML document; ConfigurationError names the set and rule at fault."""
    sets: list[RuleSet] = []
    try:
        for s in raw["sets"]:
            where = f"{source}: set {s.get('id', '?')}"
            eff = s["effective_from"]
            if not isinstance(eff, date):
                raise ConfigurationError(f"{where}: effective_from must be a TOML date")
            rules = tuple(_rule(r, where) for r in s["rules"])
            ids = [r.id for r in rules]
            if len(set(ids)) != len(ids):
                raise ConfigurationError(f"{where}: duplicate rule ids")
            sets.append(
                RuleSet(
                    id=str(s["id"]),
                    version=str(s["version"]),
                    province=str(s["province"]),
                    effective_from=eff,
                    rules=rules,
                    aliases=frozenset(str(a) for a in s.get("aliases", [])),
                    name_zh=str(s.get("name_zh", "")),
                    name_en=str(s.get("name_en", "")),
                    confirm_effective_from=bool(s.get("confirm_effective_from", False)),
                )
            )
    except (KeyError, TypeError) as exc:
        raise ConfigurationError(f"{source}: malformed key-unit rules ({exc!r})") from exc
    if not any(s.province == "national" for s in sets):
        raise ConfigurationError(f"{source}: no national rule set")
    return RuleSets(tuple(sets), source)


@lru_cache(maxsize=8)
def _load(path: str | None) -> RuleSets:
    if path is None:
        text = (
            resources.files("firegrid.supervision")
            .joinpath("data/key_unit_rules.toml")
            .read_text(encoding="utf-8")
        )
        return parse_key_unit_rules(tomllib.loads(text), source="key_unit_rules.toml")
    p = Path(path)
    try:
        return parse_key_unit_rules(tomllib.loads(p.read_text(encoding="utf-8")), source=str(p))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"cannot read key-unit rules {p}: {exc}") from exc


def load_key_unit_rules(path: str | os.PathLike[str] | None = None) -> RuleSets:
    """The bundled rules, or ``path`` / ``FIREGRID_KEY_UNIT_RULES`` when given."""
    chosen = path if path is not None else os.environ.get("FIREGRID_KEY_UNIT_RULES")
    return _load(None if chosen is None else str(chosen))
