"""HTTP routes of equipment (thin). Reads need ``data:read``, writes ``data:write``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from firegrid.api.deps import ReadSession, UserSession, requires_session
from firegrid.equipment import service
from firegrid.equipment.schemas import ItemIn, ItemMoveIn, MaintenanceIn

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["equipment"])

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
ItemCode = Annotated[str, Path(max_length=64)]
Lang = Annotated[str, Query(pattern="^(zh|en)$", description="Label language.")]
Writer = Annotated[UserSession, Depends(requires_session("data:write"))]


@router.get("/districts/{code}/equipment", operation_id="list_equipment")
def list_equipment(
    code: DistrictCode,
    ctx: ReadSession,
    station: Annotated[str | None, Query(max_length=128)] = None,
    lang: Lang = "zh",
) -> list[dict[str, Any]]:
    """List equipment items (of one station if given)."""
    return service.list_items(ctx.session, code, station=station, lang=lang)


@router.post("/districts/{code}/equipment", operation_id="create_equipment", status_code=201)
def create_equipment(code: DistrictCode, body: ItemIn, ctx: Writer) -> dict[str, Any]:
    """Register an item at procurement."""
    return service.create_item(
        ctx.session, code, service.ItemInput(**body.model_dump()), actor=ctx.user.username
    )


@router.post("/districts/{code}/equipment/{item}/move", operation_id="move_equipment")
def move_equipment(
    code: DistrictCode, item: ItemCode, body: ItemMoveIn, ctx: Writer
) -> dict[str, Any]:
    """Move an item one lifecycle step (409 naming the allowed moves otherwise)."""
    return service.move_item(
        ctx.session,
        code,
        item,
        body.to_status,
        actor=ctx.user.username,
        version=body.version,
        station=body.station,
        at=body.at,
        note=body.note,
    )


@router.post(
    "/districts/{code}/equipment/{item}/maintenance",
    operation_id="record_equipment_maintenance",
    status_code=201,
)
def record_equipment_maintenance(
    code: DistrictCode, item: ItemCode, body: MaintenanceIn, ctx: Writer
) -> dict[str, Any]:
    """Record a maintenance of an item."""
    return service.record_maintenance(
        ctx.session,
        code,
        item,
        performed_on=body.performed_on,
        actor=ctx.user.username,
        note=body.note,
    )


@router.get("/districts/{code}/equipment-maintenance/due", operation_id="list_equipment_due")
def list_equipment_due(
    code: DistrictCode, ctx: ReadSession, today: date | None = None, lang: Lang = "zh"
) -> list[dict[str, Any]]:
    """List items whose maintenance is due or overdue."""
    return service.maintenance_due(ctx.session, code, today=today or date.today(), lang=lang)


@router.get("/districts/{code}/vehicles/replacement-plan", operation_id="get_replacement_plan")
def get_replacement_plan(
    code: DistrictCode,
    ctx: ReadSession,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """Return vehicles by replacement year (past 15 years of service)."""
    return service.replacement_plan(ctx.session, code, year=year, lang=lang)


@router.get("/districts/{code}/equipment-compliance", operation_id="get_equipment_compliance")
def get_equipment_compliance(
    code: DistrictCode,
    ctx: ReadSession,
    year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """Return 装备配备达标率 per station and group against the station standard."""
    return service.equipment_compliance(ctx.session, code, year=year, lang=lang)
