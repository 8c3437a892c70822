"""The versioned data the planners read: ``fleet_by_class.toml`` (unit types and crews per
station class) and ``key_units.toml`` (which POI kinds are key units, attribute ranges)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from firegrid.errors import ConfigurationError
from firegrid.types import (
    StationClass,
    UnitType,
)


def _data_file(name: str) -> Path:
    path = Path(str(resources.files("firegrid.demo").joinpath("data", name)))
    if not path.is_file():
        raise ConfigurationError(f"demo data file {name!r} is missing from the package")
    return path


def _read_toml(name: str) -> dict[str, Any]:
    path = _data_file(name)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class ClassFleet:
    standard_range: str
    units: tuple[tuple[UnitType, int], ...]


@dataclass(frozen=True)
class FleetSpec:
    """``fleet_by_class.toml``: unit types and crews per station class (see the file's notes)."""

    version: str
    standard: str
    abbrev: Mapping[UnitType, str]
    crew: Mapping[UnitType, int]
    classes: Mapping[StationClass, ClassFleet]
    specialties: Mapping[str, tuple[UnitType, int]]
    micro_crew: tuple[int, int]
    micro_motorcycle_share: float


@cache
def load_fleet_spec() -> FleetSpec:
    """Read and validate ``demo/data/fleet_by_class.toml``."""
    raw = _read_toml("fleet_by_class.toml")
    try:
        abbrev = {UnitType(k): str(v) for k, v in raw["abbrev"].items()}
        crew = {UnitType(k): int(v) for k, v in raw["crew"].items()}
        classes = {
            StationClass(k): ClassFleet(
                standard_range=str(v["standard_range"]),
                units=tuple((UnitType(u["type"]), int(u["count"])) for u in v["units"]),
            )
            for k, v in raw["classes"].items()
        }
        specialties = {
            k: (UnitType(v["type"]), int(v["crew"])) for k, v in raw["specialties"].items()
        }
        micro = raw["micro"]
        spec = FleetSpec(
            version=str(raw["version"]),
            standard=str(raw["standard"]),
            abbrev=abbrev,
            crew=crew,
            classes=classes,
            specialties=specialties,
            micro_crew=(int(micro["team_crew_min"]), int(micro["team_crew_max"])),
            micro_motorcycle_share=float(micro["motorcycle_share"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigurationError(f"fleet_by_class.toml: {exc!r}") from exc
    missing = set(UnitType) - set(abbrev) | set(UnitType) - set(crew)
    if missing:
        raise ConfigurationError(f"fleet_by_class.toml: no abbrev/crew for {sorted(missing)}")
    if "default" not in specialties:
        raise ConfigurationError("fleet_by_class.toml: [specialties] needs a 'default'")
    return spec


@dataclass(frozen=True)
class KeyUnitCategory:
    osm_kind: str
    category: str
    occupancy: str
    order: int
    floors: tuple[int, int]
    floor_area_m2: tuple[float, float]
    beds_per_1000m2: tuple[float, float] | None = None
    rooms_per_1000m2: tuple[float, float] | None = None


@dataclass(frozen=True)
class KeyUnitSpec:
    """``key_units.toml``: which OSM POI kinds are key units, and their attribute ranges."""

    version: str
    categories: Mapping[str, KeyUnitCategory]


@cache
def load_key_unit_spec() -> KeyUnitSpec:
    """Read and validate ``demo/data/key_units.toml``."""
    raw = _read_toml("key_units.toml")

    def pair(v: Any) -> tuple[float, float] | None:
        return None if v is None else (float(v[0]), float(v[1]))

    try:
        cats = {
            k: KeyUnitCategory(
                osm_kind=k,
                category=str(v["category"]),
                occupancy=str(v["occupancy"]),
                order=int(v["order"]),
                floors=(int(v["floors"][0]), int(v["floors"][1])),
                floor_area_m2=(float(v["floor_area_m2"][0]), float(v["floor_area_m2"][1])),
                beds_per_1000m2=pair(v.get("beds_per_1000m2")),
                rooms_per_1000m2=pair(v.get("rooms_per_1000m2")),
            )
            for k, v in raw["categories"].items()
        }
        return KeyUnitSpec(version=str(raw["version"]), categories=cats)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise ConfigurationError(f"key_units.toml: {exc!r}") from exc
