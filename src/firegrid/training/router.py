"""HTTP routes of training records (thin). Reads need ``data:read``, writes ``data:write``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from firegrid.api.deps import ReadSession, UserSession, requires_session
from firegrid.training import service
from firegrid.types import TraineeGroup, TrainingKind

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["training"])

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
Writer = Annotated[UserSession, Depends(requires_session("data:write"))]


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    kind: TrainingKind
    held_on: date
    location: str = Field(default="", max_length=200)
    organiser: str = Field(default="", max_length=200)
    station: str | None = Field(default=None, max_length=128)
    unlisted_attendees: int = Field(default=0, ge=0, le=1_000_000)


class AttendeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    group: TraineeGroup
    organisation: str = Field(default="", max_length=200)
    person_id: int | None = None
    passed: bool | None = None
    score: float | None = Field(default=None, ge=0, le=1000)


@router.get("/districts/{code}/training/summary", operation_id="get_training_summary")
def get_training_summary(
    code: DistrictCode, ctx: ReadSession, year: Annotated[int, Query(ge=1900, le=2100)]
) -> dict[str, Any]:
    """Return firefighters per 10,000 residents, training pass rate and people trained."""
    return service.training_summary(ctx.session, code, year)


@router.get("/districts/{code}/training/sessions", operation_id="list_training_sessions")
def list_training_sessions(
    code: DistrictCode,
    ctx: ReadSession,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
) -> list[dict[str, Any]]:
    """List training sessions."""
    return service.list_sessions(ctx.session, code, year=year)


@router.post(
    "/districts/{code}/training/sessions", operation_id="create_training_session", status_code=201
)
def create_training_session(code: DistrictCode, body: SessionIn, ctx: Writer) -> dict[str, Any]:
    """Record a training session."""
    return service.create_session(ctx.session, code, service.SessionInput(**body.model_dump()))


@router.post(
    "/districts/{code}/training/sessions/{session_code}/attendance",
    operation_id="add_training_attendance",
    status_code=201,
)
def add_training_attendance(
    code: DistrictCode,
    session_code: Annotated[str, Path(max_length=64)],
    body: list[AttendeeIn],
    ctx: Writer,
) -> dict[str, Any]:
    """Add attendees with pass/fail to a session (all or none)."""
    return service.add_attendance(
        ctx.session, code, session_code, [service.AttendeeInput(**a.model_dump()) for a in body]
    )
