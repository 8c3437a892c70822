"""HTTP routes of the water-source records (thin: parse, call the use case, return).

Reads need ``data:read``; inspections and ticket moves need ``inspections:write``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import PlainTextResponse

from firegrid.api.deps import ReadSession, UserSession, requires_session
from firegrid.water import service
from firegrid.water.schemas import InspectionIn, RecheckIn, TicketIn, TicketMoveIn

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["water sources"])

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="Month, YYYY-MM.")]
Lang = Annotated[str, Query(pattern="^(zh|en)$", description="Label language.")]
Inspector = Annotated[UserSession, Depends(requires_session("inspections:write"))]


@router.get("/districts/{code}/water/intact-rate", operation_id="get_water_intact_rate")
def get_water_intact_rate(
    code: DistrictCode, ctx: ReadSession, month: Month, lang: Lang = "zh"
) -> dict[str, Any]:
    """Return the intact rate at the end of a month, overall and per kind."""
    return service.intact_rate(ctx.session, code, month, lang=lang)


@router.get("/districts/{code}/water/intact-rate/series", operation_id="get_water_intact_series")
def get_water_intact_series(
    code: DistrictCode, ctx: ReadSession, start: Month, end: Month, lang: Lang = "zh"
) -> dict[str, Any]:
    """Return the intact rate month by month."""
    return service.intact_rate_series(ctx.session, code, start, end, lang=lang)


@router.get("/districts/{code}/water/tickets", operation_id="list_water_tickets")
def list_water_tickets(
    code: DistrictCode, ctx: ReadSession, all_tickets: bool = False, lang: Lang = "zh"
) -> list[dict[str, Any]]:
    """List maintenance tickets (open ones unless ``all_tickets``)."""
    return service.list_tickets(ctx.session, code, open_only=not all_tickets, lang=lang)


@router.post("/districts/{code}/water/tickets", operation_id="open_water_ticket", status_code=201)
def open_water_ticket(code: DistrictCode, body: TicketIn, ctx: Inspector) -> dict[str, Any]:
    """Record a defect of a water source (发现)."""
    return service.open_ticket(
        ctx.session,
        code,
        body.source_code,
        defect=body.defect,
        actor=ctx.user.username,
        at=body.at,
    )


@router.post("/districts/{code}/water/tickets/{ticket_id}/move", operation_id="move_water_ticket")
def move_water_ticket(
    code: DistrictCode, ticket_id: int, body: TicketMoveIn, ctx: Inspector
) -> dict[str, Any]:
    """Move a ticket to 通报 or 维修 (409 naming the allowed moves otherwise)."""
    return service.move_ticket(
        ctx.session,
        code,
        ticket_id,
        body.to_status,
        actor=ctx.user.username,
        version=body.version,
        at=body.at,
        note=body.note,
        notified_party=body.notified_party,
    )


@router.post(
    "/districts/{code}/water/tickets/{ticket_id}/recheck", operation_id="recheck_water_ticket"
)
def recheck_water_ticket(
    code: DistrictCode, ticket_id: int, body: RecheckIn, ctx: Inspector
) -> dict[str, Any]:
    """Recheck a repair (复核): passed closes the ticket, failed notifies the repairer again."""
    return service.recheck_ticket(
        ctx.session,
        code,
        ticket_id,
        passed=body.passed,
        actor=ctx.user.username,
        version=body.version,
        at=body.at,
        note=body.note,
    )


@router.post(
    "/districts/{code}/water/sources/{source_code}/inspections",
    operation_id="record_water_inspection",
    status_code=201,
)
def record_water_inspection(
    code: DistrictCode,
    source_code: Annotated[str, Path(max_length=64)],
    body: InspectionIn,
    ctx: Inspector,
) -> dict[str, Any]:
    """Record an inspection against the 完好 checklist (opens a ticket when not intact)."""
    checks = body.model_dump(exclude={"pressure_mpa", "flow_l_s", "note", "at"})
    return service.record_inspection(
        ctx.session,
        code,
        source_code,
        service.InspectionInput(
            checks=checks, pressure_mpa=body.pressure_mpa, flow_l_s=body.flow_l_s, note=body.note
        ),
        actor=ctx.user.username,
        at=body.at,
    )


@router.get(
    "/districts/{code}/water/sources/{source_code}/history", operation_id="get_water_history"
)
def get_water_history(
    code: DistrictCode, source_code: Annotated[str, Path(max_length=64)], ctx: ReadSession
) -> dict[str, Any]:
    """Return a source's status changes and inspections."""
    return service.source_history(ctx.session, code, source_code)


@router.get("/districts/{code}/water/inspections-due", operation_id="list_water_inspections_due")
def list_water_inspections_due(
    code: DistrictCode, ctx: ReadSession, today: date | None = None, lang: Lang = "zh"
) -> list[dict[str, Any]]:
    """List sources whose inspection is due by the cadence of their kind."""
    return service.inspections_due(ctx.session, code, today=today or date.today(), lang=lang)


@router.get("/districts/{code}/water/hydrant-plan", operation_id="get_new_hydrant_plan")
def get_new_hydrant_plan(
    code: DistrictCode,
    ctx: ReadSession,
    network: Annotated[str | None, Query(max_length=128)] = None,
    fmt: Annotated[str, Query(alias="format", pattern="^(json|csv)$")] = "json",
) -> Any:
    """Return the ranked new-hydrant planning list (JSON, or CSV with ``format=csv``)."""
    plan = service.new_hydrant_plan(ctx.session, code, network=network)
    if fmt == "csv":
        return PlainTextResponse(service.new_hydrant_plan_csv(plan), media_type="text/csv")
    return plan
