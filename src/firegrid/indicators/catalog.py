"""The plan-indicator catalogue: five-year plans' target tables as versioned TOML data.

Each plan is one TOML file (``indicators/data/<plan_id>.toml`` ships with firegrid; districts may
load their own with :func:`load_plan_file`). A header names the plan, and an ``[[indicators]]``
array holds one table per target; ``mentougou-2026-2030.toml`` documents every field. Loading
validates everything and raises :class:`~firegrid.errors.ConfigurationError` with the file, the
indicator id and the field, so a district editing its plan sees exactly what to fix.

This module reads files and nothing else: no database, no web framework.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from firegrid.errors import ConfigurationError, NotFoundError
from firegrid.indicators.kernels import Comparison, Kind

__all__ = [
    "FORMULAS",
    "INPUT_KINDS",
    "UNITS",
    "Binding",
    "Indicator",
    "Plan",
    "all_plans",
    "load_plan",
    "load_plan_file",
    "parse_plan",
    "plans_for_district",
]

#: Computations the indicator service implements, one key per formula.
FORMULAS: frozenset[str] = frozenset(
    {
        "breathing_air_stations_built",
        "building_facility_four_rates",
        "building_fires_per_100k",
        "enforcement_certificate_share",
        "existing_small_station_equipment_rate",
        "existing_station_equipment_rate",
        "fire_deaths_per_100k",
        "fire_deaths_per_million",
        "fire_engines_per_10k",
        "firefighters_per_10k",
        "fires_per_10k",
        "fulltime_firefighters_per_10k",
        "gov_fulltime_team_coverage",
        "hydrant_built_rate",
        "hydrant_intact_rate",
        "hydrants_built_in_period",
        "iot_install_rate",
        "key_unit_standardisation_rate",
        "new_station_equipment_rate",
        "non_site_inspection_share",
        "public_skills_training_per_year",
        "self_built_house_dual_exit_rate",
        "special_rescue_certified_count",
        "stations_built_in_period",
        "stations_per_100k",
        "township_fulltime_team_rate",
        "training_pass_rate",
        "water_source_intact_rate",
    }
)

#: Record kinds a computation may need.
INPUT_KINDS: frozenset[str] = frozenset(
    {
        "apparatus",
        "certifications",
        "equipment_standards",
        "incidents",
        "inspections",
        "iot_devices",
        "key_units",
        "personnel",
        "population",
        "self_built_houses",
        "stations",
        "townships",
        "training",
        "water_sources",
    }
)

#: Units of indicator values; ``percent`` is 0–100.
UNITS: frozenset[str] = frozenset(
    {"count", "per_100k", "per_10k", "per_million", "percent", "persons", "persons_per_year"}
)

_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATA_PACKAGE = "firegrid.indicators"
_DATA_DIR = "data"


class Binding(StrEnum):
    """Legal weight of a target: 约束性 (binding) or 预期性 (expected)."""

    BINDING = "binding"
    EXPECTED = "expected"


@dataclass(frozen=True, slots=True)
class Indicator:
    """One target of a plan, as printed, with the computation that measures it."""

    plan_id: str
    id: str
    number: int
    category_zh: str
    category_en: str
    name_zh: str
    name_en: str
    unit: str
    formula: str
    target: float
    comparison: Comparison
    kind: Kind
    binding: Binding
    inputs: tuple[str, ...]
    fed_by: tuple[str, ...] = ()
    warning_band: float = 0.05
    target_text: str = ""
    unit_zh: str = ""
    baseline: float | None = None
    baseline_year: int | None = None
    baseline_text: str = ""
    baseline_source: str = ""
    municipal_value: str | None = None
    due_year: int | None = None
    note_zh: str = ""
    note_en: str = ""
    #: An annual value that is a count growing through the year (people trained, fires): in a
    #: year that is not over it is a figure to date (see ``kernels``).
    accumulates_in_year: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    """A district's five-year plan and its indicators, in the plan's order."""

    plan_id: str
    district: str
    title_zh: str
    title_en: str
    period_start: int
    period_end: int
    source_document: str
    source_table: str
    category_source: str
    version: str
    indicators: tuple[Indicator, ...]
    note_zh: str = ""
    note_en: str = ""
    #: Where the plan was read from (package path or file path).
    source: str = ""

    def indicator(self, indicator_id: str) -> Indicator:
        """Return the indicator with ``indicator_id``; raise NotFoundError if absent."""
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        known = ", ".join(i.id for i in self.indicators)
        raise NotFoundError(f"plan {self.plan_id!r} has no indicator {indicator_id!r} ({known})")

    @property
    def indicator_ids(self) -> tuple[str, ...]:
        """Ids in the plan's order."""
        return tuple(i.id for i in self.indicators)


