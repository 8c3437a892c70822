"""HTTP routes of the fire-risk assessment (thin: parse, call the use case, return).

Reads need ``data:read`` (the index rests on key units and incident records); generating
warnings needs ``plans:write``, changing a warning's status too; both are audited as the user.
"""

from __future__ import annotations

from typing import Annotated, Any

import h3
from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from firegrid.api.deps import ReadSession, UserSession, requires_session
from firegrid.risk.buildings import unit_scores
from firegrid.risk.schemas import GenerateWarningsIn, WarningStatusIn
from firegrid.risk.service import DEFAULT_RESOLUTION, assess_district
from firegrid.risk.warnings import generate_warnings, list_warnings, set_warning_status

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["risk"])

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
Resolution = Annotated[int, Query(ge=6, le=10, description="H3 resolution of the cells.")]
Period = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-12"])]
Planner = Annotated[UserSession, Depends(requires_session("plans:write"))]


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


@router.get("/districts/{code}/risk/index", operation_id="get_risk_index")
def get_risk_index(
    code: DistrictCode, ctx: ReadSession, resolution: Resolution = DEFAULT_RESOLUTION
) -> dict[str, Any]:
    """Return every cell's safety score, level and contributions, and the township table."""
    return assess_district(ctx.session, code, resolution=resolution)


@router.get(
    "/districts/{code}/risk/index.geojson",
    operation_id="get_risk_index_geojson",
    response_class=GeoJSONResponse,
)
def get_risk_index_geojson(
    code: DistrictCode, ctx: ReadSession, resolution: Resolution = DEFAULT_RESOLUTION
) -> dict[str, Any]:
    """Return the cells as H3 polygons with score, level and top factor (map layer)."""
    res = assess_district(ctx.session, code, resolution=resolution)
    features = []
    for c in res["cells"]:
        ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(c["cell"])]
        ring.append(ring[0])
        contrib = c["contributions"]
        top = max(contrib, key=lambda k: contrib[k]) if contrib else None
        features.append(
            {
                "type": "Feature",
                "id": c["cell"],
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": c["cell"],
                    "score": c["score"],
                    "level": c["level"],
                    "exposed": c["exposed"],
                    "township": c["township"],
                    "top_factor": top,
                    "contributions": contrib,
                    "synthetic": res["synthetic"],
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "features": features,
        "properties": {
            "district": res["district"],
            "config": res["config"],
            "resolution": res["resolution"],
            "bands": res["hierarchy"]["bands"],
            "synthetic": res["synthetic"],
            "synthetic_note_zh": res["synthetic_note_zh"],
            "synthetic_note_en": res["synthetic_note_en"],
        },
    }


@router.get("/districts/{code}/risk/units", operation_id="get_key_unit_risk")
def get_key_unit_risk(code: DistrictCode, ctx: ReadSession) -> dict[str, Any]:
    """Return each key unit's safety score, level and reasons, lowest first."""
    return unit_scores(ctx.session, code)


@router.post(
    "/districts/{code}/risk/warnings", operation_id="generate_risk_warnings", status_code=201
)
def generate_risk_warnings(
    code: DistrictCode, body: GenerateWarningsIn, ctx: Planner
) -> dict[str, Any]:
    """Generate the period's warnings for the riskiest cells and key units (replaces new ones)."""
    return generate_warnings(
        ctx.session,
        code,
        period=body.period,
        top_cells=body.top_cells,
        top_units=body.top_units,
        resolution=body.resolution,
        actor=ctx.user.username,
    )


@router.get("/districts/{code}/risk/warnings", operation_id="list_risk_warnings")
def list_risk_warnings(
    code: DistrictCode, ctx: ReadSession, period: Period = None
) -> list[dict[str, Any]]:
    """List the district's risk warnings, riskiest first."""
    return list_warnings(ctx.session, code, period)


@router.post(
    "/districts/{code}/risk/warnings/{warning_id}/status",
    operation_id="set_risk_warning_status",
)
def set_risk_warning_status(
    code: DistrictCode, warning_id: int, body: WarningStatusIn, ctx: Planner
) -> dict[str, Any]:
    """Acknowledge or close a warning (new → acknowledged → closed)."""
    return set_warning_status(ctx.session, code, warning_id, body.status, actor=ctx.user.username)
