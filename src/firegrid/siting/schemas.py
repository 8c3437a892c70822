"""Pydantic I/O of the siting routes: query parameters, the what-if body and the responses.

Parameters are validated here (422 naming the field); what only the service can judge — ``p``
against the number of candidate sites, a station name against the register — is left to it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from firegrid.coverage.service import COVERAGE_CLASSES
from firegrid.network.graph import Vehicle
from firegrid.siting.service import NEW_STATION_CLASS
from firegrid.types import StationClass

__all__ = [
    "BestQuery",
    "BestSitesOut",
    "CompareOut",
    "MoveIn",
    "NewStationIn",
    "SitingQuery",
    "WhatIfIn",
    "WhatIfOut",
]


# --- parameters ----------------------------------------------------------------------------


class SitingQuery(BaseModel):
    """The road network (or none), the standard and the vehicle of a siting analysis."""

    model_config = ConfigDict(extra="forbid")

    network: str | None = Field(
        None,
        max_length=64,
        description="Stored road network; omit for the straight-line approximation.",
    )
    minutes: float | None = Field(
        None,
        gt=0,
        le=120,
        allow_inf_nan=False,
        description="Response standard in minutes, turn-out included (default 5).",
    )
    vehicle: Vehicle = Field(Vehicle.LIGHT, description="light or heavy (fire engine).")
    time_limit_s: float = Field(
        60.0,
        gt=0,
        le=600,
        allow_inf_nan=False,
        description="Seconds the solver may take; on the limit the best solution and its gap.",
    )


class BestQuery(SitingQuery):
    """How many new stations, and how densely candidate sites are laid out."""

    p: int = Field(
        description="Number of new stations next to the existing ones (≥ 0, at most the "
        "number of candidate sites).",
    )
    candidate_spacing_m: float = Field(
        500.0,
        ge=50,
        le=20_000,
        allow_inf_nan=False,
        description="One candidate site per square of this side, m.",
    )


def _station_class(value: str) -> StationClass:
    """A class that guards a district, from its value or its Chinese/English label."""
    cls = StationClass(StationClass.parse(value))
    if cls not in COVERAGE_CLASSES:
        allowed = ", ".join(sorted(c.value for c in COVERAGE_CLASSES))
        raise ValueError(f"class {value!r} guards no district; use one of {allowed}")
    return cls


class NewStationIn(BaseModel):
    """A station to add: a name, WGS84 coordinates and its class (default level1)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=64)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    station_class: StationClass = Field(
        NEW_STATION_CLASS,
        alias="class",
        description="Station class (value or Chinese/English label), one that guards a "
        "district: level1, level2, small, special, gov_fulltime, township_team.",
    )

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        text = value.strip()
        if not text:
            raise ValueError("name is empty")
        return text

    @field_validator("station_class", mode="before")
    @classmethod
    def _parse_class(cls, value: object) -> StationClass:
        return _station_class(str(value))


class MoveIn(BaseModel):
    """An existing station and the WGS84 point it moves to."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)


class WhatIfIn(BaseModel):
    """Stations to add, close (by name) and move, and the analysis' settings."""

    model_config = ConfigDict(extra="forbid")

    add: list[NewStationIn] = Field(default_factory=list, max_length=50)
    close: list[str] = Field(default_factory=list, max_length=100)
    move: list[MoveIn] = Field(default_factory=list, max_length=100)
    network: str | None = Field(None, max_length=64, description="Omit: straight-line.")
    minutes: float | None = Field(None, gt=0, le=120, allow_inf_nan=False)
    vehicle: Vehicle = Vehicle.LIGHT

    @model_validator(mode="after")
    def _consistent(self) -> WhatIfIn:
        if not (self.add or self.close or self.move):
            raise ValueError("give at least one station to add, close or move")
        added = [a.name for a in self.add]
        if len(set(added)) != len(added):
            raise ValueError(f"added stations need distinct names, got {added}")
        moved = [m.name for m in self.move]
        if len(set(moved)) != len(moved):
            raise ValueError(f"a station can move only once, got {moved}")
        both = sorted(set(self.close) & set(moved))
        if both:
            raise ValueError(f"a station cannot be both closed and moved: {both}")
        return self


# --- responses -----------------------------------------------------------------------------


