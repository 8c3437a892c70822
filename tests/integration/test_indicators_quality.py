"""Plan indicators and data-quality findings computed from the demo records (SQLite + PG)."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from firegrid.api.app import create_app
from firegrid.cli.main import app
from firegrid.db.session import Database
from firegrid.indicators.service import evaluate_district
from firegrid.quality.service import district_findings


def _by_id(db: Database, code: str, year: int) -> dict[str, dict[str, object]]:
    with db.session(actor="t") as s:
        plans = evaluate_district(s, code, year)
    return {r.indicator.id: r.as_dict() for p in plans for r in p.results}


def test_mentougou_2025_indicators_from_records(demo_db: Database) -> None:
    r = _by_id(demo_db, "mentougou", 2025)
    assert len(r) == 21
    assert (r["mtg-01"]["value"], r["mtg-01"]["status"]) == (0.0, "on_track")
    # 104 fires / 39.6万 residents = 2.63 per 10k: above the binding ≤2.4 target.
    assert (r["mtg-02"]["value"], r["mtg-02"]["status"]) == (2.63, "missed")
    # 289 firefighters / 39.6万 = 7.30 per 10k: meets ≥7.0 but inside the 5 % warning band.
    assert (r["mtg-13"]["value"], r["mtg-13"]["status"]) == (7.3, "at_risk")
    # 4 of 13 townships have a government full-time team (王平, 雁翅, 妙峰山, 清水).
    assert r["mtg-09"]["value"] == 30.77
    assert r["mtg-09"]["detail"]["covered"] == ["妙峰山镇", "清水镇", "王平镇", "雁翅镇"]
    # The synthetic fires carry no building-fire flag: no value is made up.
    assert r["mtg-03"]["status"] == "no_data"
    assert r["mtg-03"]["value"] is None
    assert r["mtg-03"]["missing"] == ["building-fire flag on 104 of 104 fire records"]
    assert r["mtg-03"]["missing_zh"] == ["104起火灾记录中104起缺少“建筑火灾”标记"]
    for ind in r.values():
        if ind["status"] == "no_data":
            assert ind["value"] is None and ind["missing"], ind["id"]
        else:
            assert ind["value"] is not None and ind["missing"] == [], ind["id"]


def test_values_resting_on_synthetic_records_are_flagged(demo_db: Database) -> None:
    r = _by_id(demo_db, "mentougou", 2025)
    flagged = sorted(i for i, ind in r.items() if ind["synthetic"])
    # The synthetic incidents (mtg-01, mtg-02), water sources (mtg-10, mtg-11), training
    # sessions (mtg-14, mtg-19) and equipment inventory (mtg-18a, mtg-18b).
    assert flagged == [
        "mtg-01",
        "mtg-02",
        "mtg-10",
        "mtg-11",
        "mtg-14",
        "mtg-18a",
        "mtg-18b",
        "mtg-19",
    ]
    # district.toml [water]: 6 + 48 + 84 + 360 = 498 sources, 6 faulty + 3 out of service
    # hydrants: 489 / 498 = 98.19 % — a generated figure, flagged, its status a demonstration.
    w = r["mtg-10"]
    assert (w["value"], w["status"], w["detail"]) == (
        98.19,
        "on_track",
        {"intact": 489, "registered": 498},
    )
    assert w["synthetic_inputs"] == [{"kind": "water_sources", "synthetic": 498, "records": 498}]
    assert w["synthetic_note_zh"].startswith("依据合成演示记录计算（消防水源记录498条中498条")
    assert "status are for demonstration only" in w["synthetic_note_en"]
    # The 360 demo hydrants are the 2021–2025 additions (commissioned 2021–2025): none was built
    # in the 2026–2030 period — true of the generated register, so flagged like any other value.
    h = r["mtg-11"]
    assert (h["value"], h["synthetic"]) == (0.0, True)
    assert h["synthetic_inputs"] == [{"kind": "water_sources", "synthetic": 360, "records": 360}]
    assert r["mtg-02"]["synthetic_inputs"] == [
        {"kind": "incidents", "synthetic": 104, "records": 104}
    ]
    for ind in r.values():
        if not ind["synthetic"]:
            assert ind["synthetic_inputs"] == [] and ind["synthetic_note_en"] == "", ind["id"]
        # No value, nothing to flag: a no_data result never carries synthetic inputs.
        if ind["status"] == "no_data":
            assert not ind["synthetic"], ind["id"]
    # The 20 synthetic micro stations are volunteer-staffed: they feed no station indicator.
    assert not r["mtg-08"]["synthetic"] and not r["mtg-09"]["synthetic"]
    bb = _by_id(demo_db, "beibei", 2020)
    assert bb["bb-01"]["synthetic"] and not bb["bb-02"]["synthetic"]


def test_a_year_with_one_death_meets_the_target_at_printed_precision(demo_db: Database) -> None:
    r = _by_id(demo_db, "mentougou", 2022)
    assert r["mtg-01"]["value"] == 0.25
    assert (r["mtg-01"]["status"], r["mtg-01"]["reason"]) == ("at_risk", "within_warning_band")


def test_no_population_means_no_rate(demo_db: Database) -> None:
    r = _by_id(demo_db, "mentougou", 2027)
    assert r["mtg-01"]["status"] == "no_data"
    assert r["mtg-01"]["missing"][0] == "resident population of 2027"
    assert r["mtg-01"]["missing_zh"][0] == "2027年常住人口"


def test_beibei_2020_indicators(demo_db: Database) -> None:
    r = _by_id(demo_db, "beibei", 2020)
    assert len(r) == 7
    assert (r["bb-01"]["value"], r["bb-01"]["status"]) == (1.2, "on_track")
    assert r["bb-02"]["value"] == 0.6  # 5 stations / 833,333 residents, as the plan prints
    assert r["bb-07"]["status"] == "no_data"
    assert "8 planned purchases" in r["bb-07"]["missing"][0]


def test_quality_findings(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s:
        mtg = district_findings(s, "mentougou")
        bb = district_findings(s, "beibei")
    assert sorted(f.code for f in mtg) == ["loss_unit_mismatch", "rate_percent_sign"]
    loss = next(f for f in mtg if f.code == "loss_unit_mismatch")
    assert loss.column_key == "loss" and "万元" in loss.message and "元" in loss.message
    rate = next(f for f in mtg if f.code == "rate_percent_sign")
    assert rate.rows == ("2021", "2022", "2023", "2024", "2025", "total")
    assert rate.evidence["recomputed_per_100k"]["2022"] == 0.25
    assert [f.code for f in bb] == ["conflicting_figures"]
    assert "95.3%" in bb[0].message


def test_cli_contracts(demo_url: str) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app, ["indicators", "--district", "mentougou", "--year", "2025", "--db", demo_url, "--json"]
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {"id", "name_zh", "value", "target", "status"} <= set(rows[0])
    assert rows[0]["id"] == "mtg-01" and rows[0]["name_zh"] == "十万人口（常住人口）年火灾死亡率"
    res = runner.invoke(app, ["quality", "--district", "mentougou", "--db", demo_url, "--json"])
    assert res.exit_code == 0, res.output
    findings = json.loads(res.stdout)
    assert {"code", "message"} <= set(findings[0])
    assert {f["code"] for f in findings} == {"loss_unit_mismatch", "rate_percent_sign"}


def test_api_indicators_and_quality_are_public(demo_db: Database) -> None:
    client = TestClient(create_app(demo_db))
    res = client.get("/api/districts/beibei/indicators", params={"year": 2020})
    assert res.status_code == 200
    body = res.json()
    assert body["plans"][0]["plan_id"] == "beibei-2021-2025"
    assert body["plans"][0]["indicators"][0]["value"] == 1.2
    assert client.get("/api/districts/mentougou/quality").json()[0]["code"] in (
        "loss_unit_mismatch",
        "rate_percent_sign",
    )
    res = client.get("/api/districts/atlantis/indicators", params={"year": 2020})
    assert res.status_code == 404 and "atlantis" in res.json()["detail"]
