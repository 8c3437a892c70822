"""Call intake: a call as taken becomes an incident with the level its report gives; finding a
place by name."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.db.base import utcnow
from firegrid.dispatch.index import dispatch_index
from firegrid.dispatch.levels import alarm_level
from firegrid.districts.models import District, Place, Township
from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError, NotFoundError
from firegrid.geo.crs import parse_crs, to_wgs84
from firegrid.incidents.models import Incident
from firegrid.types import (
    BuildingClass,
    IncidentCategory,
    IncidentStatus,
    LocationPrecision,
)

__all__ = ["Intake", "create_incident", "get_incident", "search_locations", "wgs84_point"]


@dataclass(frozen=True)
class Intake:
    """A call as taken: where (WGS84, GCJ-02 or BD-09), what, and what the caller reports."""

    lon: float
    lat: float
    category: IncidentCategory = IncidentCategory.FIRE
    crs: str = "wgs84"
    subtype: str | None = None
    building_class: BuildingClass | None = None
    building_id: int | None = None
    reported_trapped: int = 0
    reported_casualties: int = 0
    large_area: bool = False
    address: str | None = None
    caller_phone: str | None = None
    description: str | None = None
    received_at: datetime | None = None


def wgs84_point(lon: float, lat: float, crs: str) -> tuple[float, float]:
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise InvalidInputError(f"lon/lat must be numbers, got {lon!r}, {lat!r}")
    canonical = parse_crs(crs)
    if canonical not in ("wgs84", "gcj02", "bd09", "cgcs2000"):
        raise InvalidInputError(f"crs {crs!r}: give wgs84, gcj02, bd09 or cgcs2000 degrees")
    x, y = to_wgs84([lon], [lat], crs=canonical)
    out = float(x[0]), float(y[0])
    if not (-180 <= out[0] <= 180 and -90 <= out[1] <= 90):
        raise InvalidInputError(f"lon/lat out of range: {lon}, {lat}")
    return out


def _check_in_district(district: District, lon: float, lat: float) -> None:
    if district.boundary_geojson is None:
        return
    import json

    from shapely.geometry import Point, shape

    boundary = shape(json.loads(district.boundary_geojson))
    if not boundary.buffer(0.05).contains(Point(lon, lat)):  # ~5 km slack for border calls
        raise InvalidInputError(
            f"location {lon:.6f}, {lat:.6f} is outside district {district.code} "
            f"({district.name_zh}); wrong coordinates or coordinate system?"
        )


def create_incident(session: Session, district_code: str, intake: Intake) -> Incident:
    """Take a call: store the incident (status received) with the level its report gives."""
    district = get_district(session, district_code)
    index = dispatch_index(session, district)
    lon, lat = wgs84_point(intake.lon, intake.lat, intake.crs)
    _check_in_district(district, lon, lat)
    category = IncidentCategory(intake.category)
    level = alarm_level(
        category,
        trapped=intake.reported_trapped,
        casualties=intake.reported_casualties,
        building_class=intake.building_class,
        large_area=intake.large_area,
    )
    building_class = intake.building_class
    if intake.building_id is not None:
        b = session.get(Building, intake.building_id)
        if b is None or b.district_id != district.id:
            raise NotFoundError(f"building {intake.building_id} not found in {district.code}")
    town = index.township_at(lon, lat)
    now = intake.received_at or utcnow()
    local = now.astimezone(ZoneInfo(district.timezone))
    inc = Incident(
        district_id=district.id,
        township_id=town[0] if town else None,
        external_id=f"119-{local:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}",
        received_at=now,
        category=category,
        subtype=intake.subtype,
        address=intake.address,
        lon=lon,
        lat=lat,
        location_precision=LocationPrecision.EXACT,
        status=IncidentStatus.RECEIVED,
        alarm_level=level,
        alarm_level_auto=level,
        building_class=BuildingClass(building_class) if building_class else None,
        building_id=intake.building_id,
        reported_trapped=intake.reported_trapped,
        reported_casualties=intake.reported_casualties,
        large_area=intake.large_area,
        caller_phone=intake.caller_phone,
        description=intake.description,
        source="command centre intake",
    )
    session.add(inc)
    session.commit()
    return inc


def get_incident(session: Session, district_code: str, incident_id: int) -> Incident:
    """The district's incident ``incident_id`` (NotFoundError otherwise)."""
    district = get_district(session, district_code)
    inc = session.get(Incident, incident_id)
    if inc is None or inc.district_id != district.id:
        raise NotFoundError(f"incident {incident_id} not found in {district_code}")
    return inc


def search_locations(
    session: Session, district_code: str, query: str, *, limit: int = 10
) -> list[dict[str, Any]]:
    """Find a place by name: townships, villages and places, key units and buildings."""
    q = query.strip()
    if not q:
        raise InvalidInputError("search text is empty")
    district = get_district(session, district_code)
    like = f"%{q}%"
    out: list[dict[str, Any]] = []
    for b in session.scalars(
        select(Building)
        .where(Building.district_id == district.id, Building.name.ilike(like))
        .order_by(Building.key_unit.desc(), func.length(Building.name), Building.id)
        .limit(limit)
    ):
        out.append(
            {
                "kind": "key_unit" if b.key_unit else "building",
                "name": b.name,
                "lon": b.lon,
                "lat": b.lat,
                "building_id": b.id,
                "synthetic": b.synthetic,
            }
        )
    for p in session.scalars(
        select(Place)
        .where(Place.district_id == district.id, Place.name.ilike(like))
        .order_by(func.length(Place.name), Place.id)
        .limit(limit)
    ):
        out.append({"kind": p.kind, "name": p.name, "lon": p.lon, "lat": p.lat})
    towns = session.scalars(
        select(Township)
        .where(
            Township.district_id == district.id,
            Township.name_zh.ilike(like) | Township.name_en.ilike(like),
        )
        .limit(limit)
    ).all()
    for t in towns:
        if t.boundary_geojson:
            import json

            from shapely.geometry import shape

            c = shape(json.loads(t.boundary_geojson)).representative_point()
            out.append({"kind": "township", "name": t.name_zh, "lon": c.x, "lat": c.y})
    return out[:limit]
