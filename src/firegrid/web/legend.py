"""Map and table styling keyed by the enums of ``firegrid.types`` (labels come from there too).

Every member of an enum must have a style: a new station class or status fails at import,
not as an unstyled marker on a planner's map.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final, Literal, TypeVar

from firegrid.coverage.export import CoverageLayer
from firegrid.indicators.kernels import StatusCode
from firegrid.siting.export import SitingLayer
from firegrid.types import (
    BuildingClass,
    IncidentCategory,
    IncidentStatus,
    LabeledEnum,
    LocationPrecision,
    StationClass,
    StationStatus,
    TownshipKind,
    UnitStatus,
    UnitType,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.web.i18n import Lang, t

__all__ = [
    "COVERAGE_LAYER_COLOURS",
    "COVERAGE_OVER_LIMIT_COLOUR",
    "COVERAGE_STATION_PALETTE",
    "HEAT_COLOUR",
    "INCIDENT_COLOURS",
    "INDICATOR_STATUS_COLOURS",
    "KEY_UNIT_COLOUR",
    "RISK_LEVEL_COLOURS",
    "SITING_LAYER_STYLE",
    "STATION_CLASS_STYLE",
    "STATION_STATUS_FILL",
    "TOWNSHIP_KIND_COLOURS",
    "UNIT_STATUS_COLOURS",
    "WATER_STATUS_COLOURS",
    "map_styles",
]

Shape = Literal["circle", "square", "triangle", "diamond"]
#: How the siting page draws a layer: a station symbol, a numbered star, a square marker, a dot,
#: a district outline, a plus (added), a cross (closed) or a dashed arrow (moved).
SitingSymbol = Literal["station", "star", "square", "dot", "outline", "plus", "cross", "arrow"]
Fill = Literal["solid", "half", "hollow", "cross"]

_K = TypeVar("_K", bound=StrEnum)


def _complete(enum_cls: type[_K], table: Mapping[_K, Any]) -> dict[_K, Any]:
    missing = {m.value for m in enum_cls} ^ {k.value for k in table}
    if missing:
        raise TypeError(f"web legend: {enum_cls.__name__} styles do not match: {sorted(missing)}")
    return dict(table)


#: Colour by class; shape by kind of service: 建标152 stations are circles, full-time teams
#: squares, volunteer and micro stations triangles, specialist teams diamonds.
STATION_CLASS_STYLE: Final[dict[StationClass, tuple[str, Shape]]] = _complete(
    StationClass,
    {
        StationClass.LEVEL1: ("#c62828", "circle"),
        StationClass.LEVEL2: ("#ef6c00", "circle"),
        StationClass.SMALL: ("#f9a825", "circle"),
        StationClass.SPECIAL: ("#6a1b9a", "circle"),
        StationClass.SUPPORT: ("#5d4037", "circle"),
        StationClass.WATER: ("#0277bd", "circle"),
        StationClass.AVIATION: ("#00838f", "circle"),
        StationClass.GOV_FULLTIME: ("#2e7d32", "square"),
        StationClass.ENTERPRISE_FULLTIME: ("#558b2f", "square"),
        StationClass.TOWNSHIP_TEAM: ("#827717", "square"),
        StationClass.VOLUNTEER: ("#ad1457", "triangle"),
        StationClass.MICRO: ("#d81b60", "triangle"),
        StationClass.SPECIALIST: ("#283593", "diamond"),
    },
)

#: How the marker is filled: built = solid, under construction = half, planned = hollow
#: (dashed outline), closed = grey with a cross.
STATION_STATUS_FILL: Final[dict[StationStatus, Fill]] = _complete(
    StationStatus,
    {
        StationStatus.EXISTING: "solid",
        StationStatus.UNDER_CONSTRUCTION: "half",
        StationStatus.PLANNED: "hollow",
        StationStatus.CLOSED: "cross",
    },
)

TOWNSHIP_KIND_COLOURS: Final[dict[TownshipKind, str]] = _complete(
    TownshipKind,
    {
        TownshipKind.STREET: "#90caf9",
        TownshipKind.TOWN: "#c5e1a5",
        TownshipKind.TOWNSHIP: "#ffe082",
    },
)

INCIDENT_COLOURS: Final[dict[IncidentCategory, str]] = _complete(
    IncidentCategory,
    {
        IncidentCategory.FIRE: "#d32f2f",
        IncidentCategory.RESCUE: "#1565c0",
        IncidentCategory.SOCIAL_ASSISTANCE: "#2e7d32",
        IncidentCategory.OTHER: "#757575",
    },
)

#: Traffic lights of the indicator table.
INDICATOR_STATUS_COLOURS: Final[dict[StatusCode, str]] = _complete(
    StatusCode,
    {
        StatusCode.ON_TRACK: "#2e7d32",
        StatusCode.AT_RISK: "#f59e0b",
        StatusCode.MISSED: "#c62828",
        StatusCode.NO_DATA: "#9e9e9e",
    },
)


#: Coverage layers (the isochrone colour is the legend's swatch; on the map each station's
#: isochrone takes its colour from COVERAGE_STATION_PALETTE).
COVERAGE_LAYER_COLOURS: Final[dict[CoverageLayer, str]] = _complete(
    CoverageLayer,
    {
        CoverageLayer.DISTRICT: "#263238",
        CoverageLayer.ISOCHRONE: "#1f77b4",
        CoverageLayer.UNCOVERED_AREA: "#757575",
        CoverageLayer.UNCOVERED_PLACE: "#4a148c",
        CoverageLayer.ROAD_GAP: "#d50000",
        CoverageLayer.STATION: "#212121",
    },
)

#: Districts over their 建标152 area limit: thick outline and hatch in this colour.
COVERAGE_OVER_LIMIT_COLOUR: Final = "#c62828"

#: One colour per station for isochrones; no red (over-limit) and no grey (uncovered).
COVERAGE_STATION_PALETTE: Final[tuple[str, ...]] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#17becf",
    "#bcbd22",
    "#e377c2",
    "#8c564b",
    "#4e79a7",
    "#59a14f",
)


#: Siting layers: the optimiser's sites are stars (new sites orange, numbered by rank; the
#: optimum of the plan comparison green), the plan's stations blue squares, so that the plan
#: and the optimum stay apart on one map; what-if additions are orange plus signs.
SITING_LAYER_STYLE: Final[dict[SitingLayer, tuple[str, SitingSymbol]]] = _complete(
    SitingLayer,
    {
        SitingLayer.EXISTING: ("#c62828", "station"),
        SitingLayer.NEW_SITE: ("#e65100", "star"),
        SitingLayer.PLAN: ("#1565c0", "square"),
        SitingLayer.OPTIMUM: ("#2e7d32", "star"),
        SitingLayer.DISTRICT: ("#263238", "outline"),
        SitingLayer.UNCOVERED_PLACE: ("#4a148c", "dot"),
        SitingLayer.STATION: ("#ef6c00", "plus"),
        SitingLayer.CLOSED: ("#616161", "cross"),
        SitingLayer.MOVED_FROM: ("#6a1b9a", "arrow"),
    },
)


#: Command centre: a unit's live status. Green is free, amber to red is more committed (turned
#: out, on the road, at the scene), teal is on the way back, grey cannot be sent.
UNIT_STATUS_COLOURS: Final[dict[UnitStatus, str]] = _complete(
    UnitStatus,
    {
        UnitStatus.AVAILABLE: "#2e7d32",
        UnitStatus.DISPATCHED: "#f9a825",
        UnitStatus.EN_ROUTE: "#ef6c00",
        UnitStatus.ON_SCENE: "#c62828",
        UnitStatus.RETURNING: "#00838f",
        UnitStatus.OUT_OF_SERVICE: "#757575",
    },
)

#: Water sources: blue when usable; a faulty or out-of-service one must stand out on the map.
WATER_STATUS_COLOURS: Final[dict[WaterSourceStatus, str]] = _complete(
    WaterSourceStatus,
    {
        WaterSourceStatus.IN_SERVICE: "#1565c0",
        WaterSourceStatus.FAULTY: "#ef6c00",
        WaterSourceStatus.OUT_OF_SERVICE: "#c62828",
        WaterSourceStatus.PLANNED: "#90caf9",
        WaterSourceStatus.REMOVED: "#9e9e9e",
    },
)

#: Fire-risk levels (firegrid.risk bands, 1 = I 低 … 4 = IV 极高) in the four colours of Chinese
#: safety-risk grading (蓝 低, 黄 一般, 橙 较大, 红 重大), so that a planner reads them at once.
RISK_LEVEL_COLOURS: Final[dict[int, str]] = {
    1: "#1e88e5",
    2: "#fbc02d",
    3: "#f57c00",
    4: "#c62828",
}
#: Roman numerals of the levels, as the risk bands print them.
RISK_LEVEL_CODES: Final[dict[int, str]] = {1: "I", 2: "II", 3: "III", 4: "IV"}


def _check_risk_levels() -> None:
    from firegrid.risk.service import load_index_config

    levels = {b.level for b in load_index_config().bands}
    if levels != set(RISK_LEVEL_COLOURS):
        raise TypeError(f"web legend: risk levels {sorted(levels)} have no colours defined")


_check_risk_levels()

#: Key units (消防安全重点单位) and the heat of historical incidents.
KEY_UNIT_COLOUR: Final = "#6a1b9a"
HEAT_COLOUR: Final = "#d84315"


def _label(member: LabeledEnum, lang: Lang) -> str:
    return member.label(lang)


def map_styles(lang: Lang) -> dict[str, Any]:
    """Styles and legend labels for the page's JavaScript, in the order legends list them."""
    return {
        "station_class": {
            m.value: {"label": _label(m, lang), "colour": c, "shape": s}
            for m, (c, s) in STATION_CLASS_STYLE.items()
        },
        "station_status": {
            m.value: {"label": _label(m, lang), "fill": f} for m, f in STATION_STATUS_FILL.items()
        },
        "location_precision": {m.value: _label(m, lang) for m in LocationPrecision},
        "township_kind": {
            m.value: {"label": _label(m, lang), "colour": c}
            for m, c in TOWNSHIP_KIND_COLOURS.items()
        },
        "incident_category": {
            m.value: {"label": _label(m, lang), "colour": c} for m, c in INCIDENT_COLOURS.items()
        },
        "indicator_status": {
            m.value: {"label": t(f"status_{m.value}", lang), "colour": c}
            for m, c in INDICATOR_STATUS_COLOURS.items()
        },
        "coverage_layer": {
            m.value: {"label": t(f"cov_layer_{m.value}", lang), "colour": c}
            for m, c in COVERAGE_LAYER_COLOURS.items()
        },
        "coverage_over_limit": {
            "label": t("cov_over_limit", lang),
            "colour": COVERAGE_OVER_LIMIT_COLOUR,
        },
        "coverage_palette": list(COVERAGE_STATION_PALETTE),
        "siting_layer": {
            m.value: {"label": t(f"siting_layer_{m.value}", lang), "colour": c, "symbol": sym}
            for m, (c, sym) in SITING_LAYER_STYLE.items()
        },
        "unit_status": {
            m.value: {"label": _label(m, lang), "colour": c} for m, c in UNIT_STATUS_COLOURS.items()
        },
        "unit_type": {m.value: _label(m, lang) for m in UnitType},
        "water_status": {
            m.value: {"label": _label(m, lang), "colour": c}
            for m, c in WATER_STATUS_COLOURS.items()
        },
        "water_kind": {m.value: _label(m, lang) for m in WaterSourceKind},
        "building_class": {m.value: _label(m, lang) for m in BuildingClass},
        "incident_status": {m.value: _label(m, lang) for m in IncidentStatus},
        "key_unit": {"label": t("layer_key_units", lang), "colour": KEY_UNIT_COLOUR},
        "heat": {"label": t("legend_heat", lang), "colour": HEAT_COLOUR},
        "risk_level": {
            str(level): {
                "label": t(f"risk_level_{level}", lang),
                "code": RISK_LEVEL_CODES[level],
                "colour": colour,
            }
            for level, colour in RISK_LEVEL_COLOURS.items()
        },
    }