class FeatureCollectionOut(BaseModel):
    """A GeoJSON FeatureCollection (WGS84)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]


class NetworkRef(BaseModel):
    name: str
    version: int


class SiteOut(BaseModel):
    """A site (station or candidate), WGS84."""

    name: str
    lon: float
    lat: float


class NewSiteOut(SiteOut):
    """A chosen new site; ranked by what it adds when the sites are opened one by one."""

    rank: int = Field(description="1 = adds the most demand to the existing stations.")
    gain: float = Field(description="Demand weight it adds within the standard, in rank order.")
    gain_share: float = Field(description="``gain`` as a share of all demand.")


class DistrictAfterOut(BaseModel):
    """A first-due district after the change, against its 建标152 area limit."""

    station_index: int
    station: str
    area_km2: float
    limit_km2: float | None
    over_limit: bool
    covered_km2: float | None


class SitingOut(BaseModel):
    """What every siting result says about its inputs and how it was obtained."""

    district: str
    approximate: bool = Field(
        description="True: straight line × circuity at a set speed, no road network."
    )
    network: NetworkRef | None
    standards: str = Field(description="Response standards id@version used.")
    limit_s: float
    minutes: float
    vehicle: str
    demand: str = Field(description="What the demand points and their weights are.")
    demand_weighting: Literal["population", "equal"]
    demand_points: int
    total_weight: float
    existing_stations: list[str]
    candidates: int = Field(description="Candidate sites the optimiser chose from.")
    elapsed_s: float = Field(description="Time the analysis took when it was computed, s.")
    cached: bool = Field(description="True when served from the in-process cache.")


class BestLayersOut(BaseModel):
    existing: FeatureCollectionOut = Field(description="Existing stations: name, class.")
    new_site: FeatureCollectionOut = Field(description="New sites: rank, name, gain_share.")
    uncovered_place: FeatureCollectionOut = Field(
        description="Places still beyond the standard: name, weight, time_s."
    )
    district: FeatureCollectionOut = Field(
        description="First-due districts after: station, area_km2, limit_km2, over_limit, "
        "new_site_rank (null for existing stations), label_point."
    )


class BestSitesOut(SitingOut):
    """The best sites for ``p`` new stations (maximal covering), with the districts after."""

    p: int
    status: str = Field(description="optimal, feasible (time limit; see gap), infeasible …")
    optimal: bool
    gap: float | None = Field(description="Relative gap to the proven bound; 0 when optimal.")
    seconds: float = Field(description="Solver time, s.")
    reason: str | None
    covered_before: float
    covered_after: float
    share_before: float
    share_after: float
    gain: float = Field(description="share_after − share_before.")
    new_sites: list[NewSiteOut]
    districts: list[DistrictAfterOut]
    over_limit: list[str] = Field(description="Stations whose district exceeds its limit.")
    uncovered_places: int
    layers: BestLayersOut


class ShareOut(BaseModel):
    covered: float
    share: float


class PlanOut(ShareOut):
    stations: list[SiteOut]


class OptimumOut(ShareOut):
    stations: list[SiteOut]
    status: str
    optimal: bool
    gap: float | None


class CompareLayersOut(BaseModel):
    existing: FeatureCollectionOut = Field(description="Existing stations: name, class.")
    plan: FeatureCollectionOut = Field(description="The plan's new stations: name, class.")
    optimum: FeatureCollectionOut = Field(
        description="The optimum's sites: index, name, in_plan (the optimum kept a plan site)."
    )


class CompareOut(SitingOut):
    """The plan's new stations against the optimiser's best sites of the same count."""

    existing_only: ShareOut
    plan: PlanOut
    optimum: OptimumOut
    plan_vs_optimum: float | None = Field(description="Plan's covered demand ÷ the optimum's.")
    layers: CompareLayersOut


class CoverageFiguresOut(BaseModel):
    share_road_km: float | None
    share_demand: float | None
    share_area: float | None
    districts: list[DistrictAfterOut]


class DeltaOut(BaseModel):
    share_road_km: float | None
    share_demand: float | None
    share_area: float | None


class ChangesOut(BaseModel):
    add: list[str]
    close: list[str]
    move: list[str]


class WhatIfLayersOut(BaseModel):
    district: FeatureCollectionOut = Field(
        description="First-due districts after: station, area_km2, limit_km2, over_limit."
    )
    uncovered_place: FeatureCollectionOut = Field(description="Places beyond the standard after.")
    station: FeatureCollectionOut = Field(
        description="Stations after: name, station_class, change (kept, added, moved)."
    )
    closed: FeatureCollectionOut = Field(description="Stations closed: name, station_class.")
    moved_from: FeatureCollectionOut = Field(description="Old → new place of moved stations.")


class WhatIfOut(BaseModel):
    """Coverage and first-due districts before and after the changes (nothing is stored)."""

    district: str
    approximate: bool
    network: NetworkRef | None
    standards: str
    limit_s: float
    minutes: float
    vehicle: str
    changes: ChangesOut
    before: CoverageFiguresOut
    after: CoverageFiguresOut
    delta: DeltaOut
    over_limit: list[str] = Field(description="Stations whose district exceeds its limit after.")
    uncovered_places: int
    elapsed_s: float
    cached: bool
    layers: WhatIfLayersOut
