"""Pydantic input of the water-source routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from firegrid.types import WaterTicketStatus

__all__ = ["InspectionIn", "RecheckIn", "TicketIn", "TicketMoveIn"]


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body_intact: bool | None = None
    no_leak: bool | None = None
    valve_operates: bool | None = None
    sign_visible: bool | None = None
    access_clear: bool | None = None
    no_frost_damage: bool | None = None
    pressure_mpa: float | None = Field(default=None, ge=0, le=5)
    flow_l_s: float | None = Field(default=None, ge=0, le=1000)
    note: str = Field(default="", max_length=2000)
    at: datetime | None = None


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_code: str = Field(max_length=64)
    defect: str = Field(min_length=1, max_length=2000)
    at: datetime | None = None


class TicketMoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_status: WaterTicketStatus
    version: int | None = None
    note: str = Field(default="", max_length=2000)
    notified_party: str | None = Field(default=None, max_length=200)
    at: datetime | None = None


class RecheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    passed: bool
    version: int | None = None
    note: str = Field(default="", max_length=2000)
    at: datetime | None = None
