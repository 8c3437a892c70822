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
    "CertificateKind",
    "CreditGrade",
    "EquipmentStatus",
    "EscalationKind",
    "HazardSeverity",
    "HazardStatus",
    "IncidentCategory",
    "IncidentStatus",
    "InspectionMode",
    "InspectionOutcome",
    "LabeledEnum",
    "LocationPrecision",
    "PersonnelCategory",
    "Role",
    "SelfCheckReview",
    "Staffing",
    "StationClass",
    "StationStatus",
    "TownshipKind",
    "TraineeGroup",
    "TrainingKind",
    "UnitStatus",
    "UnitType",
    "VehicleType",
    "WaterSourceKind",
    "WaterSourceStatus",
    "WaterTicketStatus",
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


# --- supervision (issue 7) -------------------------------------------------------------------


@_labels(
    {
        "law_enforcement": ("行政执法资格证", "Law-enforcement qualification"),
        "special_disaster_rescue": ("特种灾害救援资格证", "Special-disaster rescue certification"),
        "control_room_operator": ("消防设施操作员(控制室)", "Fire control room operator"),
        "fire_safety_manager": ("消防安全管理人", "Fire safety manager"),
        "other": ("其他", "Other"),
    }
)
class CertificateKind(LabeledEnum):
    LAW_ENFORCEMENT = "law_enforcement"
    SPECIAL_DISASTER_RESCUE = "special_disaster_rescue"
    CONTROL_ROOM_OPERATOR = "control_room_operator"
    FIRE_SAFETY_MANAGER = "fire_safety_manager"
    OTHER = "other"


@_labels(
    {
        "on_site": ("现场检查", "On-site inspection"),
        "remote_video": ("远程视频检查", "Remote video inspection"),
        "iot_data": ("物联网数据核查", "IoT data check"),
        "self_check_review": ("自查结果审核", "Self-inspection review"),
    }
)
class InspectionMode(LabeledEnum):
    """How an inspection was made; everything but ``on_site`` is non-site (非现场监管)."""

    ON_SITE = "on_site"
    REMOTE_VIDEO = "remote_video"
    IOT_DATA = "iot_data"
    SELF_CHECK_REVIEW = "self_check_review"

    @property
    def is_non_site(self) -> bool:
        return self.value != "on_site"


@_labels(
    {
        "passed": ("合格", "Passed"),
        "hazards_found": ("发现隐患", "Hazards found"),
        "closed_unit": ("单位已关停", "Unit closed"),
        "not_reached": ("未能检查", "Not reached"),
    }
)
class InspectionOutcome(LabeledEnum):
    PASSED = "passed"
    HAZARDS_FOUND = "hazards_found"
    CLOSED_UNIT = "closed_unit"
    NOT_REACHED = "not_reached"


@_labels(
    {
        "general": ("一般火灾隐患", "General fire hazard"),
        "major": ("重大火灾隐患", "Major fire hazard"),
    }
)
class HazardSeverity(LabeledEnum):
    GENERAL = "general"
    MAJOR = "major"


@_labels(
    {
        "found": ("发现", "Found"),
        "ordered": ("责令改正", "Ordered to rectify"),
        "rectifying": ("整改中", "Rectifying"),
        "reinspecting": ("待复查", "Awaiting re-inspection"),
        "closed": ("销案", "Closed"),
        "escalated": ("升级处理", "Escalated"),
    }
)
class HazardStatus(LabeledEnum):
    FOUND = "found"
    ORDERED = "ordered"
    RECTIFYING = "rectifying"
    REINSPECTING = "reinspecting"
    CLOSED = "closed"
    ESCALATED = "escalated"


@_labels(
    {
        "penalty": ("行政处罚", "Administrative penalty"),
        "supervised_listing": ("挂牌督办", "Supervised listing"),
    }
)
class EscalationKind(LabeledEnum):
    PENALTY = "penalty"
    SUPERVISED_LISTING = "supervised_listing"


@_labels(
    {
        "pending": ("待审核", "Pending review"),
        "accepted": ("审核通过", "Accepted"),
        "rejected": ("审核不通过", "Rejected"),
    }
)
class SelfCheckReview(LabeledEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@_labels(
    {
        "A": ("A级 守信", "A — trustworthy"),
        "B": ("B级 基本守信", "B — mostly trustworthy"),
        "C": ("C级 失信", "C — untrustworthy"),
        "D": ("D级 严重失信", "D — severely untrustworthy"),
    }
)
class CreditGrade(LabeledEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


# --- water, equipment, training records (issue 7) --------------------------------------------


@_labels(
    {
        "discovered": ("发现", "Discovered"),
        "notified": ("通报", "Notified"),
        "repairing": ("维修", "Repairing"),
        "rechecked": ("复核", "Rechecked (closed)"),
    }
)
class WaterTicketStatus(LabeledEnum):
    """The water-source maintenance loop 发现 → 通报 → 维修 → 复核 (``water.maintenance``)."""

    DISCOVERED = "discovered"
    NOTIFIED = "notified"
    REPAIRING = "repairing"
    RECHECKED = "rechecked"


@_labels(
    {
        "procurement": ("采购", "Procurement"),
        "in_stock": ("在库", "In stock"),
        "issued": ("已发放", "Issued"),
        "in_use": ("在用", "In use"),
        "repair": ("维修", "Under repair"),
        "scrapped": ("报废", "Scrapped"),
    }
)
class EquipmentStatus(LabeledEnum):
    """The equipment lifecycle 采、供、管、发、修 (moves in ``equipment.lifecycle``)."""

    PROCUREMENT = "procurement"
    IN_STOCK = "in_stock"
    ISSUED = "issued"
    IN_USE = "in_use"
    REPAIR = "repair"
    SCRAPPED = "scrapped"


@_labels(
    {
        "public_skills": (
            "实操实训（灭火器灭真火、消火栓出真水）",
            "Public hands-on skills training",
        ),
        "drill": ("演练", "Drill"),
        "professional": ("专业训练考核", "Professional training and assessment"),
        "certification": ("资格认证培训", "Certification course"),
    }
)
class TrainingKind(LabeledEnum):
    PUBLIC_SKILLS = "public_skills"
    DRILL = "drill"
    PROFESSIONAL = "professional"
    CERTIFICATION = "certification"


@_labels(
    {
        "community_police": ("社区民警", "Community police"),
        "township_staff": ("乡镇（街道）干部", "Township staff"),
        "grid_member": ("网格员", "Grid member"),
        "property_staff": ("物业人员", "Property-management staff"),
        "security_guard": ("保安员", "Security guard"),
        "key_unit_staff": ("重点单位员工", "Key-unit staff"),
        "micro_station_member": ("微型消防站队员", "Micro-station member"),
        "firefighter": ("消防员", "Firefighter"),
        "resident": ("居民", "Resident"),
        "other": ("其他", "Other"),
    }
)
class TraineeGroup(LabeledEnum):
    """Who attended (the "一警六员" groups of the plans, firefighters, residents)."""

    COMMUNITY_POLICE = "community_police"
    TOWNSHIP_STAFF = "township_staff"
    GRID_MEMBER = "grid_member"
    PROPERTY_STAFF = "property_staff"
    SECURITY_GUARD = "security_guard"
    KEY_UNIT_STAFF = "key_unit_staff"
    MICRO_STATION_MEMBER = "micro_station_member"
    FIREFIGHTER = "firefighter"
    RESIDENT = "resident"
    OTHER = "other"
