"""Coverage over HTTP: the district coverage with its map layers, the GeoJSON and GeoPackage
exports (shared with the CLI's ``--out``), the road-network routes, and their errors — on the
Mentougou demo (straight-line approximation) and on Monaco's real road network."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from shapely.geometry import Point, box, mapping, shape
from typer.testing import CliRunner

from firegrid.api.app import create_app
from firegrid.cli.main import app as cli
from firegrid.coverage.export import CoverageLayer
from firegrid.db.session import Database
from firegrid.districts.models import District, Place
from firegrid.geo.crs import area_km2
from firegrid.geo.io import read_features
from firegrid.network.service import import_network
from firegrid.stations.models import Station
from firegrid.types import LocationPrecision, StationClass, StationStatus

with warnings.catch_warnings():
    # Starlette asks for httpx2 when only httpx is installed; the client works the same.
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient

URL = "/api/districts/mentougou/coverage"
#: The located Mentougou stations that guard a district (建标152 road stations).
EXISTING = {
    "三家店消防救援站",
    "妙峰山消防救援站",
    "清水小型消防站",
    "王平消防救援站",
    "雁翅消防救援站",
}
#: The plan's new stations: one under construction, three planned.
PLANNED = {"军庄消防救援站", "小园消防救援站", "龙泉消防救援站", "清水消防救援站"}
#: 建标152-2017 district area limits by class (km²).
LIMITS = {"level1": 7.0, "level2": 4.0, "small": 2.0}
ALL_LAYERS = {k.value for k in CoverageLayer}


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    db = Database(demo_url)
    with TestClient(create_app(db)) as c:
        yield c
    db.dispose()


def _collection(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert body["type"] == "FeatureCollection"
    for f in body["features"]:
        assert f["type"] == "Feature"
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty
    features: list[dict[str, Any]] = body["features"]
    return features


def _layers(body: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    assert set(body["layers"]) == ALL_LAYERS
    return {name: _collection(fc) for name, fc in body["layers"].items()}


def test_mentougou_approximate_coverage_has_districts_with_the_jianbiao152_limits(
    client: TestClient,
) -> None:
    r = client.get(URL)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["approximate"] is True and body["network"] is None
    assert body["model"]["circuity"] > 1 and body["share_road_km"] is None
    assert (body["limit_s"], body["minutes"], body["vehicle"]) == (300, 5, "light")
    assert {s["name"] for s in body["stations"]} == EXISTING
    classes = {s["name"]: s["class"] for s in body["stations"]}
    districts = {d["station"]: d for d in body["districts"]}
    assert set(districts) == EXISTING
    for name, d in districts.items():
        assert d["limit_km2"] == LIMITS[classes[name]], name
    # the over-limit list is exactly the districts larger than their limit
    assert set(body["over_limit"]) == {
        n for n, d in districts.items() if d["area_km2"] > d["limit_km2"]
    }
    assert "三家店消防救援站" in body["over_limit"]  # 1,448 km² among five stations

    layers = _layers(body)
    assert all(f["properties"]["approximate"] is True for fs in layers.values() for f in fs)
    assert layers["road_gap"] == []  # no road network, no road gaps
    drawn = {f["properties"]["station"]: f["properties"] for f in layers["district"]}
    assert set(drawn) == EXISTING
    for name, props in drawn.items():
        assert {k: props[k] for k in ("limit_km2", "over_limit")} == {
            "limit_km2": districts[name]["limit_km2"],
            "over_limit": districts[name]["over_limit"],
        }
        assert props["area_km2"] == pytest.approx(districts[name]["area_km2"], abs=1e-3)
        assert props["covered_km2"] <= props["area_km2"]
    for f in layers["district"]:  # each label sits inside its own district
        label = Point(f["properties"]["label_point"])
        assert shape(f["geometry"]).buffer(1e-4).contains(label)
    # the districts share out the whole district (1,448 km²), the uncovered area is the rest
    total = sum(d["area_km2"] for d in body["districts"])
    assert total == pytest.approx(1448, rel=0.02)
    uncovered = layers["uncovered_area"][0]["properties"]["area_km2"]
    assert uncovered == pytest.approx(total * (1 - body["share_area"]), rel=0.01)
    assert {f["properties"]["station"] for f in layers["isochrone"]} == EXISTING
    assert {f["properties"]["name"] for f in layers["station"]} == EXISTING
    places = layers["uncovered_place"]
    assert len(places) == body["uncovered_places"] > 0
    assert {"name", "weight", "time_s"} <= set(places[0]["properties"])
    assert all(f["properties"]["time_s"] > 300 for f in places)


def test_include_planned_adds_the_plans_new_stations_and_shrinks_the_districts(
    client: TestClient,
) -> None:
    now = client.get(URL).json()
    plan = client.get(URL, params={"include_planned": "true"}).json()
    assert plan["include_planned"] is True
    assert {d["station"] for d in plan["districts"]} == EXISTING | PLANNED
    assert {f["properties"]["name"] for f in plan["layers"]["station"]["features"]} == (
        EXISTING | PLANNED
    )
    before = {d["station"]: d["area_km2"] for d in now["districts"]}
    after = {d["station"]: d["area_km2"] for d in plan["districts"]}
    assert after["三家店消防救援站"] < before["三家店消防救援站"] / 2  # 龙泉 and 小园 take over
    assert plan["share_area"] > now["share_area"]
    assert plan["share_demand"] > now["share_demand"]


def test_a_repeated_request_is_served_from_the_cache(client: TestClient) -> None:
    params = {"minutes": "6.5", "vehicle": "heavy"}
    first = client.get(URL, params=params)
    again = client.get(URL, params=params)
    assert first.status_code == again.status_code == 200
    a, b = first.json(), again.json()
    assert b["cached"] is True and b["elapsed_s"] == a["elapsed_s"] > 0
    assert (b["limit_s"], b["vehicle"]) == (390, "heavy")
    assert b["districts"] == a["districts"]
    assert again.headers["Server-Timing"].endswith("desc=cached")
    # another standard is another analysis
    other = client.get(URL, params={"minutes": "7", "vehicle": "heavy"}).json()
    assert other["limit_s"] == 420 and other["share_area"] > b["share_area"]


def _read_gpkg(path: Path) -> dict[str, list[Any]]:
    names = [str(n) for n, _ in pyogrio.list_layers(path)]
    return {n: read_features(path, layer=n) for n in names}


def test_geojson_and_geopackage_exports_hold_every_layer(
    client: TestClient, tmp_path: Path
) -> None:
    params = {"include_planned": "true"}
    layers = _layers(client.get(URL, params=params).json())
    expected = {name: len(fs) for name, fs in layers.items() if fs}
    assert set(expected) == ALL_LAYERS - {"road_gap"}

    r = client.get(f"{URL}.geojson", params=params)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    assert r.headers["content-disposition"] == (
        'attachment; filename="coverage-mentougou-5min-light-approx-planned.geojson"'
    )
    assert r.json()["firegrid"]["approximate"] is True
    path = tmp_path / "coverage.geojson"
    path.write_bytes(r.content)
    features = read_features(path)
    counts: dict[str, int] = {}
    for f in features:
        counts[f.properties["layer"]] = counts.get(f.properties["layer"], 0) + 1
    assert counts == expected
    over = {
        f.properties["station"]
        for f in features
        if f.properties["layer"] == "district" and f.properties["over_limit"]
    }
    assert over and over <= EXISTING | PLANNED

    r = client.get(f"{URL}.gpkg", params=params)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/geopackage+sqlite3"
    assert (
        'filename="coverage-mentougou-5min-light-approx-planned.gpkg"'
        in (r.headers["content-disposition"])
    )
    path = tmp_path / "coverage.gpkg"
    path.write_bytes(r.content)
    gpkg = _read_gpkg(path)
    assert {n: len(fs) for n, fs in gpkg.items()} == expected
    district = {f.properties["station"]: f.properties for f in gpkg["district"]}
    assert district["三家店消防救援站"]["limit_km2"] == 7.0
    assert isinstance(district["三家店消防救援站"]["over_limit"], bool)


def test_the_cli_writes_the_same_layers_as_the_api(
    client: TestClient, demo_url: str, tmp_path: Path
) -> None:
    api = _read_gpkg_from(client, tmp_path)
    out = tmp_path / "cli.gpkg"
    res = CliRunner().invoke(
        cli, ["coverage", "--district", "mentougou", "--db", demo_url, "--out", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["files"] == [str(out)]
    local = _read_gpkg(out)
    assert set(local) == set(api)
    for name in api:
        assert [f.properties for f in local[name]] == [f.properties for f in api[name]], name


def _read_gpkg_from(client: TestClient, tmp_path: Path) -> dict[str, list[Any]]:
    r = client.get(f"{URL}.gpkg")
    assert r.status_code == 200
    path = tmp_path / "api.gpkg"
    path.write_bytes(r.content)
    return _read_gpkg(path)


@pytest.mark.parametrize("suffix", ["", ".geojson", ".gpkg"])
def test_unknown_district_or_network_is_a_404_naming_it(client: TestClient, suffix: str) -> None:
    r = client.get(f"/api/districts/atlantis/coverage{suffix}")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "'atlantis'" in r.json()["detail"]
    r = client.get(f"{URL}{suffix}", params={"network": "nowhere"})
    assert r.status_code == 404
    assert "no road network 'nowhere'" in r.json()["detail"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("minutes", "0"),
        ("minutes", "-5"),
        ("minutes", "five"),
        ("minutes", "nan"),
        ("vehicle", "bicycle"),
        ("cell_m", "1"),
    ],
)
def test_bad_parameters_are_a_422_naming_them(client: TestClient, name: str, value: str) -> None:
    for suffix in ("", ".geojson", ".gpkg"):
        r = client.get(f"{URL}{suffix}", params={name: value})
        assert r.status_code == 422, (suffix, r.text)
        assert [e["loc"] for e in r.json()["detail"]] == [["query", name]]


def test_a_district_without_located_stations_says_so(client: TestClient) -> None:
    r = client.get("/api/districts/beibei/coverage")
    assert r.status_code == 422
    assert "no stations with a location" in r.json()["detail"]


def test_networks_of_the_demo_are_none(client: TestClient) -> None:
    assert client.get("/api/networks").json() == []
    r = client.get("/api/networks/mc")
    assert r.status_code == 404 and "no road network 'mc'" in r.json()["detail"]


# --- a real road network ---------------------------------------------------------------------

MONACO = box(7.405, 43.725, 7.44, 43.75)


@pytest.fixture
def monaco(database: Database, shared_data: Path) -> Database:
    """Monaco's roads as network 'mc', and a district 'mc' with two stations and three places."""
    import_network(database, shared_data / "osm" / "monaco.osm.pbf", name="mc", actor="t")
    with database.session(actor="t") as s:
        d = District(code="mc", name_zh="摩纳哥", boundary_geojson=json.dumps(mapping(MONACO)))
        s.add(d)
        s.flush()
        for name, cls, status, lon, lat in [
            ("Fontvieille", StationClass.LEVEL1, StationStatus.EXISTING, 7.4195, 43.7310),
            ("Monte-Carlo", StationClass.LEVEL2, StationStatus.EXISTING, 7.4290, 43.7400),
            ("Larvotto", StationClass.SMALL, StationStatus.PLANNED, 7.4340, 43.7440),
        ]:
            s.add(
                Station(
                    district_id=d.id,
                    name=name,
                    station_class=cls,
                    status=status,
                    lon=lon,
                    lat=lat,
                    location_precision=LocationPrecision.EXACT,
                )
            )
        for i, (name, lon, lat) in enumerate(
            [("Port", 7.4230, 43.7350), ("Casino", 7.4280, 43.7395), ("Larvotto", 7.4340, 43.7460)]
        ):
            s.add(
                Place(
                    district_id=d.id,
                    source_id=f"t:{i}",
                    name=name,
                    kind="village",
                    is_settlement=True,
                    lon=lon,
                    lat=lat,
                )
            )
        s.commit()
    return database