class _Table:
    """Typed access to one TOML table; every error names the source, the table and the field."""

    def __init__(self, data: Mapping[str, Any], *, source: str, where: str) -> None:
        self.data = data
        self.source = source
        self.where = where
        self.used: set[str] = set()

    def fail(self, field: str, reason: str) -> NoReturn:
        raise ConfigurationError(f"{self.source}: {self.where}: field {field!r}: {reason}")

    def raw(self, field: str, required: bool) -> Any:
        self.used.add(field)
        if field not in self.data:
            if required:
                self.fail(field, "missing")
            return None
        return self.data[field]

    def text(self, field: str, *, required: bool = True, empty: bool = False) -> str:
        raw = self.raw(field, required)
        if raw is None:
            return ""
        if not isinstance(raw, str):
            self.fail(field, f"must be a string, got {raw!r}")
        if not empty and not raw.strip():
            self.fail(field, "must not be empty")
        return raw

    def optional_text(self, field: str) -> str | None:
        return self.text(field, required=False) if field in self.data else None

    def opt_integer(self, field: str) -> int | None:
        raw = self.raw(field, False)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.fail(field, f"must be an integer, got {raw!r}")
        return raw

    def integer(self, field: str) -> int:
        value = self.opt_integer(field)
        if value is None:
            self.fail(field, "missing")
        return value

    def flag(self, field: str) -> bool:
        raw = self.raw(field, False)
        if raw is None:
            return False
        if not isinstance(raw, bool):
            self.fail(field, f"must be true or false, got {raw!r}")
        return raw

    def opt_number(self, field: str) -> float | None:
        raw = self.raw(field, False)
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.fail(field, f"must be a number, got {raw!r}")
        if not math.isfinite(raw):
            self.fail(field, f"must be finite, got {raw!r}")
        return float(raw)

    def number(self, field: str) -> float:
        value = self.opt_number(field)
        if value is None:
            self.fail(field, "missing")
        return value

    def choice(self, field: str, allowed: Iterable[str]) -> str:
        raw = self.text(field)
        options = sorted(allowed)
        if raw not in options:
            self.fail(field, f"unknown value {raw!r} (expected one of: {', '.join(options)})")
        return raw

    def names(
        self, field: str, *, allowed: frozenset[str] | None, required: bool
    ) -> tuple[str, ...]:
        raw = self.raw(field, required)
        if raw is None:
            return ()
        if not isinstance(raw, list) or not all(isinstance(x, str) and x for x in raw):
            self.fail(field, f"must be a list of non-empty strings, got {raw!r}")
        if len(set(raw)) != len(raw):
            self.fail(field, f"lists a name twice: {raw!r}")
        if allowed is not None:
            unknown = sorted(set(raw) - allowed)
            if unknown:
                self.fail(field, f"unknown {unknown} (expected from: {', '.join(sorted(allowed))})")
        return tuple(raw)

    def reject_unknown(self, extra_ok: Iterable[str] = ()) -> None:
        unknown = sorted(set(self.data) - self.used - set(extra_ok))
        if unknown:
            self.fail(unknown[0], f"unknown field (misspelt?); unknown fields: {unknown}")


