"""The demo's command-centre records: units, micro stations, water sources, key units, pre-plans.

Published counts are reproduced exactly; everything generated is marked synthetic with a source;
loading again changes nothing. Runs on SQLite and PostgreSQL (the shared demo database).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.db.session import Database
from firegrid.demo.fleet import (
    ApparatusInfo,
    StationInfo,
    load_fleet_spec,
    plan_units,
)
from firegrid.demo.service import load_demo
from firegrid.demo.spec import data_path
from firegrid.dispatch.models import PrePlan, Unit
from firegrid.districts.models import District, Township
from firegrid.stations.models import Apparatus, Station
from firegrid.types import (
    StationClass,
    StationStatus,
    UnitStatus,
    UnitType,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

URBAN = {"大峪街道", "城子街道", "东辛房街道", "龙泉镇", "永定镇"}


@pytest.fixture
def s(demo_db: Database) -> Iterator[Session]:
    with demo_db.session(actor="t") as session:
        yield session


def _district(s: Session, code: str) -> District:
    d = s.scalars(select(District).where(District.code == code)).one()
    return d


def _units_by_station(s: Session, code: str) -> dict[str, list[Unit]]:
    d = _district(s, code)
    names = {
        i: n
        for i, n in s.execute(select(Station.id, Station.name).where(Station.district_id == d.id))
    }
    out: dict[str, list[Unit]] = {}
    for u in s.scalars(select(Unit).where(Unit.district_id == d.id).order_by(Unit.call_sign)):
        out.setdefault(names[u.station_id], []).append(u)
    return out


# --- water sources -----------------------------------------------------------------------------


def test_mentougou_water_sources_reproduce_the_published_counts(s: Session) -> None:
    d = _district(s, "mentougou")
    rows = s.scalars(select(WaterSource).where(WaterSource.district_id == d.id)).all()
    # 门头沟规划 §一(四): 现有消防水鹤6个、消防水池48个、自备井84个，“十四五”时期新增市政消火栓360座
    assert Counter(w.kind for w in rows) == {
        WaterSourceKind.CRANE: 6,
        WaterSourceKind.POOL: 48,
        WaterSourceKind.WELL: 84,
        WaterSourceKind.HYDRANT: 360,
    }
    hydrants = [w for w in rows if w.kind is WaterSourceKind.HYDRANT]
    intact = sum(w.status is WaterSourceStatus.IN_SERVICE for w in hydrants)
    assert intact / len(hydrants) >= 0.97  # 消火栓完好率达97%以上
    assert intact < len(hydrants)  # and the map shows some faulty ones to the dispatcher
    assert all(w.synthetic and "synthetic" in w.source and "360" in w.source for w in hydrants)
    assert all(w.synthetic and w.source for w in rows)
    assert all(2021 <= (w.commissioned_year or 0) <= 2025 for w in hydrants)
    assert len({w.code for w in rows}) == len(rows)


def test_mentougou_water_sources_sit_where_the_plan_says(s: Session) -> None:
    d = _district(s, "mentougou")
    boundary = shape(json.loads(d.boundary_geojson or "{}"))
    towns = {i: n for i, n in s.execute(select(Township.id, Township.name_zh))}
    rows = s.scalars(select(WaterSource).where(WaterSource.district_id == d.id)).all()
    assert all(boundary.contains(Point(w.lon, w.lat)) for w in rows)
    hydrants = [w for w in rows if w.kind is WaterSourceKind.HYDRANT]
    urban = sum(towns[w.township_id] in URBAN for w in hydrants if w.township_id)
    # Hydrants follow the city streets: most in the new town, some at the mountain town seats.
    assert 0.8 * len(hydrants) <= urban < len(hydrants)
    # Pools, wells and cranes are the mountain supply (以池补网、以井补源): none in the new town.
    for w in rows:
        if w.kind is not WaterSourceKind.HYDRANT:
            assert w.township_id is not None and towns[w.township_id] not in URBAN


def test_beibei_has_no_generated_water_sources(s: Session) -> None:
    d = _district(s, "beibei")
    assert s.scalars(select(WaterSource).where(WaterSource.district_id == d.id)).all() == []


# --- units ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["mentougou", "beibei"])
def test_every_existing_station_has_an_available_unit(s: Session, code: str) -> None:
    d = _district(s, code)
    units = _units_by_station(s, code)
    stations = s.scalars(
        select(Station).where(Station.district_id == d.id, Station.status == StationStatus.EXISTING)
    ).all()
    assert stations
    for st in stations:
        assert any(u.status is UnitStatus.AVAILABLE for u in units.get(st.name, [])), st.name
    # Stations not yet built have no units to dispatch.
    built = {st.name for st in stations}
    assert set(units) <= built


def test_mentougou_located_stations_can_all_be_dispatched(s: Session) -> None:
    d = _district(s, "mentougou")
    located = s.scalars(
        select(Station).where(
            Station.district_id == d.id,
            Station.status == StationStatus.EXISTING,
            Station.lon.is_not(None),
        )
    ).all()
    units = _units_by_station(s, "mentougou")
    # 5 stations + 5 hosted specialist teams + 20 micro stations
    assert len(located) == 30
    assert all(units.get(st.name) for st in located)


def test_level1_stations_have_the_fleet_of_their_class(s: Session) -> None:
    template = Counter({t: n for t, n in load_fleet_spec().classes[StationClass.LEVEL1].units})
    assert 5 <= sum(template.values()) <= 7  # 建标152-2017: 一级普通站 5–7 vehicles
    for code in ("mentougou", "beibei"):
        d = _district(s, code)
        level1 = s.scalars(
            select(Station).where(
                Station.district_id == d.id,
                Station.station_class == StationClass.LEVEL1,
                Station.status == StationStatus.EXISTING,
            )
        ).all()
        assert level1
        units = _units_by_station(s, code)
        for st in level1:
            assert Counter(u.unit_type for u in units[st.name]) == template, st.name
    sanjiadian = [u.call_sign for u in _units_by_station(s, "mentougou")["三家店消防救援站"]]
    assert "三家店-水罐1" in sanjiadian and "三家店-登高1" in sanjiadian


def test_units_of_stations_without_vehicle_records_are_synthetic(s: Session) -> None:
    for code in ("mentougou", "beibei"):
        d = _district(s, code)
        with_vehicles = set(
            s.scalars(
                select(Apparatus.station_id).where(
                    Apparatus.district_id == d.id, Apparatus.station_id.is_not(None)
                )
            )
        )
        units = s.scalars(select(Unit).where(Unit.district_id == d.id)).all()
        assert units
        for u in units:
            if u.station_id not in with_vehicles:
                assert u.synthetic and u.apparatus_id is None, u.call_sign
                assert u.source.startswith("generated:"), u.call_sign
            assert u.crew > 0


def test_beibei_planned_vehicles_are_not_dispatchable(s: Session) -> None:
    d = _district(s, "beibei")
    vehicles = s.scalars(select(Apparatus).where(Apparatus.district_id == d.id)).all()
    # 附件3 as printed: 2021 高喷1; 2022 水罐1 抢险2; 2023 抢险2; 2024 抢险1; 2025 登高1.
    assert Counter(a.vehicle_type.value for a in vehicles) == {
        "high_spray": 1,
        "water_tender": 1,
        "rescue": 5,
        "aerial_ladder": 1,
    }
    ids = {a.id for a in vehicles}
    units = s.scalars(select(Unit).where(Unit.district_id == d.id)).all()
    assert not any(u.apparatus_id in ids for u in units)
    # The 5 existing stations (§第一节) each carry a 5-unit 一级 fleet: 25, below the ~33
    # vehicles that 表3's 0.4 per 10,000 residents implies.
    assert len(units) == 25


def test_a_station_with_in_service_vehicles_gets_one_real_unit_each() -> None:
    spec = load_fleet_spec()
    planned = plan_units(
        [
            StationInfo("城南消防站", StationClass.LEVEL1),
            StationInfo("云丰消防站", StationClass.LEVEL1),
        ],
        apparatus={
            "城南消防站": [
                ApparatusInfo(7, "BB-2022-02", "rescue", "北碚规划 附件3"),
                ApparatusInfo(5, "BB-2022-01", "water_tender", "北碚规划 附件3"),
            ]
        },
        micro={},
        spec=spec,
    )
    chengnan = [u for u in planned if u.station == "城南消防站"]
    assert [(u.call_sign, u.unit_type, u.apparatus_id, u.synthetic) for u in chengnan] == [
        ("城南-水罐1", UnitType.WATER_TENDER, 5, False),
        ("城南-抢险1", UnitType.RESCUE, 7, False),
    ]
    assert [u.crew for u in chengnan] == [
        spec.crew[UnitType.WATER_TENDER],
        spec.crew[UnitType.RESCUE],
    ]
    assert "BB-2022-01" in chengnan[0].source
    yunfeng = [u for u in planned if u.station == "云丰消防站"]
    assert len(yunfeng) == 5 and all(u.synthetic for u in yunfeng)


def test_specialist_teams_are_hosted_at_a_located_station(s: Session) -> None:
    d = _district(s, "mentougou")
    stations = {st.name: st for st in s.scalars(select(Station).where(Station.district_id == d.id))}
    host = stations["三家店消防救援站"]
    teams = [st for st in stations.values() if st.station_class is StationClass.SPECIALIST]
    assert len(teams) == 5
    units = _units_by_station(s, "mentougou")
    for team in teams:
        assert team.host_station_id == host.id
        assert (team.lon, team.lat) == (host.lon, host.lat)
        assert "not published" in team.note and "assumption" in team.note
        [unit] = units[team.name]
        assert unit.synthetic and unit.unit_type in (
            UnitType.TEAM,
            UnitType.RESCUE,
            UnitType.HAZMAT_DECON,
        )


# --- micro stations ------------------------------------------------------------------------------


def _osm_pois() -> dict[str, dict[str, object]]:
    with data_path("mentougou", "pois.osm.geojson").open(encoding="utf-8") as fh:
        feats = json.load(fh)["features"]
    return {
        f"osm:{f['properties']['osm_id']}": {
            "name": f["properties"]["name"],
            "kind": f["properties"]["fclass"],
            "lon": f["geometry"]["coordinates"][0],
            "lat": f["geometry"]["coordinates"][1],
        }
        for f in feats
    }


def test_micro_stations_sit_at_real_pois_and_are_synthetic(s: Session) -> None:
    pois_by_name = {}
    for p in _osm_pois().values():
        pois_by_name.setdefault(p["name"], p)
    d = _district(s, "mentougou")
    micro = s.scalars(
        select(Station).where(
            Station.district_id == d.id, Station.station_class == StationClass.MICRO
        )
    ).all()
    assert len(micro) == 20
    units = _units_by_station(s, "mentougou")
    for st in micro:
        assert st.synthetic and "generated" in st.source and "OSM" in st.source
        poi = pois_by_name[st.name.removesuffix("微型消防站")]
        assert (st.lon, st.lat) == pytest.approx((poi["lon"], poi["lat"]), abs=1e-6)
        [unit] = units[st.name]
        assert unit.unit_type in (UnitType.TEAM, UnitType.MOTORCYCLE)
        assert 2 <= unit.crew <= 6 and unit.synthetic
    beibei = _district(s, "beibei")
    assert not s.scalars(
        select(Station).where(
            Station.district_id == beibei.id, Station.station_class == StationClass.MICRO
        )
    ).all()


# --- key units and pre-plans ---------------------------------------------------------------------


def test_key_units_carry_real_osm_names_and_positions(s: Session) -> None:
    pois = _osm_pois()
    d = _district(s, "mentougou")
    keys = s.scalars(
        select(Building).where(Building.district_id == d.id, Building.key_unit.is_(True))
    ).all()
    assert len(keys) >= 50
    for b in keys:
        poi = pois[b.code]
        assert b.name == poi["name"]
        assert (b.lon, b.lat) == pytest.approx((poi["lon"], poi["lat"]), abs=1e-6)
        assert b.synthetic and "OpenStreetMap" in b.source and "synthetic" in b.source
        assert b.key_unit_category and b.floor_area_m2 and b.floors_above
    names = {b.name for b in keys}
    assert {"北京市门头沟区医院", "雨润发购物中心", "京西大酒店"} <= names
    categories = Counter(b.key_unit_category for b in keys)
    assert categories["医院"] >= 10


def test_pre_plans_are_synthetic_and_cite_real_records(s: Session) -> None:
    d = _district(s, "mentougou")
    plans = s.scalars(select(PrePlan).where(PrePlan.district_id == d.id)).all()
    assert len(plans) == 10
    buildings = {b.id: b for b in s.scalars(select(Building).where(Building.district_id == d.id))}
    water_codes = set(s.scalars(select(WaterSource.code).where(WaterSource.district_id == d.id)))
    call_signs = set(s.scalars(select(Unit.call_sign).where(Unit.district_id == d.id)))
    # A hospital, a kindergarten, a mall, a hotel, a school … — not ten schools.
    assert len({buildings[p.building_id].key_unit_category for p in plans}) >= 8
    for p in plans:
        b = buildings[p.building_id]
        assert b.key_unit and p.synthetic and "synthetic" in p.source
        assert b.name in p.title and b.name in p.content
        for heading in ("单位概况", "消防车通道", "水源", "重点部位", "力量调派建议"):
            assert f"## {heading}" in p.content
        assert "演示数据" in p.content
        cited = [w for w in water_codes if w in p.content]
        assert len(cited) == 3
        assert any(c in p.content for c in call_signs)


# --- idempotence ---------------------------------------------------------------------------------


def _snapshot(db: Database) -> dict[str, object]:
    with db.session(actor="t") as s:
        return {
            "units": sorted(
                s.execute(
                    select(Unit.call_sign, Unit.unit_type, Unit.crew, Unit.status, Unit.version)
                ).all()
            ),
            "stations": sorted(
                s.execute(
                    select(Station.name, Station.lon, Station.lat, Station.host_station_id)
                ).all(),
                key=lambda r: r[0],
            ),
            "water": sorted(
                s.execute(
                    select(WaterSource.code, WaterSource.lon, WaterSource.lat, WaterSource.status)
                ).all()
            ),
            "buildings": sorted(
                s.execute(select(Building.code, Building.name, Building.floor_area_m2)).all()
            ),
            "plans": sorted(s.execute(select(PrePlan.title, PrePlan.content)).all()),
        }


def test_loading_again_changes_nothing_and_keeps_live_unit_status(database: Database) -> None:
    load_demo(database, "mentougou", actor="test")
    with database.session(actor="dispatcher") as s:
        unit = s.scalars(select(Unit).where(Unit.call_sign == "三家店-水罐1")).one()
        unit.status = UnitStatus.DISPATCHED
        s.commit()
    before = _snapshot(database)
    report = load_demo(database, "mentougou", actor="test")
    for what in ("stations", "micro_stations", "units", "water_sources", "key_units", "pre_plans"):
        assert report.counts[what]["inserted"] == 0, what
        assert report.counts[what]["updated"] == 0, what
    assert _snapshot(database) == before
    with database.session(actor="t") as s:
        unit = s.scalars(select(Unit).where(Unit.call_sign == "三家店-水罐1")).one()
        assert unit.status is UnitStatus.DISPATCHED
