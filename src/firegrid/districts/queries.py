"""Read-side queries behind the public district API and the dashboard.

Each function returns ORM rows or small frozen dataclasses; routers and pages turn them into
JSON, GeoJSON or HTML. Unknown district codes raise NotFoundError (via ``get_district``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import polylabel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.districts.models import District, DistrictPopulation, Township
from firegrid.districts.repository import get_district, list_districts, populations, townships
from firegrid.incidents.models import Incident
from firegrid.stations.models import Station
from firegrid.types import StationClass

__all__ = [
    "DistrictOverview",
    "LocatedStation",
    "district_overview",
    "district_overviews",
    "incident_points",
    "label_point",
    "record_years",
    "station_rows",
    "year_span",
]


@dataclass(frozen=True)
class DistrictOverview:
    """A district with its population series (by year) and record counts.

    Micro stations (微型消防站) are not fire stations: the plans count them apart ("5个消防救援站、
    2支专职消防队、332个微型消防站"), and so does this overview. ``stations`` and
    ``located_stations`` count the stations and teams of every other class (消防救援站, 专职队,
    专业队 …), whatever their status; ``micro_stations`` the micro stations; ``synthetic_stations``
    the register entries of any class generated for a demo (``synthetic = true``).
    """

    district: District
    populations: Sequence[DistrictPopulation]
    townships: int
    stations: int
    located_stations: int
    micro_stations: int = 0
    synthetic_stations: int = 0

    @property
    def latest_population(self) -> DistrictPopulation | None:
        return self.populations[-1] if self.populations else None

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        """``(west, south, east, north)`` of the boundary in WGS84 degrees, if there is one."""
        if not self.district.boundary_geojson:
            return None
        west, south, east, north = shapely.from_geojson(self.district.boundary_geojson).bounds
        return (float(west), float(south), float(east), float(north))


@dataclass(frozen=True)
class LocatedStation:
    """A station and the township it belongs to (None when not assigned)."""

    station: Station
    township: Township | None

    @property
    def located(self) -> bool:
        return self.station.lon is not None and self.station.lat is not None


def _counts(
    session: Session, model: type[Township] | type[Station], district_ids: list[int]
) -> dict[int, int]:
    rows = session.execute(
        select(model.district_id, func.count(model.id))
        .where(model.district_id.in_(district_ids))
        .group_by(model.district_id)
    ).all()
    return {district_id: count for district_id, count in rows}


def _overviews(session: Session, districts: list[District]) -> list[DistrictOverview]:
    ids = [d.id for d in districts]
    if not ids:
        return []
    pops: dict[int, list[DistrictPopulation]] = defaultdict(list)
    for p in session.scalars(
        select(DistrictPopulation)
        .where(DistrictPopulation.district_id.in_(ids))
        .order_by(DistrictPopulation.district_id, DistrictPopulation.year)
    ):
        pops[p.district_id].append(p)
    n_towns = _counts(session, Township, ids)
    stations: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    located_expr = Station.lon.is_not(None) & Station.lat.is_not(None)
    for district_id, station_class, synthetic, located, count in session.execute(
        select(
            Station.district_id,
            Station.station_class,
            Station.synthetic,
            located_expr,
            func.count(Station.id),
        )
        .where(Station.district_id.in_(ids))
        .group_by(Station.district_id, Station.station_class, Station.synthetic, located_expr)
    ):
        micro = station_class == StationClass.MICRO
        stations["micro" if micro else "stations"][district_id] += count
        if located and not micro:
            stations["located"][district_id] += count
        if synthetic:
            stations["synthetic"][district_id] += count
    return [
        DistrictOverview(
            district=d,
            populations=tuple(pops.get(d.id, [])),
            townships=n_towns.get(d.id, 0),
            stations=stations["stations"][d.id],
            located_stations=stations["located"][d.id],
            micro_stations=stations["micro"][d.id],
            synthetic_stations=stations["synthetic"][d.id],
        )
        for d in districts
    ]


def district_overviews(session: Session) -> list[DistrictOverview]:
    """Every district, by code, with its population series and counts."""
    return _overviews(session, list_districts(session))


def district_overview(session: Session, code: str) -> DistrictOverview:
    """One district by code; NotFoundError lists the known codes."""
    return _overviews(session, [get_district(session, code)])[0]


def station_rows(
    session: Session, district_id: int, *, located: bool | None = None
) -> list[LocatedStation]:
    """The district's stations by name; ``located`` keeps only those with (or without) a point."""
    query = select(Station).where(Station.district_id == district_id).order_by(Station.name)
    has_point = Station.lon.is_not(None) & Station.lat.is_not(None)
    if located is True:
        query = query.where(has_point)
    elif located is False:
        query = query.where(~has_point)
    towns = {t.id: t for t in townships(session, district_id)}
    return [
        LocatedStation(s, towns.get(s.township_id) if s.township_id is not None else None)
        for s in session.scalars(query)
    ]


def incident_points(session: Session, district: District, year: int) -> list[Incident]:
    """Incidents with a location received in local calendar ``year``, oldest first."""
    zone = ZoneInfo(district.timezone)
    start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.district_id == district.id,
                Incident.received_at >= start,
                Incident.received_at < end,
                Incident.lon.is_not(None),
                Incident.lat.is_not(None),
            )
            .order_by(Incident.received_at, Incident.id)
        )
    )


def record_years(session: Session, district: District) -> tuple[int, int] | None:
    """First and last local year with incident records, or population figures if none.

    The dashboard and the statistics API default to this span.
    """
    first, last = session.execute(
        select(func.min(Incident.received_at), func.max(Incident.received_at)).where(
            Incident.district_id == district.id
        )
    ).one()
    if first is not None and last is not None:
        zone = ZoneInfo(district.timezone)
        return first.astimezone(zone).year, last.astimezone(zone).year
    years = sorted(populations(session, district.id))
    return (years[0], years[-1]) if years else None


def year_span(
    session: Session,
    code: str,
    year_from: int | None,
    year_to: int | None,
    *,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Complete a year range: a missing end defaults to the district's :func:`record_years`
    (the current local year when it has none), never crossing the given end."""
    district = get_district(session, code)
    if year_from is not None and year_to is not None:
        return year_from, year_to
    span = record_years(session, district)
    if span is None:
        current = (now or datetime.now(UTC)).astimezone(ZoneInfo(district.timezone)).year
        span = (current, current)
    if year_from is not None:
        return year_from, max(year_from, span[1])
    if year_to is not None:
        return min(year_to, span[0]), year_to
    return span


def label_point(geometry_geojson: str | None) -> tuple[float, float] | None:
    """Where a polygon's map label goes: the pole of inaccessibility of its largest part
    (the interior point farthest from the edge), as ``(lon, lat)``; None for other shapes."""
    if not geometry_geojson:
        return None
    geom = shapely.from_geojson(geometry_geojson)
    if isinstance(geom, MultiPolygon):
        geom = max(geom.geoms, key=lambda part: part.area)
    if not isinstance(geom, Polygon) or geom.is_empty:
        return None
    point = polylabel(geom, tolerance=1e-4)
    return (round(float(point.x), 6), round(float(point.y), 6))
