"""Equipment and training on SQLite and PostgreSQL: replacement plan, compliance against the
standard, training figures, CLI JSON contracts, imports refusing bad rows, API permissions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from firegrid.db.session import Database
from firegrid.districts.models import District
from firegrid.equipment import service as eq
from firegrid.equipment.models import EquipmentItem
from firegrid.equipment.standards import load_equipment_standards
from firegrid.errors import ConflictError
from firegrid.imports.service import run_import
from firegrid.stations.models import Apparatus, Station
from firegrid.training import service as tr
from firegrid.types import (
    ApparatusStatus,
    EquipmentStatus,
    LocationPrecision,
    Role,
    StationClass,
    StationStatus,
    TraineeGroup,
    TrainingKind,
    VehicleType,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

PASSWORD = "Ladder-truck-42"


@pytest.fixture
def town(database: Database) -> Database:
    with database.session(actor="test") as s:
        d = District(code="t", name_zh="测试区", name_en="Test", timezone="Asia/Shanghai")
        s.add(d)
        s.flush()
        small = Station(
            district_id=d.id,
            name="小站",
            station_class=StationClass.SMALL,
            status=StationStatus.EXISTING,
            commissioned_year=2015,
            location_precision=LocationPrecision.EXACT,
            lon=116.1,
            lat=39.9,
        )
        s.add(small)
        s.flush()
        for code, year in [("V1", 2009), ("V2", 2011), ("V3", None), ("V4", 2011)]:
            s.add(
                Apparatus(
                    district_id=d.id,
                    station_id=small.id,
                    code=code,
                    vehicle_type=VehicleType.WATER_TENDER,
                    status=ApparatusStatus.IN_SERVICE,
                    commission_year=year,
                )
            )
        s.add(
            WaterSource(
                district_id=d.id,
                code="H1",
                kind=WaterSourceKind.HYDRANT,
                status=WaterSourceStatus.IN_SERVICE,
                lon=116.1,
                lat=39.9,
            )
        )
        std = load_equipment_standards()
        n = 0
        for kind, count in std.classes[StationClass.SMALL].items.items():
            for _ in range(count - (1 if kind == "radio" else 0)):  # one radio short
                n += 1
                s.add(
                    EquipmentItem(
                        district_id=d.id,
                        station_id=small.id,
                        code=f"E{n}",
                        kind=kind,
                        status=EquipmentStatus.IN_USE,
                    )
                )
        s.commit()
    return database


def test_replacement_plan_lists_vehicles_by_year_past_15_years(town: Database) -> None:
    with town.session(actor="t") as s:
        out = eq.replacement_plan(s, "t", year=2025)
    assert [(y["year"], [v["code"] for v in y["vehicles"]]) for y in out["years"]] == [
        (2024, ["V1"]),
        (2026, ["V2", "V4"]),
    ]
    assert out["due_now"] == 1 and out["years"][0]["vehicles"][0]["due"] is True
    assert [v["code"] for v in out["unknown_commission_year"]] == ["V3"]


def test_compliance_against_the_standard_and_the_small_station_target(town: Database) -> None:
    with town.session(actor="t") as s:
        out = eq.equipment_compliance(s, "t", year=2026, new_since=2026)
    st = out["stations"][0]
    # 8 item lines + vehicles; the radio line is one short: 8/9.
    assert (st["lines_met"], st["lines"], st["compliant"]) == (8, 9, False)
    assert st["shortfalls"] == {"radio": {"required": 8, "held": 7}}
    assert out["groups"]["small"] == {
        "stations": 1,
        "compliant_stations": 0,
        "rate_percent": 88.89,
        "target_percent": 80.0,
    }
    assert out["standard_placeholder"] is True


def test_item_lifecycle_refuses_invalid_moves_and_lists_overdue_maintenance(town: Database) -> None:
    with town.session(actor="t") as s:
        eq.create_item(
            s,
            "t",
            eq.ItemInput(
                code="N1", kind="scba", epc="3034257BF7194E4000000001", procured_on=date(2026, 1, 1)
            ),
            actor="log",
        )
        with pytest.raises(ConflictError, match="allowed from procurement: in_stock"):
            eq.move_item(s, "t", "N1", "in_use", actor="log")
        eq.move_item(s, "t", "N1", "in_stock", actor="log")
        out = eq.move_item(s, "t", "N1", "issued", actor="log", station="小站")
        assert out["station"] == "小站" and out["status"] == "issued"
        due = eq.maintenance_due(s, "t", today=date(2026, 3, 1))
        assert "N1" in [r["code"] for r in due]
        eq.record_maintenance(s, "t", "N1", performed_on=date(2026, 2, 20), actor="log")
        assert "N1" not in [r["code"] for r in eq.maintenance_due(s, "t", today=date(2026, 3, 1))]


def test_training_pass_rate_and_people_trained(town: Database) -> None:
    with town.session(actor="t") as s:
        tr.create_session(
            s,
            "t",
            tr.SessionInput(
                "P1",
                "实操实训",
                TrainingKind.PUBLIC_SKILLS,
                date(2026, 3, 1),
                unlisted_attendees=40,
            ),
        )
        tr.create_session(
            s, "t", tr.SessionInput("P2", "实操实训", TrainingKind.PUBLIC_SKILLS, date(2026, 4, 1))
        )
        tr.create_session(
            s, "t", tr.SessionInput("F1", "考核", TrainingKind.PROFESSIONAL, date(2026, 5, 1))
        )
        a = tr.AttendeeInput
        tr.add_attendance(
            s,
            "t",
            "P1",
            [
                a("张三", TraineeGroup.SECURITY_GUARD, "甲物业"),
                a("李四", TraineeGroup.COMMUNITY_POLICE, "派出所"),
            ],
        )
        tr.add_attendance(s, "t", "P2", [a("张三", TraineeGroup.SECURITY_GUARD, "甲物业")])
        tr.add_attendance(
            s,
            "t",
            "F1",
            [a(f"消防员{i}", TraineeGroup.FIREFIGHTER, passed=i < 19) for i in range(20)]
            + [a("缺考", TraineeGroup.FIREFIGHTER)],
        )
        out = tr.training_summary(s, "t", 2026)
    # 张三 twice counts once: 2 named + 40 by head; 19 of 20 assessed passed (one not assessed).
    assert out["people_trained"] == 42
    assert (out["passed"], out["assessed"], out["pass_rate_percent"]) == (19, 20, 95.0)
    assert out["synthetic"] is False


def test_cli_json_contracts(town: Database, db_url: str) -> None:
    from firegrid.cli.records import equipment_app, water_app

    runner = CliRunner()
    r = runner.invoke(
        water_app,
        ["intact-rate", "--district", "t", "--month", "2026-01", "--json", "--db", db_url],
    )
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert {"district", "month", "intact", "registered", "rate_percent", "by_kind"} <= set(body)
    assert (body["intact"], body["registered"]) == (1, 1)
    r = runner.invoke(
        equipment_app,
        ["replacement-plan", "--district", "t", "--year", "2025", "--json", "--db", db_url],
    )
    assert r.exit_code == 0, r.output
    plan = json.loads(r.stdout)
    assert plan["service_life_years"] == 15 and plan["years"][0]["year"] == 2024
    r = runner.invoke(
        water_app, ["intact-rate", "--district", "t", "--month", "2026-1x", "--db", db_url]
    )
    assert r.exit_code == 2 and "YYYY-MM" in r.output


def test_equipment_import_rejects_bad_rows_by_name_and_writes_nothing(
    town: Database, tmp_path: Path
) -> None:
    path = tmp_path / "eq.csv"
    path.write_text(
        "编号,装备类型,EPC,队站\nX1,scba,3034257BF7194E4000000009,小站\n"
        "X2,scba,NOTHEX,小站\nX3,laser,3034257BF7194E400000000A,无此站\n",
        encoding="utf-8",
    )
    rep = run_import(town, "equipment", path, district_code="t", actor="t")
    assert not rep.written and rep.rejected == 2
    assert [(e.row, e.field) for e in rep.errors] == [(2, "EPC"), (3, "装备类型")]
    assert "24 hex" in rep.errors[0].reason
    with town.session(actor="t") as s:
        assert (
            s.scalar(
                select(func.count()).select_from(EquipmentItem).where(EquipmentItem.code.like("X%"))
            )
            == 0
        )
    path.write_text(
        "编号,装备类型,EPC,队站\nX1,scba,3034257BF7194E4000000009,小站\n", encoding="utf-8"
    )
    assert run_import(town, "equipment", path, district_code="t", actor="t").written


def test_api_permissions_viewer_reads_inspector_writes_water(town: Database) -> None:
    from fastapi.testclient import TestClient

    from firegrid.accounts.service import add_user
    from firegrid.api.app import create_app

    with town.session(actor="test") as s:
        add_user(s, "insp", PASSWORD, Role.INSPECTOR)
        add_user(s, "vera", PASSWORD, Role.VIEWER)
    with TestClient(create_app(town)) as c:
        heads = {}
        for name in ("insp", "vera"):
            r = c.post("/api/auth/login", json={"username": name, "password": PASSWORD})
            heads[name] = {"Authorization": f"Bearer {r.json()['token']}"}
        c.cookies.clear()
        body = {"source_code": "H1", "defect": "渗漏"}
        assert c.post("/api/districts/t/water/tickets", json=body).status_code == 401
        assert (
            c.post("/api/districts/t/water/tickets", json=body, headers=heads["vera"]).status_code
            == 403
        )
        r = c.post("/api/districts/t/water/tickets", json=body, headers=heads["insp"])
        assert r.status_code == 201
        tid = r.json()["id"]
        r = c.post(
            f"/api/districts/t/water/tickets/{tid}/move",
            json={"to_status": "rechecked"},
            headers=heads["insp"],
        )
        assert r.status_code in (409, 422)
        r = c.get("/api/districts/t/water/intact-rate?month=2026-01", headers=heads["vera"])
        assert r.status_code == 200
        assert (
            c.post(
                "/api/districts/t/equipment",
                json={"code": "Z", "kind": "scba"},
                headers=heads["insp"],
            ).status_code
            == 403
        )
        r = c.get("/api/districts/t/vehicles/replacement-plan?year=2025", headers=heads["vera"])
        assert r.status_code == 200 and r.json()["due_now"] == 1
        r = c.get("/api/districts/t/training/summary?year=2026", headers=heads["vera"])
        assert r.status_code == 200
