"""The fire-risk assessment index on a small hand-built district (SQLite and PostgreSQL) and on
the Mentougou demo (read-only): scores that follow hazards and cover, township table,
contributions, refused configuration, warnings, API permissions and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h3
import pytest
from sqlalchemy import select

from firegrid.accounts.models import AuditLog
from firegrid.buildings.models import Building
from firegrid.db.session import Database
from firegrid.districts.models import District, Township
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError
from firegrid.incidents.models import Incident
from firegrid.risk.ahp import InconsistentMatrixError
from firegrid.risk.buildings import unit_scores
from firegrid.risk.models import RiskWarning
from firegrid.risk.service import assess_district, load_index_config
from firegrid.risk.warnings import generate_warnings, list_warnings, set_warning_status
from firegrid.stations.models import Station
from firegrid.types import (
    IncidentCategory,
    LocationPrecision,
    Role,
    StationClass,
    StationStatus,
    TownshipKind,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

RES = 8
# A 6 km × 3 km district split into a west and an east township. The station, its micro
# station and a ring of hydrants are in the west; the key units and the fires in the east.
W, E, S, N = 116.00, 116.07, 39.90, 39.927
MID = 116.035
STATION = (116.010, 39.9135)
HOT = (116.062, 39.9135)


def _poly(w: float, e: float) -> str:
    return json.dumps(
        {"type": "Polygon", "coordinates": [[[w, S], [e, S], [e, N], [w, N], [w, S]]]}
    )


@pytest.fixture
def town(database: Database) -> Database:
    with database.session(actor="test") as s:
        d = District(code="rk", name_zh="风险区", name_en="Risk", boundary_geojson=_poly(W, E))
        s.add(d)
        s.flush()
        west = Township(
            district_id=d.id,
            name_zh="西镇",
            name_en="West",
            kind=TownshipKind.TOWN,
            boundary_geojson=_poly(W, MID),
            area_km2=9.0,
            population=9000,
        )
        east = Township(
            district_id=d.id,
            name_zh="东镇",
            name_en="East",
            kind=TownshipKind.TOWN,
            boundary_geojson=_poly(MID, E),
            area_km2=9.0,
            population=90000,
        )
        s.add_all([west, east])
        s.flush()
        for name, cls, (lon, lat) in [
            ("西站", StationClass.LEVEL1, STATION),
            ("西微站", StationClass.MICRO, (STATION[0] + 0.002, STATION[1])),
        ]:
            s.add(
                Station(
                    district_id=d.id,
                    name=name,
                    station_class=cls,
                    status=StationStatus.EXISTING,
                    lon=lon,
                    lat=lat,
                    location_precision=LocationPrecision.EXACT,
                )
            )
        k = 0
        for dx in (-0.004, -0.002, 0.0, 0.002, 0.004):
            for dy in (-0.002, 0.0, 0.002):
                k += 1
                s.add(
                    WaterSource(
                        district_id=d.id,
                        code=f"H{k}",
                        kind=WaterSourceKind.HYDRANT,
                        status=WaterSourceStatus.IN_SERVICE,
                        lon=STATION[0] + dx,
                        lat=STATION[1] + dy,
                    )
                )
        for i in range(8):
            hospital = i == 0
            s.add(
                Building(
                    district_id=d.id,
                    township_id=east.id,
                    code=f"K{i}",
                    name="东区医院" if hospital else f"东区商场{i}",
                    occupancy="hospital" if hospital else "shop",
                    floors_above=12 if hospital else 4,
                    floor_area_m2=60000 if hospital else 20000,
                    beds=600 if hospital else None,
                    has_control_room=not hospital,
                    key_unit=True,
                    key_unit_category="医院" if hospital else "商场（市场）",
                    lon=HOT[0] + 0.001 * (i % 4),
                    lat=HOT[1] + 0.001 * (i // 4),
                )
            )
        s.add(
            Building(
                district_id=d.id,
                township_id=west.id,
                code="G1",
                name="西区政府",
                occupancy="office",
                floors_above=4,
                floor_area_m2=3000,
                has_control_room=True,
                key_unit=True,
                key_unit_category="国家机关",
                lon=STATION[0] + 0.003,
                lat=STATION[1] + 0.001,
            )
        )
        for i in range(12):
            s.add(
                Incident(
                    district_id=d.id,
                    external_id=f"F{i}",
                    received_at=datetime(2024 + i % 2, 1 + i % 12, 5, tzinfo=UTC),
                    category=IncidentCategory.FIRE,
                    lon=HOT[0] + 0.0003 * (i % 3),
                    lat=HOT[1],
                )
            )
        s.commit()
    return database


def _cell_of(res: dict[str, Any], lon: float, lat: float) -> dict[str, Any]:
    target = h3.latlng_to_cell(lat, lon, res["resolution"])
    return next(c for c in res["cells"] if c["cell"] == target)


def test_hazard_far_from_the_station_scores_riskier_than_near_station_with_hydrants(
    town: Database,
) -> None:
    with town.session(actor="test") as s:
        res = assess_district(s, "rk", resolution=RES)
    assert res["config"] == "firegrid-region-risk@1" and res["resolution"] == RES
    hot, safe = _cell_of(res, *HOT), _cell_of(res, *STATION)
    assert hot["score"] < safe["score"] - 20
    assert hot["level"] > safe["level"]
    # The hot cell's worst factors are its hazards and its distance from the fire service.
    top = sorted(hot["contributions"], key=lambda k: -hot["contributions"][k])[:4]
    assert {"fire_rate", "travel_time_s", "hydrant_coverage"} <= set(top)
    assert hot["contributions"]["key_unit_density"] > 5 > safe["contributions"]["key_unit_density"]
    assert hot["values"]["hydrant_coverage"] == 0.0 and safe["values"]["hydrant_coverage"] > 0.5
    assert hot["key_units_by_category"] == {"医院": 1, "商场（市场）": 7}
    # Contributions explain the score: they sum to the deficit (rounding aside).
    for c in res["cells"]:
        assert sum(c["contributions"].values()) == pytest.approx(100 - c["score"], abs=0.05)
        assert 0 <= c["score"] <= 100 and c["level"] in (1, 2, 3, 4)
    # Inspection findings have no data source: excluded everywhere and said so.
    assert [e["indicator"] for e in res["excluded"]] == ["inspection_findings"]
    assert "inspection_findings" not in hot["contributions"]
    assert any("no data" in n for n in res["notes"])
    # Townships have population here: no settlement fallback.
    assert hot["fallback"] == [] and hot["values"]["population_density"] == 10000.0
    assert res["approximate"] is True and res["travel_time"]["network"] is None
    # Hand-built records are real: nothing flagged.
    assert res["synthetic"] is False and res["synthetic_inputs"] == {}


def test_township_table_ranks_the_east_below_the_west(town: Database) -> None:
    with town.session(actor="test") as s:
        res = assess_district(s, "rk", resolution=RES)
    rows = {t["township"]: t for t in res["townships"]}
    assert set(rows) == {"西镇", "东镇"}
    assert res["townships"][0]["township"] == "东镇"  # riskiest first
    east, west = rows["东镇"], rows["西镇"]
    assert east["score"] < west["score"]
    assert sum(east["levels"].values()) == east["cells"]
    assert east["cells"] + west["cells"] == sum(1 for c in res["cells"] if c["township"])
    assert sum(east["contributions"].values()) == pytest.approx(100 - east["score"], abs=0.05)
    assert set(east["criteria"]) == {"hazard", "urban", "forces", "prevention", "social"}
    assert east["top_factors"][0]["points"] >= east["top_factors"][-1]["points"]


def test_the_cache_follows_the_data(town: Database) -> None:
    with town.session(actor="test") as s:
        first = assess_district(s, "rk", resolution=RES)
        again = assess_district(s, "rk", resolution=RES)
        assert again["cached"] is True
        d = s.scalar(select(District).where(District.code == "rk"))
        assert d is not None
        s.add(
            WaterSource(
                district_id=d.id,
                code="H-new",
                kind=WaterSourceKind.HYDRANT,
                status=WaterSourceStatus.IN_SERVICE,
                lon=HOT[0],
                lat=HOT[1],
            )
        )
        s.commit()
        after = assess_district(s, "rk", resolution=RES)
    assert after["cached"] is False
    assert _cell_of(after, *HOT)["values"]["hydrant_coverage"] > 0
    assert _cell_of(after, *HOT)["score"] > _cell_of(first, *HOT)["score"]


def test_key_units_score_from_their_attributes_with_reasons(town: Database) -> None:
    with town.session(actor="test") as s:
        out = unit_scores(s, "rk")
    units = {u["name"]: u for u in out["units"]}
    hosp, office = units["东区医院"], units["西区政府"]
    assert out["units"][0]["name"] == "东区医院"  # lowest safety first
    assert hosp["score"] < office["score"] and hosp["level"] >= office["level"]
    factors = [r["factor"] for r in hosp["reasons"]]
    assert factors[0] in ("occupancy", "occupants_sleeping", "floor_area_m2")
    assert "control_room" in factors and "alarm_history" in factors
    alarm = next(r for r in hosp["reasons"] if r["factor"] == "alarm_history")
    assert alarm["value"] == 8  # 8 of the 12 fires lie within 50 m of it (4 are 51 m away)
    assert "violations" in hosp["no_data"]
    assert sum(r["contribution"] for r in hosp["reasons"]) == pytest.approx(
        100 - hosp["score"], abs=0.05
    )
    assert all(r["text_zh"] and r["text_en"] for r in hosp["reasons"])


def test_an_inconsistent_configuration_is_refused_naming_the_matrix(tmp_path: Path) -> None:
    text = (
        Path(__file__).resolve().parents[2] / "src/firegrid/risk/data/index_default.toml"
    ).read_text("utf-8")
    start = text.index("\n[criteria]\n") + 1
    end = text.index("\n[[criterion]]\n") + 1
    # hazard ≫ urban (9) and urban ≫ social (9), yet social ≥ hazard (1): far from consistent.
    bad = (
        text[:start]
        + '[criteria]\norder = ["hazard", "urban", "forces", "prevention", "social"]\n'
        + "matrix = [\n"
        + "  [1, 9, 1, 2, 1],\n"
        + '  ["1/9", 1, "1/2", 1, 9],\n'
        + "  [1, 2, 1, 2, 3],\n"
        + '  ["1/2", 1, "1/2", 1, 2],\n'
        + '  [1, "1/9", "1/3", "1/2", 1],\n'
        + "]\n\n"
        + text[end:]
    )
    assert bad != text
    path = tmp_path / "index.toml"
    path.write_text(bad, "utf-8")
    with pytest.raises(InconsistentMatrixError, match="'criteria'") as info:
        load_index_config(path)
    assert info.value.cr >= 0.1 and info.value.worst is not None
    assert {info.value.worst.row, info.value.worst.column} & {"urban", "social", "hazard"}


def test_warnings_are_idempotent_per_period_and_move_forward_only(town: Database) -> None:
    with town.session(actor="planner") as s:
        first = generate_warnings(s, "rk", period="2026-12", top_cells=3, top_units=2, actor="p")
        assert first["created"] == 5 and first["replaced"] == 0
        cells = [w for w in first["warnings"] if w["kind"] == "cell"]
        units = [w for w in first["warnings"] if w["kind"] == "unit"]
        assert len(cells) == 3 and len(units) == 2
        # The riskiest cell is the hot one, addressed to its township, with reasons.
        hot = h3.latlng_to_cell(HOT[1], HOT[0], RES)
        assert hot in {w["cell"] for w in cells} and cells[0]["addressee"] == "东镇"
        assert cells[0]["township_id"] is not None and cells[0]["level"] >= 2
        assert cells[0]["index_ref"] == "firegrid-region-risk@1"
        assert len(cells[0]["reasons"]) == 3
        assert all(r["text_zh"] and r["text_en"] for r in cells[0]["reasons"])
        assert units[0]["addressee"] == "东区医院" and units[0]["reasons"]
        assert [w["score"] for w in cells] == sorted(w["score"] for w in cells)

        again = generate_warnings(s, "rk", period="2026-12", top_cells=3, top_units=2, actor="p")
        assert again["created"] == 5 and again["replaced"] == 5
        assert len(list_warnings(s, "rk", "2026-12")) == 5
        assert {w["cell"] for w in again["warnings"]} == {w["cell"] for w in first["warnings"]}

        wid = again["warnings"][0]["id"]
        acked = set_warning_status(s, "rk", wid, "acknowledged", actor="p")
        assert acked["status"] == "acknowledged"
        with pytest.raises(ConflictError, match="acknowledged"):
            set_warning_status(s, "rk", wid, "acknowledged", actor="p")
        set_warning_status(s, "rk", wid, "closed", actor="p")
        with pytest.raises(ConflictError, match="'closed'"):
            set_warning_status(s, "rk", wid, "acknowledged", actor="p")
        with pytest.raises(InvalidInputError):
            set_warning_status(s, "rk", wid, "new", actor="p")
        with pytest.raises(NotFoundError):
            set_warning_status(s, "rk", 99_999, "closed", actor="p")

        # A closed warning stays; its cell is not warned twice in the period.
        third = generate_warnings(s, "rk", period="2026-12", top_cells=3, top_units=2, actor="p")
        assert third["kept"] == 1 and third["replaced"] == 4
        rows = list_warnings(s, "rk", "2026-12")
        assert len(rows) == 6
        closed_cell = again["warnings"][0]["cell"]
        assert len([w for w in rows if w["cell"] == closed_cell and w["kind"] == "cell"]) == 1
        # Another period is separate.
        generate_warnings(s, "rk", period="2027-01", top_cells=1, top_units=0, actor="p")
        assert len(list_warnings(s, "rk", "2027-01")) == 1
        assert len(list_warnings(s, "rk")) == 7
        with pytest.raises(InvalidInputError, match="YYYY-MM"):
            generate_warnings(s, "rk", period="2026-13", actor="p")
        audit = s.scalars(select(AuditLog.action).where(AuditLog.entity == "risk_warning")).all()
        assert audit.count("risk.warnings.generate") == 4
        assert "risk.warning.closed" in audit and "delete" in " ".join(audit)
        assert s.scalar(select(RiskWarning).where(RiskWarning.id == wid)) is not None


PASSWORD = "Ladder-truck-42"


@pytest.fixture
def api(town: Database) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    """A client with a planner's and a viewer's bearer headers."""
    from fastapi.testclient import TestClient

    from firegrid.accounts.service import add_user
    from firegrid.api.app import create_app

    with town.session(actor="test") as s:
        add_user(s, "plan", PASSWORD, Role.PLANNER)
        add_user(s, "vera", PASSWORD, Role.VIEWER)
        s.commit()
    with TestClient(create_app(town)) as c:
        heads = []
        for name in ("plan", "vera"):
            r = c.post("/api/auth/login", json={"username": name, "password": PASSWORD})
            heads.append({"Authorization": f"Bearer {r.json()['token']}"})
        c.cookies.clear()
        yield c, heads[0], heads[1]


def test_api_viewer_reads_planner_generates(
    api: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    c, planner, viewer = api
    assert c.get("/api/districts/rk/risk/index").status_code == 401
    idx = c.get("/api/districts/rk/risk/index?resolution=8", headers=viewer)
    assert idx.status_code == 200
    body = idx.json()
    assert body["config"] == "firegrid-region-risk@1" and body["townships"]
    assert c.get("/api/districts/rk/risk/index?resolution=3", headers=viewer).status_code == 422
    geo = c.get("/api/districts/rk/risk/index.geojson", headers=viewer)
    assert geo.headers["content-type"].startswith("application/geo+json")
    fc = geo.json()
    assert len(fc["features"]) == len(body["cells"])
    f0 = fc["features"][0]
    ring = f0["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and W - 0.01 < ring[0][0] < E + 0.01 and S - 0.01 < ring[0][1] < N
    assert {"score", "level", "top_factor", "contributions"} <= set(f0["properties"])
    units = c.get("/api/districts/rk/risk/units", headers=viewer).json()
    assert units["units"][0]["name"] == "东区医院"

    body_in = {"period": "2026-12", "top_cells": 2, "top_units": 1}
    assert (
        c.post("/api/districts/rk/risk/warnings", json=body_in, headers=viewer).status_code == 403
    )
    made = c.post("/api/districts/rk/risk/warnings", json=body_in, headers=planner)
    assert made.status_code == 201 and made.json()["created"] == 3
    listed = c.get("/api/districts/rk/risk/warnings?period=2026-12", headers=viewer).json()
    assert len(listed) == 3
    wid = listed[0]["id"]
    url = f"/api/districts/rk/risk/warnings/{wid}/status"
    assert c.post(url, json={"status": "closed"}, headers=viewer).status_code == 403
    assert c.post(url, json={"status": "closed"}, headers=planner).json()["status"] == "closed"
    again = c.post(url, json={"status": "acknowledged"}, headers=planner)
    assert again.status_code == 409
    assert c.post(url, json={"status": "bogus"}, headers=planner).status_code == 422
    assert c.get("/api/districts/nope/risk/index", headers=viewer).status_code == 404


def test_cli_index_and_warnings_json(town: Database, db_url: str) -> None:
    import typer
    from typer.testing import CliRunner

    from firegrid.cli.risk_index import index_cmd, warnings_cmd

    app = typer.Typer()
    app.command("index")(index_cmd)
    app.command("warnings")(warnings_cmd)
    runner = CliRunner()
    res = runner.invoke(app, ["index", "--district", "rk", "--db", db_url, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {
        "district",
        "config",
        "resolution",
        "cells",
        "townships",
        "synthetic_inputs",
        "notes",
    } <= set(out)
    assert {"cell", "score", "level", "contributions"} == set(out["cells"][0]) - {"township"}
    text = runner.invoke(app, ["index", "--district", "rk", "--db", db_url])
    assert text.exit_code == 0 and "东镇" in text.stdout
    gen = runner.invoke(
        app,
        [
            "warnings",
            "--district",
            "rk",
            "--period",
            "2026-12",
            "--generate",
            "--db",
            db_url,
            "--json",
        ],
    )
    assert gen.exit_code == 0, gen.output
    w = json.loads(gen.stdout)
    assert w["generated"]["created"] == len(w["warnings"]) > 0
    bad = runner.invoke(app, ["index", "--district", "nope", "--db", db_url])
    assert bad.exit_code != 0 and "nope" in bad.output


def test_mentougou_demo_index_is_flagged_synthetic(demo_db: Database) -> None:
    with demo_db.session(actor="test") as s:
        res = assess_district(s, "mentougou")
        units = unit_scores(s, "mentougou")
    assert len(res["cells"]) > 2000
    assert sum(res["levels"].values()) == len(res["cells"])
    assert len(res["townships"]) == 13
    assert res["synthetic"] is True
    assert set(res["synthetic_inputs"]) >= {
        "key_unit_density",
        "fire_rate",
        "hydrant_coverage",
        "micro_station_distance_m",
    }
    assert "合成" in res["synthetic_note_zh"] and "synthetic" in res["synthetic_note_en"]
    # No township population in the demo: the settlement-density fallback, said so.
    assert any("settlement density" in n for n in res["notes"])
    assert all("population_density" in c["fallback"] for c in res["cells"][:50])
    # The urban core (城子/大峪 streets) is safer than the far mountain towns.
    rows = {t["township"]: t for t in res["townships"]}
    assert rows["城子街道"]["score"] > rows["斋堂镇"]["score"]
    for c in res["cells"][::97]:
        assert sum(c["contributions"].values()) == pytest.approx(100 - c["score"], abs=0.05)
    assert len(units["units"]) == 86 and units["synthetic"] is True
    # Most of Mentougou is forest and bare mountain: only cells with a settlement, building or
    # past fire nearby are exposed, and the levels among them are counted apart.
    exposed = [c for c in res["cells"] if c["exposed"]]
    assert 0 < len(exposed) == res["exposed_cells"] < len(res["cells"]) / 2
    assert sum(res["levels_exposed"].values()) == len(exposed)
