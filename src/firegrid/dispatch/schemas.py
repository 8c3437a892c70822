"""Pydantic request bodies of the command-centre API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from firegrid.types import BuildingClass, IncidentCategory, IncidentStatus, UnitStatus

__all__ = ["AssignIn", "IncidentIn", "IncidentStatusIn", "LevelIn", "UnitStatusIn"]


class IncidentIn(BaseModel):
    """A call as taken by the 119 operator."""

    model_config = ConfigDict(extra="forbid")

    lon: float = Field(ge=-180, le=180, description="Longitude in `crs` degrees.")
    lat: float = Field(ge=-90, le=90, description="Latitude in `crs` degrees.")
    crs: str = Field("wgs84", description="wgs84, gcj02 (AMap/Gaode), bd09 (Baidu) or cgcs2000.")
    category: IncidentCategory = IncidentCategory.FIRE
    subtype: str | None = Field(None, max_length=64, examples=["water", "mountain", "hazmat"])
    building_class: BuildingClass | None = None
    building_id: int | None = None
    reported_trapped: int = Field(0, ge=0, le=100_000)
    reported_casualties: int = Field(0, ge=0, le=100_000)
    large_area: bool = False
    address: str | None = Field(None, max_length=500)
    caller_phone: str | None = Field(None, max_length=32)
    description: str | None = Field(None, max_length=4000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_ids: list[int] = Field(min_length=1, max_length=200)
    #: The versions the dispatcher saw: a unit changed since then is a conflict.
    versions: dict[int, int] | None = None
    etas: dict[int, float] | None = None


class UnitStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: UnitStatus
    version: int | None = None
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class LevelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    level: int = Field(ge=1, le=5)


class IncidentStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: IncidentStatus
