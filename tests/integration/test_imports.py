"""Imports report every bad row and write all or nothing (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from firegrid.accounts.models import AuditLog
from firegrid.cli.main import app
from firegrid.db.base import Base
from firegrid.db.session import Database
from firegrid.districts.models import District, DistrictPopulation
from firegrid.errors import InvalidInputError
from firegrid.geo.crs import from_wgs84
from firegrid.imports.models import ImportBatch, RejectedRow
from firegrid.imports.service import run_import
from firegrid.incidents.models import Incident
from firegrid.stations.models import Station
from firegrid.statistics.service import annual_fire_table
from firegrid.types import StationClass

# A 20 km square around Mentougou's town centre stands in for the district boundary.
BOUNDARY = {
    "type": "Polygon",
    "coordinates": [[[116.0, 39.85], [116.2, 39.85], [116.2, 40.0], [116.0, 40.0], [116.0, 39.85]]],
}

BAD = """name,class,status,lon,lat,planned_year
A站,一级普通消防站,existing,116.1010,39.9400,
B站,castle,existing,116.08,39.95,
C站,small,planned,abc,39.88,2028
D站,small,existing,200,39.88,
E站,small,planned,116.02,39.88,
F站,small,existing,121.47,31.23,
A站,small,existing,116.1,39.94,
"""


@pytest.fixture
def district(database: Database) -> Database:
    with database.session(actor="setup") as s:
        s.add(District(code="mtg", name_zh="门头沟区", boundary_geojson=json.dumps(BOUNDARY)))
        s.commit()
    return database


def _snapshot(db: Database) -> dict[str, int]:
    with db.session(actor="t") as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_bad_rows_are_all_reported_and_nothing_is_written(
    district: Database, tmp_path: Path
) -> None:
    before = _snapshot(district)
    report = run_import(
        district,
        "stations",
        _write(tmp_path, "bad.csv", BAD),
        district_code="mtg",
        actor="t",
        crs="wgs84",
    )
    assert not report.written and report.accepted == 0 and report.rejected == 6
    got = {(e.row, e.field) for e in report.errors}
    assert got == {
        (2, "class"),
        (3, "lon"),
        (4, "lon"),
        (5, "planned_year"),
        (6, "lon/lat"),
        (7, "name"),
    }
    reasons = {e.row: e.reason for e in report.errors}
    assert "castle" in reasons[2] and "小型普通消防站" in reasons[2]
    assert "out of range" in reasons[4]
    assert "outside district" in reasons[6]
    assert "duplicate of row 1" in reasons[7]
    assert _snapshot(district) == before  # not even an audit row or a batch


def test_missing_column_is_a_header_error(district: Database, tmp_path: Path) -> None:
    path = _write(tmp_path, "nocol.csv", "name,class,lon,lat\nA站,small,116.1,39.94\n")
    report = run_import(district, "stations", path, district_code="mtg", actor="t", crs="wgs84")
    assert [(e.row, e.field) for e in report.errors] == [(0, "status")]
    assert "missing column" in report.errors[0].reason


def test_keep_valid_writes_good_rows_and_keeps_the_rest(district: Database, tmp_path: Path) -> None:
    report = run_import(
        district,
        "stations",
        _write(tmp_path, "bad.csv", BAD),
        district_code="mtg",
        actor="t",
        crs="wgs84",
        keep_valid=True,
    )
    assert report.written and (report.accepted, report.rejected) == (1, 6)
    with district.session(actor="t") as s:
        assert s.scalars(select(Station.name)).all() == ["A站"]
        batch = s.scalars(select(ImportBatch)).one()
        assert (batch.accepted, batch.rejected, batch.inserted) == (1, 6, 1)
        kept = s.scalars(select(RejectedRow).order_by(RejectedRow.row)).all()
        assert [r.row for r in kept] == [2, 3, 4, 5, 6, 7]
        assert kept[0].data["class"] == "castle"
        assert kept[0].errors[0]["field"] == "class"
        actions = set(s.scalars(select(AuditLog.action)))
        assert {"insert", "import"} <= actions


def test_reimport_is_idempotent_and_gcj02_is_converted(district: Database, tmp_path: Path) -> None:
    # The same point given in GCJ-02 lands ~500 m away from its WGS84 reading.
    text = "名称,类别,状态,经度,纬度\n大峪站,一级普通消防站,已建,116.1010,39.9400\n"
    path = _write(tmp_path, "gcj.csv", text, encoding="gb18030")
    first = run_import(district, "stations", path, district_code="mtg", actor="t", crs="gcj02")
    again = run_import(district, "stations", path, district_code="mtg", actor="t", crs="gcj02")
    assert first.counts == {"inserted": 1, "updated": 0, "unchanged": 0}
    assert again.counts == {"inserted": 0, "updated": 0, "unchanged": 1}
    with district.session(actor="t") as s:
        st = s.scalars(select(Station)).one()
    assert st.station_class == StationClass.LEVEL1
    assert 116.09 < st.lon < 116.1010 and 39.938 < st.lat < 39.94  # shifted back west/south


def test_geopackage_in_gauss_kruger_imports_to_wgs84(district: Database, tmp_path: Path) -> None:
    from shapely.geometry import Point

    from firegrid.geo.io import Feature, write_features

    path = tmp_path / "water.gpkg"
    write_features(
        path,
        [
            Feature(
                Point(116.10, 39.93), {"code": "H-1", "kind": "市政消火栓", "status": "完好"}, 1
            ),
            Feature(
                Point(116.11, 39.94), {"code": "H-2", "kind": "hydrant", "status": "faulty"}, 2
            ),
        ],
        crs="EPSG:4548",
    )
    x, _ = from_wgs84([116.10], [39.93], crs="EPSG:4548")
    assert x[0] > 400_000  # really stored in metres
    report = run_import(district, "water", path, district_code="mtg", actor="t")
    assert report.written and report.accepted == 2


def test_incidents_import_reads_local_time(district: Database, tmp_path: Path) -> None:
    from firegrid.districts.models import DistrictPopulation as Pop

    text = (
        "external_id,received_at,category,lon,lat,deaths,injuries,loss_yuan\n"
        "A1,2025-01-01 00:30:00,fire,116.1,39.93,1,0,1234.50\n"
        "A2,2024-12-31 23:30:00,火灾扑救,,,0,2,10\n"
        "A3,2025-03-01 08:00:00,rescue,116.1,39.93,,,\n"
    )
    report = run_import(
        district,
        "incidents",
        _write(tmp_path, "calls.csv", text),
        district_code="mtg",
        actor="t",
        crs="wgs84",
    )
    assert report.written, report.errors
    with district.session(actor="t") as s:
        s.add(Pop(district_id=s.scalar(select(District.id)), year=2025, population=400_000))
        s.commit()
        rows = {r.year: r for r in annual_fire_table(s, "mtg", 2024, 2025)}
        assert s.scalar(select(Incident.lon).where(Incident.external_id == "A2")) is None
    # 00:30 on 1 January Beijing time is 2024 in UTC but 2025 locally.
    assert (rows[2025].fires, rows[2025].deaths, rows[2025].loss_yuan) == (1, 1, 1234.5)
    assert (rows[2024].fires, rows[2024].injuries) == (1, 2)
    assert rows[2025].death_rate_per_100k == 0.25


def test_incident_rules_for_non_fires(district: Database, tmp_path: Path) -> None:
    text = "external_id,received_at,category,deaths\nB1,2025-05-01T10:00,rescue,2\n"
    report = run_import(
        district, "incidents", _write(tmp_path, "c.csv", text), district_code="mtg", actor="t"
    )
    assert [(e.row, e.field) for e in report.errors] == [(1, "deaths")]


def test_population_csv(district: Database, tmp_path: Path) -> None:
    path = _write(tmp_path, "pop.csv", "年份,常住人口\n2026,396500\n2027,-5\n")
    report = run_import(district, "population", path, district_code="mtg", actor="t")
    assert [(e.row, e.field) for e in report.errors] == [(2, "常住人口")]
    assert "below the minimum" in report.errors[0].reason
    with district.session(actor="t") as s:
        assert s.scalar(select(func.count()).select_from(DistrictPopulation)) == 0


def test_csv_without_crs_and_unknown_kind_are_refused(district: Database, tmp_path: Path) -> None:
    path = _write(tmp_path, "s.csv", "name,class,status,lon,lat\nA,small,existing,116.1,39.9\n")
    with pytest.raises(InvalidInputError, match="--crs"):
        run_import(district, "stations", path, district_code="mtg", actor="t")
    with pytest.raises(InvalidInputError, match="unknown import kind"):
        run_import(district, "castles", path, district_code="mtg", actor="t")


def test_cli_contract(district: Database, db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "import",
            "stations",
            str(_write(tmp_path, "bad.csv", BAD)),
            "--district",
            "mtg",
            "--crs",
            "wgs84",
            "--db",
            db_url,
            "--json",
        ],
    )
    assert res.exit_code == 1
    body = json.loads(res.stdout)
    assert (body["accepted"], body["rejected"]) == (0, 6)
    assert {"row": 2, "field": "class"}.items() <= body["errors"][0].items()
    good = _write(
        tmp_path, "good.csv", "name,class,status,lon,lat\nA站,small,existing,116.1,39.9\n"
    )
    res = runner.invoke(
        app,
        [
            "import",
            "stations",
            str(good),
            "--district",
            "mtg",
            "--crs",
            "wgs84",
            "--db",
            db_url,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["accepted"] == 1


def test_upload_needs_write_permission_and_reports_rows(district: Database) -> None:
    from fastapi.testclient import TestClient

    from firegrid.accounts.service import add_user
    from firegrid.api.app import create_app
    from firegrid.types import Role

    with district.session(actor="setup") as s:
        add_user(s, "plan", "Ladder-truck-42", Role.PLANNER)
        add_user(s, "view", "Hose-reel-77x", Role.VIEWER)
    client = TestClient(create_app(district))
    files = {"file": ("bad.csv", BAD.encode(), "text/csv")}
    url = "/api/districts/mtg/imports/stations?crs=wgs84"
    assert client.post(url, files=files).status_code == 401

    def login(user: str, pw: str) -> dict[str, str]:
        tok = client.post("/api/auth/login", json={"username": user, "password": pw}).json()
        client.cookies.clear()
        return {"Authorization": f"Bearer {tok['token']}"}

    res = client.post(url, files=files, headers=login("view", "Hose-reel-77x"))
    assert res.status_code == 403 and "data:write" in res.json()["detail"]
    planner = login("plan", "Ladder-truck-42")
    res = client.post(url, files=files, headers=planner)
    assert res.status_code == 422
    assert {"row": 2, "field": "class"}.items() <= res.json()["errors"][0].items()
    good = {"file": ("s.csv", b"name,class,status,lon,lat\nA,small,existing,116.1,39.9\n")}
    res = client.post(url, files=good, headers=planner)
    assert res.status_code == 200 and res.json()["accepted"] == 1
    with district.session(actor="t") as s:
        assert s.scalar(select(AuditLog.actor).where(AuditLog.entity == "station")) == "plan"
