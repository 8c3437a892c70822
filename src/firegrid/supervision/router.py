"""HTTP routes of supervision (thin): key units, draws, inspections, hazards, self-checks,
credit, 四率. Reads need ``data:read``; writes need ``inspections:write`` and are audited."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import PlainTextResponse

from firegrid.api.deps import ReadSession, UserSession, requires_session
from firegrid.supervision import credit_service, draw_service, keyunit_service, service
from firegrid.supervision.schemas import (
    CertificateIn,
    ConflictIn,
    DrawIn,
    HazardIn,
    HazardMoveIn,
    InspectionIn,
    PersonIn,
    ReviewIn,
    SelfInspectionIn,
)
from firegrid.types import HazardStatus

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["supervision"])

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
Writer = Annotated[UserSession, Depends(requires_session("inspections:write"))]
Period = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]


@router.get("/districts/{code}/key-units", operation_id="list_key_units")
def list_key_units(code: DistrictCode, ctx: ReadSession) -> dict[str, Any]:
    """List the key-unit register with each unit's latest classification."""
    return keyunit_service.key_unit_register(ctx.session, code)


@router.post("/districts/{code}/key-units/classify", operation_id="classify_key_units")
def classify_key_units(
    code: DistrictCode, ctx: Writer, on: date | None = None, dry_run: bool = False
) -> dict[str, Any]:
    """Classify the district's buildings by the key-unit rules in force and record why."""
    return keyunit_service.classify_district(
        ctx.session, code, on=on, apply=not dry_run, actor=ctx.user.username
    )


@router.get("/districts/{code}/people", operation_id="list_people")
def list_people(
    code: DistrictCode, ctx: ReadSession, enforcement_only: bool = False
) -> list[dict[str, Any]]:
    """List the people register with certificates."""
    return service.list_people(ctx.session, code, enforcement_only=enforcement_only)


@router.post("/districts/{code}/people", operation_id="create_person", status_code=201)
def create_person(code: DistrictCode, body: PersonIn, ctx: Writer) -> dict[str, Any]:
    """Add a person to the register."""
    return service.create_person(ctx.session, code, **body.model_dump())


@router.post("/people/{person_id}/certificates", operation_id="add_certificate", status_code=201)
def add_certificate(person_id: int, body: CertificateIn, ctx: Writer) -> dict[str, Any]:
    """Record a certificate a person holds."""
    return service.add_certificate(ctx.session, person_id, **body.model_dump())


@router.post("/people/{person_id}/conflicts", operation_id="add_conflict", status_code=201)
def add_conflict(person_id: int, body: ConflictIn, ctx: Writer) -> dict[str, Any]:
    """Record a conflict of interest between a person and a building."""
    return service.add_conflict(ctx.session, person_id, body.building_id, reason=body.reason)


@router.post("/districts/{code}/draws", operation_id="create_draw", status_code=201)
def create_draw(code: DistrictCode, body: DrawIn, ctx: Writer) -> dict[str, Any]:
    """Draw units and inspector pairs (双随机); the seed and inputs are stored."""
    return draw_service.create_draw(
        ctx.session,
        code,
        period=body.period,
        count=body.count,
        seed=body.seed,
        on=body.on,
        actor=ctx.user.username,
    )


@router.get("/draws/{draw_id}/replay", operation_id="replay_draw")
def replay_draw(draw_id: int, ctx: ReadSession) -> dict[str, Any]:
    """Run a stored draw again from its stored inputs."""
    return draw_service.replay_draw(ctx.session, draw_id)


@router.get("/draws/{draw_id}/inputs", operation_id="get_draw_inputs")
def get_draw_inputs(draw_id: int, ctx: ReadSession) -> dict[str, Any]:
    """Return the stored inputs of a draw."""
    return draw_service.get_draw_inputs(ctx.session, draw_id)


@router.get("/draws/{draw_id}/export", operation_id="export_draw")
def export_draw(
    draw_id: int, ctx: ReadSession, format: Annotated[str, Query(pattern="^(csv|json)$")] = "csv"
) -> PlainTextResponse:
    """Export the published result list of a draw as CSV or JSON."""
    text = draw_service.export_draw(ctx.session, draw_id, fmt=format)
    media = "text/csv" if format == "csv" else "application/json"
    return PlainTextResponse(text, media_type=f"{media}; charset=utf-8")


@router.get("/districts/{code}/inspections", operation_id="list_inspections")
def list_inspections(code: DistrictCode, ctx: ReadSession, period: Period = None) -> list[Any]:
    """List inspections, newest first."""
    return service.list_inspections(ctx.session, code, period=period)


@router.post("/districts/{code}/inspections", operation_id="record_inspection", status_code=201)
def record_inspection(code: DistrictCode, body: InspectionIn, ctx: Writer) -> dict[str, Any]:
    """Record an on-site or non-site inspection."""
    insp = service.record_inspection(
        ctx.session, code, **body.model_dump(), actor=ctx.user.username
    )
    return service.inspection_out(insp)


