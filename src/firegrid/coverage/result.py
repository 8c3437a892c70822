"""Coverage results: frozen dataclasses with JSON-able ``as_dict()`` output.

Every result records its :class:`Provenance` — the response-standards set (id and version) it
used, the vehicle, and whether it is ``approximate`` (straight-line model, no road network).
Geometries are WGS84 shapely objects; ``as_dict()`` turns them into GeoJSON geometry objects
(:func:`shapely.geometry.mapping`) and non-finite numbers (an unreached point's ``inf`` time)
into ``None``, since JSON has no infinity.

Pure: no files, no database, no web framework.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

__all__ = [
    "AreaCoverage",
    "DemandCoverage",
    "District",
    "DistrictResult",
    "HydrantCoverage",
    "Isochrone",
    "IsochroneResult",
    "NUnitCoverage",
    "PointRef",
    "Provenance",
    "RoadCoverage",
    "VehicleComparison",
]

_EMPTY: dict[str, Any] = {"type": "GeometryCollection", "geometries": []}


def _num(x: float | None) -> float | None:
    """A JSON-safe number: ``None`` for missing, infinite or NaN values."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def _geojson(geom: BaseGeometry | None) -> dict[str, Any]:
    if geom is None or geom.is_empty:
        return dict(_EMPTY)
    return dict(mapping(geom))


@dataclass(frozen=True)
class Provenance:
    """What a result was computed with."""

    standards_id: str
    standards_version: str
    #: True for the straight-line approximation (no road network).
    approximate: bool = False
    #: ``"light"``/``"heavy"`` where the result depends on the vehicle, else ``None``.
    vehicle: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "standards": {"id": self.standards_id, "version": self.standards_version},
            "approximate": self.approximate,
            "vehicle": self.vehicle,
        }


@dataclass(frozen=True)
class PointRef:
    """One demand point named in a result (by index into the caller's point list)."""

    index: int
    label: str
    weight: float
    lon: float
    lat: float
    #: Response time (s, turn-out included); ``inf`` = not reached. ``None`` where irrelevant.
    time_s: float | None = None
    #: Straight-line distance to the nearest in-service hydrant (hydrant results only).
    hydrant_distance_m: float | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "label": self.label, "weight": self.weight}
        if self.time_s is not None:
            out["time_s"] = _num(self.time_s)
        if self.hydrant_distance_m is not None:
            out["hydrant_distance_m"] = _num(self.hydrant_distance_m)
        out["geometry"] = {"type": "Point", "coordinates": [self.lon, self.lat]}
        return out


@dataclass(frozen=True, eq=False)
class RoadCoverage:
    """Road length reached within the standard (each street counted once).

    ``edge_fraction`` holds, per directed edge of the graph, the covered fraction of its street
    (both edges of a two-way street carry the same value; for colouring the map); ``gaps`` is
    the uncovered road as a WGS84 MultiLineString.
    """

    provenance: Provenance
    limit_s: float
    covered_km: float
    total_km: float
    edge_fraction: npt.NDArray[np.float64] = field(repr=False)
    gaps: BaseGeometry = field(repr=False)

    @property
    def share(self) -> float | None:
        return self.covered_km / self.total_km if self.total_km > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.provenance.as_dict(),
            "limit_s": self.limit_s,
            "covered_km": self.covered_km,
            "total_km": self.total_km,
            "share_road_km": self.share,
            "gaps": _geojson(self.gaps),
        }


@dataclass(frozen=True, eq=False)
class DemandCoverage:
    """Weighted share of demand points reached within the standard."""

    provenance: Provenance
    limit_s: float
    total_weight: float
    covered_weight: float
    #: Per point: reached within the limit.
    covered: npt.NDArray[np.bool_] = field(repr=False)
    #: Per point: the response time the coverage was judged on.
    time_s: npt.NDArray[np.float64] = field(repr=False)
    #: Points beyond the limit, heaviest first.
    uncovered: tuple[PointRef, ...] = field(repr=False)

    @property
    def n_points(self) -> int:
        return len(self.covered)

    @property
    def n_covered(self) -> int:
        return int(self.covered.sum())

    @property
    def share(self) -> float | None:
        return self.covered_weight / self.total_weight if self.total_weight > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.provenance.as_dict(),
            "limit_s": self.limit_s,
            "n_points": self.n_points,
            "n_covered": self.n_covered,
            "total_weight": self.total_weight,
            "covered_weight": self.covered_weight,
            "share_demand": self.share,
            "uncovered": [p.as_dict() for p in self.uncovered],
        }


@dataclass(frozen=True, eq=False)
class AreaCoverage:
    """Share of a district's area reached within the standard (raster of square cells)."""

    provenance: Provenance
    limit_s: float
    cell_m: float
    total_km2: float
    covered_km2: float
    #: Area no station reaches at all (disconnected or impassable), km².
    unreached_km2: float
    #: Area beyond the limit (unreached included), WGS84.
    uncovered: BaseGeometry = field(repr=False)

    @property
    def share(self) -> float | None:
        return self.covered_km2 / self.total_km2 if self.total_km2 > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.provenance.as_dict(),
            "limit_s": self.limit_s,
            "cell_m": self.cell_m,
            "total_km2": self.total_km2,
            "covered_km2": self.covered_km2,
            "unreached_km2": self.unreached_km2,
            "share_area": self.share,
            "uncovered": _geojson(self.uncovered),
        }