def _parse_indicator(
    raw: object, *, index: int, source: str, plan_id: str, period: tuple[int, int]
) -> Indicator:
    where = f"indicator #{index}"
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{source}: {where}: must be a table, got {raw!r}")
    ident = raw.get("id")
    if isinstance(ident, str) and ident:
        where = f"indicator {ident!r}"
    t = _Table(raw, source=source, where=where)

    ident = t.text("id")
    if not _ID_RE.match(ident):
        t.fail("id", f"{ident!r} must be lower-case letters, digits and hyphens")
    number = t.integer("number")
    if number < 1:
        t.fail("number", f"must be ≥ 1, got {number}")
    unit = t.choice("unit", UNITS)
    formula = t.choice("formula", FORMULAS)
    target = t.number("target")
    comparison = Comparison(t.choice("comparison", (c.value for c in Comparison)))
    kind = Kind(t.choice("kind", (k.value for k in Kind)))
    binding = Binding(t.choice("binding", (b.value for b in Binding)))
    band = t.opt_number("warning_band")
    band = 0.05 if band is None else band
    if not 0.0 <= band < 1.0:
        t.fail("warning_band", f"must be in [0, 1), got {band}")

    if kind == Kind.CUMULATIVE:
        if comparison != Comparison.GE:
            t.fail("comparison", f"a cumulative target needs 'ge', got {comparison.value!r}")
        if target <= 0:
            t.fail("target", f"a cumulative target must be positive, got {target}")
    if unit == "percent":
        if not 0.0 <= target <= 100.0:
            t.fail("target", f"a percentage must be within 0–100, got {target}")
        # A band that leaves no reachable on_track value would flag the target at_risk forever.
        unreachable = comparison == Comparison.GE and target * (1 + band) >= 100
        if kind != Kind.CUMULATIVE and band > 0 and unreachable:
            t.fail(
                "warning_band",
                f"{band} leaves no on_track value: {target:g}% × (1 + {band}) ≥ 100%",
            )

    baseline = t.opt_number("baseline")
    baseline_year = t.opt_integer("baseline_year")
    baseline_source = t.text("baseline_source", required=False)
    if baseline is not None and baseline_year is None:
        t.fail("baseline_year", "missing (required with baseline)")
    if baseline is not None and not baseline_source:
        t.fail("baseline_source", "missing (required with baseline)")
    if baseline is None and baseline_year is not None:
        t.fail("baseline", "missing (baseline_year given without baseline)")

    accumulates = t.flag("accumulates_in_year")
    if accumulates and kind != Kind.ANNUAL:
        # A cumulative count accumulates by definition; a level is a state, not a count.
        t.fail("accumulates_in_year", f"only an annual indicator can set it, not {kind.value!r}")

    due_year = t.opt_integer("due_year")
    if due_year is not None and not period[0] <= due_year <= period[1]:
        t.fail("due_year", f"{due_year} is outside the plan period {period[0]}–{period[1]}")

    ind = Indicator(
        plan_id=plan_id,
        id=ident,
        number=number,
        category_zh=t.text("category_zh", required=False, empty=True),
        category_en=t.text("category_en", required=False, empty=True),
        name_zh=t.text("name_zh"),
        name_en=t.text("name_en"),
        unit=unit,
        formula=formula,
        target=target,
        comparison=comparison,
        kind=kind,
        binding=binding,
        inputs=t.names("inputs", allowed=INPUT_KINDS, required=True),
        fed_by=t.names("fed_by", allowed=None, required=False),
        warning_band=band,
        target_text=t.text("target_text", required=False),
        unit_zh=t.text("unit_zh", required=False),
        baseline=baseline,
        baseline_year=baseline_year,
        baseline_text=t.text("baseline_text", required=False),
        baseline_source=baseline_source,
        municipal_value=t.optional_text("municipal_value"),
        due_year=due_year,
        note_zh=t.text("note_zh", required=False, empty=True),
        note_en=t.text("note_en", required=False, empty=True),
        accumulates_in_year=accumulates,
    )
    if not ind.inputs:
        t.fail("inputs", "must name at least one record kind")
    t.reject_unknown()
    return ind


