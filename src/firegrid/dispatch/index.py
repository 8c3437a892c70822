"""The dispatch index of a district: stations, water sources and townships, ready to query.

Built once from the database and cached per database, district and data revision (see
:mod:`firegrid.db.revisions`): a recommendation checks one small row to know the cache is
current, instead of reading 50,000 water sources. With a road network, stations and water
sources are snapped once here; without one, everything is projected to a local metric CRS for
the straight-line approximation.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from shapely import STRtree
from shapely.geometry import Point, shape
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from firegrid.coverage.config import ResponseStandards, load_standards
from firegrid.db.revisions import revision
from firegrid.districts.models import District, Township
from firegrid.geo.crs import from_wgs84, local_metric_crs
from firegrid.network.graph import RoadGraph
from firegrid.network.service import LoadedNetwork, load_network
from firegrid.network.snap import SnapResult, snap_points
from firegrid.stations.models import Station
from firegrid.types import StationClass, StationStatus, WaterSourceKind, WaterSourceStatus
from firegrid.water.models import WaterSource

__all__ = ["MAX_SNAP_M", "DispatchIndex", "dispatch_index"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: A unit or water source farther than this from every road is not snapped (it is left out of
#: network results and said so).
MAX_SNAP_M = 2_000.0
_REVISION_TABLES = ("building", "road_network", "station", "water_source")


@dataclass(frozen=True, eq=False)
class StationRow:
    id: int
    name: str
    station_class: StationClass
    specialty: str | None
    lon: float | None
    lat: float | None
    turnout_s: float
    synthetic: bool


@dataclass(frozen=True, eq=False)
class NetworkPart:
    loaded: LoadedNetwork
    #: Station snaps, index-aligned with ``station_located`` (station ids).
    station_snaps: SnapResult | None
    station_located: I64
    #: In-service water sources snapped once (indices into the index's water arrays).
    water_snaps: SnapResult | None
    water_snapped: I64

    def station_snap_row(self) -> dict[int, int]:
        """``{station id: row in station_snaps}``."""
        return {int(sid): i for i, sid in enumerate(self.station_located)}


@dataclass(frozen=True, eq=False)
class DispatchIndex:
    district_id: int
    district_code: str
    crs: str
    standards: ResponseStandards
    stations: dict[int, StationRow]
    station_xy: dict[int, tuple[float, float]]
    water_id: I64
    water_code: tuple[str, ...]
    water_kind: tuple[WaterSourceKind, ...]
    water_status: tuple[WaterSourceStatus, ...]
    water_lon: F64
    water_lat: F64
    #: Straight-line index over in-service sources (positions in ``water_in_service``).
    water_in_service: I64
    water_tree: cKDTree | None
    townships: tuple[tuple[int, str, str], ...]
    township_tree: STRtree | None
    township_geoms: tuple[Any, ...]
    network: NetworkPart | None

    @property
    def approximate(self) -> bool:
        return self.network is None

    def project(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> F64:
        """WGS84 → the index's metric CRS, as an (n, 2) array."""
        x, y = from_wgs84(
            np.atleast_1d(np.asarray(lon, dtype=np.float64)),
            np.atleast_1d(np.asarray(lat, dtype=np.float64)),
            crs=self.crs,
        )
        return np.column_stack([x, y])

    def township_at(self, lon: float, lat: float) -> tuple[int, str, str] | None:
        """The township containing the point (id, name_zh, name_en), if any."""
        if self.township_tree is None:
            return None
        pt = Point(lon, lat)
        for i in self.township_tree.query(pt, predicate="within"):
            return self.townships[int(i)]
        return None


_CACHE: OrderedDict[tuple[str, int], tuple[tuple[Any, ...], DispatchIndex]] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()


def _stations(session: Session, district_id: int, standards: ResponseStandards) -> list[StationRow]:
    host = aliased(Station)
    rows = session.execute(
        select(Station, host.lon, host.lat)
        .outerjoin(host, host.id == Station.host_station_id)
        .where(
            Station.district_id == district_id,
            Station.status == StationStatus.EXISTING,
        )
        .order_by(Station.id)
    ).all()
    out = []
    for st, hlon, hlat in rows:
        lon = st.lon if st.lon is not None else hlon
        lat = st.lat if st.lat is not None else hlat
        out.append(
            StationRow(
                st.id,
                st.name,
                StationClass(st.station_class),
                st.specialty,
                lon,
                lat,
                standards.turnout_for(st.station_class),
                st.synthetic,
            )
        )
    return out


