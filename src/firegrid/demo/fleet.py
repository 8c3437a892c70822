"""Demo command-centre records: dispatchable units, micro stations, water sources, key units and
their pre-plans — generated where the plans publish none, reproduced where they publish a figure.

Honest-data rule: a count the plan prints is reproduced exactly (Mentougou's 6 water cranes, 48
pools, 84 wells and 360 hydrants); whatever the demo needs beyond it (positions, statuses, fleets,
building attributes) is generated with a seeded ``numpy.random.Generator``, stored with
``synthetic = True`` and a ``source`` saying what it was generated from.

The module has two halves. The planners (``plan_*``, ``render_pre_plan``) are pure: plain
dataclasses and an RNG in, plain rows out. The loaders (``load_*``) read the district's records,
call a planner and write its rows with :func:`~firegrid.db.upsert.upsert_rows` on natural keys
(unit call sign, water-source code, building code, one pre-plan per building), so loading twice
changes nothing.
"""

from __future__ import annotations

import math
import tomllib
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.db.upsert import UpsertCounts, upsert_rows
from firegrid.dispatch.models import PrePlan, Unit
from firegrid.districts.models import District, Place, Township
from firegrid.errors import ConfigurationError
from firegrid.stations.models import Apparatus, Station
from firegrid.types import (
    ApparatusStatus,
    LocationPrecision,
    Staffing,
    StationClass,
    StationStatus,
    UnitType,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

__all__ = [
    "Anchors",
    "ApparatusInfo",
    "FleetContext",
    "FleetSpec",
    "KeyUnitCategory",
    "KeyUnitSpec",
    "MicroSite",
    "Nearby",
    "PlannedBuilding",
    "PlannedUnit",
    "PlannedWater",
    "Poi",
    "StationInfo",
    "load_fleet_spec",
    "load_key_unit_spec",
    "load_key_units",
    "load_micro_stations",
    "load_units",
    "load_water_sources",
    "plan_key_units",
    "plan_micro_sites",
    "plan_units",
    "plan_water_sources",
    "pre_plan_order",
    "render_pre_plan",
    "short_name",
]

_M_PER_DEG_LAT = 111_320.0


# -- versioned data ---------------------------------------------------------------------------
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


# -- pure planners: units -----------------------------------------------------------------------
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


# -- pure planners: water sources ---------------------------------------------------------------
@dataclass(frozen=True)
class Anchors:
    """Points to scatter around, each with the index of its township polygon."""

    lon: np.ndarray
    lat: np.ndarray
    township: np.ndarray

    def __len__(self) -> int:
        return len(self.lon)


@dataclass(frozen=True)
class PlannedWater:
    code: str
    kind: WaterSourceKind
    status: WaterSourceStatus
    lon: float
    lat: float
    township_index: int
    commissioned_year: int | None
    source: str


def _scatter(
    anchors: Anchors,
    idx: np.ndarray,
    *,
    jitter_m: float,
    polygons: Sequence[BaseGeometry],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Jitter the anchors ``idx`` (normal, ``jitter_m`` s.d.), staying in their township."""
    lon = np.empty(len(idx))
    lat = np.empty(len(idx))
    for k, a in enumerate(idx):
        x, y = float(anchors.lon[a]), float(anchors.lat[a])
        poly = polygons[int(anchors.township[a])]
        for _ in range(8):
            dy = rng.normal(0.0, jitter_m) / _M_PER_DEG_LAT
            dx = rng.normal(0.0, jitter_m) / (_M_PER_DEG_LAT * math.cos(math.radians(y)))
            if shapely.contains_xy(poly, x + dx, y + dy):
                x, y = x + dx, y + dy
                break
        lon[k], lat[k] = round(x, 6), round(y, 6)
    return lon, lat


def plan_water_sources(
    kinds: Sequence[Mapping[str, Any]],
    *,
    urban: Anchors,
    rural: Anchors,
    seats: Anchors,
    polygons: Sequence[BaseGeometry],
    rng: np.random.Generator,
    prefix: str,
    source: str,
) -> list[PlannedWater]:
    """Place the published number of each kind of water source (see the district TOML's notes).

    ``urban``: built-up anchors of the new-town townships; ``rural``: villages of the mountain
    townships; ``seats``: the mountain townships' seats. Codes are ``{prefix}-{KIND}-{n:04d}``.
    """
    out: list[PlannedWater] = []
    for k in kinds:
        kind = WaterSourceKind(k["kind"])
        n = int(k["count"])
        jitter = float(k.get("jitter_m", 150.0))
        placement = k["placement"]
        if placement == "urban":
            n_rural = round(n * float(k.get("rural_share", 0.0)))
            parts = [(urban, n - n_rural), (seats, n_rural)]
            idx_parts = [(a, rng.integers(0, len(a), size=m)) for a, m in parts if m]
        elif placement == "rural":
            idx_parts = [(rural, rng.integers(0, len(rural), size=n))]
        elif placement == "mountain_seats":
            if n > len(seats):
                raise ConfigurationError(f"{n} {kind.value}s but only {len(seats)} seats")
            idx_parts = [(seats, np.sort(rng.choice(len(seats), size=n, replace=False)))]
        else:
            raise ConfigurationError(f"water placement {placement!r} is unknown")
        lon_l, lat_l, town_l = [], [], []
        for anchors, idx in idx_parts:
            if len(anchors) == 0:
                raise ConfigurationError(f"no anchors to place {kind.value}s ({placement})")
            x, y = _scatter(anchors, idx, jitter_m=jitter, polygons=polygons, rng=rng)
            lon_l.append(x)
            lat_l.append(y)
            town_l.append(anchors.township[idx])
        lon, lat, town = np.concatenate(lon_l), np.concatenate(lat_l), np.concatenate(town_l)
        status = [WaterSourceStatus.IN_SERVICE] * n
        bad = k.get("not_in_service", {})
        n_bad = sum(int(v) for v in bad.values())
        bad_idx = iter(np.sort(rng.choice(n, size=n_bad, replace=False)).tolist())
        for st, m in sorted(bad.items()):
            for _ in range(int(m)):
                status[next(bad_idx)] = WaterSourceStatus(st)
        years: list[int | None] = [None] * n
        if "commissioned" in k:
            y0, y1 = (int(v) for v in k["commissioned"])
            years = [int(y) for y in rng.integers(y0, y1 + 1, size=n)]
        intact = status.count(WaterSourceStatus.IN_SERVICE)
        text = (
            f"synthetic: one of the {n} {kind.label('en').lower()}s published "
            f"({source}: {k.get('published', '')}); position ({placement}), status"
            + (", commissioning year" if "commissioned" in k else "")
            + f" generated by firegrid, {intact}/{n} in service"
        )
        for i in range(n):
            out.append(
                PlannedWater(
                    code=f"{prefix}-{kind.value.upper()}-{i + 1:04d}",
                    kind=kind,
                    status=status[i],
                    lon=float(lon[i]),
                    lat=float(lat[i]),
                    township_index=int(town[i]),
                    commissioned_year=years[i],
                    source=text,
                )
            )
    return out


# -- pure planners: key units and pre-plans -----------------------------------------------------
@dataclass(frozen=True)
class PlannedBuilding:
    code: str
    name: str
    category: KeyUnitCategory
    lon: float
    lat: float
    township_id: int | None
    floors_above: int
    floors_below: int
    height_m: float
    floor_area_m2: float
    beds: int | None
    rooms: int | None
    has_control_room: bool


def plan_key_units(
    pois: Sequence[Poi], *, spec: KeyUnitSpec, rng: np.random.Generator
) -> list[PlannedBuilding]:
    """Every named POI of a key-unit kind (one per name), with synthetic attributes."""
    seen: set[str] = set()
    out = []
    for p in sorted(pois, key=lambda p: p.source_id):
        cat = spec.categories.get(p.kind)
        if cat is None or p.name in seen:
            continue
        seen.add(p.name)
        floors = int(rng.integers(cat.floors[0], cat.floors[1] + 1))
        lo, hi = cat.floor_area_m2
        area = round(float(np.exp(rng.uniform(math.log(lo), math.log(hi)))), -1)
        per = cat.beds_per_1000m2 or cat.rooms_per_1000m2
        count = int(area / 1000 * rng.uniform(*per)) if per else None
        below = int(rng.random() < 0.4)
        out.append(
            PlannedBuilding(
                code=p.source_id,
                name=p.name,
                category=cat,
                lon=p.lon,
                lat=p.lat,
                township_id=p.township_id,
                floors_above=floors,
                floors_below=below,
                height_m=round(floors * 3.6 + 0.9, 1),
                floor_area_m2=area,
                beds=count if cat.beds_per_1000m2 else None,
                rooms=count if cat.rooms_per_1000m2 else None,
                # A control room goes with an automatic alarm system: assumed for the large ones.
                has_control_room=area >= 10_000 or floors >= 8,
            )
        )
    return out


def pre_plan_order(buildings: Sequence[PlannedBuilding]) -> list[PlannedBuilding]:
    """Round-robin over categories (in the spec's order), each category by code: the first
    few plans then cover a hospital, a kindergarten, a mall, a hotel, a school …"""
    groups: dict[int, list[PlannedBuilding]] = defaultdict(list)
    for b in sorted(buildings, key=lambda b: (b.category.order, b.code)):
        groups[b.category.order].append(b)
    queues = [groups[k] for k in sorted(groups)]
    out: list[PlannedBuilding] = []
    depth = 0
    while len(out) < len(buildings):
        for q in queues:
            if depth < len(q):
                out.append(q[depth])
        depth += 1
    return out


@dataclass(frozen=True)
class Nearby:
    """A record near a key unit, with its straight-line distance."""

    label: str
    distance_m: float
    detail: str = ""


_FOCUS = {
    "hospital": "病房楼及手术室、ICU（行动不便人员集中）、医用氧气站/液氧罐、药库",
    "kindergarten": "幼儿寝室与活动室（低龄儿童疏散）、厨房燃气",
    "shop": "营业厅（人员密集、可燃物多）、地下仓储、中庭",
    "hotel": "客房层（夜间住客疏散）、厨房燃气、洗衣房",
    "school": "学生宿舍（若寄宿）、实验室化学品、食堂燃气",
    "entertainment": "观众厅（人员密集、疏散距离长）、放映室",
    "stadium": "看台（人员密集）、设备用房",
    "museum": "藏品库房与展厅（文物，宜慎用水）",
    "office": "档案室、机房",
}


def render_pre_plan(
    b: PlannedBuilding,
    *,
    water: Sequence[Nearby],
    units: Sequence[Nearby],
    micro: Nearby | None,
) -> str:
    """A demo pre-plan (Chinese markdown). Every figure in it is synthetic or derived from the
    demo's synthetic records; the heading says so."""
    basement = f"地下{b.floors_below}层，" if b.floors_below else ""
    people = f"床位约{b.beds}张。" if b.beds else (f"客房约{b.rooms}间。" if b.rooms else "")
    lines = [
        "> 演示数据：本预案由 firegrid 自动生成（合成），单位名称与位置取自 OpenStreetMap，"
        "其余内容均为示例，不是真实预案。",
        "",
        "## 单位概况",
        f"{b.name}，消防安全重点单位类别：{b.category.category}。地上{b.floors_above}层、{basement}"
        f"建筑高度约{b.height_m:g}米，总建筑面积约{b.floor_area_m2:,.0f}平方米。{people}"
        + ("设消防控制室。" if b.has_control_room else "未设消防控制室。"),
        f"位置：{b.lon:.6f}, {b.lat:.6f}（WGS84）。",
        "",
        "## 消防车通道",
        "主入口临市政道路，消防车可由主入口进入；登高操作场地设在主入口一侧（示例，需现场核实）。"
        + ("建筑高度超过24米，需登高车。" if b.height_m > 24 else ""),
        "",
        "## 水源",
    ]
    lines += [f"- {w.label}：直线距离约{w.distance_m:.0f}米{w.detail}" for w in water] or [
        "- 附近无登记水源"
    ]
    lines += [
        "",
        "## 重点部位",
        _FOCUS.get(b.category.occupancy, "人员密集区域、配电室、厨房"),
        "",
        "## 力量调派建议",
    ]
    if micro is not None:
        lines.append(f"- 先期处置：{micro.label}（直线距离约{micro.distance_m:.0f}米）")
    lines += [f"- {u.label}：直线距离约{u.distance_m:.0f}米{u.detail}" for u in units]
    lines.append("（距离为直线距离；行车时间以指挥中心按路网计算为准。）")
    return "\n".join(lines) + "\n"


# -- loaders (database) -------------------------------------------------------------------------
def _dist_m(lon0: float, lat0: float, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    dx = (lon - lon0) * _M_PER_DEG_LAT * math.cos(math.radians(lat0))
    dy = (lat - lat0) * _M_PER_DEG_LAT
    return np.asarray(np.hypot(dx, dy))


def _pois(session: Session, district: District) -> list[Poi]:
    places = session.scalars(
        select(Place).where(Place.district_id == district.id).order_by(Place.source_id)
    )
    return [Poi(p.source_id, p.name, p.kind, p.lon, p.lat, p.township_id) for p in places]


@dataclass
class FleetContext:
    """What the loaders share within one demo load."""

    session: Session
    district: District
    raw: Mapping[str, Any]
    micro_sites: dict[str, MicroSite] = field(default_factory=dict)


def load_micro_stations(ctx: FleetContext) -> UpsertCounts | None:
    """Generate the district's micro stations at real POIs (``[micro_stations]`` in its TOML)."""
    cfg = ctx.raw.get("micro_stations")
    if not cfg:
        return None
    spec = load_fleet_spec()
    sites = plan_micro_sites(
        [p for p in _pois(ctx.session, ctx.district)],
        count=int(cfg["count"]),
        kinds=cfg["poi_kinds"],
        spec=spec,
        rng=np.random.default_rng(int(cfg["seed"])),
    )
    rows = [
        {
            "name": s.name,
            "township_id": s.township_id,
            "station_class": StationClass.MICRO,
            "specialty": None,
            "staffing": Staffing.default_for(StationClass.MICRO),
            "status": StationStatus.EXISTING,
            "lon": s.lon,
            "lat": s.lat,
            "location_precision": LocationPrecision.EXACT,
            "synthetic": True,
            "source": (
                f"generated: micro station at the real OSM POI {s.poi_source_id} "
                f"({s.poi_name}, {s.poi_kind}; ODbL) — one of {cfg['count']} sampled with seed "
                f"{cfg['seed']}; {cfg.get('source', '')}"
            ),
            "note": "Synthetic: the district's micro stations are not published one by one.",
        }
        for s in sites
    ]
    counts, _ = upsert_rows(
        ctx.session, Station, rows, key=["name"], scope={"district_id": ctx.district.id}
    )
    ctx.micro_sites = {s.name: s for s in sites}
    return counts


def load_units(ctx: FleetContext) -> UpsertCounts:
    """One or more dispatchable units for every existing station of the district."""
    s = ctx.session
    stations = list(
        s.scalars(
            select(Station)
            .where(
                Station.district_id == ctx.district.id,
                Station.status == StationStatus.EXISTING,
            )
            .order_by(Station.name)
        )
    )
    by_id = {st.id: st.name for st in stations}
    vehicles: dict[str, list[ApparatusInfo]] = defaultdict(list)
    for a in s.scalars(
        select(Apparatus).where(
            Apparatus.district_id == ctx.district.id,
            Apparatus.status == ApparatusStatus.IN_SERVICE,
            Apparatus.station_id.is_not(None),
        )
    ):
        if a.station_id in by_id:
            vehicles[by_id[a.station_id]].append(
                ApparatusInfo(a.id, a.code, a.vehicle_type.value, a.source)
            )
    planned = plan_units(
        [StationInfo(st.name, StationClass(st.station_class), st.specialty) for st in stations],
        apparatus=vehicles,
        micro=ctx.micro_sites,
        spec=load_fleet_spec(),
    )
    ids = {st.name: st.id for st in stations}
    rows = [
        {
            "call_sign": u.call_sign,
            "station_id": ids[u.station],
            "apparatus_id": u.apparatus_id,
            "unit_type": u.unit_type,
            "crew": u.crew,
            "synthetic": u.synthetic,
            "source": u.source,
        }
        for u in planned
    ]
    counts, _ = upsert_rows(
        s, Unit, rows, key=["call_sign"], scope={"district_id": ctx.district.id}
    )
    return counts


def load_water_sources(
    ctx: FleetContext, township_geoms: Sequence[tuple[Township, BaseGeometry]]
) -> UpsertCounts | None:
    """The published water sources of the district, placed and given statuses (synthetic)."""
    cfg = ctx.raw.get("water")
    if not cfg:
        return None
    if not township_geoms:
        raise ConfigurationError(f"demo {ctx.district.code}: [water] needs township polygons")
    towns = [t for t, _ in township_geoms]
    polygons = [g for _, g in township_geoms]
    index = {t.id: i for i, t in enumerate(towns)}
    urban_names = set(cfg["urban_townships"])
    unknown = urban_names - {t.name_zh for t in towns}
    if unknown:
        raise ConfigurationError(f"[water] urban_townships not in the district: {unknown}")
    urban_kinds, rural_kinds = set(cfg["urban_anchor_kinds"]), set(cfg["rural_anchor_kinds"])
    u: list[tuple[float, float, int]] = []
    r: list[tuple[float, float, int]] = []
    for p in _pois(ctx.session, ctx.district):
        if p.township_id not in index:
            continue
        i = index[p.township_id]
        if towns[i].name_zh in urban_names:
            if p.kind in urban_kinds:
                u.append((p.lon, p.lat, i))
        elif p.kind in rural_kinds:
            r.append((p.lon, p.lat, i))
    seats = [
        (float(t.seat_lon), float(t.seat_lat), i)
        for i, t in enumerate(towns)
        if t.name_zh not in urban_names and t.seat_lon is not None and t.seat_lat is not None
    ]

    def anchors(pts: list[tuple[float, float, int]]) -> Anchors:
        a = np.array(pts, dtype=float).reshape(-1, 3)
        return Anchors(a[:, 0], a[:, 1], a[:, 2].astype(np.int64))

    planned = plan_water_sources(
        cfg["kinds"],
        urban=anchors(u),
        rural=anchors(r),
        seats=anchors(seats),
        polygons=polygons,
        rng=np.random.default_rng(int(cfg["seed"])),
        prefix=f"SYN-{ctx.district.code.upper()}",
        source=str(cfg.get("source", "")),
    )
    rows = [
        {
            "code": w.code,
            "township_id": towns[w.township_index].id,
            "kind": w.kind,
            "status": w.status,
            "lon": w.lon,
            "lat": w.lat,
            "commissioned_year": w.commissioned_year,
            "synthetic": True,
            "source": w.source + f", seed {cfg['seed']}",
        }
        for w in planned
    ]
    counts, _ = upsert_rows(
        ctx.session, WaterSource, rows, key=["code"], scope={"district_id": ctx.district.id}
    )
    return counts


def load_key_units(ctx: FleetContext) -> tuple[UpsertCounts, UpsertCounts] | None:
    """Key-unit buildings from real POIs (attributes synthetic) and the first pre-plans."""
    cfg = ctx.raw.get("key_units")
    if not cfg:
        return None
    s, district = ctx.session, ctx.district
    spec = load_key_unit_spec()
    planned = plan_key_units(
        _pois(s, district), spec=spec, rng=np.random.default_rng(int(cfg["seed"]))
    )
    attrs = (
        "floors, height, floor area, beds/rooms, basement and control room are synthetic "
        f"(key_units.toml v{spec.version}, seed {cfg['seed']})"
    )
    rows = [
        {
            "code": b.code,
            "name": b.name,
            "township_id": b.township_id,
            "occupancy": b.category.occupancy,
            "floors_above": b.floors_above,
            "floors_below": b.floors_below,
            "height_m": b.height_m,
            "floor_area_m2": b.floor_area_m2,
            "beds": b.beds,
            "rooms": b.rooms,
            "has_control_room": b.has_control_room,
            "key_unit": True,
            "key_unit_category": b.category.category,
            "lon": b.lon,
            "lat": b.lat,
            "synthetic": True,
            "source": (
                f"name and location: OpenStreetMap {b.code} ({b.category.osm_kind}; ODbL); "
                f"key-unit designation by firegrid from the OSM kind (公安部令第61号 categories; "
                f"the district's register is not published); {attrs}"
            ),
        }
        for b in planned
    ]
    b_counts, objs = upsert_rows(
        s, Building, rows, key=["code"], scope={"district_id": district.id}
    )
    plans = _pre_plans(ctx, pre_plan_order(planned)[: int(cfg.get("pre_plans", 0))], objs)
    p_counts, _ = upsert_rows(
        s, PrePlan, plans, key=["building_id"], scope={"district_id": district.id}
    )
    return b_counts, p_counts


def _pre_plans(
    ctx: FleetContext,
    chosen: Sequence[PlannedBuilding],
    buildings: Mapping[tuple[Any, ...], Building],
) -> list[dict[str, Any]]:
    s, district = ctx.session, ctx.district
    water = list(
        s.scalars(
            select(WaterSource)
            .where(
                WaterSource.district_id == district.id,
                WaterSource.status == WaterSourceStatus.IN_SERVICE,
            )
            .order_by(WaterSource.code)
        )
    )
    stations = list(
        s.scalars(
            select(Station)
            .where(
                Station.district_id == district.id,
                Station.status == StationStatus.EXISTING,
                Station.lon.is_not(None),
            )
            .order_by(Station.name)
        )
    )
    units: dict[int, list[str]] = defaultdict(list)
    for u in s.scalars(
        select(Unit).where(Unit.district_id == district.id).order_by(Unit.call_sign)
    ):
        units[u.station_id].append(u.call_sign)
    w_lon = np.array([w.lon for w in water])
    w_lat = np.array([w.lat for w in water])
    # Fighting stations only: specialist teams and micro stations are suggested separately.
    fire = [
        st
        for st in stations
        if st.station_class not in (StationClass.MICRO, StationClass.SPECIALIST)
    ]
    micro = [st for st in stations if st.station_class is StationClass.MICRO]
    out = []
    for b in chosen:
        near_w: list[Nearby] = []
        if water:
            d = _dist_m(b.lon, b.lat, w_lon, w_lat)
            for i in np.argsort(d, kind="stable")[:3]:
                w = water[int(i)]
                near_w.append(Nearby(f"{w.kind.label()} {w.code}", float(d[i])))
        near_u = sorted(
            (
                Nearby(
                    st.name,
                    float(_dist_m(b.lon, b.lat, np.array([st.lon]), np.array([st.lat]))[0]),
                    f"（{'、'.join(units[st.id]) or '无可调派力量'}）",
                )
                for st in fire
                if st.lon is not None and st.lat is not None
            ),
            key=lambda n: (n.distance_m, n.label),
        )[:2]
        near_m = min(
            (
                Nearby(
                    st.name,
                    float(_dist_m(b.lon, b.lat, np.array([st.lon]), np.array([st.lat]))[0]),
                )
                for st in micro
                if st.lon is not None and st.lat is not None
            ),
            key=lambda n: (n.distance_m, n.label),
            default=None,
        )
        if near_m is not None and near_m.distance_m > 1000:
            near_m = None
        out.append(
            {
                "building_id": buildings[(b.code,)].id,
                "title": f"{b.name}灭火救援预案（演示·合成）",
                "content": render_pre_plan(b, water=near_w, units=near_u, micro=near_m),
                "revision": 1,
                "synthetic": True,
                "source": (
                    f"synthetic: generated by firegrid for the key unit {b.code} from its OSM "
                    "name and position and the demo's generated water sources, stations and "
                    "units; not a real pre-plan"
                ),
            }
        )
    return out
