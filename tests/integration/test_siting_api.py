"""Siting over HTTP on the Mentougou demo (straight-line approximation; SQLite and PostgreSQL):
the best new sites with the districts after, the plan against the optimum, what-if, the cache,
the errors, the siting page — and that none of it writes to the database."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from shapely.geometry import Point, shape
from sqlalchemy import func, select
from typer.testing import CliRunner

from firegrid.accounts.models import AuditLog
from firegrid.api.app import create_app
from firegrid.cli.main import app as cli
from firegrid.db.session import Database
from firegrid.siting.export import SitingLayer, clear_siting_cache
from firegrid.siting.service import best_new_sites, build_instance
from firegrid.stations.models import Station
from firegrid.web.i18n import STRINGS

with warnings.catch_warnings():
    # Starlette asks for httpx2 when only httpx is installed; the client works the same.
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient

BASE = "/api/districts/mentougou/siting"
#: The located Mentougou stations that guard a district.
EXISTING = {
    "三家店消防救援站",
    "妙峰山消防救援站",
    "清水小型消防站",
    "王平消防救援站",
    "雁翅消防救援站",
}
#: The plan's new stations: one under construction, three planned.
PLANNED = {"军庄消防救援站", "小园消防救援站", "龙泉消防救援站", "清水消防救援站"}


@pytest.fixture(scope="module")
def client(demo_url: str) -> Iterator[TestClient]:
    db = Database(demo_url)
    with TestClient(create_app(db)) as c:
        yield c
    db.dispose()


def _features(fc: dict[str, Any], geom_type: str | None = None) -> list[dict[str, Any]]:
    """The features of a valid FeatureCollection (every geometry valid and non-empty)."""
    assert fc["type"] == "FeatureCollection"
    for f in fc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict)
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty
        if geom_type is not None:
            assert f["geometry"]["type"] == geom_type
    features: list[dict[str, Any]] = fc["features"]
    return features


def _problem(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    detail: str = r.json()["detail"]
    return detail


# --- best new sites --------------------------------------------------------------------------


def test_best_sites_for_two_are_optimal_and_match_the_service_and_the_cli(
    client: TestClient, demo_db: Database, demo_url: str
) -> None:
    r = client.get(f"{BASE}/best", params={"p": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "optimal" and body["optimal"] is True and body["gap"] == 0
    assert body["approximate"] is True and body["network"] is None
    assert (body["p"], body["minutes"], body["vehicle"]) == (2, 5, "light")
    assert set(body["existing_stations"]) == EXISTING
    assert body["demand_weighting"] == "equal" and body["demand_points"] == 292

    with demo_db.session(actor="t") as s:
        service = best_new_sites(build_instance(s, "mentougou"), 2)
    sites = {(x["name"], x["lon"], x["lat"]) for x in body["new_sites"]}
    assert sites == {(x["name"], x["lon"], x["lat"]) for x in service["new_sites"]}
    for key in ("covered_before", "covered_after", "share_before", "share_after", "candidates"):
        assert body[key] == pytest.approx(service[key]), key
    assert body["gain"] == pytest.approx(body["share_after"] - body["share_before"])

    res = CliRunner().invoke(
        cli, ["site", "mclp", "--district", "mentougou", "--p", "2", "--db", demo_url, "--json"]
    )
    assert res.exit_code == 0, res.output
    assert {x["name"] for x in json.loads(res.stdout)["new_sites"]} == {n for n, _, _ in sites}

    # ranked by what each adds, the gains adding up to the whole gain
    ranked = body["new_sites"]
    assert [x["rank"] for x in ranked] == [1, 2]
    assert ranked[0]["gain"] >= ranked[1]["gain"] > 0
    assert sum(x["gain"] for x in ranked) == pytest.approx(
        body["covered_after"] - body["covered_before"]
    )


def test_best_sites_layers_show_the_sites_and_the_districts_after(client: TestClient) -> None:
    body = client.get(f"{BASE}/best", params={"p": 3}).json()
    layers = body["layers"]
    assert set(layers) == {
        SitingLayer.EXISTING,
        SitingLayer.NEW_SITE,
        SitingLayer.UNCOVERED_PLACE,
        SitingLayer.DISTRICT,
    }
    existing = _features(layers["existing"], "Point")
    assert {f["properties"]["name"] for f in existing} == EXISTING
    new = _features(layers["new_site"], "Point")
    assert [f["properties"]["rank"] for f in new] == [1, 2, 3]
    assert [f["properties"]["name"] for f in new] == [x["name"] for x in body["new_sites"]]
    for f, site in zip(new, body["new_sites"], strict=True):
        assert f["geometry"]["coordinates"] == [site["lon"], site["lat"]]

    # the districts after: one per existing station and one per new site, against the limits
    districts = _features(layers["district"])
    assert len(districts) == len(body["districts"]) == 8
    ranks = {f["properties"]["station"]: f["properties"]["new_site_rank"] for f in districts}
    assert {n for n, r in ranks.items() if r is None} == EXISTING
    assert sorted(r for r in ranks.values() if r is not None) == [1, 2, 3]
    for f in districts:
        p = f["properties"]
        assert p["over_limit"] == (p["area_km2"] > p["limit_km2"])
        assert shape(f["geometry"]).buffer(1e-4).contains(Point(p["label_point"]))
    assert set(body["over_limit"]) == {
        f["properties"]["station"] for f in districts if f["properties"]["over_limit"]
    }
    # each new site lies in its own district
    for f in new:
        own = next(
            d for d in districts if d["properties"]["new_site_rank"] == f["properties"]["rank"]
        )
        assert shape(own["geometry"]).buffer(1e-3).contains(shape(f["geometry"]))

    # the places left uncovered agree with the optimiser's covered share
    places = _features(layers["uncovered_place"], "Point")
    assert len(places) == body["uncovered_places"]
    covered = body["demand_points"] - len(places)  # equal weights: one per place
    assert covered == pytest.approx(body["covered_after"])
    assert all(f["properties"]["time_s"] is None or f["properties"]["time_s"] > 300 for f in places)


def test_p_zero_keeps_the_existing_stations(client: TestClient) -> None:
    body = client.get(f"{BASE}/best", params={"p": 0}).json()
    assert body["new_sites"] == [] and body["layers"]["new_site"]["features"] == []
    assert body["share_after"] == pytest.approx(body["share_before"])
    assert {d["station"] for d in body["districts"]} == EXISTING


def test_a_repeated_request_is_served_from_the_cache(client: TestClient) -> None:
    clear_siting_cache()
    params = {"p": 1, "minutes": "6.5", "vehicle": "heavy", "candidate_spacing_m": 1000}
    first = client.get(f"{BASE}/best", params=params)
    again = client.get(f"{BASE}/best", params=params)
    a, b = first.json(), again.json()
    assert a["cached"] is False and b["cached"] is True
    assert b["elapsed_s"] == a["elapsed_s"] > 0
    assert again.headers["Server-Timing"].endswith("desc=cached")
    assert {k: v for k, v in a.items() if k != "cached"} == {
        k: v for k, v in b.items() if k != "cached"
    }
    assert (b["limit_s"], b["vehicle"]) == (390, "heavy")
    # another spacing is another analysis
    other = client.get(f"{BASE}/best", params={**params, "candidate_spacing_m": 2000}).json()
    assert other["cached"] is False and other["candidates"] <= a["candidates"]


# --- the plan against the optimum ------------------------------------------------------------


def test_compare_sets_the_plans_four_stations_against_the_optimum(client: TestClient) -> None:
    r = client.get(f"{BASE}/compare")
    assert r.status_code == 200, r.text
    body = r.json()
    assert {x["name"] for x in body["plan"]["stations"]} == PLANNED
    assert len(body["optimum"]["stations"]) == 4
    assert body["optimum"]["optimal"] is True and body["optimum"]["status"] == "optimal"
    assert body["optimum"]["share"] >= body["plan"]["share"] >= body["existing_only"]["share"]
    assert body["plan_vs_optimum"] == pytest.approx(
        body["plan"]["covered"] / body["optimum"]["covered"]
    )
    assert body["approximate"] is True

    layers = body["layers"]
    assert set(layers) == {SitingLayer.EXISTING, SitingLayer.PLAN, SitingLayer.OPTIMUM}
    assert {f["properties"]["name"] for f in _features(layers["existing"], "Point")} == EXISTING
    plan = _features(layers["plan"], "Point")
    assert {f["properties"]["name"] for f in plan} == PLANNED
    assert all(f["properties"]["station_class"] for f in plan)
    optimum = _features(layers["optimum"], "Point")
    assert [f["properties"]["index"] for f in optimum] == [1, 2, 3, 4]
    plan_points = {tuple(f["geometry"]["coordinates"]) for f in plan}
    for f in optimum:
        in_plan = tuple(f["geometry"]["coordinates"]) in plan_points
        assert f["properties"]["in_plan"] is in_plan


# --- what-if ---------------------------------------------------------------------------------


def test_what_if_closing_a_station_lowers_or_keeps_coverage(client: TestClient) -> None:
    r = client.post(f"{BASE}/whatif", json={"close": ["王平消防救援站"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["changes"] == {"add": [], "close": ["王平消防救援站"], "move": []}
    assert body["delta"]["share_demand"] <= 0
    assert body["after"]["share_demand"] <= body["before"]["share_demand"]
    assert body["delta"]["share_road_km"] is None  # no road network
    before = {d["station"] for d in body["before"]["districts"]}
    after = {d["station"] for d in body["after"]["districts"]}
    assert before == EXISTING and after == EXISTING - {"王平消防救援站"}

    layers = body["layers"]
    drawn = _features(layers["district"])
    # the outlines drawn are the districts the service reports after the change
    areas = {d["station"]: d["area_km2"] for d in body["after"]["districts"]}
    assert {f["properties"]["station"] for f in drawn} == after
    for f in drawn:
        assert f["properties"]["area_km2"] == pytest.approx(areas[f["properties"]["station"]], 1e-3)
    closed = _features(layers["closed"], "Point")
    assert [f["properties"]["name"] for f in closed] == ["王平消防救援站"]
    stations = _features(layers["station"], "Point")
    assert {f["properties"]["name"] for f in stations} == after
    assert {f["properties"]["change"] for f in stations} == {"kept"}
    assert len(_features(layers["uncovered_place"], "Point")) == body["uncovered_places"]


def test_what_if_adding_and_moving_stations(client: TestClient) -> None:
    change = {
        "add": [{"name": "永定站", "lon": 116.10, "lat": 39.905, "class": "一级普通消防站"}],
        "move": [{"name": "雁翅消防救援站", "lon": 115.95, "lat": 40.0}],
        "minutes": 6,
        "vehicle": "heavy",
    }
    body = client.post(f"{BASE}/whatif", json=change).json()
    assert body["changes"] == {"add": ["永定站"], "close": [], "move": ["雁翅消防救援站"]}
    assert (body["limit_s"], body["vehicle"]) == (360, "heavy")
    assert {d["station"] for d in body["after"]["districts"]} == EXISTING | {"永定站"}
    stations = {f["properties"]["name"]: f for f in _features(body["layers"]["station"], "Point")}
    assert stations["永定站"]["properties"]["change"] == "added"
    assert stations["永定站"]["properties"]["station_class"] == "level1"
    assert stations["雁翅消防救援站"]["properties"]["change"] == "moved"
    assert stations["雁翅消防救援站"]["geometry"]["coordinates"] == [115.95, 40.0]
    (line,) = _features(body["layers"]["moved_from"], "LineString")
    assert line["properties"]["name"] == "雁翅消防救援站"
    assert line["geometry"]["coordinates"][-1] == [115.95, 40.0]
    assert body["layers"]["closed"]["features"] == []


def test_the_siting_routes_write_nothing(client: TestClient, demo_db: Database) -> None:
    def state() -> tuple[Any, ...]:
        with demo_db.session(actor="t") as s:
            return (
                s.scalar(select(func.count()).select_from(AuditLog)),
                s.scalar(select(func.count()).select_from(Station)),
                s.scalar(select(func.max(Station.updated_at))),
            )

    before = state()
    clear_siting_cache()
    assert client.get(f"{BASE}/best", params={"p": 1}).status_code == 200
    assert client.get(f"{BASE}/compare").status_code == 200
    r = client.post(
        f"{BASE}/whatif",
        json={"add": [{"name": "临时站", "lon": 116.0, "lat": 39.95}], "close": ["王平消防救援站"]},
    )
    assert r.status_code == 200
    assert state() == before


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", "best", {"p": 1}),
        ("get", "compare", {}),
        ("post", "whatif", {"close": ["王平消防救援站"]}),
    ],
)
def test_unknown_district_or_network_is_a_404_naming_it(
    client: TestClient, method: str, path: str, payload: dict[str, Any]
) -> None:
    def call(url: str, network: str | None = None) -> Any:
        if method == "get":
            params = {**payload, **({"network": network} if network else {})}
            return client.get(url, params=params)
        return client.post(url, json={**payload, **({"network": network} if network else {})})

    detail = _problem(call(f"/api/districts/atlantis/siting/{path}"), 404)
    assert "'atlantis'" in detail
    detail = _problem(call(f"{BASE}/{path}", network="nowhere"), 404)
    assert "no road network 'nowhere'" in detail


@pytest.mark.parametrize("kind", ["close", "move"])
def test_what_if_on_an_unknown_station_is_a_404_naming_it(client: TestClient, kind: str) -> None:
    change: dict[str, Any] = (
        {"close": ["不存在站"]}
        if kind == "close"
        else {"move": [{"name": "不存在站", "lon": 116, "lat": 40}]}
    )
    detail = _problem(client.post(f"{BASE}/whatif", json=change), 404)
    assert "no existing station '不存在站'" in detail and "王平消防救援站" in detail


def test_p_below_zero_or_beyond_the_candidates_is_a_422_with_the_services_message(
    client: TestClient,
) -> None:
    assert "must be ≥ 0, got -1" in _problem(client.get(f"{BASE}/best", params={"p": -1}), 422)
    detail = _problem(client.get(f"{BASE}/best", params={"p": 100_000}), 422)
    assert re.search(r"p = \d+ exceeds the \d+ existing and candidate sites", detail)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "p"),
        ({"p": "two"}, "p"),
        ({"p": 1, "minutes": "0"}, "minutes"),
        ({"p": 1, "minutes": "nan"}, "minutes"),
        ({"p": 1, "vehicle": "bicycle"}, "vehicle"),
        ({"p": 1, "candidate_spacing_m": "1"}, "candidate_spacing_m"),
        ({"p": 1, "time_limit_s": "0"}, "time_limit_s"),
        ({"p": 1, "radius": "5"}, "radius"),
    ],
)
def test_bad_parameters_are_a_422_naming_them(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    r = client.get(f"{BASE}/best", params=params)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [["query", field]]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({}, "at least one station"),
        ({"add": [{"name": "a", "lon": 116, "lat": 40, "class": "micro"}]}, "guards no district"),
        ({"add": [{"name": "a", "lon": 116, "lat": 40, "class": "bogus"}]}, "unknown StationClass"),
        ({"add": [{"name": "a", "lon": 200, "lat": 40}]}, "less than or equal to 180"),
        ({"add": [{"name": " ", "lon": 116, "lat": 40}]}, "name is empty"),
        (
            {"add": [{"name": "a", "lon": 116, "lat": 40}, {"name": "a", "lon": 116.1, "lat": 40}]},
            "distinct names",
        ),
        (
            {
                "close": ["王平消防救援站"],
                "move": [{"name": "王平消防救援站", "lon": 116, "lat": 40}],
            },
            "both closed and moved",
        ),
        ({"close": ["王平消防救援站"], "minutes": -1}, "greater than 0"),
        ({"close": ["王平消防救援站"], "colour": "red"}, "Extra inputs"),
    ],
)
def test_a_bad_what_if_is_a_422_saying_why(
    client: TestClient, body: dict[str, Any], says: str
) -> None:
    r = client.post(f"{BASE}/whatif", json=body)
    assert r.status_code == 422, r.text
    assert says in json.dumps(r.json()["detail"], ensure_ascii=False)


def test_closing_every_station_says_none_is_left(client: TestClient) -> None:
    detail = _problem(client.post(f"{BASE}/whatif", json={"close": sorted(EXISTING)}), 422)
    assert "leaves no station" in detail


# --- OpenAPI and the page ----------------------------------------------------------------------


def test_the_routes_are_public_with_clean_operation_ids(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    ops = {
        "/api/districts/{code}/siting/best": ("get", "get_best_new_sites"),
        "/api/districts/{code}/siting/compare": ("get", "compare_plan_with_optimum"),
        "/api/districts/{code}/siting/whatif": ("post", "run_siting_what_if"),
    }
    for path, (method, op_id) in ops.items():
        op = paths[path][method]
        assert op["operationId"] == op_id
        assert "\n" not in op["description"] and op["description"].endswith(".")
        assert "security" not in op
        assert op["tags"] == ["siting"]
    assert "stores nothing" in paths["/api/districts/{code}/siting/whatif"]["post"]["description"]


def test_the_siting_page_is_linked_and_served_in_both_languages(client: TestClient) -> None:
    r = client.get("/d/mentougou/siting")
    assert r.status_code == 200
    html = r.text
    assert "消防站选址分析" in html and 'aria-current="page">站点选址' in html
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<script>" not in html and "style=" not in html  # nothing inline (CSP)
    config = json.loads(re.search(r'id="fg-config">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert config["api"]["best"] == "/api/districts/mentougou/siting/best"
    assert set(config["styles"]["siting_layer"]) == {m.value for m in SitingLayer}
    en = client.get("/d/mentougou/siting?lang=en").text
    assert "Station siting" in en and "Best new sites (MCLP)" in en
    assert 'href="/d/mentougou/siting"' in client.get("/d/mentougou").text
    r = client.get("/d/atlantis/siting")
    assert r.status_code == 404 and "atlantis" in r.text


def test_every_string_the_siting_script_uses_is_in_the_table() -> None:
    from importlib import resources

    script = (resources.files("firegrid.web") / "static" / "js" / "siting.js").read_text(
        encoding="utf-8"
    )
    used = set(re.findall(r"\bS\.(\w+)", script))
    assert used and used <= set(STRINGS), sorted(used - set(STRINGS))
    for prefix in re.findall(r'S\["(\w+)" \+', script):
        assert any(k.startswith(prefix) for k in STRINGS), prefix
