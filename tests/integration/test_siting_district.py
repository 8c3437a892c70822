"""Siting on a district: best new sites, the plan against the optimum, what-if (SQLite + PG)."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import Point, mapping
from typer.testing import CliRunner

from firegrid.cli.main import app
from firegrid.coverage.service import CoverageRequest, StationPoint, coverage_analysis
from firegrid.db.session import Database
from firegrid.errors import NotFoundError
from firegrid.siting.service import best_new_sites, build_instance, compare_with_plan, what_if
from firegrid.types import StationClass


def test_best_new_sites_is_optimal_and_never_worse(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s:
        inst = build_instance(s, "mentougou")
        res = best_new_sites(inst, 2)
    assert res["approximate"] is True and res["optimal"] is True
    assert res["share_after"] >= res["share_before"]
    assert len(res["new_sites"]) == 2
    # Brute force over every pair of candidates: nothing covers more.
    reach = inst.cost_s <= inst.limit_s
    base = reach[:, : inst.n_existing].any(axis=1)
    cand = reach[:, inst.n_existing :]
    best = max(
        float(inst.weights[base | cand[:, a] | cand[:, b]].sum())
        for a, b in combinations(range(cand.shape[1]), 2)
    )
    assert res["covered_after"] == pytest.approx(best)


def test_plan_vs_optimum_agrees_with_the_coverage_engine(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s:
        cmp = compare_with_plan(s, "mentougou")
        cov = coverage_analysis(s, CoverageRequest(district_code="mentougou", include_planned=True))
    names = sorted(x["name"] for x in cmp["plan"]["stations"])
    assert names == ["军庄消防救援站", "小园消防救援站", "清水消防救援站", "龙泉消防救援站"]
    assert cmp["plan"]["share"] == pytest.approx(cov["share_demand"])
    assert cmp["optimum"]["optimal"] is True
    assert cmp["optimum"]["share"] >= cmp["plan"]["share"] >= cmp["existing_only"]["share"]
    assert len(cmp["optimum"]["stations"]) == 4


def test_excluded_zone_is_respected(demo_db: Database, tmp_path: Path) -> None:
    with demo_db.session(actor="t") as s:
        free = best_new_sites(build_instance(s, "mentougou"), 1)
        site = free["new_sites"][0]
        zone = tmp_path / "red_line.geojson"
        zone.write_text(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {},
                            "geometry": mapping(Point(site["lon"], site["lat"]).buffer(0.02)),
                        }
                    ],
                }
            )
        )
        kept = best_new_sites(build_instance(s, "mentougou", exclude=[zone]), 1)
    moved = kept["new_sites"][0]
    assert Point(moved["lon"], moved["lat"]).distance(Point(site["lon"], site["lat"])) > 0.02
    assert kept["covered_after"] <= free["covered_after"]


def test_what_if_close_and_add(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s:
        closed = what_if(s, "mentougou", close=["王平消防救援站"])
        added = what_if(
            s, "mentougou", add=[StationPoint("永定站", StationClass.LEVEL1, 116.10, 39.905)]
        )
        with pytest.raises(NotFoundError, match="no existing station '不存在站'"):
            what_if(s, "mentougou", close=["不存在站"])
    assert closed["delta"]["share_demand"] <= 0 and added["delta"]["share_demand"] >= 0
    assert len(closed["after"]["districts"]) == len(closed["before"]["districts"]) - 1
    assert "永定站" in [d["station"] for d in added["after"]["districts"]]


def test_cli_contract(demo_url: str) -> None:
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "site",
            "mclp",
            "--district",
            "mentougou",
            "--p",
            "3",
            "--minutes",
            "5",
            "--db",
            demo_url,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["optimal"] and len(body["new_sites"]) == 3
    r = runner.invoke(
        app,
        [
            "site",
            "compare",
            "--district",
            "mentougou",
            "--minutes",
            "5",
            "--db",
            demo_url,
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert {"plan", "optimum", "existing_only"} <= set(body)
    r = runner.invoke(
        app, ["site", "whatif", "--district", "mentougou", "--add", "bad", "--db", demo_url]
    )
    assert r.exit_code == 2 and "NAME@LON,LAT" in r.stderr
    assert np.isfinite(body["optimum"]["share"])
