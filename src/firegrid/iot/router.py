"""HTTP routes of IoT sensing (thin: parse, call the use case, return).

Reads need ``data:read``; accepting or dismissing a fire alarm needs ``dispatch:write``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query

from firegrid.api.deps import ReadSession, UserSession, requires_session
from firegrid.incidents.models import Incident
from firegrid.iot import service
from firegrid.iot.models import IotDevice, ProposalStatus
from firegrid.iot.schemas import AcceptIn, DismissIn

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["iot"])

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
Writer = Annotated[UserSession, Depends(requires_session("dispatch:write"))]


@router.get("/districts/{code}/iot/alarms", operation_id="list_iot_alarms")
def list_iot_alarms(
    code: DistrictCode,
    ctx: ReadSession,
    active_only: Annotated[bool, Query(description="Only states with a flag set.")] = True,
) -> list[dict[str, Any]]:
    """List alarm states (fire, fault, supervisory, disabled) with device, building and since."""
    return service.alarm_view(ctx.session, code, active_only=active_only)


@router.get("/districts/{code}/iot/devices", operation_id="list_iot_devices")
def list_iot_devices(code: DistrictCode, ctx: ReadSession) -> list[dict[str, Any]]:
    """List IoT devices with their online state."""
    return service.list_devices(ctx.session, code)


@router.get("/districts/{code}/iot/rates", operation_id="get_iot_rates")
def get_iot_rates(
    code: DistrictCode, ctx: ReadSession, building_id: int | None = None
) -> dict[str, Any]:
    """Return the online rate and the false-alarm rate (of one building, or the district)."""
    return {
        "online": service.online_rate(ctx.session, code, building_id=building_id).as_dict(),
        "false_alarm": service.false_alarm_rate(
            ctx.session, code, building_id=building_id
        ).as_dict(),
    }


@router.get("/districts/{code}/iot/proposals", operation_id="list_iot_proposals")
def list_iot_proposals(
    code: DistrictCode, ctx: ReadSession, status: ProposalStatus | None = None
) -> list[dict[str, Any]]:
    """List fire alarms offered to the command centre, newest first."""
    return service.list_proposals(ctx.session, code, status=status)


def _out(ctx: UserSession, p: Any, incident: Incident | None = None) -> dict[str, Any]:
    from firegrid.buildings.models import Building

    dev = ctx.session.get(IotDevice, p.device_id)
    b = ctx.session.get(Building, p.building_id) if p.building_id is not None else None
    assert dev is not None
    out = service.proposal_out(p, dev, b)
    if incident is not None:
        out["incident"] = {"id": incident.id, "external_id": incident.external_id}
    return out


@router.post(
    "/districts/{code}/iot/proposals/{proposal_id}/accept", operation_id="accept_iot_proposal"
)
def accept_iot_proposal(
    code: DistrictCode,
    proposal_id: int,
    ctx: Writer,
    body: Annotated[AcceptIn | None, Body()] = None,
) -> dict[str, Any]:
    """Accept a fire alarm: create the incident in the command centre (409 if decided)."""
    b = body or AcceptIn()
    p, incident = service.accept_proposal(
        ctx.session,
        code,
        proposal_id,
        actor=ctx.user.username,
        lon=b.lon,
        lat=b.lat,
        crs=b.crs,
    )
    return _out(ctx, p, incident)


@router.post(
    "/districts/{code}/iot/proposals/{proposal_id}/dismiss", operation_id="dismiss_iot_proposal"
)
def dismiss_iot_proposal(
    code: DistrictCode,
    proposal_id: int,
    ctx: Writer,
    body: Annotated[DismissIn | None, Body()] = None,
) -> dict[str, Any]:
    """Dismiss a fire alarm as false (counts towards the unit's false-alarm rate)."""
    p = service.dismiss_proposal(
        ctx.session, code, proposal_id, actor=ctx.user.username, note=(body or DismissIn()).note
    )
    return _out(ctx, p)
