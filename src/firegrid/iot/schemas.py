"""Pydantic request bodies of the IoT API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AcceptIn", "DismissIn"]


class AcceptIn(BaseModel):
    """Accept a fire alarm. The location defaults to the device's building; give one for a
    device not yet registered to a building."""

    model_config = ConfigDict(extra="forbid")

    lon: float | None = Field(None, ge=-180, le=180, description="Longitude in `crs` degrees.")
    lat: float | None = Field(None, ge=-90, le=90, description="Latitude in `crs` degrees.")
    crs: str = Field("wgs84", description="wgs84, gcj02 (AMap/Gaode), bd09 (Baidu) or cgcs2000.")


class DismissIn(BaseModel):
    """Dismiss a fire alarm as false (误报)."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=2000, description="Why: cause found on the spot, etc.")