def parse_plan(text: str, *, source: str = "<string>") -> Plan:
    """Parse and validate one plan from TOML text; ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid TOML: {exc}") from exc

    head = _Table(data, source=source, where="plan header")
    plan_id = head.text("plan_id")
    if not _ID_RE.match(plan_id):
        head.fail("plan_id", f"{plan_id!r} must be lower-case letters, digits and hyphens")
    district = head.text("district")
    start = head.integer("period_start")
    end = head.integer("period_end")
    if start > end:
        head.fail("period_end", f"{end} is before period_start {start}")
    category_source = head.text("category_source", required=False) or "plan"
    if category_source not in ("plan", "firegrid"):
        head.fail("category_source", f"unknown value {category_source!r} (plan or firegrid)")

    raw_indicators = head.raw("indicators", True)
    if not isinstance(raw_indicators, list) or not raw_indicators:
        head.fail("indicators", "must be a non-empty array of tables ([[indicators]])")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_indicators, start=1):
        ind = _parse_indicator(
            raw, index=index, source=source, plan_id=plan_id, period=(start, end)
        )
        if ind.id in seen:
            raise ConfigurationError(
                f"{source}: indicator {ind.id!r}: field 'id': duplicate id {ind.id!r}"
            )
        seen.add(ind.id)
        indicators.append(ind)

    plan = Plan(
        plan_id=plan_id,
        district=district,
        title_zh=head.text("title_zh"),
        title_en=head.text("title_en"),
        period_start=start,
        period_end=end,
        source_document=head.text("source_document"),
        source_table=head.text("source_table", required=False),
        category_source=category_source,
        version=head.text("version"),
        indicators=tuple(indicators),
        note_zh=head.text("note_zh", required=False, empty=True),
        note_en=head.text("note_en", required=False, empty=True),
        source=source,
    )
    head.reject_unknown()
    return plan


def load_plan_file(path: str | os.PathLike[str]) -> Plan:
    """Load and validate a plan from a TOML file (a district's own plan, same schema)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{p}: cannot read plan file: {exc}") from exc
    return parse_plan(text, source=str(p))


@cache
def _bundled() -> dict[str, Plan]:
    """Every plan shipped in ``indicators/data``, by plan id (read once)."""
    plans: dict[str, Plan] = {}
    folder = resources.files(_DATA_PACKAGE).joinpath(_DATA_DIR)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        source = f"{_DATA_PACKAGE.replace('.', '/')}/{_DATA_DIR}/{entry.name}"
        plan = parse_plan(entry.read_text(encoding="utf-8"), source=source)
        if entry.name != f"{plan.plan_id}.toml":
            raise ConfigurationError(
                f"{source}: plan header: field 'plan_id': {plan.plan_id!r} does not match the "
                f"file name {entry.name!r}"
            )
        plans[plan.plan_id] = plan
    return plans


def load_plan(plan: str | os.PathLike[str]) -> Plan:
    """Return a bundled plan by id, or load one from a path (a ``PathLike`` or a ``*.toml`` str)."""
    if isinstance(plan, os.PathLike) or plan.endswith(".toml"):
        return load_plan_file(plan)
    try:
        return _bundled()[plan]
    except KeyError:
        known = ", ".join(sorted(_bundled()))
        raise NotFoundError(f"no bundled plan {plan!r} (known: {known})") from None


def plans_for_district(code: str) -> tuple[Plan, ...]:
    """Bundled plans of the district ``code``, oldest period first (empty if none)."""
    return tuple(
        sorted(
            (p for p in _bundled().values() if p.district == code),
            key=lambda p: p.period_start,
        )
    )


def all_plans() -> tuple[Plan, ...]:
    """Every bundled plan, by district then period."""
    return tuple(sorted(_bundled().values(), key=lambda p: (p.district, p.period_start)))