@dataclass(frozen=True, eq=False)
class District:
    """One station's first-due district (辖区 by travel time)."""

    station_index: int
    label: str
    area_km2: float
    #: Class limit (km²); ``None`` = the class guards no district (no check).
    limit_km2: float | None
    #: Part of the district reached within the standard, km² (``None`` if not computed).
    covered_km2: float | None
    geometry: BaseGeometry = field(repr=False)

    @property
    def over_limit(self) -> bool:
        return self.limit_km2 is not None and self.area_km2 > self.limit_km2

    def as_dict(self) -> dict[str, Any]:
        return {
            "station_index": self.station_index,
            "station": self.label,
            "area_km2": self.area_km2,
            "limit_km2": self.limit_km2,
            "over_limit": self.over_limit,
            "covered_km2": self.covered_km2,
            "geometry": _geojson(self.geometry),
        }


@dataclass(frozen=True, eq=False)
class DistrictResult:
    """First-due districts (network Voronoi) of all stations over one boundary."""

    provenance: Provenance
    cell_m: float
    total_km2: float
    districts: tuple[District, ...]
    #: Area first-due to nobody (no station reaches it), km², and its outline.
    unassigned_km2: float
    unassigned: BaseGeometry = field(repr=False)

    @property
    def over_limit(self) -> tuple[District, ...]:
        return tuple(d for d in self.districts if d.over_limit)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.provenance.as_dict(),
            "cell_m": self.cell_m,
            "total_km2": self.total_km2,
            "districts": [d.as_dict() for d in self.districts],
            "over_limit": [d.label for d in self.over_limit],
            "unassigned_km2": self.unassigned_km2,
            "unassigned": _geojson(self.unassigned),
        }


@dataclass(frozen=True, eq=False)
class Isochrone:
    """Area a station reaches within the limit (WGS84 polygon)."""

    station_index: int
    label: str
    area_km2: float
    geometry: BaseGeometry = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "station_index": self.station_index,
            "station": self.label,
            "area_km2": self.area_km2,
            "geometry": _geojson(self.geometry),
        }


@dataclass(frozen=True, eq=False)
class IsochroneResult:
    """Isochrone polygons of several stations.

    ``first_due`` is True when each polygon is the station's covered part of its own district
    (from a multi-source run), False when polygons are full per-station isochrones that may
    overlap.
    """

    provenance: Provenance
    limit_s: float
    cell_m: float
    first_due: bool
    isochrones: tuple[Isochrone, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.provenance.as_dict(),
            "limit_s": self.limit_s,
            "cell_m": self.cell_m,
            "method": "cells",
            "first_due": self.first_due,
            "isochrones": [i.as_dict() for i in self.isochrones],
        }


@dataclass(frozen=True, eq=False)
class NUnitCoverage:
    """Effective response force: share of demand reached by at least N distinct stations."""

    provenance: Provenance
    limit_s: float
    total_weight: float
    #: ``weight_at_least[n-1]`` = weight reached by ≥ n stations, n = 1..n_max.
    weight_at_least: tuple[float, ...]
    #: Per point: number of distinct stations within the limit.
    count: npt.NDArray[np.int64] = field(repr=False)

    def share(self, n: int) -> float | None:
        """Weighted share reached by at least ``n`` stations (``n`` ≥ 1)."""
        if not 1 <= n <= len(self.weight_at_least):
            raise ValueError(f"n must be in 1..{len(self.weight_at_least)}, got {n}")
        if self.total_weight <= 0:
            return None
        return self.weight_at_least[n - 1] / self.total_weight

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.provenance.as_dict(),
            "limit_s": self.limit_s,
            "total_weight": self.total_weight,
            "n_unit": [
                {"n": n, "weight": w, "share": self.share(n)}
                for n, w in enumerate(self.weight_at_least, start=1)
            ],
        }


@dataclass(frozen=True, eq=False)
class VehicleComparison:
    """Demand coverage by light vehicles against heavy appliances."""

    light: DemandCoverage
    heavy: DemandCoverage
    #: Points light vehicles reach within the limit and heavy appliances do not.
    light_only: tuple[PointRef, ...] = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "standards": self.light.provenance.as_dict()["standards"],
            "approximate": self.light.provenance.approximate or self.heavy.provenance.approximate,
            "limit_s": self.light.limit_s,
            "share_demand_light": self.light.share,
            "share_demand_heavy": self.heavy.share,
            "light_only": [p.as_dict() for p in self.light_only],
        }


@dataclass(frozen=True, eq=False)
class HydrantCoverage:
    """Hydrant coverage: road farther than the along-road distance, points beyond the radius."""

    provenance: Provenance
    road_distance_m: float
    radius_m: float
    total_km: float
    gap_km: float
    #: Road farther than ``road_distance_m`` from any in-service hydrant, WGS84 MultiLineString.
    gaps: BaseGeometry = field(repr=False)
    total_weight: float
    covered_weight: float
    #: Demand points farther than ``radius_m`` (straight line) from every in-service hydrant.
    uncovered: tuple[PointRef, ...] = field(repr=False)

    @property
    def share_road(self) -> float | None:
        """Share of road length within ``road_distance_m`` of a hydrant."""
        return 1.0 - self.gap_km / self.total_km if self.total_km > 0 else None

    @property
    def share_demand(self) -> float | None:
        return self.covered_weight / self.total_weight if self.total_weight > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.provenance.as_dict(),
            "road_distance_m": self.road_distance_m,
            "radius_m": self.radius_m,
            "total_km": self.total_km,
            "gap_km": self.gap_km,
            "share_road": self.share_road,
            "share_demand": self.share_demand,
            "gaps": _geojson(self.gaps),
            "uncovered": [p.as_dict() for p in self.uncovered],
        }
