"""HTTP routes of coverage analysis and road networks (thin: parse, call the service, return).

A district's coverage of its public stations is planning information and involves no incident
data, so these routes are public reads. The analysis is cached in-process
(:func:`firegrid.coverage.export.cached_coverage_map`); ``elapsed_s`` reports what computing it
took and ``cached`` whether this response came from the cache. The road-network routes live
here too: the coverage map is their only HTTP client so far.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.background import BackgroundTask

from firegrid.api.deps import PublicSession
from firegrid.coverage.export import (
    CoverageLayer,
    CoverageMap,
    cached_coverage_map,
    coverage_geojson,
    export_file_name,
    feature_collections,
    write_coverage,
)
from firegrid.coverage.service import CoverageRequest
from firegrid.network.graph import Vehicle
from firegrid.network.service import list_networks, network_info

__all__ = ["router"]

router = APIRouter(prefix="/api")

DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]
GEOJSON_TYPE = "application/geo+json"
GPKG_TYPE = "application/geopackage+sqlite3"


class CoverageQuery(BaseModel):
    """What to analyse: the road network (or none), the standard, the vehicle, the stations."""

    model_config = ConfigDict(extra="forbid")

    network: str | None = Field(
        None,
        max_length=64,
        description="Stored road network; omit for the straight-line approximation.",
    )
    minutes: float | None = Field(
        None,
        gt=0,
        le=120,
        allow_inf_nan=False,
        description="Response standard in minutes, turn-out included (default 5).",
    )
    vehicle: Vehicle = Field(Vehicle.LIGHT, description="light or heavy (fire engine).")
    include_planned: bool = Field(
        False, description="Count planned and under-construction stations (the plan's what-if)."
    )
    cell_m: float | None = Field(
        None, ge=25, le=2000, allow_inf_nan=False, description="Raster cell size (default 100 m)."
    )

    def request(self, code: str) -> CoverageRequest:
        """The service request for district ``code``."""
        return CoverageRequest(
            district_code=code,
            network=self.network or None,
            minutes=self.minutes,
            vehicle=self.vehicle,
            include_planned=self.include_planned,
            cell_m=self.cell_m,
            layers=True,
        )


CoverageParams = Annotated[CoverageQuery, Query()]


class FeatureCollectionOut(BaseModel):
    """A GeoJSON FeatureCollection (WGS84)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]


class CoverageLayersOut(BaseModel):
    """The map layers of a coverage analysis; ``road_gap`` is empty without a road network."""

    district: FeatureCollectionOut = Field(
        description="First-due districts: station, area_km2, limit_km2, over_limit, covered_km2."
    )
    isochrone: FeatureCollectionOut = Field(
        description="Area each station reaches within the standard."
    )
    uncovered_area: FeatureCollectionOut = Field(description="Area beyond the standard.")
    uncovered_place: FeatureCollectionOut = Field(
        description="Places beyond the standard: name, weight, time_s (null: not reached)."
    )
    road_gap: FeatureCollectionOut = Field(description="Road stretches beyond the standard.")
    station: FeatureCollectionOut = Field(description="The stations the analysis used.")


class NetworkRef(BaseModel):
    name: str
    version: int


class StationUsedOut(BaseModel):
    name: str
    station_class: str = Field(validation_alias="class", serialization_alias="class")
    turnout_s: float
    lon: float | None = None
    lat: float | None = None


class DistrictCoverageOut(BaseModel):
    """One station's first-due district against its 建标152 area limit."""

    station_index: int
    station: str
    area_km2: float
    limit_km2: float | None
    over_limit: bool
    covered_km2: float | None


class CoverageOut(BaseModel):
    """Coverage of the standard in a district, with the layers for the map."""

    district: str
    approximate: bool = Field(
        description="True: straight line × circuity at a set speed, no road network."
    )
    standards: str = Field(description="Response standards id@version used.")
    limit_s: float
    minutes: float
    vehicle: str
    include_planned: bool
    cell_m: float
    network: NetworkRef | None
    model: dict[str, float] | None = Field(
        None, description="The straight-line model (approximate results only)."
    )
    stations: list[StationUsedOut]
    share_road_km: float | None
    road_km: float | None
    covered_road_km: float | None
    share_demand: float | None
    heavy_share_demand: float | None = Field(
        None, description="Share of places heavy appliances reach (road network, light runs)."
    )
    demand: str = Field(description="What the places' weights are.")
    share_area: float | None
    districts: list[DistrictCoverageOut]
    over_limit: list[str] = Field(description="Stations whose district exceeds its limit.")
    uncovered_places: int = Field(description="Number of places beyond the standard.")
    n_unit: dict[str, Any] | None = None
    elapsed_s: float = Field(description="Time the analysis took when it was computed, s.")
    cached: bool = Field(description="True when served from the in-process cache.")
    layers: CoverageLayersOut


