"""Excel (.xlsx) imports and the register kinds (people, training, self-inspections) follow the
import rules: every bad row reported with the sheet's row number, all or nothing, idempotent
(SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from firegrid.buildings.models import Building
from firegrid.cli.main import app
from firegrid.db.base import Base
from firegrid.db.session import Database
from firegrid.districts.models import District
from firegrid.errors import InvalidInputError
from firegrid.imports.models import ImportBatch, RejectedRow
from firegrid.imports.service import run_import
from firegrid.personnel.models import Certificate, Person
from firegrid.stations.models import Station
from firegrid.supervision.models import SelfInspection
from firegrid.training.models import TrainingAttendance, TrainingSession
from firegrid.types import (
    CertificateKind,
    LocationPrecision,
    PersonnelCategory,
    SelfCheckReview,
    StationClass,
    StationStatus,
    TraineeGroup,
    TrainingKind,
)
from firegrid.water.models import WaterSource

BOUNDARY = {
    "type": "Polygon",
    "coordinates": [[[116.0, 39.85], [116.2, 39.85], [116.2, 40.0], [116.0, 40.0], [116.0, 39.85]]],
}


@pytest.fixture
def district(database: Database) -> Database:
    with database.session(actor="setup") as s:
        d = District(code="mtg", name_zh="门头沟区", boundary_geojson=json.dumps(BOUNDARY))
        s.add(d)
        s.flush()
        for code, name in (("B1", "永辉超市"), ("B2", "门头沟医院")):
            s.add(
                Building(
                    district_id=d.id, code=code, name=name, occupancy="shop", lon=116.1, lat=39.93
                )
            )
        s.commit()
    return database


def _xlsx(path: Path, rows: list[list[Any]], *, title: str = "Sheet1") -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _snapshot(db: Database) -> dict[str, int]:
    with db.session(actor="t") as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def _imp(db: Database, kind: str, path: Path, **kw: Any) -> Any:
    return run_import(db, kind, path, district_code="mtg", actor="t", **kw)


# -- Excel for an existing kind ----------------------------------------------------------------

WATER = [
    ["编号", "类型", "状态", "建设年份", "流量", "经度", "纬度"],
    ["H-1", "市政消火栓", "完好", 2015, 15.5, 116.1, 39.93],
    ["H-2", "hydrant", "faulty", 2018.0, 10, 116.11, 39.94],
]
WATER_CSV = (
    "编号,类型,状态,建设年份,流量,经度,纬度\n"
    "H-1,市政消火栓,完好,2015,15.5,116.1,39.93\n"
    "H-2,hydrant,faulty,2018,10,116.11,39.94\n"
)


def _water(db: Database) -> list[tuple[Any, ...]]:
    with db.session(actor="t") as s:
        rows = s.scalars(select(WaterSource).order_by(WaterSource.code)).all()
        return [
            (w.code, w.kind, w.status, w.commissioned_year, w.flow_l_s, w.lon, w.lat) for w in rows
        ]


def test_xlsx_equals_the_csv_of_the_same_data(
    district: Database, database: Database, tmp_path: Path
) -> None:
    book = _xlsx(tmp_path / "water.xlsx", WATER)
    rep = _imp(district, "water", book, crs="wgs84")
    assert rep.written and rep.counts == {"inserted": 2, "updated": 0, "unchanged": 0}
    from_xlsx = _water(district)
    assert from_xlsx[1][3] == 2018  # a float year read as a whole number
    csv = tmp_path / "water.csv"
    csv.write_text(WATER_CSV, encoding="utf-8")
    again = _imp(district, "water", csv, crs="wgs84")
    assert again.counts == {"inserted": 0, "updated": 0, "unchanged": 2}
    assert _water(district) == from_xlsx


def test_xlsx_bad_rows_carry_the_excel_row_number_and_nothing_is_written(
    district: Database, tmp_path: Path
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["门头沟区消防站登记表"])  # a title merged over the table
    ws.merge_cells("A1:F1")
    ws.append([])
    ws.append(["名称", "类别", "状态", "经度", "纬度", "规划年份"])  # header: row 3
    ws.append(["A站", "一级普通消防站", "已建", 116.10, 39.94, None])
    ws.append(["B站", "castle", "existing", 116.08, 39.95, None])
    ws.append([])
    ws.append(["C站", "small", "planned", "abc", 39.88, 2028])
    ws.append(["制表人：张三"])
    ws.merge_cells("A8:F8")
    path = tmp_path / "stations.xlsx"
    wb.save(path)
    before = _snapshot(district)
    rep = _imp(district, "stations", path, crs="wgs84")
    assert not rep.written and (rep.rows, rep.rejected) == (3, 2)
    assert {(e.row, e.field) for e in rep.errors} == {(5, "类别"), (7, "经度")}
    assert _snapshot(district) == before


def test_xlsx_sheet_choice_dates_and_merged_cells(district: Database, tmp_path: Path) -> None:
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "说明"
    first.append(["this sheet explains the register"])
    ws = wb.create_sheet("人员")
    ws.append(["姓名", "人员编号", "人员类别", "证书类型", "发证日期", "有效期至"])
    ws.append(["张三", "P1", "政府专职消防员", "行政执法资格证", datetime(2023, 1, 5), None])
    ws.append(["李四", "P2", None, "law_enforcement", date(2022, 6, 1), "2027-05-31"])
    ws.merge_cells("C2:C3")  # one category cell for both people
    path = tmp_path / "people.xlsx"
    wb.save(path)
    with pytest.raises(InvalidInputError, match=r"people\.xlsx.*no sheet named '名册'.*人员"):
        _imp(district, "people", path, sheet="名册")
    rep = _imp(district, "people", path, sheet="人员")
    assert rep.written, rep.errors
    with district.session(actor="t") as s:
        people = {p.code: p for p in s.scalars(select(Person))}
        assert people["P2"].category == PersonnelCategory.GOV_FULLTIME
        certs = {c.person_id: c for c in s.scalars(select(Certificate))}
    assert certs[people["P1"].id].issued_on == date(2023, 1, 5)
    assert certs[people["P2"].id].expires_on == date(2027, 5, 31)


def test_bad_workbooks_are_refused_by_name(district: Database, tmp_path: Path) -> None:
    not_zip = tmp_path / "notzip.xlsx"
    not_zip.write_bytes(b"name,class\n")
    with pytest.raises(InvalidInputError, match=r"notzip\.xlsx: not an \.xlsx workbook"):
        _imp(district, "people", not_zip)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(InvalidInputError, match=r"locked\.xlsx: .*password-protected"):
        _imp(district, "people", locked)
    empty = _xlsx(tmp_path / "empty.xlsx", [])
    with pytest.raises(InvalidInputError, match=r"empty\.xlsx.*empty"):
        _imp(district, "people", empty)
    csv = tmp_path / "p.csv"
    csv.write_text("姓名,人员类别\n张三,volunteer\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="--sheet"):
        _imp(district, "people", csv, sheet="x")


# -- people ------------------------------------------------------------------------------------

PEOPLE = [
    ["姓名", "人员编号", "人员类别", "职务", "执法人员", "证书类型", "证书编号", "有效期至"],
    ["王五", "E1", "国家综合性消防救援队伍", "监督员", "是", "行政执法资格证", "Z-1", "2028-12-31"],
    ["王五", "E1", "national", "监督员", "是", "消防安全管理人", "M-9", None],
    ["赵六", None, "volunteer", None, "否", None, None, None],
]


def test_people_import_is_idempotent(district: Database, tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "people.xlsx", PEOPLE)
    first = _imp(district, "people", path)
    assert first.written and first.counts == {"inserted": 4, "updated": 0, "unchanged": 0}
    again = _imp(district, "people", path)
    assert again.counts == {"inserted": 0, "updated": 0, "unchanged": 4}
    with district.session(actor="t") as s:
        wang = s.scalars(select(Person).where(Person.code == "E1")).one()
        assert wang.is_enforcement_staff and wang.title == "监督员"
        kinds = set(s.scalars(select(Certificate.kind).where(Certificate.person_id == wang.id)))
        assert kinds == {CertificateKind.LAW_ENFORCEMENT, CertificateKind.FIRE_SAFETY_MANAGER}
        assert s.scalar(select(func.count()).select_from(Person)) == 2


def test_people_bad_rows(district: Database, tmp_path: Path) -> None:
    rows = [
        ["姓名", "人员编号", "人员类别", "证书类型", "发证日期", "有效期至"],
        ["甲", "E1", "national", "law_enforcement", "2024-01-01", "2026-01-01"],
        ["乙", "E2", "firefighterish", None, None, None],
        ["丙", "E3", "national", "law_enforcement", "2024-13-01", None],
        ["丁", "E4", "national", None, "2024-01-01", None],
        ["戊", "E5", "national", "law_enforcement", "2025-01-01", "2024-01-01"],
        ["甲", "E1", "volunteer", "other", None, None],
    ]
    before = _snapshot(district)
    rep = _imp(district, "people", _xlsx(tmp_path / "bad.xlsx", rows))
    assert not rep.written and rep.rejected == 5
    assert {(e.row, e.field) for e in rep.errors} == {
        (3, "人员类别"),
        (4, "发证日期"),
        (5, "证书类型"),
        (6, "有效期至"),
        (7, "人员类别"),
    }
    reasons = {e.row: e.reason for e in rep.errors}
    assert "firefighterish" in reasons[3] and "not a date" in reasons[4]
    assert "row 2" in reasons[7]
    assert _snapshot(district) == before


# -- training ----------------------------------------------------------------------------------

TRAINING = [
    ["培训名称", "培训日期", "培训类型", "姓名", "人员类别", "单位", "考核结果", "成绩"],
    ["灭火器实操", date(2025, 3, 5), "public_skills", "刘一", "网格员", "大峪社区", None, None],
    ["灭火器实操", date(2025, 3, 5), "public_skills", "陈二", "居民", "大峪社区", None, None],
    ["体能考核", "2025/4/1", "专业训练考核", "孙三", "消防员", "小站", "合格", 88],
    ["体能考核", "2025/4/1", "专业训练考核", "周四", "消防员", "小站", "不合格", 52.5],
]


def test_training_import_creates_sessions_and_is_idempotent(
    district: Database, tmp_path: Path
) -> None:
    path = _xlsx(tmp_path / "training.xlsx", TRAINING)
    first = _imp(district, "training", path)
    assert first.written, first.errors
    assert first.counts == {"inserted": 6, "updated": 0, "unchanged": 0}  # 2 sessions, 4 people
    again = _imp(district, "training", path)
    assert again.counts == {"inserted": 0, "updated": 0, "unchanged": 6}
    with district.session(actor="t") as s:
        sessions = {t.code: t for t in s.scalars(select(TrainingSession))}
        assert set(sessions) == {"2025-03-05 灭火器实操", "2025-04-01 体能考核"}
        assert sessions["2025-04-01 体能考核"].kind == TrainingKind.PROFESSIONAL
        atts = {a.name: a for a in s.scalars(select(TrainingAttendance))}
    assert atts["孙三"].passed is True and atts["周四"].score == 52.5
    assert atts["刘一"].group == TraineeGroup.GRID_MEMBER and atts["刘一"].passed is None


def test_training_bad_rows(district: Database, tmp_path: Path) -> None:
    rows = [
        *TRAINING[:2],
        ["灭火器实操", date(2025, 3, 5), "drill", "陈二", "居民", "大峪社区", None, None],
        ["体能考核", "2025-02-30", "professional", "孙三", "消防员", "", "合格", 88],
        ["体能考核", "2025-04-01", "professional", "周四", "astronaut", "", "maybe", 1],
        ["灭火器实操", date(2025, 3, 5), "public_skills", "刘一", "网格员", "大峪社区", None, None],
    ]
    before = _snapshot(district)
    rep = _imp(district, "training", _xlsx(tmp_path / "bad.xlsx", rows))
    assert not rep.written and rep.rejected == 4
    assert {(e.row, e.field) for e in rep.errors} == {
        (3, "培训类型"),
        (4, "培训日期"),
        (5, "人员类别"),
        (5, "考核结果"),
        (6, "培训名称,姓名,单位"),
    }
    assert _snapshot(district) == before


# -- self-inspections --------------------------------------------------------------------------

CHECKS = [
    ["单位名称", "建筑编号", "自查月份", "全部合格", "自查项目", "填报人"],
    ["永辉超市", None, "2025-03", "是", "疏散通道；灭火器", "店长"],
    [None, "B2", datetime(2025, 3, 1), "否", "消防控制室:是\n灭火器:否:压力不足", "保卫科"],
    ["门头沟医院", "B2", "2025-04", None, None, None],
]


def test_self_inspections_import(district: Database, tmp_path: Path) -> None:
    rows = [*CHECKS[:3], ["门头沟医院", "B2", "2025-04", "合格", None, None]]
    path = _xlsx(tmp_path / "checks.xlsx", rows)
    first = _imp(district, "self_inspections", path)
    assert first.written, first.errors
    assert first.counts == {"inserted": 3, "updated": 0, "unchanged": 0}
    assert _imp(district, "self_inspections", path).counts["unchanged"] == 3
    with district.session(actor="t") as s:
        checks = {(c.building_id, c.period): c for c in s.scalars(select(SelfInspection))}
        b2 = s.scalar(select(Building.id).where(Building.code == "B2"))
        hospital = checks[(b2, "2025-03")]
        assert not hospital.all_ok
        assert json.loads(hospital.items_json)[1] == {
            "item": "灭火器",
            "ok": False,
            "note": "压力不足",
        }
        hospital.review_result = SelfCheckReview.ACCEPTED
        s.commit()
    # A reviewed self-inspection is not rewritten by a later file.
    changed = [*CHECKS[:2], [None, "B2", "2025-03", "是", "消防控制室", "保卫科"]]
    rep = _imp(district, "self_inspections", _xlsx(tmp_path / "c2.xlsx", changed))
    assert [(e.row, e.field) for e in rep.errors] == [(3, "自查项目")]
    assert "already reviewed" in rep.errors[0].reason


def test_self_inspection_bad_rows(district: Database, tmp_path: Path) -> None:
    rows = [
        CHECKS[0],
        ["永辉超市", None, "2025-03", "是", "疏散通道", ""],
        ["不存在的单位", None, "2025-03", "是", "疏散通道", ""],
        [None, "B9", "2025-03", "是", "疏散通道", ""],
        ["永辉超市", None, "2025-13", "是", "疏散通道", ""],
        ["门头沟医院", None, "2025-03", "是", "灭火器:否", ""],
        ["门头沟医院", None, "2025-03", None, "灭火器:也许", ""],
        ["永辉超市", None, "2025-03", "是", "灭火器", ""],
    ]
    before = _snapshot(district)
    rep = _imp(district, "self_inspections", _xlsx(tmp_path / "bad.xlsx", rows))
    assert not rep.written
    assert {(e.row, e.field) for e in rep.errors} == {
        (3, "单位名称"),
        (4, "建筑编号"),
        (5, "自查月份"),
        (6, "全部合格"),
        (7, "自查项目"),
        (8, "单位名称,自查月份"),
    }
    assert "不存在的单位" in {e.row: e.reason for e in rep.errors}[3]
    assert _snapshot(district) == before


# -- --keep-valid, the CLI and the API ---------------------------------------------------------


def test_keep_valid_writes_the_good_rows_of_a_workbook(district: Database, tmp_path: Path) -> None:
    rows = [CHECKS[0], CHECKS[1], ["不存在的单位", None, "2025-03", "是", "疏散通道", ""]]
    rep = _imp(district, "self_inspections", _xlsx(tmp_path / "k.xlsx", rows), keep_valid=True)
    assert rep.written and (rep.accepted, rep.rejected) == (1, 1)
    with district.session(actor="t") as s:
        assert s.scalar(select(func.count()).select_from(SelfInspection)) == 1
        batch = s.scalars(select(ImportBatch)).one()
        assert (batch.kind, batch.inserted, batch.rejected) == ("self_inspections", 1, 1)
        kept = s.scalars(select(RejectedRow)).one()
        assert kept.row == 3 and kept.data["单位名称"] == "不存在的单位"
        assert kept.errors[0]["field"] == "单位名称"


def test_cli_imports_xlsx_with_json_output(district: Database, db_url: str, tmp_path: Path) -> None:
    with district.session(actor="setup") as s:
        s.add(
            Station(
                district_id=s.scalar(select(District.id)),
                name="小站",
                station_class=StationClass.SMALL,
                status=StationStatus.EXISTING,
                location_precision=LocationPrecision.EXACT,
                lon=116.1,
                lat=39.9,
            )
        )
        s.commit()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "register"
    wb.create_sheet("people")
    wb["people"].append(["name", "code", "category", "station", "certificate_kind"])
    wb["people"].append(["Li Lei", "F1", "gov_fulltime", "小站", "special_disaster_rescue"])
    wb["people"].append(["Han Meimei", "F2", "gov_fulltime", "大站", None])
    path = tmp_path / "people.xlsx"
    wb.save(path)
    runner = CliRunner()
    args = ["import", "people", str(path), "--sheet", "people", "--district", "mtg"]
    res = runner.invoke(app, [*args, "--db", db_url, "--json"])
    assert res.exit_code == 1
    body = json.loads(res.stdout)
    assert (body["written"], body["rejected"]) == (False, 1)
    assert {"row": 3, "field": "station"}.items() <= body["errors"][0].items()
    res = runner.invoke(app, [*args, "--keep-valid", "--db", db_url, "--json"])
    body = json.loads(res.stdout)
    assert body["written"] and body["counts"]["inserted"] == 2  # a person and a certificate
    with district.session(actor="t") as s:
        li = s.scalars(select(Person)).one()
        assert li.station_id == s.scalar(select(Station.id))


def test_upload_accepts_xlsx_with_a_sheet_field(district: Database, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from firegrid.accounts.service import add_user
    from firegrid.api.app import create_app
    from firegrid.types import Role

    with district.session(actor="setup") as s:
        add_user(s, "plan", "Ladder-truck-42", Role.PLANNER)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "封面"
    wb.create_sheet("水源")
    for row in WATER:
        wb["水源"].append(row)
    path = tmp_path / "w.xlsx"
    wb.save(path)
    client = TestClient(create_app(district))
    tok = client.post(
        "/api/auth/login", json={"username": "plan", "password": "Ladder-truck-42"}
    ).json()
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {tok['token']}"}
    url = "/api/districts/mtg/imports/water?crs=wgs84"
    files = {"file": ("水源.xlsx", path.read_bytes())}
    res = client.post(url, files=files, data={"sheet": "水源"}, headers=headers)
    assert res.status_code == 200, res.text
    assert res.json()["accepted"] == 2
    res = client.post(url, files=files, data={"sheet": "nope"}, headers=headers)
    assert res.status_code == 422 and "no sheet named 'nope'" in res.text
