"""The records the risk indicators use, read once per assessment and projected to the
district's metric CRS."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.coverage.service import COVERAGE_CLASSES
from firegrid.districts.models import District, Place, Township
from firegrid.errors import InvalidInputError
from firegrid.geo.crs import from_wgs84, local_metric_crs
from firegrid.incidents.models import Incident
from firegrid.stations.models import Station
from firegrid.types import (
    IncidentCategory,
    StationClass,
    StationStatus,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Points:
    """Located records of one kind, projected to the district's metric CRS."""

    xy: F64
    synthetic: int
    total: int

    @property
    def tree(self) -> cKDTree | None:
        return cKDTree(self.xy) if len(self.xy) else None

    def basis(self, kind: str) -> list[dict[str, Any]]:
        return _synthetic_basis(kind, self.synthetic, self.total)


def _synthetic_basis(kind: str, synthetic: int, records: int) -> list[dict[str, Any]]:
    """How many of the ``records`` of one kind are synthetic; empty when none is."""
    return [{"kind": kind, "synthetic": synthetic, "records": records}] if synthetic else []


@dataclass(frozen=True, eq=False)
class DistrictRecords:
    """Everything the indicators need, read once."""

    district: District
    crs: str
    boundary: BaseGeometry
    buildings: list[Building]
    building_xy: F64
    fires_xy: F64
    fire_lon: F64
    fire_lat: F64
    fires_synthetic: int
    fire_years: float
    stations: list[Station]
    micro: list[Station]
    hydrant_xy: F64
    hydrants_synthetic: int
    settlements_xy: F64
    townships: list[Township]
    township_geoms: list[BaseGeometry]

    def project(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> F64:
        x, y = from_wgs84(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64), crs=self.crs
        )
        return np.column_stack([x, y]) if np.size(x) else np.empty((0, 2))

    def township_of(self, lon: F64, lat: F64) -> list[int | None]:
        """Index into ``townships`` of the township containing each point (None: outside)."""
        out: list[int | None] = [None] * len(lon)
        if not self.township_geoms:
            return out
        tree = STRtree(self.township_geoms)
        pts = [Point(a, b) for a, b in zip(lon, lat, strict=True)]
        hits = tree.query(pts, predicate="within")
        for p_i, t_i in zip(hits[0], hits[1], strict=True):
            if out[int(p_i)] is None:
                out[int(p_i)] = int(t_i)
        return out


def district_records(session: Session, district: District) -> DistrictRecords:
    """Read the records the risk indicators use (located ones only)."""
    if not district.boundary_geojson:
        raise InvalidInputError(
            f"district {district.code!r} has no boundary: the risk grid needs one "
            "(import it with `firegrid import districts`)"
        )
    boundary = shape(json.loads(district.boundary_geojson))
    c = boundary.centroid
    crs = local_metric_crs(np.array([c.x]), np.array([c.y]))
    buildings = list(
        session.scalars(
            select(Building).where(Building.district_id == district.id).order_by(Building.id)
        )
    )
    fires = session.execute(
        select(Incident.lon, Incident.lat, Incident.synthetic, Incident.received_at).where(
            Incident.district_id == district.id,
            Incident.category == IncidentCategory.FIRE,
            Incident.lon.is_not(None),
            Incident.lat.is_not(None),
        )
    ).all()
    span = session.execute(
        select(func.min(Incident.received_at), func.max(Incident.received_at)).where(
            Incident.district_id == district.id, Incident.category == IncidentCategory.FIRE
        )
    ).one()
    years = 1.0
    if span[0] is not None and span[1] is not None:
        years = max(1.0, (span[1] - span[0]).total_seconds() / (365.25 * 86400))
    stations = list(
        session.scalars(
            select(Station)
            .where(
                Station.district_id == district.id,
                Station.status == StationStatus.EXISTING,
                Station.lon.is_not(None),
                Station.lat.is_not(None),
            )
            .order_by(Station.id)
        )
    )
    hydrants = session.execute(
        select(WaterSource.lon, WaterSource.lat, WaterSource.synthetic).where(
            WaterSource.district_id == district.id,
            WaterSource.kind == WaterSourceKind.HYDRANT,
            WaterSource.status == WaterSourceStatus.IN_SERVICE,
        )
    ).all()
    places = session.execute(
        select(Place.lon, Place.lat).where(
            Place.district_id == district.id, Place.is_settlement.is_(True)
        )
    ).all()
    towns = list(
        session.scalars(
            select(Township)
            .where(Township.district_id == district.id, Township.boundary_geojson.is_not(None))
            .order_by(Township.id)
        )
    )

    def proj(rows: Any) -> F64:
        if not rows:
            return np.empty((0, 2))
        x, y = from_wgs84(
            np.array([r[0] for r in rows], dtype=np.float64),
            np.array([r[1] for r in rows], dtype=np.float64),
            crs=crs,
        )
        return np.column_stack([x, y])

    return DistrictRecords(
        district=district,
        crs=crs,
        boundary=boundary,
        buildings=buildings,
        building_xy=proj([(b.lon, b.lat) for b in buildings]),
        fires_xy=proj(fires),
        fire_lon=np.array([f[0] for f in fires], dtype=np.float64),
        fire_lat=np.array([f[1] for f in fires], dtype=np.float64),
        fires_synthetic=sum(1 for f in fires if f[2]),
        fire_years=years,
        stations=[s for s in stations if StationClass(s.station_class) in COVERAGE_CLASSES],
        micro=[s for s in stations if StationClass(s.station_class) is StationClass.MICRO],
        hydrant_xy=proj(hydrants),
        hydrants_synthetic=sum(1 for h in hydrants if h[2]),
        settlements_xy=proj(places),
        townships=towns,
        township_geoms=[shape(json.loads(t.boundary_geojson or "{}")) for t in towns],
    )
