"""Run cards (等级调派方案): versioned data mapping type × level × building class to units.

The bundled set is ``dispatch/data/run_cards.toml`` (its header says where each figure comes
from); ``FIREGRID_RUN_CARDS`` names a district's own file with the same schema. Every
recommendation records ``id@version`` of the set it used.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from firegrid.dispatch.levels import max_level
from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.types import BuildingClass, IncidentCategory, UnitType

__all__ = ["Card", "Need", "RunCardSet", "load_run_cards", "parse_run_cards"]


@dataclass(frozen=True)
class Need:
    """``count`` units of any of ``types`` (or from a team with ``specialty``)."""

    count: int
    types: frozenset[str] = frozenset()
    specialty: str | None = None
    reason_zh: str = ""
    reason_en: str = ""
    #: Only units reaching the scene within this time count (first responders).
    max_eta_s: float | None = None
    #: An optional need is added when it can be met and is never a shortfall.
    optional: bool = False

    def describe(self, lang: str = "zh") -> str:
        if self.specialty:
            what = f"specialty:{self.specialty}"
        else:
            order = [u.value for u in UnitType]
            what = "/".join(UnitType(t).label(lang) for t in sorted(self.types, key=order.index))
        return f"{what} ×{self.count}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "types": sorted(self.types),
            "specialty": self.specialty,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "max_eta_s": self.max_eta_s,
            "optional": self.optional,
        }


@dataclass(frozen=True)
class Card:
    """What one incident gets: the named needs, then minimums filled with ``fill_types``."""

    set_id: str
    set_version: str
    category: IncidentCategory
    level: int
    needs: tuple[Need, ...]
    stations: int
    appliances: int
    personnel: int
    fill_types: frozenset[str]
    substitutes: dict[str, tuple[str, ...]]

    @property
    def ref(self) -> str:
        return f"{self.set_id}@{self.set_version}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_cards": self.ref,
            "category": self.category.value,
            "level": self.level,
            "needs": [n.as_dict() for n in self.needs],
            "stations": self.stations,
            "appliances": self.appliances,
            "personnel": self.personnel,
        }


@dataclass(frozen=True)
class _Addition:
    category: IncidentCategory
    building_class: BuildingClass | None
    subtype: str | None
    min_level: int
    needs: tuple[Need, ...]


@dataclass(frozen=True)
class RunCardSet:
    id: str
    version: str
    effective_from: date
    name_zh: str
    name_en: str
    confirm: tuple[str, ...]
    fill_types: frozenset[str]
    substitutes: dict[str, tuple[str, ...]]
    cards: dict[tuple[IncidentCategory, int], tuple[Need, ...]]
    minimums: dict[tuple[IncidentCategory, int], tuple[int, int, int]]
    additions: tuple[_Addition, ...]
    first_responder: dict[IncidentCategory, Need]
    source: str

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    def card(
        self,
        category: IncidentCategory | str,
        level: int,
        *,
        building_class: BuildingClass | str | None = None,
        subtype: str | None = None,
    ) -> Card:
        """The card for one incident: the level's card plus the matching additions."""
        cat = IncidentCategory(category)
        top = max_level(cat)
        if not 1 <= level <= top:
            raise InvalidInputError(f"level {level} out of range for {cat.value}: 1–{top}")
        key = (cat, level)
        if key not in self.cards:
            raise ConfigurationError(f"run cards {self.ref}: no card for {cat.value} level {level}")
        bclass = BuildingClass(building_class) if building_class else None
        needs = list(self.cards[key])
        for add in self.additions:
            if add.category is not cat or level < add.min_level:
                continue
            if add.building_class is not None and add.building_class is not bclass:
                continue
            if add.subtype is not None and add.subtype != subtype:
                continue
            needs.extend(add.needs)
        if cat in self.first_responder:
            needs.insert(0, self.first_responder[cat])
        stations, appliances, personnel = self.minimums[key]
        return Card(
            self.id,
            self.version,
            cat,
            level,
            tuple(needs),
            stations,
            appliances,
            personnel,
            self.fill_types,
            self.substitutes,
        )


def _types(raw: Any, where: str) -> frozenset[str]:
    out = set()
    for t in raw or []:
        try:
            out.add(UnitType(t).value)
        except ValueError:
            known = ", ".join(u.value for u in UnitType)
            raise ConfigurationError(f"{where}: unknown unit type {t!r}; known: {known}") from None
    return frozenset(out)


def _needs(raw: Any, where: str, reason: tuple[str, str] = ("", "")) -> tuple[Need, ...]:
    out = []
    for i, n in enumerate(raw or []):
        w = f"{where}.needs[{i}]"
        count = n.get("count")
        if not isinstance(count, int) or count < 1:
            raise ConfigurationError(f"{w}: count must be a positive integer, got {count!r}")
        types = _types(n.get("types"), w)
        specialty = n.get("specialty")
        if not types and not specialty:
            raise ConfigurationError(f"{w}: give types or a specialty")
        out.append(Need(count, types, specialty, *reason))
    return tuple(out)


