"""The public read API (districts, GeoJSON layers, statistics), the login-only incident layer
and the server-rendered dashboard, on the demo districts (SQLite and PostgreSQL)."""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point, shape
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from firegrid.accounts.service import add_user
from firegrid.api.app import create_app
from firegrid.db.session import Database, make_engine
from firegrid.types import Role

with warnings.catch_warnings():
    # Starlette asks for httpx2 when only httpx is installed; the client works the same.
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient

PASSWORD = "Ladder-truck-42"
MENTOUGOU_TOWNSHIPS = {
    "东辛房街道",
    "军庄镇",
    "城子街道",
    "大台街道",
    "大峪街道",
    "妙峰山镇",
    "斋堂镇",
    "永定镇",
    "清水镇",
    "潭柘寺镇",
    "王平镇",
    "雁翅镇",
    "龙泉镇",
}
# The nine Mentougou stations the plan places in a township (district.toml: `township = …`).
MENTOUGOU_IN_TOWNSHIPS = {
    "三家店消防救援站",
    "王平消防救援站",
    "雁翅消防救援站",
    "妙峰山消防救援站",
    "清水小型消防站",
    "军庄消防救援站",
    "小园消防救援站",
    "龙泉消防救援站",
    "清水消防救援站",
}
# The five specialist teams (plan §一(五)): real teams whose host and location are not
# published; the demo hosts them at 三家店消防救援站 (`host` in district.toml, an assumption said
# so in each team's note), so they now have a point too.
MENTOUGOU_TEAMS = {"地震救援分队", "高空山岳救援队", "水域救援队", "无人机分队", "核生化救援队"}
#: The 14 stations and teams of the plan, every one of them located.
MENTOUGOU_LOCATED = MENTOUGOU_IN_TOWNSHIPS | MENTOUGOU_TEAMS
# [micro_stations] count = 20 in district.toml: the plan publishes no micro station of Mentougou,
# so the demo generates 20 at real OSM POIs, each synthetic and located.
MENTOUGOU_MICRO = 20


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    db = Database(demo_url)
    with TestClient(create_app(db), follow_redirects=False) as c:
        yield c
    db.dispose()


@pytest.fixture
def writable_demo(demo_url: str, tmp_path: Path) -> Iterator[Database]:
    """The demo database for a test that writes: a copy on SQLite; on PostgreSQL the shared
    database inside a transaction that is rolled back afterwards (demo_url stays untouched)."""
    url = make_url(demo_url)
    if url.get_backend_name() == "sqlite":
        assert url.database is not None
        copy = tmp_path / "demo-copy.db"
        source, target = sqlite3.connect(url.database), sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        db = Database(f"sqlite:///{copy}")
        yield db
        db.dispose()
        return
    engine = make_engine(demo_url)
    connection = engine.connect()
    outer = connection.begin()
    db = Database(engine)
    db.factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    try:
        yield db
    finally:
        outer.rollback()
        connection.close()
        engine.dispose()


