"""Unit recommendation on a real road network (Monaco OSM): ETAs are turn-out + the fastest
route of the unit's vehicle class, water sources come by network distance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box, mapping
from sqlalchemy import select

from firegrid.coverage.config import load_standards
from firegrid.db.session import Database
from firegrid.dispatch import service as svc
from firegrid.dispatch.models import Unit
from firegrid.districts.models import District
from firegrid.geo.crs import geodesic_distance_m
from firegrid.network.kernels import route
from firegrid.network.service import import_network, load_network
from firegrid.network.snap import snap_points
from firegrid.stations.models import Station
from firegrid.types import (
    LocationPrecision,
    StationClass,
    StationStatus,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

SCENE = (7.4230, 43.7350)
STATIONS = [
    ("Fontvieille", StationClass.LEVEL1, 7.4195, 43.7310),
    ("Monte-Carlo", StationClass.SMALL, 7.4290, 43.7400),
]


@pytest.fixture
def monaco(database: Database, shared_data: Path) -> Database:
    import_network(database, shared_data / "osm" / "monaco.osm.pbf", name="mc", actor="t")
    rng = np.random.default_rng(7)
    with database.session(actor="t") as s:
        d = District(
            code="mc",
            name_zh="摩纳哥",
            road_network="mc",
            boundary_geojson=json.dumps(mapping(box(7.40, 43.72, 7.45, 43.76))),
        )
        s.add(d)
        s.flush()
        for name, cls, lon, lat in STATIONS:
            st = Station(
                district_id=d.id,
                name=name,
                station_class=cls,
                status=StationStatus.EXISTING,
                lon=lon,
                lat=lat,
                location_precision=LocationPrecision.EXACT,
            )
            s.add(st)
            s.flush()
            for j, t in enumerate(["water_tender", "water_tender", "rescue", "motorcycle"]):
                s.add(
                    Unit(
                        district_id=d.id,
                        station_id=st.id,
                        call_sign=f"{name}-{j}",
                        unit_type=t,
                        crew=6,
                    )
                )
        for i in range(40):
            s.add(
                WaterSource(
                    district_id=d.id,
                    code=f"H{i:02d}",
                    kind=WaterSourceKind.HYDRANT,
                    status=WaterSourceStatus.FAULTY if i % 4 == 0 else WaterSourceStatus.IN_SERVICE,
                    lon=SCENE[0] + float(rng.normal(0, 0.002)),
                    lat=SCENE[1] + float(rng.normal(0, 0.002)),
                )
            )
        s.commit()
    return database


def test_etas_are_turnout_plus_the_fastest_route_of_the_vehicle_class(monaco: Database) -> None:
    std = load_standards()
    with monaco.session(actor="t") as s:
        rec = svc.recommend_at(s, "mc", *SCENE, level=2)
        loaded = load_network(s, "mc")
    assert rec["approximate"] is False and rec["network"] == "mc"
    g = loaded.graph
    scene = snap_points(g, [SCENE[0]], [SCENE[1]], prefer=loaded.in_largest_scc)[0]
    where = {name: (cls, lon, lat) for name, cls, lon, lat in STATIONS}
    assert len(rec["units"]) >= 5
    for u in rec["units"]:
        cls, lon, lat = where[u["station"]]
        st = snap_points(g, [lon], [lat], prefer=loaded.in_largest_scc)[0]
        vehicle = "light" if u["type"] in ("motorcycle", "team") else "heavy"
        expected = std.turnout_for(cls) + route(g, st, scene, vehicle=vehicle).travel_time_s
        assert u["eta_s"] == pytest.approx(expected, abs=0.06)  # rounded to 0.1 s
    etas = [u["eta_s"] for u in rec["units"]]
    assert etas == sorted(etas)


def test_water_by_network_distance_in_service_only(monaco: Database) -> None:
    with monaco.session(actor="t") as s:
        rec = svc.recommend_at(s, "mc", *SCENE, opts=svc.RecommendOptions(water_k=8))
        faulty = set(
            s.scalars(
                select(WaterSource.code).where(WaterSource.status != WaterSourceStatus.IN_SERVICE)
            )
        )
    water = rec["water_sources"]
    assert len(water) == 8 and not faulty & {w["code"] for w in water}
    dist = [w["distance_m"] for w in water]
    assert dist == sorted(dist)
    # A network distance is never shorter than the straight line (within rounding).
    for w in water:
        straight = geodesic_distance_m(SCENE[0], SCENE[1], w["lon"], w["lat"])
        assert w["distance_m"] >= float(straight) - 0.5
