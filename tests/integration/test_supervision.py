"""Supervision on a small hand-built district (SQLite and PostgreSQL): draw exclusions and
replay, the hazard loop and its refusals, the finder rule, overdue list, non-site share,
credit, key-unit classification, the CLI JSON contract and API permissions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import typer
from typer.testing import CliRunner

from firegrid.buildings.models import Building
from firegrid.db.session import Database
from firegrid.districts.models import District
from firegrid.errors import ConflictError, InvalidInputError, PermissionDeniedError
from firegrid.personnel.models import Certificate, Person
from firegrid.supervision import credit_service, draw_service, keyunit_service
from firegrid.supervision import service as svc
from firegrid.supervision.models import CreditScore, KeyUnitDecision
from firegrid.types import (
    CertificateKind,
    EscalationKind,
    HazardSeverity,
    HazardStatus,
    InspectionMode,
    PersonnelCategory,
    Role,
    SelfCheckReview,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

ON = date(2026, 1, 15)
PASSWORD = "Ladder-truck-42"


@pytest.fixture
def town(database: Database) -> Database:
    """District t (北京市): 8 key units (A..H), 1 ordinary building, 5 inspectors of whom 4 are
    eligible (one without a valid certificate), one not enforcement staff."""
    with database.session(actor="test") as s:
        d = District(code="t", name_zh="测试区", name_en="Test", province="北京市")
        s.add(d)
        s.flush()
        for i, (occ, area) in enumerate(
            [("hotel", 5000), ("shop", 8000), ("hospital", 9000), ("school", 20000)] * 2
        ):
            s.add(
                Building(
                    district_id=d.id,
                    code=f"K{i}",
                    name=f"单位{'ABCDEFGH'[i]}",
                    occupancy=occ,
                    floor_area_m2=area,
                    floors_below=0,
                    rooms=80 if occ == "hotel" else None,
                    beds=60 if occ == "hospital" else None,
                    has_control_room=i < 4,
                    key_unit=True,
                    lon=116.1,
                    lat=39.9,
                )
            )
        s.add(
            Building(
                district_id=d.id,
                code="R1",
                name="住宅楼",
                occupancy="shop",
                floor_area_m2=500,
                floors_below=0,
                key_unit=True,
                lon=116.1,
                lat=39.9,
            )
        )
        for i in range(6):
            p = Person(
                district_id=d.id,
                name=f"检查员{i}",
                category=PersonnelCategory.NATIONAL,
                is_enforcement_staff=i != 5,
                active=True,
            )
            s.add(p)
            s.flush()
            expires = date(2025, 12, 31) if i == 4 else date(2030, 1, 1)
            s.add(
                Certificate(
                    person_id=p.id,
                    kind=CertificateKind.LAW_ENFORCEMENT,
                    issued_on=date(2020, 1, 1),
                    expires_on=expires,
                )
            )
        s.commit()
    return database


def _ids(s: Any, model: Any) -> list[int]:
    from sqlalchemy import select

    return list(s.scalars(select(model.id).order_by(model.id)))


def test_draw_excludes_recent_closed_uncertified_and_conflicts_and_replays(
    town: Database,
) -> None:
    with town.session(actor="test") as s:
        units = _ids(s, Building)
        people = _ids(s, Person)
        # A inspected 10 days ago (excluded), B 200 days ago (kept); C closed
        svc.record_inspection(
            s,
            "t",
            building_id=units[0],
            mode=InspectionMode.REMOTE_VIDEO,
            inspected_on=ON - timedelta(days=10),
        )
        svc.record_inspection(
            s,
            "t",
            building_id=units[1],
            mode=InspectionMode.IOT_DATA,
            inspected_on=ON - timedelta(days=200),
        )
        svc.close_unit(s, "t", units[2], closed_on=ON - timedelta(days=5), reason="停业")
        # inspector 0 conflicts with D
        svc.add_conflict(s, people[0], units[3], reason="亲属")
        out = draw_service.create_draw(s, "t", period="2026-01", count=6, seed=7, on=ON)
        drawn = [u["id"] for u in out["units"]]
        assert units[0] not in drawn and units[2] not in drawn
        assert out["candidates"] == 7 and out["excluded"] == 2
        flat = {p for pair in out["inspectors"] for p in pair}
        assert flat <= set(people[:4])  # no expired certificate, no non-enforcement person
        for u, pair in zip(out["units"], out["inspectors"], strict=True):
            if u["id"] == units[3]:
                assert people[0] not in pair
        assert set(out) >= {"draw_id", "seed", "units", "inspectors"}
        assert all(set(u) >= {"id", "name", "risk_level", "credit_grade"} for u in out["units"])
        again = draw_service.replay_draw(s, out["draw_id"])
        assert again == out
        # later changes to the register do not change the replay (stored inputs)
        svc.close_unit(s, "t", drawn[0], closed_on=ON - timedelta(days=400))
        assert draw_service.replay_draw(s, out["draw_id"]) == out
        inputs = draw_service.get_draw_inputs(s, out["draw_id"])
        assert "risk_source" in inputs and inputs["seed"] == 7
        csv_text = draw_service.export_draw(s, out["draw_id"])
        assert csv_text.count("\n") == 7 and "inspector_a" in csv_text.splitlines()[0]
        with pytest.raises(InvalidInputError, match=r"only 6 are eligible .* \(3 excluded\)"):
            draw_service.create_draw(s, "t", period="2026-01", count=8, seed=1, on=ON)


def test_draw_needs_two_certified_inspectors(town: Database) -> None:
    with town.session(actor="test") as s:
        for p in s.query(Person).all():
            p.active = p.id == _ids(s, Person)[0]
        s.commit()
        with pytest.raises(InvalidInputError, match="only 1 eligible inspector"):
            draw_service.create_draw(s, "t", period="2026-01", count=1, seed=1, on=ON)


def _hazard(s: Any, units: list[int], finder: int, **kw: Any) -> int:
    h = svc.create_hazard(
        s,
        "t",
        building_id=units[0],
        description="安全出口上锁",
        actor=svc.Actor("alice", finder),
        **kw,
    )
    return h.id


def test_hazard_loop_refusals_and_finder_rule(town: Database) -> None:
    with town.session(actor="test") as s:
        units, people = _ids(s, Building), _ids(s, Person)
        hid = _hazard(s, units, people[0])
        alice, bob = svc.Actor("alice", people[0]), svc.Actor("bob", people[1])
        # every refused move from found names the allowed ones
        for bad in (HazardStatus.RECTIFYING, HazardStatus.REINSPECTING, HazardStatus.CLOSED):
            with pytest.raises(ConflictError, match="allowed from found: escalated, ordered"):
                svc.move_hazard(s, hid, bad, actor=alice)
        with pytest.raises(InvalidInputError, match="needs a deadline"):
            svc.move_hazard(s, hid, HazardStatus.ORDERED, actor=alice)
        today = datetime.now(UTC).date()
        svc.move_hazard(s, hid, HazardStatus.ORDERED, actor=alice, deadline=today + timedelta(7))
        for bad in (HazardStatus.FOUND, HazardStatus.REINSPECTING, HazardStatus.CLOSED):
            with pytest.raises(ConflictError, match="allowed from ordered: escalated, rectifying"):
                svc.move_hazard(s, hid, bad, actor=alice)
        svc.move_hazard(s, hid, HazardStatus.RECTIFYING, actor=alice)
        for bad in (HazardStatus.FOUND, HazardStatus.ORDERED, HazardStatus.CLOSED):
            with pytest.raises(ConflictError, match="allowed from rectifying"):
                svc.move_hazard(s, hid, bad, actor=alice)
        svc.move_hazard(s, hid, HazardStatus.REINSPECTING, actor=alice)
        # the finder may not record the re-inspection — by person or by login
        with pytest.raises(PermissionDeniedError, match=r"found by person .* different inspector"):
            svc.move_hazard(s, hid, HazardStatus.CLOSED, actor=alice)
        with pytest.raises(PermissionDeniedError, match="found by user alice"):
            svc.move_hazard(s, hid, HazardStatus.CLOSED, actor=svc.Actor("alice"))
        with pytest.raises(PermissionDeniedError):
            svc.move_hazard(s, hid, HazardStatus.RECTIFYING, actor=alice)
        out = svc.move_hazard(s, hid, HazardStatus.CLOSED, actor=bob)
        assert out["status"] == "closed" and out["reinspected_by_user"] == "bob"
        for bad in HazardStatus:
            with pytest.raises(ConflictError, match=r"none \(closed\)"):
                svc.move_hazard(s, hid, bad, actor=bob)
        events = svc.hazard_events(s, hid)
        assert [e["to"] for e in events] == [
            "found",
            "ordered",
            "rectifying",
            "reinspecting",
            "closed",
        ]
        # stale version is a conflict
        h2 = _hazard(s, units, people[0], severity=HazardSeverity.MAJOR)
        with pytest.raises(ConflictError, match="changed since you read it"):
            svc.move_hazard(
                s,
                h2,
                HazardStatus.ESCALATED,
                actor=bob,
                version=99,
                escalation=EscalationKind.PENALTY,
            )
        with pytest.raises(InvalidInputError, match="how it is escalated"):
            svc.move_hazard(s, h2, HazardStatus.ESCALATED, actor=bob)
        svc.move_hazard(
            s, h2, HazardStatus.ESCALATED, actor=bob, escalation=EscalationKind.SUPERVISED_LISTING
        )
        with pytest.raises(ConflictError, match="allowed from escalated: rectifying"):
            svc.move_hazard(s, h2, HazardStatus.CLOSED, actor=bob)
        h3 = _hazard(s, units, people[0])
        with pytest.raises(InvalidInputError, match="for major hazards"):
            svc.move_hazard(
                s,
                h3,
                HazardStatus.ESCALATED,
                actor=bob,
                escalation=EscalationKind.SUPERVISED_LISTING,
            )


def test_overdue_list_and_non_site_share(town: Database) -> None:
    with town.session(actor="test") as s:
        units, people = _ids(s, Building), _ids(s, Person)
        today = datetime.now(UTC).date()
        late = _hazard(s, units, people[0])
        svc.move_hazard(
            s, late, HazardStatus.ORDERED, actor=svc.Actor("a"), deadline=today + timedelta(days=3)
        )
        ontime = _hazard(s, units, people[0])
        svc.move_hazard(
            s,
            ontime,
            HazardStatus.ORDERED,
            actor=svc.Actor("a"),
            deadline=today + timedelta(days=30),
        )
        out = svc.overdue_hazards(s, "t", on=today + timedelta(days=10))
        assert [h["id"] for h in out["hazards"]] == [late]
        assert out["hazards"][0]["days_overdue"] == 7
        # 1 on-site + 4 non-site in January = 80 %
        svc.record_inspection(
            s,
            "t",
            building_id=units[0],
            mode=InspectionMode.ON_SITE,
            inspected_on=date(2026, 1, 3),
            inspector_ids=people[:2],
        )
        for m in (
            InspectionMode.REMOTE_VIDEO,
            InspectionMode.IOT_DATA,
            InspectionMode.REMOTE_VIDEO,
            InspectionMode.IOT_DATA,
        ):
            svc.record_inspection(
                s, "t", building_id=units[1], mode=m, inspected_on=date(2026, 1, 9)
            )
        share = svc.non_site_share(s, "t", period="2026-01")
        assert share["share"] == 0.8 and share["meets_target"] is True
        assert svc.non_site_share(s, "t", period="2026-02")["status"] == "no_data"
        with pytest.raises(InvalidInputError, match="two inspectors"):
            svc.record_inspection(
                s,
                "t",
                building_id=units[0],
                mode=InspectionMode.ON_SITE,
                inspected_on=date(2026, 1, 3),
                inspector_ids=people[:1],
            )
        # a self-check review counts as non-site
        si = svc.submit_self_inspection(
            s,
            "t",
            building_id=units[2],
            period="2026-01",
            submitted_by="unit",
            items=[{"item": "facilities_intact", "ok": True}],
        )
        with pytest.raises(ConflictError, match="already submitted"):
            svc.submit_self_inspection(
                s,
                "t",
                building_id=units[2],
                period="2026-01",
                submitted_by="unit",
                items=[{"item": "x", "ok": True}],
            )
        svc.review_self_inspection(
            s,
            si["id"],
            result=SelfCheckReview.ACCEPTED,
            actor=svc.Actor("bob", people[1]),
            on=date(2026, 1, 20),
        )
        share = svc.non_site_share(s, "t", period="2026-01")
        assert share["by_mode"]["self_check_review"] == 1 and share["share"] == pytest.approx(
            5 / 6, abs=1e-4
        )
        rates = credit_service.four_rates(s, "t", period="2026-01")
        assert rates["rates"]["facilities_intact_rate"]["value"] == 1.0
        assert rates["rates"]["testing_rate"]["status"] == "no_data"
        assert "not registered" in rates["rates"]["testing_rate"]["missing"]


def test_credit_grades_history_and_severe_list(town: Database) -> None:
    with town.session(actor="test") as s:
        units = _ids(s, Building)
        found = datetime(2025, 10, 1, tzinfo=UTC)
        for _ in range(2):
            h = svc.create_hazard(
                s,
                "t",
                building_id=units[5],
                description="重大隐患",
                severity=HazardSeverity.MAJOR,
                actor=svc.Actor("a"),
                found_at=found,
            )
            svc.move_hazard(
                s,
                h.id,
                HazardStatus.ORDERED,
                actor=svc.Actor("a"),
                deadline=date(2030, 1, 1),
                at=found,
            )
        svc.move_hazard(
            s,
            h.id,
            HazardStatus.ESCALATED,
            actor=svc.Actor("a"),
            escalation=EscalationKind.SUPERVISED_LISTING,
            at=found,
        )
        for k in range(3):
            svc.record_penalty(
                s, "t", building_id=units[5], decided_on=date(2025, 11, 1 + k), amount_fen=5_000_000
            )
        first = credit_service.compute_credit(s, "t", as_of=date(2025, 12, 1))
        by = {u["id"]: u for u in first["units"]}
        assert by[units[0]]["grade"] == "A" and by[units[0]]["score"] == 100
        bad = by[units[5]]
        assert bad["grade"] == "D" and bad["severe_dishonesty"]
        assert bad["breakdown"]["major_hazard"]["points"] == -20
        assert "false_alarms" in bad["no_data"]
        assert (
            credit_service.severe_dishonesty_list(s, "t", on=date(2025, 12, 2))["units"][0]["id"]
            == units[5]
        )
        # With an IoT feed, false alarms come from the command centre's dismissed proposals.
        from firegrid.iot.models import IncidentProposal, IotDevice, IotProtocol, ProposalStatus

        district_id = s.get(Building, units[2]).district_id  # type: ignore[union-attr]
        dev = IotDevice(
            district_id=district_id,
            building_id=units[2],
            code="UITD-1",
            address=1,
            protocol=IotProtocol.GB26875,
        )
        s.add(dev)
        s.flush()
        for day, status in (
            (10, ProposalStatus.DISMISSED),
            (11, ProposalStatus.DISMISSED),
            (12, ProposalStatus.ACCEPTED),
        ):
            s.add(
                IncidentProposal(
                    district_id=district_id,
                    building_id=units[2],
                    device_id=dev.id,
                    status=status,
                    decided_at=datetime(2025, 11, day, tzinfo=UTC),
                )
            )
        s.flush()
        fed = credit_service.compute_credit(s, "t", as_of=date(2025, 12, 1), store=False)
        by_fed = {u["id"]: u for u in fed["units"]}
        assert "false_alarms" not in by_fed[units[2]]["no_data"]
        assert by_fed[units[2]]["score"] < by_fed[units[0]]["score"] == 100  # 2 false alarms
        s.rollback()
        later = credit_service.compute_credit(
            s, "t", as_of=date(2027, 1, 1), false_alarms={units[1]: 12}
        )
        by2 = {u["id"]: u for u in later["units"]}
        assert by2[units[5]]["grade"] == "A"  # out of the 365-day window
        assert by2[units[1]]["score"] == 88 and by2[units[1]]["grade"] == "B"
        hist = credit_service.credit_history(s, "t", units[5])["history"]
        assert [h["grade"] for h in hist] == ["D", "A"]
        assert s.query(CreditScore).count() == 2 * 9
        # the draw takes the latest grade
        out = draw_service.create_draw(
            s, "t", period="2026-01", count=9, seed=3, on=date(2025, 12, 10)
        )
        grade = {u["id"]: u["credit_grade"] for u in out["units"]}
        assert grade[units[5]] == "D" and grade[units[0]] == "A"


def test_classification_records_why_and_updates_the_register(town: Database) -> None:
    with town.session(actor="test") as s:
        out = keyunit_service.classify_district(s, "t", on=ON, apply=False)
        rows = {b["code"]: b for b in out["buildings"]}
        assert out["rule_set"].startswith("beijing")
        assert rows["R1"]["is_key_unit"] is False and rows["R1"]["changed"]
        assert rows["K1"]["is_key_unit"] and rows["K1"]["rule_id"] == "shop_above_ground"
        assert rows["K3"]["undetermined"] and rows["K3"]["key_unit"]  # school: beds unknown
        assert s.query(KeyUnitDecision).count() == 0
        keyunit_service.classify_district(s, "t", on=ON)
        reg = keyunit_service.key_unit_register(s, "t")
        assert "R1" not in [u["code"] for u in reg["units"]] and reg["count"] == 8
        assert all(u["decision"] for u in reg["units"])


def _cli() -> typer.Typer:
    from firegrid.cli.supervision import hazards_app, inspections_app, keyunits_app

    root = typer.Typer()
    root.add_typer(inspections_app, name="inspections")
    root.add_typer(hazards_app, name="hazards")
    root.add_typer(keyunits_app, name="keyunits")
    return root


def test_cli_json_contracts(town: Database, db_url: str) -> None:
    runner = CliRunner()
    root = _cli()
    res = runner.invoke(
        root,
        [
            "inspections",
            "draw",
            "--district",
            "t",
            "--period",
            "2026-01",
            "--count",
            "3",
            "--seed",
            "11",
            "--on",
            "2026-01-15",
            "--db",
            db_url,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) >= {"draw_id", "seed", "units", "inspectors"} and out["seed"] == 11
    assert len(out["units"]) == 3 and all(len(p) == 2 for p in out["inspectors"])
    rep = runner.invoke(
        root, ["inspections", "replay", str(out["draw_id"]), "--db", db_url, "--json"]
    )
    assert rep.exit_code == 0 and json.loads(rep.stdout) == out
    od = runner.invoke(root, ["hazards", "overdue", "--district", "t", "--db", db_url, "--json"])
    assert od.exit_code == 0 and json.loads(od.stdout)["hazards"] == []
    bad = runner.invoke(
        root,
        [
            "inspections",
            "draw",
            "--district",
            "t",
            "--period",
            "2026-13",
            "--count",
            "3",
            "--db",
            db_url,
        ],
    )
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    kc = runner.invoke(
        root, ["keyunits", "classify", "--district", "t", "--dry-run", "--db", db_url, "--json"]
    )
    assert kc.exit_code == 0 and json.loads(kc.stdout)["applied"] is False


@pytest.fixture
def api(town: Database) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    from fastapi.testclient import TestClient

    from firegrid.accounts.service import add_user
    from firegrid.api.app import create_app

    with town.session(actor="test") as s:
        add_user(s, "insp", PASSWORD, Role.INSPECTOR)
        add_user(s, "vera", PASSWORD, Role.VIEWER)
    with TestClient(create_app(town)) as c:
        heads = []
        for name in ("insp", "vera"):
            r = c.post("/api/auth/login", json={"username": name, "password": PASSWORD})
            heads.append({"Authorization": f"Bearer {r.json()['token']}"})
        c.cookies.clear()
        yield c, heads[0], heads[1]


def test_api_permissions_and_finder_rule(
    api: tuple[TestClient, dict[str, str], dict[str, str]], town: Database
) -> None:
    c, insp, viewer = api
    with town.session(actor="test") as s:
        units = _ids(s, Building)
    body = {"building_id": units[0], "description": "灭火器过期"}
    assert c.post("/api/districts/t/hazards", json=body, headers=viewer).status_code == 403
    assert c.post("/api/districts/t/hazards", json=body).status_code == 401
    r = c.post("/api/districts/t/hazards", json=body, headers=insp)
    assert r.status_code == 201, r.text
    hid = r.json()["id"]
    bad = c.post(f"/api/hazards/{hid}/status", json={"to": "closed"}, headers=insp)
    assert bad.status_code == 409 and "allowed from found" in bad.text
    for step in (
        {"to": "ordered", "deadline": "2099-01-01"},
        {"to": "rectifying"},
        {"to": "reinspecting"},
    ):
        assert c.post(f"/api/hazards/{hid}/status", json=step, headers=insp).status_code == 200
    own = c.post(f"/api/hazards/{hid}/status", json={"to": "closed"}, headers=insp)
    assert own.status_code == 403 and "finder" in own.text
    draw = c.post(
        "/api/districts/t/draws",
        json={"period": "2026-01", "count": 2, "seed": 5, "on": "2026-01-15"},
        headers=viewer,
    )
    assert draw.status_code == 403
    draw = c.post(
        "/api/districts/t/draws",
        json={"period": "2026-01", "count": 2, "seed": 5, "on": "2026-01-15"},
        headers=insp,
    )
    assert draw.status_code == 201, draw.text
    replay = c.get(f"/api/draws/{draw.json()['draw_id']}/replay", headers=viewer)
    assert replay.json() == draw.json()
    assert c.get("/api/districts/t/hazards/overdue", headers=viewer).status_code == 200


def test_demo_register_feeds_the_draw_credit_and_indicators(town: Database) -> None:
    from firegrid.demo.supervision_demo import load_supervision_demo

    with town.session(actor="test") as s:
        from sqlalchemy import delete

        s.execute(delete(Certificate))
        s.execute(delete(Person))
        s.commit()
        today = date(2026, 3, 10)
        counts = load_supervision_demo(s, "t", today=today)
        s.commit()
        assert counts["people"] == 12 and counts["inspections"] >= 1
        assert load_supervision_demo(s, "t", today=today) == {
            "skipped": "district already has a people register"
        }
        people = svc.list_people(s, "t", enforcement_only=True)
        assert len(people) == 10 and all(p["synthetic"] for p in people)
        out = draw_service.create_draw(s, "t", period="2026-03", count=2, seed=1, on=today)
        eligible = {p["id"] for p in people if p["active"]} - {people[8]["id"]}
        assert {p for pair in out["inspectors"] for p in pair} <= eligible
        credit = credit_service.compute_credit(s, "t", as_of=today)
        assert sum(credit["grades"].values()) == 9
        share = svc.non_site_share(s, "t", year=2026)
        assert share["inspections"] == 0 or share["share"] is not None
