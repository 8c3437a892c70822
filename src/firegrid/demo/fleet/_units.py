"""Pure planners of the dispatchable units: one unit per real vehicle, else the fleet of the
station's class; and the micro stations sampled at real POIs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from firegrid.demo.fleet._spec import (
    FleetSpec,
)
from firegrid.errors import ConfigurationError
from firegrid.types import (
    StationClass,
    UnitType,
)


@dataclass(frozen=True)
class StationInfo:
    name: str
    station_class: StationClass
    specialty: str | None = None


@dataclass(frozen=True)
class ApparatusInfo:
    id: int
    code: str
    vehicle_type: str
    source: str = ""


@dataclass(frozen=True)
class MicroSite:
    """A generated micro station at a real POI, with its one light unit."""

    name: str
    poi_source_id: str
    poi_name: str
    poi_kind: str
    lon: float
    lat: float
    township_id: int | None
    unit_type: UnitType
    crew: int


@dataclass(frozen=True)
class PlannedUnit:
    station: str
    call_sign: str
    unit_type: UnitType
    crew: int
    apparatus_id: int | None
    synthetic: bool
    source: str


def short_name(station: str) -> str:
    """The call-sign stem: 三家店消防救援站 → 三家店, 龙泉小学微型消防站 → 龙泉小学微站."""
    if station.endswith("微型消防站"):
        return station[: -len("微型消防站")] + "微站"
    for suffix in ("消防救援站", "消防站"):
        if station.endswith(suffix) and len(station) > len(suffix):
            return station[: -len(suffix)]
    return station


def plan_units(
    stations: Sequence[StationInfo],
    *,
    apparatus: Mapping[str, Sequence[ApparatusInfo]],
    micro: Mapping[str, MicroSite],
    spec: FleetSpec,
) -> list[PlannedUnit]:
    """The units of existing stations, in station order.

    A station with in-service apparatus records gets one unit per vehicle (real, crew the
    type's default); a micro station its generated light unit; a specialist team one unit by
    specialty; any other station the 建标152 fleet of its class (synthetic).
    """
    out: list[PlannedUnit] = []
    for st in stations:
        numbers: Counter[UnitType] = Counter()
        stem = short_name(st.name)
        for t, crew, source, app in _station_fleet(st, apparatus, micro, spec):
            numbers[t] += 1
            out.append(
                PlannedUnit(
                    station=st.name,
                    call_sign=f"{stem}-{spec.abbrev[t]}{numbers[t]}",
                    unit_type=t,
                    crew=crew,
                    apparatus_id=app,
                    synthetic=app is None,
                    source=source,
                )
            )
    seen = Counter(u.call_sign for u in out)
    dup = sorted(c for c, n in seen.items() if n > 1)
    if dup:
        raise ConfigurationError(f"duplicate unit call signs: {dup}")
    return out


def _station_fleet(
    st: StationInfo,
    apparatus: Mapping[str, Sequence[ApparatusInfo]],
    micro: Mapping[str, MicroSite],
    spec: FleetSpec,
) -> list[tuple[UnitType, int, str, int | None]]:
    """``(type, crew, source, apparatus id)`` of each unit of one station."""
    vehicles = sorted(apparatus.get(st.name, ()), key=lambda a: a.code)
    if vehicles:
        out: list[tuple[UnitType, int, str, int | None]] = []
        for a in vehicles:
            t = UnitType(a.vehicle_type)
            source = (
                f"apparatus {a.code} ({a.source}); crew: default for the type "
                f"(fleet_by_class.toml v{spec.version})"
            )
            out.append((t, spec.crew[t], source, a.id))
        return out
    if st.station_class is StationClass.MICRO:
        site = micro.get(st.name)
        t, crew = (site.unit_type, site.crew) if site else (UnitType.TEAM, spec.micro_crew[0])
        source = (
            "generated: one light unit of a synthetic micro station "
            f"(fleet_by_class.toml v{spec.version} [micro])"
        )
        return [(t, crew, source, None)]
    if st.station_class is StationClass.SPECIALIST:
        key = st.specialty if st.specialty in spec.specialties else None
        t, crew = spec.specialties[key or "default"]
        source = (
            f"generated: one {t.value} unit for the {st.specialty or 'specialist'} team "
            f"(fleet_by_class.toml v{spec.version} [specialties], type confirm); the team is "
            "real, its vehicles are not published"
        )
        return [(t, crew, source, None)]
    fleet = spec.classes.get(st.station_class)
    if fleet is None:
        raise ConfigurationError(
            f"fleet_by_class.toml has no fleet for class {st.station_class.value!r} "
            f"(station {st.name})"
        )
    source = (
        f"generated: 建标152 fleet for class {st.station_class.value} "
        f"({st.station_class.label()}; {spec.standard}: {fleet.standard_range} vehicles) "
        f"from fleet_by_class.toml v{spec.version}; types and crews (confirm); the "
        "station's real vehicles are not published"
    )
    return [(t, spec.crew[t], source, None) for t, count in fleet.units for _ in range(count)]


@dataclass(frozen=True)
class Poi:
    source_id: str
    name: str
    kind: str
    lon: float
    lat: float
    township_id: int | None


def plan_micro_sites(
    pois: Sequence[Poi],
    *,
    count: int,
    kinds: Sequence[str],
    spec: FleetSpec,
    rng: np.random.Generator,
) -> list[MicroSite]:
    """A seeded sample of ``count`` POIs of ``kinds`` (one per name), each a micro station."""
    wanted = set(kinds)
    by_name: dict[str, Poi] = {}
    for p in sorted(pois, key=lambda p: p.source_id):
        if p.kind in wanted and p.name not in by_name:
            by_name[p.name] = p
    pool = sorted(by_name.values(), key=lambda p: p.source_id)
    if count > len(pool):
        raise ConfigurationError(f"micro stations: {count} wanted, {len(pool)} eligible POIs")
    picks = sorted(rng.choice(len(pool), size=count, replace=False).tolist())
    lo, hi = spec.micro_crew
    out = []
    for i in picks:
        p = pool[i]
        moto = bool(rng.random() < spec.micro_motorcycle_share)
        out.append(
            MicroSite(
                name=f"{p.name}微型消防站",
                poi_source_id=p.source_id,
                poi_name=p.name,
                poi_kind=p.kind,
                lon=p.lon,
                lat=p.lat,
                township_id=p.township_id,
                unit_type=UnitType.MOTORCYCLE if moto else UnitType.TEAM,
                crew=2 if moto else int(rng.integers(lo, hi + 1)),
            )
        )
    return out