@router.get("/districts/{code}/inspections/non-site-share", operation_id="non_site_share")
def non_site_share(
    code: DistrictCode, ctx: ReadSession, period: Period = None, year: int | None = None
) -> dict[str, Any]:
    """Share of non-site inspections in a month or year (target ≥ 80 %)."""
    return service.non_site_share(ctx.session, code, period=period, year=year)


@router.get("/districts/{code}/hazards", operation_id="list_hazards")
def list_hazards(
    code: DistrictCode, ctx: ReadSession, status: HazardStatus | None = None
) -> list[dict[str, Any]]:
    """List hazards, newest first."""
    return service.list_hazards(ctx.session, code, status=status)


@router.get("/districts/{code}/hazards/overdue", operation_id="overdue_hazards")
def overdue_hazards(code: DistrictCode, ctx: ReadSession, on: date | None = None) -> Any:
    """List open hazards past their deadline."""
    return service.overdue_hazards(ctx.session, code, on=on)


@router.post("/districts/{code}/hazards", operation_id="create_hazard", status_code=201)
def create_hazard(code: DistrictCode, body: HazardIn, ctx: Writer) -> dict[str, Any]:
    """Record a hazard found."""
    h = service.create_hazard(
        ctx.session,
        code,
        building_id=body.building_id,
        description=body.description,
        severity=body.severity,
        inspection_id=body.inspection_id,
        actor=service.Actor(ctx.user.username, body.found_by_id),
    )
    return service.hazard_out(h)


@router.post("/hazards/{hazard_id}/status", operation_id="move_hazard")
def move_hazard(hazard_id: int, body: HazardMoveIn, ctx: Writer) -> dict[str, Any]:
    """Move a hazard through the rectification loop (invalid moves are refused)."""
    return service.move_hazard(
        ctx.session,
        hazard_id,
        body.to,
        actor=service.Actor(ctx.user.username, body.person_id),
        deadline=body.deadline,
        escalation=body.escalation,
        penalty_fen=body.penalty_fen,
        note=body.note,
        version=body.version,
    )


@router.get("/hazards/{hazard_id}/events", operation_id="hazard_events")
def hazard_events(hazard_id: int, ctx: ReadSession) -> list[dict[str, Any]]:
    """The hazard's history."""
    return service.hazard_events(ctx.session, hazard_id)


@router.get("/districts/{code}/self-inspections", operation_id="list_self_inspections")
def list_self_inspections(
    code: DistrictCode, ctx: ReadSession, pending_only: bool = False
) -> list[dict[str, Any]]:
    """List self-inspections."""
    return service.list_self_inspections(ctx.session, code, pending_only=pending_only)


@router.post(
    "/districts/{code}/self-inspections", operation_id="submit_self_inspection", status_code=201
)
def submit_self_inspection(
    code: DistrictCode, body: SelfInspectionIn, ctx: Writer
) -> dict[str, Any]:
    """Accept a unit's monthly self-inspection."""
    return service.submit_self_inspection(
        ctx.session,
        code,
        building_id=body.building_id,
        period=body.period,
        items=body.items,
        submitted_by=ctx.user.username,
    )


@router.post("/self-inspections/{sid}/review", operation_id="review_self_inspection")
def review_self_inspection(sid: int, body: ReviewIn, ctx: Writer) -> dict[str, Any]:
    """Review a self-inspection (counts as a non-site inspection)."""
    return service.review_self_inspection(
        ctx.session,
        sid,
        result=body.result,
        actor=service.Actor(ctx.user.username, body.person_id),
        on=body.on,
        note=body.note,
    )


@router.post("/districts/{code}/credit", operation_id="compute_credit")
def compute_credit(code: DistrictCode, ctx: Writer, on: date | None = None) -> dict[str, Any]:
    """Score every key unit's credit on a date (stored as history)."""
    return credit_service.compute_credit(ctx.session, code, as_of=on)


@router.get("/districts/{code}/credit/severe", operation_id="severe_dishonesty_list")
def severe_dishonesty(code: DistrictCode, ctx: ReadSession, on: date | None = None) -> Any:
    """List units marked severely dishonest (严重失信) by their latest score."""
    return credit_service.severe_dishonesty_list(ctx.session, code, on=on)


@router.get("/districts/{code}/credit/{building_id}", operation_id="credit_history")
def credit_history(code: DistrictCode, building_id: int, ctx: ReadSession) -> dict[str, Any]:
    """A unit's credit history."""
    return credit_service.credit_history(ctx.session, code, building_id)


@router.get("/districts/{code}/four-rates", operation_id="four_rates")
def four_rates(
    code: DistrictCode, ctx: ReadSession, period: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]
) -> dict[str, Any]:
    """四率 and 标准化管理达标率 over units with a control room (no_data says what is missing)."""
    return credit_service.four_rates(ctx.session, code, period=period)
