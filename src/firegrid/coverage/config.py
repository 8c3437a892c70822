"""Response standards for coverage analysis: versioned TOML data, validated on load.

The bundled set lives in ``coverage/data/response_standards.toml`` (which documents every field);
a district may load its own file with :func:`load_standards_file`. Every coverage result records
the ``id`` and ``version`` of the set it used (:meth:`ResponseStandards.provenance`).

This module reads packaged data and nothing else: no database, no web framework. The kernels
never read it — they take explicit parameters.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from firegrid.coverage.result import Provenance
from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.network.approx import StraightLineModel
from firegrid.types import StationClass

__all__ = [
    "ApproxDefaults",
    "AreaDefaults",
    "HydrantRules",
    "ResponseStandards",
    "load_standards",
    "load_standards_file",
    "parse_standards",
]

_BUNDLED = "response_standards.toml"


@dataclass(frozen=True)
class HydrantRules:
    """GB 50974-2014 hydrant distances."""

    #: No point of road farther than this along the network from an in-service hydrant.
    road_distance_m: float
    #: Protection radius (straight line) of a hydrant.
    radius_m: float


@dataclass(frozen=True)
class AreaDefaults:
    """Raster parameters of area coverage and first-due districts."""

    cell_m: float
    off_network_speed_kmh: float
    #: Outline simplification tolerance as a fraction of ``cell_m``.
    simplify_cells: float

    @property
    def simplify_m(self) -> float:
        return self.cell_m * self.simplify_cells


@dataclass(frozen=True)
class ApproxDefaults:
    """Parameters of the straight-line approximation (:mod:`firegrid.network.approx`)."""

    circuity: float
    speed_kmh: float
    delay_s: float

    def model(self) -> StraightLineModel:
        """These defaults as a :class:`~firegrid.network.approx.StraightLineModel`."""
        return StraightLineModel(
            circuity=self.circuity, speed_kmh=self.speed_kmh, delay_s=self.delay_s
        )


@dataclass(frozen=True)
class ResponseStandards:
    """One versioned set of response standards.

    Attributes
    ----------
    id, version : str
        Recorded in every result computed with this set.
    effective_from : datetime.date
        First day the set applies.
    coverage_limit_s : float
        Default coverage standard, turn-out + driving (the 5-minute rule: 300 s).
    coverage_limit_s_by_class : mapping
        Classes with their own on-scene standard (micro stations: 180 s).
    turnout_s : mapping
        Turn-out time per station class, seconds; every :class:`StationClass` has one.
    district_limit_km2 : mapping
        District area limit per class; classes absent guard no district.
    suburban_limit_km2 : float
        Limit for suburban (近郊) stations of the classes in ``suburban_classes``.
    confirm : tuple of str
        Dotted keys of figures not yet confirmed in an official text.
    """

    id: str
    version: str
    effective_from: date
    name_zh: str
    name_en: str
    coverage_limit_s: float
    coverage_limit_s_by_class: Mapping[StationClass, float]
    turnout_s: Mapping[StationClass, float]
    district_limit_km2: Mapping[StationClass, float]
    suburban_limit_km2: float
    suburban_classes: frozenset[StationClass]
    hydrant: HydrantRules
    area: AreaDefaults
    approx: ApproxDefaults
    confirm: tuple[str, ...]
    source: str = "<string>"

    def turnout_for(self, station_class: StationClass | str) -> float:
        """Turn-out time (s) of a station class."""
        return self.turnout_s[_station_class(station_class)]

    def coverage_limit_for(self, station_class: StationClass | str | None = None) -> float:
        """Coverage standard (s, turn-out included) for a class, or the general one."""
        if station_class is None:
            return self.coverage_limit_s
        return self.coverage_limit_s_by_class.get(
            _station_class(station_class), self.coverage_limit_s
        )

    def district_limit_for(
        self, station_class: StationClass | str, *, suburban: bool = False
    ) -> float | None:
        """District area limit (km²) of a class; ``None`` where the class guards no district."""
        cls = _station_class(station_class)
        if suburban and cls in self.suburban_classes:
            return self.suburban_limit_km2
        return self.district_limit_km2.get(cls)

    def provenance(self, *, approximate: bool = False, vehicle: str | None = None) -> Provenance:
        """What a result computed with this set records about its inputs."""
        return Provenance(
            standards_id=self.id,
            standards_version=self.version,
            approximate=approximate,
            vehicle=vehicle,
        )


def _station_class(value: StationClass | str) -> StationClass:
    try:
        return StationClass(value)
    except ValueError as exc:
        known = ", ".join(c.value for c in StationClass)
        raise InvalidInputError(f"unknown station class {value!r}; known: {known}") from exc


class _Reader:
    """Typed access to one TOML table with errors naming the file and the field."""

    def __init__(self, data: Mapping[str, Any], *, source: str, where: str) -> None:
        self.data = data
        self.source = source
        self.where = where

    def fail(self, key: str, reason: str) -> ConfigurationError:
        return ConfigurationError(f"{self.source}: {self.where}: field {key!r}: {reason}")

    def table(self, key: str) -> _Reader:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table")
        return _Reader(value, source=self.source, where=f"{self.where}.{key}")

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty string, got {value!r}")
        return value

    def number(self, key: str, *, positive: bool = True) -> float:
        value = self.data.get(key)
        # bool is an int subclass: reject it explicitly, "true" is never a duration.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number, got {value!r}")
        x = float(value)
        if not math.isfinite(x) or x < 0 or (positive and x == 0):
            kind = "positive" if positive else "non-negative"
            raise self.fail(key, f"must be a finite {kind} number, got {value!r}")
        return x

    def class_numbers(self, key: str) -> dict[StationClass, float]:
        sub = self.table(key)
        out: dict[StationClass, float] = {}
        for name in sub.data:
            try:
                cls = StationClass(name)
            except ValueError:
                raise sub.fail(name, "is not a station class") from None
            out[cls] = sub.number(name)
        return out


def parse_standards(text: str, *, source: str = "<string>") -> tuple[ResponseStandards, ...]:
    """Parse and validate response standards from TOML text.

    Parameters
    ----------
    text : str
        TOML with one or more ``[[standards]]`` tables (schema: the bundled file).
    source : str
        Names the text in error messages.

    Returns
    -------
    tuple of ResponseStandards
        Sorted by ``effective_from``.

    Raises
    ------
    ConfigurationError
        Not TOML, a missing or invalid field (the message names the file and the field), a
        station class without a turn-out time, or a duplicate ``(id, version)``.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid TOML: {exc}") from exc
    raw_sets = data.get("standards")
    if not isinstance(raw_sets, list) or not raw_sets:
        raise ConfigurationError(f"{source}: needs at least one [[standards]] table")
    out: list[ResponseStandards] = []
    seen: set[tuple[str, str]] = set()
    for i, raw in enumerate(raw_sets, start=1):
        if not isinstance(raw, Mapping):
            raise ConfigurationError(f"{source}: standards #{i} must be a table")
        std = _parse_one(_Reader(raw, source=source, where=f"standards #{i}"))
        if (std.id, std.version) in seen:
            raise ConfigurationError(f"{source}: duplicate standards {std.id!r} v{std.version}")
        seen.add((std.id, std.version))
        out.append(std)
    return tuple(sorted(out, key=lambda s: s.effective_from))


