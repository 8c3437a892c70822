"""Pydantic input of the equipment routes."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from firegrid.types import EquipmentStatus

__all__ = ["ItemIn", "ItemMoveIn", "MaintenanceIn"]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=64)
    epc: str | None = Field(default=None, max_length=64)
    name: str = Field(default="", max_length=200)
    station: str | None = Field(default=None, max_length=128)
    procured_on: date | None = None
    note: str = Field(default="", max_length=2000)


class ItemMoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to_status: EquipmentStatus
    version: int | None = None
    station: str | None = Field(default=None, max_length=128)
    note: str = Field(default="", max_length=2000)
    at: datetime | None = None


class MaintenanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    performed_on: date
    note: str = Field(default="", max_length=2000)
