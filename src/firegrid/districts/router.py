"""HTTP routes of the districts domain (thin: parse, call the queries, return).

Districts, their boundaries, townships and stations are public aggregate data (no login);
incident points are not, and need the ``data:read`` permission. GeoJSON layers are WGS84
FeatureCollections served as ``application/geo+json``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from firegrid.api.deps import PublicSession, ReadSession
from firegrid.districts import queries
from firegrid.districts.models import Township
from firegrid.districts.queries import DistrictOverview, LocatedStation
from firegrid.districts.repository import get_district, townships
from firegrid.incidents.models import Incident
from firegrid.units import fen_to_yuan

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["districts"])


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


DistrictCode = Annotated[str, Path(description="District code, e.g. mentougou.", max_length=64)]


# --- response models -------------------------------------------------------------------------


class PopulationOut(BaseModel):
    """Resident population (常住人口) of one year, with its source."""

    year: int
    population: int
    derived: bool = Field(description="True when derived from another figure, not printed.")
    source: str


class YearSpan(BaseModel):
    first: int
    last: int


class DistrictSummaryOut(BaseModel):
    """A district as listed: names, area and the latest resident population."""

    code: str
    name_zh: str
    name_en: str
    area_km2: float | None
    population: int | None = Field(description="Latest resident population (persons).")
    population_year: int | None


class DistrictOut(DistrictSummaryOut):
    """A district with its population series, record counts, extent and years of records."""

    adcode: str | None
    province: str
    timezone: str
    source: str
    populations: list[PopulationOut]
    townships: int
    stations: int = Field(
        description="Fire & rescue stations and teams of every status, micro stations excepted "
        "(the plans count micro stations apart)."
    )
    located_stations: int = Field(description="Of ``stations``, those with a location.")
    micro_stations: int = Field(description="Micro stations (微型消防站), counted apart.")
    synthetic_stations: int = Field(
        description="Station records of any class generated for a demo (synthetic), "
        "micro stations included."
    )
    bbox: tuple[float, float, float, float] | None = Field(
        description="(west, south, east, north) in WGS84 degrees."
    )
    record_years: YearSpan | None = Field(
        description="First and last year with incident records (the statistics default)."
    )


P = TypeVar("P", bound=BaseModel)


class Feature(BaseModel, Generic[P]):
    type: Literal["Feature"] = "Feature"
    id: int | str
    geometry: dict[str, Any] | None
    properties: P


class FeatureCollection(BaseModel, Generic[P]):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature[P]]


class BoundaryProperties(BaseModel):
    code: str
    name_zh: str
    name_en: str
    area_km2: float | None


class TownshipProperties(BaseModel):
    name_zh: str
    name_en: str
    kind: str
    kind_zh: str
    kind_en: str
    area_km2: float | None
    population: int | None
    population_year: int | None
    seat: tuple[float, float] | None = Field(description="Seat (驻地) as (lon, lat).")
    label_point: tuple[float, float] | None = Field(
        description="A point well inside the polygon for its label, as (lon, lat)."
    )


class StationProperties(BaseModel):
    id: int
    name: str
    station_class: str
    station_class_zh: str
    station_class_en: str
    status: str
    status_zh: str
    status_en: str
    staffing: str
    staffing_zh: str
    staffing_en: str
    specialty: str | None
    planned_year: int | None
    township: str | None
    location_precision: str
    location_precision_zh: str
    location_precision_en: str
    synthetic: bool
    source: str
    note: str


class StationOut(StationProperties):
    """A station or team; ``lon``/``lat`` are null where its location is not known."""

    lon: float | None
    lat: float | None


class IncidentProperties(BaseModel):
    external_id: str
    category: str
    category_zh: str
    category_en: str
    received_at: datetime
    deaths: int
    injuries: int
    loss_yuan: float | None
    location_precision: str
    synthetic: bool = Field(description="True for generated (demo) records, never real calls.")


class BoundaryCollection(FeatureCollection[BoundaryProperties]):
    """The district boundary as a one-feature FeatureCollection."""


class TownshipCollection(FeatureCollection[TownshipProperties]):
    """Township (街道/镇/乡) polygons."""


class StationCollection(FeatureCollection[StationProperties]):
    """Stations that have a location, as points."""


class IncidentCollection(FeatureCollection[IncidentProperties]):
    """Incident points of one year."""


# --- mapping rows to responses ---------------------------------------------------------------


def _geometry(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


def _summary(o: DistrictOverview) -> dict[str, Any]:
    d, pop = o.district, o.latest_population
    return {
        "code": d.code,
        "name_zh": d.name_zh,
        "name_en": d.name_en,
        "area_km2": d.area_km2,
        "population": pop.population if pop else None,
        "population_year": pop.year if pop else None,
    }


def _station_properties(row: LocatedStation) -> dict[str, Any]:
    s = row.station
    return {
        "id": s.id,
        "name": s.name,
        "station_class": s.station_class.value,
        "station_class_zh": s.station_class.label("zh"),
        "station_class_en": s.station_class.label("en"),
        "status": s.status.value,
        "status_zh": s.status.label("zh"),
        "status_en": s.status.label("en"),
        "staffing": s.staffing.value,
        "staffing_zh": s.staffing.label("zh"),
        "staffing_en": s.staffing.label("en"),
        "specialty": s.specialty,
        "planned_year": s.planned_year,
        "township": row.township.name_zh if row.township else None,
        "location_precision": s.location_precision.value,
        "location_precision_zh": s.location_precision.label("zh"),
        "location_precision_en": s.location_precision.label("en"),
        "synthetic": s.synthetic,
        "source": s.source,
        "note": s.note.strip(),
    }


def _township_feature(t: Township) -> Feature[TownshipProperties]:
    seat = (t.seat_lon, t.seat_lat) if t.seat_lon is not None and t.seat_lat is not None else None
    props = TownshipProperties(
        name_zh=t.name_zh,
        name_en=t.name_en,
        kind=t.kind.value,
        kind_zh=t.kind.label("zh"),
        kind_en=t.kind.label("en"),
        area_km2=t.area_km2,
        population=t.population,
        population_year=t.population_year,
        seat=seat,
        label_point=queries.label_point(t.boundary_geojson),
    )
    return Feature[TownshipProperties](
        id=t.id, geometry=_geometry(t.boundary_geojson), properties=props
    )


def _incident_feature(i: Incident) -> Feature[IncidentProperties]:
    props = IncidentProperties(
        external_id=i.external_id,
        category=i.category.value,
        category_zh=i.category.label("zh"),
        category_en=i.category.label("en"),
        received_at=i.received_at,
        deaths=i.deaths,
        injuries=i.injuries,
        loss_yuan=float(fen_to_yuan(i.loss_fen)) if i.loss_fen is not None else None,
        location_precision=i.location_precision.value,
        synthetic=i.synthetic,
    )
    return Feature[IncidentProperties](
        id=i.id, geometry={"type": "Point", "coordinates": [i.lon, i.lat]}, properties=props
    )


# --- routes ----------------------------------------------------------------------------------


@router.get("/districts", operation_id="list_districts")
def list_districts(session: PublicSession) -> list[DistrictSummaryOut]:
    """List districts with their area and latest resident population."""
    return [DistrictSummaryOut(**_summary(o)) for o in queries.district_overviews(session)]


@router.get("/districts/{code}", operation_id="get_district")
def get_district_detail(code: DistrictCode, session: PublicSession) -> DistrictOut:
    """Show a district: population by year, record counts, extent and years of records."""
    o = queries.district_overview(session, code)
    d, span = o.district, queries.record_years(session, o.district)
    return DistrictOut(
        **_summary(o),
        adcode=d.adcode,
        province=d.province,
        timezone=d.timezone,
        source=d.source,
        populations=[
            PopulationOut(year=p.year, population=p.population, derived=p.derived, source=p.source)
            for p in o.populations
        ],
        townships=o.townships,
        stations=o.stations,
        located_stations=o.located_stations,
        micro_stations=o.micro_stations,
        synthetic_stations=o.synthetic_stations,
        bbox=o.bbox,
        record_years=YearSpan(first=span[0], last=span[1]) if span else None,
    )


@router.get(
    "/districts/{code}/boundary.geojson",
    operation_id="get_district_boundary",
    response_class=GeoJSONResponse,
)
def get_district_boundary(code: DistrictCode, session: PublicSession) -> BoundaryCollection:
    """Return the district boundary as GeoJSON."""
    d = get_district(session, code)
    props = BoundaryProperties(
        code=d.code, name_zh=d.name_zh, name_en=d.name_en, area_km2=d.area_km2
    )
    features = [
        Feature[BoundaryProperties](
            id=d.code, geometry=_geometry(d.boundary_geojson), properties=props
        )
    ]
    return BoundaryCollection(features=features if d.boundary_geojson else [])


@router.get(
    "/districts/{code}/townships.geojson",
    operation_id="get_townships_geojson",
    response_class=GeoJSONResponse,
)
def get_townships_geojson(code: DistrictCode, session: PublicSession) -> TownshipCollection:
    """Return the district's townships (街道/镇/乡) as GeoJSON polygons."""
    d = get_district(session, code)
    rows = [t for t in townships(session, d.id) if t.boundary_geojson]
    return TownshipCollection(features=[_township_feature(t) for t in rows])


