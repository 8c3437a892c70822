"""Pydantic request bodies of the risk-assessment API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["GenerateWarningsIn", "WarningStatusIn"]


class GenerateWarningsIn(BaseModel):
    """Which period to warn for and how many cells and key units to address."""

    model_config = ConfigDict(extra="forbid")

    period: str = Field("2026-12", pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-12"])
    top_cells: int = Field(10, ge=0, le=500)
    top_units: int = Field(10, ge=0, le=500)
    resolution: int = Field(8, ge=6, le=10, description="H3 resolution of the cells.")


class WarningStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["acknowledged", "closed"]
