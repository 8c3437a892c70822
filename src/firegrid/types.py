"""Shared vocabulary: enumerations with Chinese and English labels.

Values are stable ASCII identifiers (stored in the database and used in the API); ``label(lang)``
gives the text a user sees. Legend colours for the map come from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import TypeVar

__all__ = [
    "ApparatusCategory",
    "ApparatusStatus",
    "BuildingClass",
    "IncidentCategory",
    "IncidentStatus",
    "LabeledEnum",
    "LocationPrecision",
    "PersonnelCategory",
    "Role",
    "Staffing",
    "StationClass",
    "StationStatus",
    "TownshipKind",
    "UnitStatus",
    "UnitType",
    "VehicleType",
    "WaterSourceKind",
    "WaterSourceStatus",
]


_E = TypeVar("_E", bound="type[LabeledEnum]")

#: ``{enum class: {value: (zh, en)}}`` — kept outside the classes, whose bodies define members.
_LABEL_TABLES: dict[type, dict[str, tuple[str, str]]] = {}


def _labels(table: dict[str, tuple[str, str]]) -> Callable[[_E], _E]:
    """Attach ``{value: (zh, en)}`` labels to a LabeledEnum (enum bodies can't hold dicts)."""

    def deco(cls: _E) -> _E:
        missing = {str(m.value) for m in cls} ^ set(table)
        if missing:
            raise TypeError(f"{cls.__name__}: labels do not match members: {sorted(missing)}")
        _LABEL_TABLES[cls] = table
        return cls

    return deco


class LabeledEnum(StrEnum):
    """A string enum whose members carry ``(zh, en)`` labels (set by ``@_labels``)."""

    def label(self, lang: str = "zh") -> str:
        zh, en = _LABEL_TABLES[type(self)][self.value]
        return en if lang == "en" else zh

    @classmethod
    def labels(cls) -> dict[str, tuple[str, str]]:
        """``{value: (zh, en)}`` for every member."""
        return dict(_LABEL_TABLES[cls])

    @classmethod
    def parse(cls, text: str) -> LabeledEnum:
        """Accept the value, the Chinese or the English label (case-insensitive)."""
        key = text.strip()
        table = _LABEL_TABLES[cls]
        for member in cls:
            zh, en = table[member.value]
            if key in (member.value, zh) or key.lower() in (member.value.lower(), en.lower()):
                return member
        allowed = ", ".join(f"{m.value} ({table[m.value][0]})" for m in cls)
        raise ValueError(f"unknown {cls.__name__} {text!r}; allowed: {allowed}")


@_labels(
    {
        "level1": ("一级普通消防站", "Class 1 station"),
        "level2": ("二级普通消防站", "Class 2 station"),
        "small": ("小型普通消防站", "Small station"),
        "special": ("特勤消防站", "Special-service station"),
        "support": ("战勤保障消防站", "Logistics support station"),
        "water": ("水上消防站", "Fireboat station"),
        "aviation": ("航空消防站", "Aviation station"),
        "gov_fulltime": ("政府专职消防队", "Government full-time team"),
        "enterprise_fulltime": ("企业专职消防队", "Enterprise full-time team"),
        "township_team": ("乡镇专职消防队", "Township full-time team"),
        "volunteer": ("志愿消防队", "Volunteer team"),
        "micro": ("微型消防站", "Micro station"),
        "specialist": ("专业救援队", "Specialist rescue team"),
    }
)
class StationClass(LabeledEnum):
    """建标152-2017 station classes plus the other dispatchable teams the plans count."""

    LEVEL1 = "level1"
    LEVEL2 = "level2"
    SMALL = "small"
    SPECIAL = "special"
    SUPPORT = "support"
    WATER = "water"
    AVIATION = "aviation"
    GOV_FULLTIME = "gov_fulltime"
    ENTERPRISE_FULLTIME = "enterprise_fulltime"
    TOWNSHIP_TEAM = "township_team"
    VOLUNTEER = "volunteer"
    MICRO = "micro"
    SPECIALIST = "specialist"

    @property
    def district_limit_km2(self) -> float | None:
        """District (辖区) area limit of 建标152-2017; None where the class guards no district."""
        return {
            "level1": 7.0,
            "level2": 4.0,
            "small": 2.0,
            "special": 7.0,
        }.get(self.value)


@_labels(
    {
        "national": ("国家综合性消防救援队伍", "National fire & rescue service"),
        "gov_fulltime": ("政府专职", "Government full-time"),
        "enterprise_fulltime": ("企业专职", "Enterprise full-time"),
        "township_fulltime": ("乡镇专职", "Township full-time"),
        "volunteer": ("志愿", "Volunteer"),
        "mixed": ("混编", "Mixed"),
        "unknown": ("未知", "Unknown"),
    }
)
class Staffing(LabeledEnum):
    """Who staffs a station or team (a 小型站 may be national or government full-time)."""

    NATIONAL = "national"
    GOV_FULLTIME = "gov_fulltime"
    ENTERPRISE_FULLTIME = "enterprise_fulltime"
    TOWNSHIP_FULLTIME = "township_fulltime"
    VOLUNTEER = "volunteer"
    MIXED = "mixed"
    UNKNOWN = "unknown"

    @classmethod
    def default_for(cls, station_class: StationClass) -> Staffing:
        return {
            StationClass.GOV_FULLTIME: cls.GOV_FULLTIME,
            StationClass.ENTERPRISE_FULLTIME: cls.ENTERPRISE_FULLTIME,
            StationClass.TOWNSHIP_TEAM: cls.TOWNSHIP_FULLTIME,
            StationClass.VOLUNTEER: cls.VOLUNTEER,
            StationClass.MICRO: cls.VOLUNTEER,
        }.get(station_class, cls.NATIONAL)


@_labels(
    {
        "existing": ("已建", "Existing"),
        "under_construction": ("在建", "Under construction"),
        "planned": ("规划", "Planned"),
        "closed": ("已撤销", "Closed"),
    }
)
class StationStatus(LabeledEnum):
    EXISTING = "existing"
    UNDER_CONSTRUCTION = "under_construction"
    PLANNED = "planned"
    CLOSED = "closed"


@_labels(
    {
        "exact": ("精确", "Exact"),
        "approximate": ("近似（乡镇驻地）", "Approximate (township seat)"),
    }
)
class LocationPrecision(LabeledEnum):
    EXACT = "exact"
    APPROXIMATE = "approximate"


@_labels(
    {
        "street": ("街道", "Sub-district"),
        "town": ("镇", "Town"),
        "township": ("乡", "Township"),
    }
)
class TownshipKind(LabeledEnum):
    STREET = "street"
    TOWN = "town"
    TOWNSHIP = "township"


@_labels(
    {
        "firefighting": ("灭火类", "Firefighting"),
        "aerial": ("举高类", "Aerial"),
        "special_service": ("专勤类", "Special service"),
        "support": ("保障类", "Support"),
    }
)
class ApparatusCategory(LabeledEnum):
    FIREFIGHTING = "firefighting"
    AERIAL = "aerial"
    SPECIAL_SERVICE = "special_service"
    SUPPORT = "support"


@_labels(
    {
        "water_tender": ("水罐车", "Water tender"),
        "foam": ("泡沫车", "Foam tender"),
        "cafs": ("压缩空气泡沫车", "CAFS tender"),
        "aerial_ladder": ("登高平台或云梯车", "Aerial platform / ladder"),
        "high_spray": ("高喷车", "High-spray tender"),
        "rescue": ("抢险救援车", "Rescue vehicle"),
        "smoke_lighting": ("排烟或照明车", "Smoke extraction / lighting"),
        "hazmat_decon": ("化救或洗消车", "Hazmat / decontamination"),
        "command": ("通信指挥车", "Command & communications"),
        "engineering": ("工程机械", "Engineering machinery"),
        "water_supply": ("远程供水或排涝车", "Long-distance water supply / drainage"),
        "hooklift": ("自装卸（模块）车", "Hook-lift (module) carrier"),
        "logistics": ("保障车", "Logistics vehicle"),
    }
)
class VehicleType(LabeledEnum):
    """The columns of the Beibei plan's vehicle table (附件3), in its order."""

    WATER_TENDER = "water_tender"
    FOAM = "foam"
    CAFS = "cafs"
    AERIAL_LADDER = "aerial_ladder"
    HIGH_SPRAY = "high_spray"
    RESCUE = "rescue"
    SMOKE_LIGHTING = "smoke_lighting"
    HAZMAT_DECON = "hazmat_decon"
    COMMAND = "command"
    ENGINEERING = "engineering"
    WATER_SUPPLY = "water_supply"
    HOOKLIFT = "hooklift"
    LOGISTICS = "logistics"

    @property
    def category(self) -> ApparatusCategory:
        return _VEHICLE_CATEGORY[self.value]


_VEHICLE_CATEGORY = {
    "water_tender": ApparatusCategory.FIREFIGHTING,
    "foam": ApparatusCategory.FIREFIGHTING,
    "cafs": ApparatusCategory.FIREFIGHTING,
    "aerial_ladder": ApparatusCategory.AERIAL,
    "high_spray": ApparatusCategory.AERIAL,
    "rescue": ApparatusCategory.SPECIAL_SERVICE,
    "smoke_lighting": ApparatusCategory.SPECIAL_SERVICE,
    "hazmat_decon": ApparatusCategory.SPECIAL_SERVICE,
    "command": ApparatusCategory.SPECIAL_SERVICE,
    "engineering": ApparatusCategory.SUPPORT,
    "water_supply": ApparatusCategory.SUPPORT,
    "hooklift": ApparatusCategory.SUPPORT,
    "logistics": ApparatusCategory.SUPPORT,
}


@_labels(
    {
        "in_service": ("在用", "In service"),
        "planned": ("计划购置", "Planned purchase"),
        "out_of_service": ("停用", "Out of service"),
        "retired": ("报废", "Retired"),
    }
)
class ApparatusStatus(LabeledEnum):
    IN_SERVICE = "in_service"
    PLANNED = "planned"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"


@_labels(
    {
        "national": ("国家综合性消防救援队伍", "National fire & rescue service"),
        "gov_fulltime_municipal": ("市级政府专职消防员", "Municipal government full-time"),
        "gov_fulltime_district": ("区级政府专职消防员", "District government full-time"),
        "gov_fulltime": ("政府专职消防员", "Government full-time"),
        "enterprise_fulltime": ("企业专职消防员", "Enterprise full-time"),
        "township_fulltime": ("乡镇专职消防员", "Township full-time"),
        "volunteer": ("志愿消防员", "Volunteer"),
        "civilian_staff": ("消防文员", "Civilian staff"),
    }
)
class PersonnelCategory(LabeledEnum):
    NATIONAL = "national"
    GOV_FULLTIME_MUNICIPAL = "gov_fulltime_municipal"
    GOV_FULLTIME_DISTRICT = "gov_fulltime_district"
    GOV_FULLTIME = "gov_fulltime"
    ENTERPRISE_FULLTIME = "enterprise_fulltime"
    TOWNSHIP_FULLTIME = "township_fulltime"
    VOLUNTEER = "volunteer"
    CIVILIAN_STAFF = "civilian_staff"

    @property
    def is_firefighter(self) -> bool:
        """Counted in 'firefighters per 10,000 residents' (not volunteers or clerks)."""
        return self.value not in ("volunteer", "civilian_staff")

    @property
    def is_fulltime(self) -> bool:
        """Counted in '万人专职消防员' (all full-time firefighters outside the national service)."""
        return self.value.endswith("fulltime") or self.value.startswith("gov_fulltime")


@_labels(
    {
        "hydrant": ("市政消火栓", "Municipal hydrant"),
        "pool": ("消防水池", "Fire-water pool"),
        "crane": ("消防水鹤", "Water crane"),
        "well": ("自备井", "Well"),
        "intake": ("取水设施", "Natural-water intake"),
    }
)
class WaterSourceKind(LabeledEnum):
    HYDRANT = "hydrant"
    POOL = "pool"
    CRANE = "crane"
    WELL = "well"
    INTAKE = "intake"


@_labels(
    {
        "in_service": ("完好", "In service"),
        "faulty": ("故障", "Faulty"),
        "out_of_service": ("停用", "Out of service"),
        "planned": ("规划", "Planned"),
        "removed": ("已拆除", "Removed"),
    }
)
class WaterSourceStatus(LabeledEnum):
    IN_SERVICE = "in_service"
    FAULTY = "faulty"
    OUT_OF_SERVICE = "out_of_service"
    PLANNED = "planned"
    REMOVED = "removed"


@_labels(
    {
        "fire": ("火灾扑救", "Fire"),
        "rescue": ("抢险救援", "Rescue"),
        "social_assistance": ("社会救助", "Social assistance"),
        "other": ("其他出动", "Other turn-out"),
    }
)
class IncidentCategory(LabeledEnum):
    FIRE = "fire"
    RESCUE = "rescue"
    SOCIAL_ASSISTANCE = "social_assistance"
    OTHER = "other"


@_labels(
    {
        "admin": ("管理员", "Administrator"),
        "planner": ("规划人员", "Planner"),
        "dispatcher": ("调度员", "Dispatcher"),
        "inspector": ("监督员", "Inspector"),
        "viewer": ("查看者", "Viewer"),
    }
)
class Role(LabeledEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    DISPATCHER = "dispatcher"
    INSPECTOR = "inspector"
    VIEWER = "viewer"


@_labels(
    {
        **{v.value: _LABEL_TABLES[VehicleType][v.value] for v in VehicleType},
        "motorcycle": ("消防摩托车", "Fire motorcycle"),
        "team": ("徒步或轻型救援队", "Team (on foot / light equipment)"),
    }
)
class UnitType(LabeledEnum):
    """What a dispatchable unit is: the vehicle types of :class:`VehicleType`, plus the light
    units of micro stations and specialist teams (a motorcycle, a team on foot)."""

    WATER_TENDER = "water_tender"
    FOAM = "foam"
    CAFS = "cafs"
    AERIAL_LADDER = "aerial_ladder"
    HIGH_SPRAY = "high_spray"
    RESCUE = "rescue"
    SMOKE_LIGHTING = "smoke_lighting"
    HAZMAT_DECON = "hazmat_decon"
    COMMAND = "command"
    ENGINEERING = "engineering"
    WATER_SUPPLY = "water_supply"
    HOOKLIFT = "hooklift"
    LOGISTICS = "logistics"
    MOTORCYCLE = "motorcycle"
    TEAM = "team"


@_labels(
    {
        "available": ("待命", "Available"),
        "dispatched": ("已调派", "Dispatched"),
        "en_route": ("途中", "En route"),
        "on_scene": ("到场", "On scene"),
        "returning": ("返队", "Returning"),
        "out_of_service": ("停用", "Out of service"),
    }
)
class UnitStatus(LabeledEnum):
    """Live status of a dispatchable unit; the allowed moves are in ``firegrid.dispatch.status``."""

    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RETURNING = "returning"
    OUT_OF_SERVICE = "out_of_service"


@_labels(
    {
        "received": ("已接警", "Received"),
        "dispatched": ("已调派", "Dispatched"),
        "first_arrival": ("首车到场", "First arrival"),
        "controlled": ("已控制", "Controlled"),
        "closed": ("已结案", "Closed"),
    }
)
class IncidentStatus(LabeledEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    FIRST_ARRIVAL = "first_arrival"
    CONTROLLED = "controlled"
    CLOSED = "closed"


@_labels(
    {
        "ordinary": ("普通建筑", "Ordinary building"),
        "high_rise": ("高层建筑", "High-rise building"),
        "underground": ("地下建筑", "Underground"),
        "crowded": ("人员密集场所", "Crowded place"),
        "flammable": ("易燃易爆场所", "Flammable / explosive site"),
        "important": ("重要场所", "Important site"),
        "outdoor": ("室外或非建筑", "Outdoor / not a building"),
        "vehicle": ("交通工具", "Vehicle"),
    }
)
class BuildingClass(LabeledEnum):
    """Building classes of XF/T 1340-2016 that raise a fire's level (and pick the run card)."""

    ORDINARY = "ordinary"
    HIGH_RISE = "high_rise"
    UNDERGROUND = "underground"
    CROWDED = "crowded"
    FLAMMABLE = "flammable"
    IMPORTANT = "important"
    OUTDOOR = "outdoor"
    VEHICLE = "vehicle"