def _build(session: Session, district: District) -> DispatchIndex:
    standards = load_standards()
    stations = _stations(session, district.id, standards)
    water = session.execute(
        select(
            WaterSource.id,
            WaterSource.code,
            WaterSource.kind,
            WaterSource.status,
            WaterSource.lon,
            WaterSource.lat,
        )
        .where(WaterSource.district_id == district.id)
        .order_by(WaterSource.id)
    ).all()
    w_lon = np.array([w.lon for w in water], dtype=np.float64)
    w_lat = np.array([w.lat for w in water], dtype=np.float64)
    s_lon = [s.lon for s in stations if s.lon is not None]
    s_lat = [s.lat for s in stations if s.lat is not None]
    all_lon = np.r_[w_lon, np.array(s_lon, dtype=np.float64)]
    all_lat = np.r_[w_lat, np.array(s_lat, dtype=np.float64)]
    crs = local_metric_crs(all_lon, all_lat) if all_lon.size else "EPSG:32650"
    in_service = np.array(
        [i for i, w in enumerate(water) if w.status == WaterSourceStatus.IN_SERVICE],
        dtype=np.int64,
    )
    tree = None
    if in_service.size:
        x, y = from_wgs84(w_lon[in_service], w_lat[in_service], crs=crs)
        tree = cKDTree(np.column_stack([x, y]))
    station_xy: dict[int, tuple[float, float]] = {}
    located = [s for s in stations if s.lon is not None and s.lat is not None]
    if located:
        x, y = from_wgs84(
            np.array([s.lon for s in located], dtype=np.float64),
            np.array([s.lat for s in located], dtype=np.float64),
            crs=crs,
        )
        station_xy = {s.id: (float(a), float(b)) for s, a, b in zip(located, x, y, strict=True)}
    towns = session.scalars(
        select(Township)
        .where(Township.district_id == district.id, Township.boundary_geojson.is_not(None))
        .order_by(Township.id)
    ).all()
    geoms = tuple(shape(json.loads(t.boundary_geojson or "{}")) for t in towns)
    network = _network_part(session, district, stations, w_lon, w_lat, in_service)
    return DispatchIndex(
        district_id=district.id,
        district_code=district.code,
        crs=crs,
        standards=standards,
        stations={s.id: s for s in stations},
        station_xy=station_xy,
        water_id=np.array([w.id for w in water], dtype=np.int64),
        water_code=tuple(w.code for w in water),
        water_kind=tuple(WaterSourceKind(w.kind) for w in water),
        water_status=tuple(WaterSourceStatus(w.status) for w in water),
        water_lon=w_lon,
        water_lat=w_lat,
        water_in_service=in_service,
        water_tree=tree,
        townships=tuple((t.id, t.name_zh, t.name_en) for t in towns),
        township_tree=STRtree(list(geoms)) if geoms else None,
        township_geoms=geoms,
        network=network,
    )


def _snap_within(
    graph: RoadGraph, lon: F64, lat: F64, prefer: Any
) -> tuple[SnapResult | None, I64]:
    """Snap the points that lie within MAX_SNAP_M of a road; return the snaps and their indices."""
    if lon.size == 0:
        return None, np.empty(0, dtype=np.int64)
    probe = snap_points(graph, lon, lat, prefer=prefer, vehicle=None)
    ok = np.flatnonzero(np.array([s.off_network_m <= MAX_SNAP_M for s in probe]))
    return probe[ok], ok.astype(np.int64)


def _network_part(
    session: Session,
    district: District,
    stations: list[StationRow],
    w_lon: F64,
    w_lat: F64,
    in_service: I64,
) -> NetworkPart | None:
    if not district.road_network:
        return None
    loaded = load_network(session, district.road_network)
    located = np.array(
        [i for i, s in enumerate(stations) if s.lon is not None and s.lat is not None],
        dtype=np.int64,
    )
    st_lon = np.array([stations[i].lon for i in located], dtype=np.float64)
    st_lat = np.array([stations[i].lat for i in located], dtype=np.float64)
    st_snaps, st_ok = _snap_within(loaded.graph, st_lon, st_lat, loaded.in_largest_scc)
    w_snaps, w_ok = _snap_within(
        loaded.graph, w_lon[in_service], w_lat[in_service], loaded.in_largest_scc
    )
    return NetworkPart(
        loaded=loaded,
        station_snaps=st_snaps,
        station_located=np.array([stations[i].id for i in located[st_ok]], dtype=np.int64),
        water_snaps=w_snaps,
        water_snapped=in_service[w_ok],
    )


def dispatch_index(session: Session, district: District) -> DispatchIndex:
    """The district's index, rebuilt only when stations, water sources or the network changed."""
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), district.id)
    stamp = (*revision(session, _REVISION_TABLES), district.road_network)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == stamp:
            _CACHE.move_to_end(key)
            return hit[1]
    index = _build(session, district)
    with _LOCK:
        _CACHE[key] = (stamp, index)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return index