class NetworkOut(BaseModel):
    """A stored road network version."""

    name: str
    version: int
    nodes: int
    edges: int
    km: float
    source: str
    source_sha256: str
    format: str
    profile: str = Field(description="Speed profile id@version.")
    created_at: str
    clipped: bool
    note: str | None


def _coverage_out(m: CoverageMap) -> CoverageOut:
    s = m.summary
    return CoverageOut(
        **{k: v for k, v in s.items() if k != "uncovered"},
        uncovered_places=len(s.get("uncovered", [])),
        elapsed_s=round(m.elapsed_s, 3),
        cached=m.cached,
        layers=CoverageLayersOut.model_validate(feature_collections(m.layers, label_points=True)),
    )


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/districts/{code}/coverage", operation_id="get_district_coverage", tags=["coverage"])
def get_district_coverage(
    code: DistrictCode, params: CoverageParams, session: PublicSession, response: Response
) -> CoverageOut:
    """Analyse a district's coverage of the response standard, with map layers."""
    result = cached_coverage_map(session, params.request(code))
    response.headers["Server-Timing"] = (
        f"coverage;dur={result.elapsed_s * 1000:.0f};desc={'cached' if result.cached else 'run'}"
    )
    return _coverage_out(result)


@router.get(
    "/districts/{code}/coverage.geojson",
    operation_id="export_district_coverage_geojson",
    tags=["coverage"],
    response_class=Response,
    responses={200: {"content": {GEOJSON_TYPE: {}}, "description": "Every layer, one file."}},
)
def export_district_coverage_geojson(
    code: DistrictCode, params: CoverageParams, session: PublicSession
) -> Response:
    """Download every coverage layer as one GeoJSON file (a layer property per feature)."""
    m = cached_coverage_map(session, params.request(code))
    body = json.dumps(coverage_geojson(m.layers, m.summary), ensure_ascii=False, allow_nan=False)
    name = export_file_name(code, m.summary, ".geojson")
    return Response(body.encode("utf-8"), media_type=GEOJSON_TYPE, headers=_attachment(name))


@router.get(
    "/districts/{code}/coverage.gpkg",
    operation_id="export_district_coverage_gpkg",
    tags=["coverage"],
    response_class=FileResponse,
    responses={200: {"content": {GPKG_TYPE: {}}, "description": "One layer per kind."}},
)
def export_district_coverage_gpkg(
    code: DistrictCode, params: CoverageParams, session: PublicSession
) -> FileResponse:
    """Download every coverage layer as a GeoPackage (one layer per kind)."""
    m = cached_coverage_map(session, params.request(code))
    name = export_file_name(code, m.summary, ".gpkg")
    folder = FilePath(tempfile.mkdtemp(prefix="firegrid-coverage-"))
    try:
        write_coverage(m.layers, folder / name, summary=m.summary)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        folder / name,
        media_type=GPKG_TYPE,
        filename=name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


@router.get("/networks", operation_id="list_networks", tags=["networks"])
def get_networks(session: PublicSession) -> list[NetworkOut]:
    """List the stored road networks, every version."""
    return [NetworkOut(**n) for n in list_networks(session)]


@router.get("/networks/{name}", operation_id="get_network", tags=["networks"])
def get_network(
    name: Annotated[str, Path(max_length=64, description="Network name.")],
    session: PublicSession,
    version: Annotated[int | None, Query(ge=1, description="Version (default: latest).")] = None,
) -> NetworkOut:
    """Describe a stored road network (the latest version unless one is asked for)."""
    return NetworkOut(**network_info(session, name, version))


# The API's layer names are the export's: a new layer kind fails at import, not in a client.
if set(CoverageLayersOut.model_fields) != {k.value for k in CoverageLayer}:
    raise TypeError("CoverageLayersOut fields do not match CoverageLayer")