def _parse_one(r: _Reader) -> ResponseStandards:
    effective = r.data.get("effective_from")
    if not isinstance(effective, date):
        raise r.fail("effective_from", f"must be a TOML date, got {effective!r}")
    turnout = r.class_numbers("turnout_s")
    missing = [c.value for c in StationClass if c not in turnout]
    if missing:
        raise r.fail("turnout_s", f"has no turn-out time for: {', '.join(missing)}")
    suburban = r.table("suburban")
    raw_classes = suburban.data.get("classes")
    if not isinstance(raw_classes, list):
        raise suburban.fail("classes", "must be a list of station classes")
    try:
        suburban_classes = frozenset(StationClass(c) for c in raw_classes)
    except ValueError as exc:
        raise suburban.fail("classes", str(exc)) from None
    confirm = r.data.get("confirm", [])
    if not isinstance(confirm, list) or not all(isinstance(c, str) for c in confirm):
        raise r.fail("confirm", "must be a list of strings")
    hydrant, area, approx = r.table("hydrant"), r.table("area"), r.table("approx")
    return ResponseStandards(
        id=r.text("id"),
        version=r.text("version"),
        effective_from=effective,
        name_zh=r.text("name_zh"),
        name_en=r.text("name_en"),
        coverage_limit_s=r.number("coverage_limit_s"),
        coverage_limit_s_by_class=r.class_numbers("coverage_limit_s_by_class"),
        turnout_s=turnout,
        district_limit_km2=r.class_numbers("district_limit_km2"),
        suburban_limit_km2=suburban.number("limit_km2"),
        suburban_classes=suburban_classes,
        hydrant=HydrantRules(
            road_distance_m=hydrant.number("road_distance_m"),
            radius_m=hydrant.number("radius_m"),
        ),
        area=AreaDefaults(
            cell_m=area.number("cell_m"),
            off_network_speed_kmh=area.number("off_network_speed_kmh"),
            simplify_cells=area.number("simplify_cells", positive=False),
        ),
        approx=ApproxDefaults(
            circuity=approx.number("circuity"),
            speed_kmh=approx.number("speed_kmh"),
            delay_s=approx.number("delay_s", positive=False),
        ),
        confirm=tuple(confirm),
        source=r.source,
    )


@cache
def _bundled() -> tuple[ResponseStandards, ...]:
    text = resources.files("firegrid.coverage").joinpath("data", _BUNDLED).read_text("utf-8")
    return parse_standards(text, source=f"firegrid/coverage/data/{_BUNDLED}")


def load_standards(on: date | None = None) -> ResponseStandards:
    """The bundled response standards in force on ``on`` (default: the latest set).

    Raises
    ------
    ConfigurationError
        If no bundled set is in force on that day.
    """
    sets = _bundled()
    if on is None:
        return sets[-1]
    valid = [s for s in sets if s.effective_from <= on]
    if not valid:
        raise ConfigurationError(f"no response standards in force on {on.isoformat()}")
    return valid[-1]


def load_standards_file(path: str | os.PathLike[str]) -> ResponseStandards:
    """Load a district's own standards file (same schema); returns its latest set."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{p}: cannot read standards file: {exc}") from exc
    return parse_standards(text, source=str(p))[-1]
