"""Pydantic request bodies of the supervision API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from firegrid.types import (
    CertificateKind,
    EscalationKind,
    HazardSeverity,
    HazardStatus,
    InspectionMode,
    InspectionOutcome,
    PersonnelCategory,
    SelfCheckReview,
)

__all__ = [
    "CertificateIn",
    "ConflictIn",
    "DrawIn",
    "HazardIn",
    "HazardMoveIn",
    "InspectionIn",
    "PersonIn",
    "ReviewIn",
    "SelfInspectionIn",
]

_PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"


class DrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str = Field(pattern=_PERIOD, examples=["2026-01"])
    count: int = Field(ge=1, le=10_000)
    seed: int | None = Field(None, ge=0, le=2**63 - 1)
    on: date | None = None


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    category: PersonnelCategory
    title: str = Field("", max_length=100)
    is_enforcement_staff: bool = False
    active: bool = True
    affiliation: str = Field("", max_length=500)
    station_id: int | None = None
    code: str | None = Field(None, max_length=64)


class CertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CertificateKind
    number: str = Field("", max_length=64)
    issued_on: date | None = None
    expires_on: date | None = None


class ConflictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    building_id: int
    reason: str = Field("", max_length=1000)


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    building_id: int
    mode: InspectionMode
    inspected_on: date
    inspector_ids: list[int] = Field(default_factory=list, max_length=2)
    outcome: InspectionOutcome = InspectionOutcome.PASSED
    note: str = Field("", max_length=4000)
    draw_id: int | None = None


class HazardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    building_id: int
    description: str = Field(min_length=1, max_length=4000)
    severity: HazardSeverity = HazardSeverity.GENERAL
    inspection_id: int | None = None
    #: The register person who found it (the role check compares it on re-inspection).
    found_by_id: int | None = None


class HazardMoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: HazardStatus
    deadline: date | None = None
    escalation: EscalationKind | None = None
    penalty_fen: int | None = Field(None, ge=0)
    note: str = Field("", max_length=4000)
    version: int | None = None
    #: The register person acting (the hazard's finder may not record its re-inspection).
    person_id: int | None = None


class SelfInspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    building_id: int
    period: str = Field(pattern=_PERIOD)
    items: list[dict[str, Any]] = Field(min_length=1, max_length=500)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: SelfCheckReview
    note: str = Field("", max_length=4000)
    on: date | None = None
    person_id: int | None = None