@router.get(
    "/districts/{code}/stations.geojson",
    operation_id="get_stations_geojson",
    response_class=GeoJSONResponse,
)
def get_stations_geojson(code: DistrictCode, session: PublicSession) -> StationCollection:
    """Return the stations that have a location as GeoJSON points."""
    d = get_district(session, code)
    rows = queries.station_rows(session, d.id, located=True)
    features = [
        Feature[StationProperties](
            id=r.station.id,
            geometry={"type": "Point", "coordinates": [r.station.lon, r.station.lat]},
            properties=StationProperties(**_station_properties(r)),
        )
        for r in rows
    ]
    return StationCollection(features=features)


@router.get("/districts/{code}/stations", operation_id="list_stations")
def list_stations(
    code: DistrictCode,
    session: PublicSession,
    located: Annotated[
        bool | None,
        Query(description="true: only stations with a location; false: only those without."),
    ] = None,
) -> list[StationOut]:
    """List the district's stations and teams, with or without a location."""
    d = get_district(session, code)
    return [
        StationOut(**_station_properties(r), lon=r.station.lon, lat=r.station.lat)
        for r in queries.station_rows(session, d.id, located=located)
    ]


@router.get(
    "/districts/{code}/incidents.geojson",
    operation_id="get_incidents_geojson",
    response_class=GeoJSONResponse,
)
def get_incidents_geojson(
    code: DistrictCode,
    ctx: ReadSession,
    year: Annotated[int, Query(ge=1900, le=2200, description="Local calendar year.")],
) -> IncidentCollection:
    """Return the incident points of one year as GeoJSON (needs data:read)."""
    d = get_district(ctx.session, code)
    rows = queries.incident_points(ctx.session, d, year)
    return IncidentCollection(features=[_incident_feature(i) for i in rows])
