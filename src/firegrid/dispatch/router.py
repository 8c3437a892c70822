"""HTTP routes of the command centre (thin: parse, call the use case, return).

Reads need ``data:read``; every write needs ``dispatch:write`` and is audited as the user.
``/dispatch/stream`` is server push (Server-Sent Events): the full live state at once and again
whenever a unit or incident changes anywhere (a per-table revision counter in the database, so
changes made by another process — the CLI, a second server — are pushed too).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from firegrid.accounts.models import User
from firegrid.api.deps import DbDep, ReadSession, UserSession, requires, requires_session
from firegrid.buildings.models import Building
from firegrid.dispatch import service
from firegrid.dispatch.models import PrePlan
from firegrid.dispatch.schemas import (
    AssignIn,
    IncidentIn,
    IncidentStatusIn,
    LevelIn,
    UnitStatusIn,
)
from firegrid.districts.repository import get_district
from firegrid.types import BuildingClass, IncidentCategory
from firegrid.water.models import WaterSource

__all__ = ["STREAM_POLL_S", "router"]

router = APIRouter(prefix="/api", tags=["command centre"])

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
Lang = Annotated[str, Query(pattern="^(zh|en)$", description="Label language.")]
Writer = Annotated[UserSession, Depends(requires_session("dispatch:write"))]
Returning = Annotated[
    bool,
    Query(description="Offer returning units from their reported position (no turn-out)."),
]

#: How often the stream checks for changes (s); a change reaches the browser within this.
STREAM_POLL_S = 0.25
_HEARTBEAT_S = 15.0


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


def _points(rows: Iterable[tuple[int, float, float, dict[str, Any]]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of points from ``(id, lon, lat, properties)``."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": fid,
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": props,
            }
            for fid, lon, lat, props in rows
        ],
    }


@router.get("/districts/{code}/dispatch/state", operation_id="get_dispatch_state")
def get_dispatch_state(code: DistrictCode, ctx: ReadSession, lang: Lang = "zh") -> dict[str, Any]:
    """Return every unit with its live status and every open incident."""
    return service.dispatch_state(ctx.session, code, lang=lang)


@router.get("/districts/{code}/dispatch/stream", operation_id="stream_dispatch_state")
async def stream_dispatch_state(
    code: DistrictCode,
    request: Request,
    db: DbDep,
    _user: Annotated[User, Depends(requires("data:read"))],
    lang: Lang = "zh",
) -> StreamingResponse:
    """Push the live state (Server-Sent Events, event ``state``) at once and on every change."""

    def snapshot(last: Any) -> tuple[Any, dict[str, Any] | None]:
        with db.session(actor="stream") as s:
            stamp = service.state_stamp(s)
            if stamp == last:
                return last, None
            return stamp, service.dispatch_state(s, code, lang=lang)

    # Fail fast (404) for an unknown district before the stream starts.
    first_stamp, first = await run_in_threadpool(snapshot, None)

    async def events() -> AsyncIterator[str]:
        stamp, state = first_stamp, first
        idle = 0.0
        yield f"retry: 1000\nevent: state\ndata: {json.dumps(state, ensure_ascii=False)}\n\n"
        while not await request.is_disconnected():
            await asyncio.sleep(STREAM_POLL_S)
            stamp, state = await run_in_threadpool(snapshot, stamp)
            if state is not None:
                idle = 0.0
                yield f"event: state\ndata: {json.dumps(state, ensure_ascii=False)}\n\n"
            else:
                idle += STREAM_POLL_S
                if idle >= _HEARTBEAT_S:
                    idle = 0.0
                    yield ": heartbeat\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/districts/{code}/dispatch/search", operation_id="search_dispatch_locations")
def search_dispatch_locations(
    code: DistrictCode,
    ctx: ReadSession,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[dict[str, Any]]:
    """Find a location by name: key units, buildings, villages and places, townships."""
    return service.search_locations(ctx.session, code, q, limit=limit)


@router.get("/districts/{code}/dispatch/recommend", operation_id="recommend_units_at")
def recommend_units_at(
    code: DistrictCode,
    ctx: ReadSession,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    category: IncidentCategory = IncidentCategory.FIRE,
    building_class: BuildingClass | None = None,
    subtype: Annotated[str | None, Query(max_length=64)] = None,
    level: Annotated[int | None, Query(ge=1, le=5)] = None,
    crs: str = "wgs84",
    water_k: Annotated[int, Query(ge=1, le=50)] = service.DEFAULT_WATER_K,
    include_returning: Returning = True,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """Recommend units and water sources for a point, storing nothing."""
    return service.recommend_at(
        ctx.session,
        code,
        lon,
        lat,
        category=category,
        crs=crs,
        building_class=building_class,
        subtype=subtype,
        level=level,
        opts=service.RecommendOptions(
            water_k=water_k, include_returning=include_returning, lang=lang
        ),
    )


@router.post("/districts/{code}/incidents", operation_id="create_incident", status_code=201)
def create_incident(code: DistrictCode, body: IncidentIn, ctx: Writer) -> dict[str, Any]:
    """Take a call: store the incident with the alarm level its report gives."""
    inc = service.create_incident(ctx.session, code, service.Intake(**body.model_dump()))
    return service.incident_out(inc)


@router.get(
    "/districts/{code}/incidents/{incident_id}/recommendation",
    operation_id="recommend_units_for_incident",
)
def recommend_units_for_incident(
    code: DistrictCode,
    incident_id: int,
    ctx: ReadSession,
    level: Annotated[int | None, Query(ge=1, le=5)] = None,
    water_k: Annotated[int, Query(ge=1, le=50)] = service.DEFAULT_WATER_K,
    include_returning: Returning = True,
    lang: Lang = "zh",
) -> dict[str, Any]:
    """Recommend units (run card × ETA × availability), water sources and the pre-plan;
    units already sent count towards the card (an escalation adds only what is missing)."""
    opts = service.RecommendOptions(
        level=level, water_k=water_k, include_returning=include_returning, lang=lang
    )
    return service.recommend_for_incident(ctx.session, code, incident_id, opts)


@router.post("/districts/{code}/incidents/{incident_id}/assign", operation_id="assign_units")
def assign_units(
    code: DistrictCode, incident_id: int, body: AssignIn, ctx: Writer
) -> dict[str, Any]:
    """Send units to the incident, all or none (409 if one is no longer available)."""
    return service.assign_units(
        ctx.session,
        code,
        incident_id,
        body.unit_ids,
        actor=ctx.user.username,
        versions=body.versions,
        etas=body.etas,
    )


@router.post("/districts/{code}/incidents/{incident_id}/level", operation_id="set_incident_level")
def set_incident_level(
    code: DistrictCode, incident_id: int, body: LevelIn, ctx: Writer
) -> dict[str, Any]:
    """Escalate or lower the alarm level."""
    return service.set_incident_level(
        ctx.session, code, incident_id, body.level, actor=ctx.user.username
    )


@router.post("/districts/{code}/incidents/{incident_id}/status", operation_id="set_incident_status")
def set_incident_status(
    code: DistrictCode, incident_id: int, body: IncidentStatusIn, ctx: Writer
) -> dict[str, Any]:
    """Mark the incident controlled or closed."""
    return service.set_incident_status(
        ctx.session, code, incident_id, body.status, actor=ctx.user.username
    )


@router.post("/districts/{code}/units/{unit_id}/status", operation_id="set_unit_status")
def set_unit_status(
    code: DistrictCode, unit_id: int, body: UnitStatusIn, ctx: Writer
) -> dict[str, Any]:
    """Move a unit to its next status (refused unless the move is allowed)."""
    return service.set_unit_status(
        ctx.session,
        code,
        unit_id,
        body.status,
        actor=ctx.user.username,
        version=body.version,
        lon=body.lon,
        lat=body.lat,
    )


@router.get(
    "/districts/{code}/water.geojson",
    operation_id="get_water_sources_geojson",
    response_class=GeoJSONResponse,
)
def get_water_sources_geojson(code: DistrictCode, ctx: ReadSession) -> dict[str, Any]:
    """Return the water sources with their status as GeoJSON points."""
    d = get_district(ctx.session, code)
    rows = ctx.session.scalars(
        select(WaterSource).where(WaterSource.district_id == d.id).order_by(WaterSource.id)
    ).all()
    return _points(
        (
            w.id,
            w.lon,
            w.lat,
            {
                "id": w.id,
                "code": w.code,
                "kind": w.kind.value,
                "kind_label": w.kind.label(),
                "kind_label_en": w.kind.label("en"),
                "status": w.status.value,
                "status_label": w.status.label(),
                "status_label_en": w.status.label("en"),
                "synthetic": w.synthetic,
            },
        )
        for w in rows
    )


@router.get(
    "/districts/{code}/key-units.geojson",
    operation_id="get_key_units_geojson",
    response_class=GeoJSONResponse,
)
def get_key_units_geojson(code: DistrictCode, ctx: ReadSession) -> dict[str, Any]:
    """Return the key units (消防安全重点单位) as GeoJSON points, with whether a pre-plan exists."""
    d = get_district(ctx.session, code)
    planned = set(
        ctx.session.scalars(select(PrePlan.building_id).where(PrePlan.district_id == d.id))
    )
    rows = ctx.session.scalars(
        select(Building)
        .where(Building.district_id == d.id, Building.key_unit.is_(True))
        .order_by(Building.id)
    ).all()
    return _points(
        (
            b.id,
            b.lon,
            b.lat,
            {
                "id": b.id,
                "code": b.code,
                "name": b.name,
                "occupancy": b.occupancy,
                "category": b.key_unit_category,
                "has_pre_plan": b.id in planned,
                "synthetic": b.synthetic,
            },
        )
        for b in rows
    )


@router.get("/districts/{code}/dispatch/metrics", operation_id="get_response_metrics")
def get_response_metrics(
    code: DistrictCode,
    ctx: ReadSession,
    date_from: Annotated[date, Query(alias="from")],
    date_to: Annotated[date, Query(alias="to")],
    limit_s: Annotated[float, Query(gt=0, le=7200)] = 300.0,
) -> dict[str, Any]:
    """Response metrics (turn-out, travel, total, share within the limit) by station,
    township and month, from dispatch records and imported historical times."""
    from firegrid.dispatch.metrics_service import response_metrics

    return response_metrics(ctx.session, code, date_from, date_to, limit_s=limit_s)