def test_network_coverage_is_exact_with_road_gaps_and_heavy_vs_light(
    monaco: Database, tmp_path: Path
) -> None:
    with TestClient(create_app(monaco)) as c:
        networks = c.get("/api/networks").json()
        assert [(n["name"], n["version"]) for n in networks] == [("mc", 1)]
        info = c.get("/api/networks/mc").json()
        assert info["nodes"] > 10_000 and info["km"] > 100 and len(info["source_sha256"]) == 64
        assert c.get("/api/networks/mc", params={"version": 2}).status_code == 404

        r = c.get("/api/districts/mc/coverage", params={"network": "mc", "minutes": 3})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["approximate"] is False and body["network"] == {"name": "mc", "version": 1}
        assert body["model"] is None
        assert 0 < body["share_road_km"] < 1 and body["road_km"] > 0
        assert body["heavy_share_demand"] is not None
        assert body["heavy_share_demand"] <= body["share_demand"]
        assert [d["station"] for d in body["districts"]] == ["Fontvieille", "Monte-Carlo"]
        assert [d["limit_km2"] for d in body["districts"]] == [7.0, 4.0]
        assert sum(d["area_km2"] for d in body["districts"]) <= area_km2(MONACO) + 1e-6
        layers = _layers(body)
        gaps = layers["road_gap"]
        assert len(gaps) == 1 and gaps[0]["geometry"]["type"] == "MultiLineString"
        covered = body["covered_road_km"]
        assert gaps[0]["properties"]["gap_km"] == pytest.approx(body["road_km"] - covered, 1e-3)
        assert all(f["properties"]["approximate"] is False for f in layers["district"])

        planned = c.get(
            "/api/districts/mc/coverage",
            params={"network": "mc", "minutes": 3, "include_planned": True},
        ).json()
        assert [d["station"] for d in planned["districts"]] == [
            "Fontvieille",
            "Larvotto",
            "Monte-Carlo",
        ]
        assert planned["share_road_km"] >= body["share_road_km"]

        r = c.get("/api/districts/mc/coverage.gpkg", params={"network": "mc", "minutes": 3})
        assert r.status_code == 200
        assert "coverage-mc-3min-light-mc-v1.gpkg" in r.headers["content-disposition"]
        path = tmp_path / "mc.gpkg"
        path.write_bytes(r.content)
        gpkg = _read_gpkg(path)
        assert "road_gap" in gpkg
        assert {n: len(fs) for n, fs in gpkg.items()} == {
            n: len(fs) for n, fs in layers.items() if fs
        }