def _feature_collection(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert body["type"] == "FeatureCollection"
    for f in body["features"]:
        assert f["type"] == "Feature"
        assert shape(f["geometry"]).is_valid
    features: list[dict[str, Any]] = body["features"]
    return features


# --- districts -------------------------------------------------------------------------------


def test_districts_are_listed_with_area_and_latest_population(client: TestClient) -> None:
    r = client.get("/api/districts")
    assert r.status_code == 200
    by_code = {d["code"]: d for d in r.json()}
    assert set(by_code) == {"beibei", "mentougou"}
    m = by_code["mentougou"]
    assert (m["name_zh"], m["name_en"]) == ("门头沟区", "Mentougou District")
    assert (m["population"], m["population_year"]) == (396_000, 2025)
    assert 1400 < m["area_km2"] < 1500  # 门头沟区 is 1,447.85 km²
    assert (by_code["beibei"]["population"], by_code["beibei"]["population_year"]) == (
        833_333,
        2020,
    )


def test_district_detail_counts_its_records(client: TestClient) -> None:
    d = client.get("/api/districts/mentougou").json()
    # Micro stations are not fire stations: the plans count them apart ("5个消防救援站、2支专职
    # 消防队、332个微型消防站"), and so does the API. 14 stations and teams of the plan (9 in a
    # township + 5 teams at their assumed host), all located; 20 micro stations, all synthetic.
    assert (d["townships"], d["stations"], d["located_stations"]) == (13, 14, 14)
    assert (d["micro_stations"], d["synthetic_stations"]) == (MENTOUGOU_MICRO, MENTOUGOU_MICRO)
    b = client.get("/api/districts/beibei").json()
    # Beibei: 9 stations and teams in its district.toml, none located, no micro station generated
    # (the plan's 332 are not placed: no place data of Beibei offline).
    assert (b["stations"], b["located_stations"], b["micro_stations"]) == (9, 0, 0)
    assert b["synthetic_stations"] == 0
    assert d["record_years"] == {"first": 2021, "last": 2025}
    assert [p["year"] for p in d["populations"]] == [2021, 2022, 2023, 2024, 2025]
    west, south, east, north = d["bbox"]
    assert west < 116.1 < east and south < 39.94 < north  # 大峪街道, the district seat


@pytest.mark.parametrize(
    "path",
    [
        "/api/districts/nowhere",
        "/api/districts/nowhere/boundary.geojson",
        "/api/districts/nowhere/townships.geojson",
        "/api/districts/nowhere/stations.geojson",
        "/api/districts/nowhere/stations",
        "/api/districts/nowhere/stats/annual",
        "/api/districts/nowhere/stats/calls?from=2020&to=2021",
    ],
)
def test_unknown_district_is_a_404_problem_naming_it(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    detail = r.json()["detail"]
    assert "'nowhere'" in detail and "beibei, mentougou" in detail


# --- GeoJSON layers --------------------------------------------------------------------------


def test_boundary_is_one_polygon_feature(client: TestClient) -> None:
    r = client.get("/api/districts/mentougou/boundary.geojson")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geo+json"
    (feature,) = _feature_collection(r.json())
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["code"] == "mentougou"


def test_townships_layer_has_the_13_townships_with_labels(client: TestClient) -> None:
    r = client.get("/api/districts/mentougou/townships.geojson")
    assert r.headers["content-type"] == "application/geo+json"
    features = _feature_collection(r.json())
    assert len(features) == 13
    assert {f["properties"]["name_zh"] for f in features} == MENTOUGOU_TOWNSHIPS
    boundary = shape(
        client.get("/api/districts/mentougou/boundary.geojson").json()["features"][0]["geometry"]
    )
    for f in features:
        p = f["properties"]
        kind = {"街道": "street", "镇": "town", "乡": "township"}
        assert p["kind"] == next(v for k, v in kind.items() if p["name_zh"].endswith(k))
        assert (p["kind_zh"], p["kind_en"]) in [("街道", "Sub-district"), ("镇", "Town")]
        assert p["area_km2"] > 1
        assert "population" in p and "name_en" in p
        polygon = shape(f["geometry"])
        assert polygon.contains(Point(p["label_point"]))
        assert boundary.buffer(1e-3).contains(polygon)
    # the townships tile the district
    total = sum(f["properties"]["area_km2"] for f in features)
    district = client.get("/api/districts/mentougou").json()["area_km2"]
    assert total == pytest.approx(district, rel=0.01)


def test_stations_layer_has_the_located_stations_with_labels(client: TestClient) -> None:
    r = client.get("/api/districts/mentougou/stations.geojson")
    assert r.headers["content-type"] == "application/geo+json"
    features = _feature_collection(r.json())
    plan = {
        f["properties"]["name"] for f in features if f["properties"]["station_class"] != "micro"
    }
    assert plan == MENTOUGOU_LOCATED
    # The layer also shows the 20 micro stations, each flagged synthetic (the plan's are not).
    micro = [f["properties"] for f in features if f["properties"]["station_class"] == "micro"]
    assert len(micro) == MENTOUGOU_MICRO
    assert all(p["synthetic"] and p["status"] == "existing" for p in micro)
    assert not any(
        f["properties"]["synthetic"] for f in features if f["properties"]["name"] in plan
    )
    boundary = shape(
        client.get("/api/districts/mentougou/boundary.geojson").json()["features"][0]["geometry"]
    )
    for f in features:
        assert f["geometry"]["type"] == "Point"
        assert boundary.contains(shape(f["geometry"]))
    props = {f["properties"]["name"]: f["properties"] for f in features}
    xiaoyuan = props["小园消防救援站"]
    assert (xiaoyuan["station_class"], xiaoyuan["station_class_zh"]) == ("level1", "一级普通消防站")
    assert (xiaoyuan["status"], xiaoyuan["status_zh"], xiaoyuan["status_en"]) == (
        "planned",
        "规划",
        "Planned",
    )
    assert xiaoyuan["planned_year"] == 2030
    assert xiaoyuan["location_precision"] == "approximate"
    assert xiaoyuan["location_precision_en"] == "Approximate (township seat)"
    assert props["王平消防救援站"]["staffing"] == "gov_fulltime"
    assert props["军庄消防救援站"]["status_zh"] == "在建"
    assert all(p["source"] for p in props.values())
    # A team's point is its assumed host's, and its note says the host is an assumption.
    host = next(f for f in features if f["properties"]["name"] == "三家店消防救援站")
    for f in features:
        if f["properties"]["name"] in MENTOUGOU_TEAMS:
            assert f["geometry"] == host["geometry"]
            assert "assumed host 三家店消防救援站" in f["properties"]["note"]


def test_stations_without_a_location_are_listed_separately(client: TestClient) -> None:
    everything = client.get("/api/districts/mentougou/stations").json()
    unlocated = client.get("/api/districts/mentougou/stations?located=false").json()
    located = client.get("/api/districts/mentougou/stations?located=true").json()
    # The list is the whole register: 14 stations and teams + 20 micro stations, all located.
    assert len(everything) == len(MENTOUGOU_LOCATED) + MENTOUGOU_MICRO == 34
    assert unlocated == []
    assert {s["name"] for s in located} == {s["name"] for s in everything}
    assert {s["name"] for s in located if s["station_class"] != "micro"} == MENTOUGOU_LOCATED
    assert sum(s["synthetic"] for s in everything) == MENTOUGOU_MICRO
    assert all(s["synthetic"] == (s["station_class"] == "micro") for s in everything)
    # Beibei publishes no station location at all
    beibei = client.get("/api/districts/beibei/stations.geojson").json()
    assert beibei == {"type": "FeatureCollection", "features": []}
    beibei_unlocated = client.get("/api/districts/beibei/stations?located=false").json()
    assert len(beibei_unlocated) == 9
    assert all(s["lon"] is None and s["lat"] is None for s in beibei_unlocated)


# --- statistics ------------------------------------------------------------------------------


def test_annual_table_reproduces_the_published_mentougou_figures(client: TestClient) -> None:
    r = client.get("/api/districts/mentougou/stats/annual?total=true")
    assert r.status_code == 200
    body = r.json()
    assert (body["year_from"], body["year_to"]) == (2021, 2025)  # defaults: years with records
    rows = {row["year"]: row for row in body["rows"]}
    assert [rows[y]["fires"] for y in range(2021, 2026)] == [122, 116, 93, 113, 104]
    assert [rows[y]["deaths"] for y in range(2021, 2026)] == [0, 1, 1, 1, 0]
    assert [rows[y]["death_rate_per_100k"] for y in range(2021, 2026)] == [0, 0.25, 0.25, 0.25, 0]
    total = rows["total"]
    assert (total["fires"], total["injuries"], total["deaths"]) == (548, 5, 3)
    assert total["loss_yuan"] == 10501052.84
    assert total["synthetic_records"] == 548


def test_annual_table_year_range_and_bad_range(client: TestClient) -> None:
    body = client.get("/api/districts/mentougou/stats/annual?from=2023&to=2024").json()
    assert [row["year"] for row in body["rows"]] == [2023, 2024]
    assert [row["fires"] for row in body["rows"]] == [93, 113]
    bad = client.get("/api/districts/mentougou/stats/annual?from=2025&to=2021")
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "2025" in bad.json()["detail"] and "2021" in bad.json()["detail"]


def test_calls_table_reproduces_the_published_beibei_figures(client: TestClient) -> None:
    body = client.get("/api/districts/beibei/stats/calls?total=true").json()
    assert (body["year_from"], body["year_to"]) == (2016, 2020)
    got = [
        (r["year"], r["total"], r["fire"], r["rescue"], r["social_assistance"], r["other"])
        for r in body["rows"]
    ]
    assert got == [
        (2016, 2398, 751, 355, 1260, 32),
        (2017, 2549, 720, 328, 1478, 23),
        (2018, 2753, 709, 373, 1645, 26),
        (2019, 2965, 795, 386, 1746, 38),
        (2020, 3284, 745, 403, 2094, 42),
        ("total", 13949, 3720, 1845, 8223, 161),
    ]
    assert body["rows"][-1]["synthetic_records"] == 13949


# --- incident points: login required --------------------------------------------------------


def test_incident_points_need_a_login(writable_demo: Database) -> None:
    with TestClient(create_app(writable_demo)) as c:
        anonymous = c.get("/api/districts/mentougou/incidents.geojson?year=2025")
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"

        with writable_demo.session(actor="test") as s:
            add_user(s, "vera", PASSWORD, Role.VIEWER)
        login = c.post("/api/auth/login", json={"username": "vera", "password": PASSWORD})
        assert login.status_code == 200
        c.cookies.clear()
        auth = {"Authorization": f"Bearer {login.json()['token']}"}

        r = c.get("/api/districts/mentougou/incidents.geojson?year=2025", headers=auth)
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/geo+json"
        features = _feature_collection(r.json())
        assert len(features) == 104  # the 2025 fires of 表1: Mentougou's only records
        assert all(f["properties"]["synthetic"] is True for f in features)
        assert {f["properties"]["category"] for f in features} == {"fire"}
        assert {f["properties"]["received_at"][:4] for f in features} <= {"2024", "2025"}
        assert sum(f["properties"]["deaths"] for f in features) == 0

        missing_year = c.get("/api/districts/mentougou/incidents.geojson", headers=auth)
        assert missing_year.status_code == 422
        unknown = c.get("/api/districts/nowhere/incidents.geojson?year=2025", headers=auth)
        assert unknown.status_code == 404


def test_openapi_names_the_read_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    ops = {op["operationId"] for methods in paths.values() for op in methods.values()}
    assert {
        "list_districts",
        "get_district",
        "get_district_boundary",
        "get_townships_geojson",
        "get_stations_geojson",
        "list_stations",
        "get_incidents_geojson",
        "get_annual_fire_table",
        "get_calls_table",
    } <= ops
    assert not any(path.startswith("/d/") or path == "/" for path in paths)


# --- the dashboard page (server-rendered) ----------------------------------------------------


def test_home_opens_the_first_district_and_then_the_last_viewed(client: TestClient) -> None:
    client.cookies.clear()
    first = client.get("/")
    assert first.status_code == 303 and first.headers["location"] == "/d/beibei"
    assert client.get("/d/mentougou").status_code == 200
    assert client.get("/").headers["location"] == "/d/mentougou"
    assert client.get("/?district=beibei").headers["location"] == "/d/beibei"
    client.cookies.clear()


def test_dashboard_is_chinese_by_default_and_remembers_english(client: TestClient) -> None:
    client.cookies.clear()
    zh = client.get("/d/mentougou")
    assert zh.status_code == 200
    assert '<html lang="zh-CN">' in zh.text
    assert "火灾起数" in zh.text and "十万人口火灾死亡率" in zh.text
    assert "<td>122</td>" in zh.text and "<td>10,501,052.84</td>" in zh.text
    assert "合成数据" in zh.text and "548 条警情记录" in zh.text
    csp = zh.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp

    en = client.get("/d/mentougou?lang=en")
    assert "firegrid_lang=en" in en.headers["set-cookie"]
    assert '<html lang="en">' in en.text and "Fire statistics" in en.text
    again = client.get("/d/mentougou")  # the cookie keeps English
    assert "Fire statistics" in again.text and "火灾情况统计" not in again.text
    client.cookies.clear()


def test_unknown_district_page_is_a_404_page(client: TestClient) -> None:
    r = client.get("/d/nowhere?lang=en")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "nowhere" in r.text
    client.cookies.clear()


def test_empty_database_says_how_to_load_a_district(sqlite_template: Path, tmp_path: Path) -> None:
    # An empty SQLite copy: the ``database`` fixture would empty the shared PostgreSQL demo.
    path = tmp_path / "empty.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    with TestClient(create_app(database), follow_redirects=False) as c:
        r = c.get("/")
    database.dispose()
    assert r.status_code == 200
    assert "尚无辖区数据" in r.text and "firegrid demo load mentougou" in r.text