def _int(raw: dict[str, Any], key: str, where: str) -> int:
    v = raw.get(key, 0)
    if not isinstance(v, int) or v < 0:
        raise ConfigurationError(f"{where}: {key} must be a non-negative integer, got {v!r}")
    return v


def _parse_set(raw: dict[str, Any], where: str) -> RunCardSet:
    cards: dict[tuple[IncidentCategory, int], tuple[Need, ...]] = {}
    minimums: dict[tuple[IncidentCategory, int], tuple[int, int, int]] = {}
    for i, c in enumerate(raw.get("cards", [])):
        w = f"{where}.cards[{i}]"
        try:
            cat = IncidentCategory(c["category"])
        except (KeyError, ValueError):
            raise ConfigurationError(f"{w}: unknown category {c.get('category')!r}") from None
        level = c.get("level")
        if not isinstance(level, int) or not 1 <= level <= max_level(cat):
            raise ConfigurationError(f"{w}: level {level!r} out of range 1–{max_level(cat)}")
        if (cat, level) in cards:
            raise ConfigurationError(f"{w}: second card for {cat.value} level {level}")
        cards[(cat, level)] = _needs(c.get("needs"), w)
        minimums[(cat, level)] = (
            _int(c, "stations", w),
            _int(c, "appliances", w),
            _int(c, "personnel", w),
        )
    for cat in IncidentCategory:
        missing = [lv for lv in range(1, max_level(cat) + 1) if (cat, lv) not in cards]
        if missing:
            raise ConfigurationError(f"{where}: no card for {cat.value} level(s) {missing}")
    additions = []
    for i, a in enumerate(raw.get("additions", [])):
        w = f"{where}.additions[{i}]"
        bc = a.get("building_class")
        additions.append(
            _Addition(
                IncidentCategory(a["category"]),
                BuildingClass(bc) if bc else None,
                a.get("subtype"),
                int(a.get("min_level", 1)),
                _needs(a.get("needs"), w, (a.get("reason_zh", ""), a.get("reason_en", ""))),
            )
        )
    subs = {
        UnitType(k).value: tuple(sorted(_types(v, f"{where}.substitutes.{k}")))
        for k, v in raw.get("substitutes", {}).items()
    }
    first: dict[IncidentCategory, Need] = {}
    fr = raw.get("first_responder")
    if fr:
        w = f"{where}.first_responder"
        max_eta = fr.get("max_eta_s")
        if not isinstance(max_eta, int | float) or max_eta <= 0:
            raise ConfigurationError(f"{w}: max_eta_s must be a positive number, got {max_eta!r}")
        need = Need(
            int(fr.get("count", 1)),
            _types(fr.get("types"), w),
            None,
            str(fr.get("reason_zh", "")),
            str(fr.get("reason_en", "")),
            float(max_eta),
            True,
        )
        for c in fr.get("categories", []):
            first[IncidentCategory(c)] = need
    eff = raw.get("effective_from")
    if not isinstance(eff, date):
        raise ConfigurationError(f"{where}: effective_from must be a date, got {eff!r}")
    return RunCardSet(
        id=str(raw["id"]),
        version=str(raw["version"]),
        effective_from=eff,
        name_zh=str(raw.get("name_zh", "")),
        name_en=str(raw.get("name_en", "")),
        confirm=tuple(raw.get("confirm", [])),
        fill_types=_types(raw.get("fill_types"), f"{where}.fill_types"),
        substitutes=subs,
        cards=cards,
        minimums=minimums,
        additions=tuple(additions),
        first_responder=first,
        source=where,
    )


def parse_run_cards(text: str, *, source: str) -> tuple[RunCardSet, ...]:
    """Parse a run-card file; ConfigurationError names the file, entry and field at fault."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: {exc}") from exc
    sets = [_parse_set(s, f"{source} sets[{i}]") for i, s in enumerate(doc.get("sets", []))]
    if not sets:
        raise ConfigurationError(f"{source}: no [[sets]]")
    return tuple(sorted(sets, key=lambda s: s.effective_from))


@lru_cache(maxsize=8)
def _load(path: str | None) -> tuple[RunCardSet, ...]:
    if path:
        p = Path(path)
        try:
            return parse_run_cards(p.read_text("utf-8"), source=str(p))
        except OSError as exc:
            raise ConfigurationError(f"{p}: cannot read run cards: {exc}") from exc
    text = resources.files("firegrid.dispatch").joinpath("data", "run_cards.toml")
    return parse_run_cards(text.read_text("utf-8"), source="firegrid/dispatch/data/run_cards.toml")


def load_run_cards(on: date | None = None) -> RunCardSet:
    """The run-card set in force on ``on`` (default: the latest), bundled or FIREGRID_RUN_CARDS."""
    sets = _load(os.environ.get("FIREGRID_RUN_CARDS") or None)
    if on is None:
        return sets[-1]
    valid = [s for s in sets if s.effective_from <= on]
    if not valid:
        raise ConfigurationError(f"no run cards in force on {on.isoformat()}")
    return valid[-1]
