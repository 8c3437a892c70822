"""HTTP routes of station siting on a district (thin: parse, call the use case, return).

Where new stations would cover the most, how the plan's choice compares with the optimum and
what adding, closing or moving a station does are planning information about public stations
and settlements (no incident data), so these routes are public reads. None of them writes: the
what-if is a ``POST`` only because its changes are a JSON body.

Results come with their map layers and are cached in-process (:mod:`firegrid.siting.export`);
``elapsed_s`` reports what computing a result took and ``cached`` whether this response came
from the cache (also in the ``Server-Timing`` header).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from firegrid.api.deps import PublicSession
from firegrid.coverage.service import StationPoint
from firegrid.siting.export import (
    SitingMap,
    best_sites_map,
    plan_comparison_map,
    what_if_map,
)
from firegrid.siting.schemas import (
    BestQuery,
    BestSitesOut,
    CompareOut,
    SitingQuery,
    WhatIfIn,
    WhatIfOut,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["siting"])

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
BestParams = Annotated[BestQuery, Query()]
CompareParams = Annotated[SitingQuery, Query()]


def _body(m: SitingMap, response: Response) -> dict[str, Any]:
    response.headers["Server-Timing"] = (
        f"siting;dur={m.elapsed_s * 1000:.0f};desc={'cached' if m.cached else 'run'}"
    )
    return {**m.body, "elapsed_s": round(m.elapsed_s, 3), "cached": m.cached}


@router.get("/districts/{code}/siting/best", operation_id="get_best_new_sites")
def get_best_new_sites(
    code: DistrictCode, params: BestParams, session: PublicSession, response: Response
) -> BestSitesOut:
    """Find the best sites for new stations (maximal covering), with the districts after."""
    m = best_sites_map(
        session,
        code,
        params.p,
        network=params.network or None,
        minutes=params.minutes,
        vehicle=params.vehicle,
        candidate_spacing_m=params.candidate_spacing_m,
        time_limit_s=params.time_limit_s,
    )
    return BestSitesOut.model_validate(_body(m, response))


@router.get("/districts/{code}/siting/compare", operation_id="compare_plan_with_optimum")
def compare_plan_with_optimum(
    code: DistrictCode, params: CompareParams, session: PublicSession, response: Response
) -> CompareOut:
    """Compare the plan's new stations with the optimiser's best sites of the same count."""
    m = plan_comparison_map(
        session,
        code,
        network=params.network or None,
        minutes=params.minutes,
        vehicle=params.vehicle,
        time_limit_s=params.time_limit_s,
    )
    return CompareOut.model_validate(_body(m, response))


@router.post("/districts/{code}/siting/whatif", operation_id="run_siting_what_if")
def run_siting_what_if(
    code: DistrictCode, body: WhatIfIn, session: PublicSession, response: Response
) -> WhatIfOut:
    """Compare coverage before and after adding, closing or moving stations; stores nothing."""
    # A POST only because the changes are a JSON body: it computes and writes nothing, so it
    # is as public as the other siting reads.
    m = what_if_map(
        session,
        code,
        add=[StationPoint(a.name, a.station_class, a.lon, a.lat) for a in body.add],
        close=body.close,
        move={mv.name: (mv.lon, mv.lat) for mv in body.move},
        network=body.network or None,
        minutes=body.minutes,
        vehicle=body.vehicle,
    )
    return WhatIfOut.model_validate(_body(m, response))
