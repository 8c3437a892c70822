"""Road networks stored per version, routes, and coverage in network and approximate modes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box, mapping
from sqlalchemy import func, select
from typer.testing import CliRunner

from firegrid.cli.main import app
from firegrid.coverage.service import CoverageRequest, _inputs, _network_mode, coverage_analysis
from firegrid.db.session import Database
from firegrid.districts.models import District, Place
from firegrid.errors import InvalidInputError, NotFoundError
from firegrid.network.models import RoadNetwork
from firegrid.network.service import (
    export_network,
    import_network,
    load_network,
    network_info,
    route_between,
)

MONACO_BOX = box(7.405, 43.725, 7.44, 43.75)
STATIONS = (
    "name,class,lon,lat\nFontvieille,level1,7.4195,43.7310\nMonte-Carlo,level2,7.4290,43.7400\n"
)


@pytest.fixture
def monaco(database: Database, shared_data: Path, tmp_path: Path) -> Database:
    """The Monaco extract imported as network 'mc', a district around it with three places."""
    import_network(database, shared_data / "osm" / "monaco.osm.pbf", name="mc", actor="t")
    with database.session(actor="t") as s:
        d = District(code="mc", name_zh="摩纳哥", boundary_geojson=json.dumps(mapping(MONACO_BOX)))
        s.add(d)
        s.flush()
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
    (tmp_path / "st.csv").write_text(STATIONS, encoding="utf-8")
    return database


def test_reimport_reuses_and_changed_profile_versions(monaco: Database, shared_data: Path) -> None:
    again = import_network(monaco, shared_data / "osm" / "monaco.osm.pbf", name="mc", actor="t")
    assert again["reused"] and again["version"] == 1
    with monaco.session(actor="t") as s:
        info = network_info(s, "mc")
        assert info["nodes"] > 10_000 and info["km"] > 100
        assert len(info["source_sha256"]) == 64
        assert s.scalar(select(func.count()).select_from(RoadNetwork)) == 1
        with pytest.raises(NotFoundError, match="no road network 'nowhere'"):
            network_info(s, "nowhere")


def test_route_matches_the_kernel_and_heavy_is_never_faster(monaco: Database) -> None:
    with monaco.session(actor="t") as s:
        light = route_between(s, "mc", (7.4200, 43.7380), (7.4300, 43.7330))
        heavy = route_between(s, "mc", (7.4200, 43.7380), (7.4300, 43.7330), vehicle="heavy")
        back = route_between(s, "mc", (7.4300, 43.7330), (7.4200, 43.7380))
        with pytest.raises(InvalidInputError, match="km from the nearest road"):
            route_between(s, "mc", (7.4200, 43.7380), (7.9, 43.9))
    assert not light["approximate"] and light["travel_time_s"] > 0
    assert heavy["travel_time_s"] >= light["travel_time_s"]
    assert back["travel_time_s"] != light["travel_time_s"]  # one-way streets: not symmetric
    approx = route_between(None, None, (7.4200, 43.7380), (7.4300, 43.7330))
    assert approx["approximate"] is True
    assert approx["distance_m"] == pytest.approx(approx["straight_line_m"] * 1.4)


def test_network_coverage_times_equal_the_fastest_station_route(
    monaco: Database, tmp_path: Path
) -> None:
    req = CoverageRequest(district_code="mc", network="mc", stations_csv=tmp_path / "st.csv")
    with monaco.session(actor="t") as s:
        inp = _inputs(s, req)
        parts = _network_mode(s, req, inp)
        times = parts["demand"].time_s
        turnout = [inp.standards.turnout_for(st.station_class) for st in inp.stations]
        for i, (lon, lat) in enumerate(zip(inp.demand.lon, inp.demand.lat, strict=True)):
            best = min(
                t0 + route_between(s, "mc", (st.lon, st.lat), (lon, lat))["travel_time_s"]
                for st, t0 in zip(inp.stations, turnout, strict=True)
            )
            assert times[i] == pytest.approx(best, abs=0.01), inp.demand.label[i]
        result = coverage_analysis(s, req)
    assert result["approximate"] is False and result["network"] == {"name": "mc", "version": 1}
    assert 0 < result["share_road_km"] <= 1 and result["share_demand"] is not None
    districts = result["districts"]
    assert [d["station"] for d in districts] == ["Fontvieille", "Monte-Carlo"]
    assert [d["limit_km2"] for d in districts] == [7.0, 4.0]
    # First-due districts partition the district (minus what nobody reaches).
    from firegrid.geo.crs import area_km2

    assert sum(d["area_km2"] for d in districts) <= area_km2(MONACO_BOX) + 1e-6
    assert result["heavy_share_demand"] <= result["share_demand"]
    shares = [r["share"] for r in result["n_unit"]["n_unit"]]
    assert shares == sorted(shares, reverse=True)


def test_approximate_mode_needs_no_network(monaco: Database, tmp_path: Path) -> None:
    req = CoverageRequest(district_code="mc", stations_csv=tmp_path / "st.csv", minutes=3)
    with monaco.session(actor="t") as s:
        result = coverage_analysis(s, req)
    assert result["approximate"] is True and result["share_road_km"] is None
    assert result["limit_s"] == 180
    assert result["model"]["circuity"] > 1


def test_export_and_cli(monaco: Database, db_url: str, tmp_path: Path) -> None:
    with monaco.session(actor="t") as s:
        res = export_network(s, "mc", tmp_path / "mc.csv")
        g = load_network(s, "mc").graph
    lines = (tmp_path / "mc.csv").read_text().splitlines()
    assert lines[0] == "u,v,travel_time_s,length_m,heavy_ok" and len(lines) == g.n_edges + 1
    nodes = (tmp_path / "mc.nodes.csv").read_text().splitlines()
    assert nodes[0] == "id,lon,lat" and len(nodes) == g.n_nodes + 1 == res["nodes"] + 1
    t = lines[1].split(",")[2]
    assert float(t) == pytest.approx(g.time_light_s[0], abs=1e-6)
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "coverage",
            "--network",
            "mc",
            "--district",
            "mc",
            "--stations",
            str(tmp_path / "st.csv"),
            "--db",
            db_url,
            "--json",
            "--out",
            str(tmp_path / "layers.geojson"),
        ],
    )
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert {"share_road_km", "share_demand", "districts", "uncovered"} <= set(body)
    assert {"station", "area_km2", "limit_km2", "over_limit"} <= set(body["districts"][0])
    layers = json.loads((tmp_path / "layers.geojson").read_text())
    assert {f["properties"]["layer"] for f in layers["features"]} >= {"district"}
    r = runner.invoke(
        app,
        [
            "route",
            "--network",
            "mc",
            "--from",
            "7.42,43.738",
            "--to",
            "7.43,43.733",
            "--db",
            db_url,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    assert set(json.loads(r.stdout)) >= {"travel_time_s", "distance_m", "approximate"}
    r = runner.invoke(app, ["route", "--from", "abc", "--to", "7.43,43.733"])
    assert r.exit_code == 2 and "LON,LAT" in r.stderr
    assert np.isfinite(g.time_light_s).all()


def test_hydrant_gaps_along_roads_and_radius(monaco: Database, tmp_path: Path) -> None:
    from firegrid.coverage.service import hydrant_analysis
    from firegrid.geo.crs import geodesic_distance_m
    from firegrid.imports.service import run_import

    with monaco.session(actor="t") as s, pytest.raises(InvalidInputError, match="no in-service"):
        hydrant_analysis(s, "mc", network="mc")
    csv = tmp_path / "h.csv"
    csv.write_text(
        "code,kind,status,lon,lat\nH1,hydrant,in_service,7.4230,43.7352\n"
        "H2,hydrant,faulty,7.4280,43.7396\n",
        encoding="utf-8",
    )
    assert run_import(monaco, "water", csv, district_code="mc", actor="t", crs="wgs84").written
    with monaco.session(actor="t") as s:
        one = hydrant_analysis(s, "mc", network="mc")
        approx = hydrant_analysis(s, "mc")
    assert one["hydrants_in_service"] == 1  # the faulty one does not count
    assert 0 < one["share_road"] < 0.05 and one["gap_km"] > 100
    # Radius rule, checked independently: only 'Port' (≈ 22 m from H1) is within 150 m.
    d = {
        n: float(geodesic_distance_m(7.4230, 43.7352, lon, lat))
        for n, lon, lat in [
            ("Port", 7.4230, 43.7350),
            ("Casino", 7.4280, 43.7395),
            ("Larvotto", 7.4340, 43.7460),
        ]
    }
    assert d["Port"] < 150 < min(d["Casino"], d["Larvotto"])
    assert sorted(p["label"] for p in one["uncovered"]) == ["Casino", "Larvotto"]
    assert sorted(p["label"] for p in approx["uncovered"]) == ["Casino", "Larvotto"]
    assert approx["approximate"] is True and approx["share_road"] is None


def test_road_coverage_counts_only_the_district(monaco: Database, tmp_path: Path) -> None:
    from firegrid.coverage.service import CoverageRequest, coverage_analysis

    req = CoverageRequest(district_code="mc", network="mc", stations_csv=tmp_path / "st.csv")
    with monaco.session(actor="t") as s:
        result = coverage_analysis(s, req)
        whole = load_network(s, "mc").graph.road_km()
    # The Monaco extract reaches into France; the test district is a 7.8 km² box inside it.
    assert 0 < result["road_km"] < whole


def test_siting_on_the_road_network(monaco: Database) -> None:
    from firegrid.siting.service import best_new_sites, build_instance

    with monaco.session(actor="t") as s:
        inst = build_instance(s, "mc", network="mc", minutes=3, candidate_spacing_m=300)
        res = best_new_sites(inst, 1)
        # The chosen site's response times are network times: check one against a route.
        site = res["new_sites"][0]
        t = route_between(s, "mc", (site["lon"], site["lat"]), (7.4230, 43.7350))
    assert res["approximate"] is False and res["optimal"] is True
    assert res["covered_after"] >= 1
    col = inst.n_existing + inst.candidate_label.index(site["name"])
    turnout = 60.0
    assert inst.cost_s[inst.demand_label.index("Port"), col] == pytest.approx(
        t["travel_time_s"] + turnout, abs=0.01
    )
