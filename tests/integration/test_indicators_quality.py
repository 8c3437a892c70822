"""Plan indicators and data-quality findings computed from the demo records (SQLite + PG)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from firegrid.api.app import create_app
from firegrid.buildings.models import Building
from firegrid.cli.main import app
from firegrid.db.session import Database
from firegrid.districts.models import District
from firegrid.indicators.service import evaluate_district
from firegrid.iot.models import IotDevice, IotProtocol
from firegrid.personnel.models import Certificate, Person
from firegrid.quality.service import district_findings
from firegrid.supervision.models import Inspection, SelfInspection
from firegrid.types import CertificateKind, InspectionMode, PersonnelCategory, SelfCheckReview


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
    # sessions (mtg-14, mtg-19), equipment inventory (mtg-18a, mtg-18b) and enforcement-staff
    # register with its certificates (mtg-16).
    assert flagged == [
        "mtg-01",
        "mtg-02",
        "mtg-10",
        "mtg-11",
        "mtg-14",
        "mtg-16",
        "mtg-18a",
        "mtg-18b",
        "mtg-19",
    ]
    assert r["mtg-16"]["synthetic_inputs"] == [
        {"kind": "people", "synthetic": 9, "records": 9},
        {"kind": "certificates", "synthetic": 9, "records": 9},
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


# The supervision demo (src/firegrid/demo/supervision_demo.py) dates its records back from the
# day it is loaded (UTC): the demo_url fixture loads it on the day the tests run.
LOAD_DAY = datetime.now(UTC).date()


def _mentougou_on(db: Database, year: int, today: date) -> dict[str, dict[str, Any]]:
    with db.session(actor="t") as s:
        plans = evaluate_district(s, "mentougou", year, today=today)
    return {r.indicator.id: r.as_dict() for p in plans for r in p.results}


def test_mentougou_supervision_people_and_iot_from_the_demo(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s:
        key_units = s.scalars(
            select(Building)
            .where(Building.key_unit.is_(True))
            .join(District)
            .where(District.code == "mentougou")
            .order_by(Building.id)
        ).all()
    rooms = sum(1 for b in key_units if b.has_control_room)
    assert len(key_units) == 86  # the report's provenance counts these 86 synthetic buildings
    r = _mentougou_on(demo_db, LOAD_DAY.year, LOAD_DAY)

    # mtg-05: 86 // 3 = 28 key units inspected; the modes cycle on-site, video, IoT, video, IoT,
    # so inspections 0, 5, …, 25 are on site (6) and 22 are non-site: 22 / 28 = 78.57 % < 80 %,
    # not missed — the deadline is 2027. They are dated 5–179 days before the load day.
    if (LOAD_DAY - timedelta(days=179)).year == LOAD_DAY.year:
        five = r["mtg-05"]
        assert (five["value"], five["status"], five["reason"]) == (
            78.57,
            "at_risk",
            "target_not_yet_met",
        )
        assert (five["detail"]["on_site"], five["detail"]["non_site"]) == (6, 22)
        assert five["synthetic_inputs"] == [{"kind": "inspections", "synthetic": 28, "records": 28}]

    # mtg-06/07: the first 86 // 4 = 21 key units submit self-checks for the three months before
    # the load month; the latest is still pending, so the review month is two months back. 21 of
    # 86 key units is no district rate: no value, and the Need says how many are missing.
    if LOAD_DAY.month >= 3:
        month = f"{LOAD_DAY.year}-{LOAD_DAY.month - 2:02d}"
        six = r["mtg-06"]
        assert (six["value"], six["status"]) == (None, "no_data")
        assert six["missing"] == [
            f"accepted self-inspections of {month} reporting the standardised-management item "
            "for all 86 key units: 21 have one, 65 do not"
        ]
        seven = r["mtg-07"]
        assert seven["status"] == "no_data"
        reporting_rooms = sum(1 for b in key_units[:21] if b.has_control_room)
        assert set(seven["detail"]["reported"].values()) == {reporting_rooms}
        assert f"for all {rooms} key units with a fire control room" in seven["missing"][0]

    # mtg-15: the demo register has 10 enforcement officers (law-enforcement certificates) and
    # 2 control-room operators: no special-disaster rescue certificate at all.
    assert r["mtg-15"]["missing"] == [
        "national special-disaster rescue certificates (special_disaster_rescue) in the people "
        "register (none among its 12 people)"
    ]
    # mtg-16: officers 1–10 are national enforcement staff, officer 10 is on leave: 9 staff.
    # Officer 9's certificate lapsed 30 days before the load day, the others run 5 years:
    # 8 / 9 = 88.89 % < 100 %, not yet met before 2030.
    sixteen = r["mtg-16"]
    assert (sixteen["value"], sixteen["status"], sixteen["synthetic"]) == (88.89, "at_risk", True)
    assert sixteen["detail"]["with_valid_certificate"] == 8
    # mtg-20: the demo registers no IoT device.
    assert r["mtg-20"]["missing"] == [
        f"IoT “three water + one alarm” device register of the {rooms} units with a fire "
        f"control room (no device registered in the district by the end of {LOAD_DAY.year}; "
        "fed by: iot)"
    ]

    # mtg-16 in 2025: on 2025-12-31 all nine certificates were valid when the demo is loaded
    # between 2026-01-30 (officer 9's still ran) and 2027-02-04 (all issued ≥ 400 days before).
    if date(2026, 1, 30) <= LOAD_DAY <= date(2027, 2, 4):
        past = _by_id(demo_db, "mentougou", 2025)["mtg-16"]
        assert (past["value"], past["status"]) == (100.0, "on_track")


def test_people_trained_by_october_is_not_a_miss_while_the_year_runs(demo_db: Database) -> None:
    # records_demo.py: 2026 has 10 months × 5 public sessions, 5 named trainees each plus 80–99
    # counted by head (seeded): 4,705 people by October against 5,000 a year.
    running = _mentougou_on(demo_db, 2026, date(2026, 11, 1))["mtg-19"]
    assert (running["value"], running["status"], running["reason"]) == (
        4705.0,
        "at_risk",
        "year_not_over",
    )
    assert running["progress"] == 0.941
    assert (running["year_complete"], running["as_of"]) == (False, "2026-11-01")
    assert running["year_note_zh"].startswith("2026年尚未结束：数值截至2026-11-01")
    # Once 2026 is over the same 4,705 is a miss; 2025's 5,674 met the target.
    over = _mentougou_on(demo_db, 2026, date(2027, 1, 5))["mtg-19"]
    assert (over["status"], over["reason"], over["year_complete"]) == (
        "missed",
        "target_not_met",
        True,
    )
    assert _by_id(demo_db, "mentougou", 2025)["mtg-19"]["status"] == "on_track"


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


# ----------------------------------------- supervision, people register and IoT: a small town


TODAY = date(2026, 11, 24)  # 2026 is running; 2025 is over


def _items(**ok: bool) -> str:
    """A self-check with the five standard items ok unless named False."""
    names = [
        "facilities_intact",
        "annual_test_done",
        "maintenance_contract",
        "control_room_staff_certified",
        "standardised_management",
    ]
    return json.dumps([{"item": n, "ok": ok.get(n, True), "note": ""} for n in names])


@pytest.fixture
def town(database: Database) -> Database:
    """District t: key units K0–K4 (control room: K0–K2 yes, K3 no, K4 unknown), inspections,
    reviewed self-checks, a people register with certificates and four IoT devices."""
    with database.session(actor="test") as s:
        d = District(code="t", name_zh="测试区", name_en="Test", province="北京市")
        s.add(d)
        s.flush()
        units = []
        for i, room in enumerate([True, True, True, False, None]):
            b = Building(
                district_id=d.id,
                code=f"K{i}",
                name=f"单位{i}",
                occupancy="shop",
                has_control_room=room,
                key_unit=True,
                lon=116.1,
                lat=39.9,
            )
            s.add(b)
            units.append(b)
        s.flush()
        k = [b.id for b in units]
        # 2026: 4 non-site + 1 on-site (2 of them synthetic); 2025: 1 on-site.
        for b, mode, day, syn in [
            (k[0], InspectionMode.REMOTE_VIDEO, date(2026, 3, 1), True),
            (k[1], InspectionMode.REMOTE_VIDEO, date(2026, 4, 1), True),
            (k[2], InspectionMode.IOT_DATA, date(2026, 5, 1), False),
            (k[3], InspectionMode.SELF_CHECK_REVIEW, date(2026, 6, 1), False),
            (k[4], InspectionMode.ON_SITE, date(2026, 7, 1), False),
            (k[0], InspectionMode.ON_SITE, date(2025, 7, 1), False),
        ]:
            s.add(
                Inspection(
                    district_id=d.id, building_id=b, mode=mode, inspected_on=day, synthetic=syn
                )
            )
        # 2026-09 accepted for all five: K2's facilities are not intact, K4 is not standardised;
        # 2026-08 accepted for K0 only; 2026-10 still pending for K0 (not evidence yet).
        for b, period, review, items in [
            (k[0], "2026-09", SelfCheckReview.ACCEPTED, _items()),
            (k[1], "2026-09", SelfCheckReview.ACCEPTED, _items()),
            (k[2], "2026-09", SelfCheckReview.ACCEPTED, _items(facilities_intact=False)),
            (k[3], "2026-09", SelfCheckReview.ACCEPTED, _items()),
            (k[4], "2026-09", SelfCheckReview.ACCEPTED, _items(standardised_management=False)),
            (k[0], "2026-08", SelfCheckReview.ACCEPTED, _items()),
            (k[0], "2026-10", SelfCheckReview.PENDING, _items(annual_test_done=False)),
        ]:
            s.add(
                SelfInspection(
                    district_id=d.id,
                    building_id=b,
                    period=period,
                    items_json=items,
                    review_result=review,
                    synthetic=True,
                )
            )
        # people: (category, enforcement, active, synthetic, [(kind, issued, expires)])
        le, sr = CertificateKind.LAW_ENFORCEMENT, CertificateKind.SPECIAL_DISASTER_RESCUE
        nat = PersonnelCategory.NATIONAL
        register = [
            (
                nat,
                True,
                True,
                False,
                [
                    (le, date(2020, 1, 1), date(2030, 1, 1)),
                    (sr, date(2024, 1, 1), date(2027, 12, 31)),
                ],
            ),  # P0
            (
                nat,
                True,
                True,
                False,
                [
                    (le, date(2021, 1, 1), date(2026, 6, 30)),
                    (sr, date(2022, 1, 1), date(2026, 5, 1)),
                ],
            ),  # P1
            (nat, True, True, False, []),  # P2: no certificate
            (nat, True, True, False, [(le, date(2025, 6, 1), date(2031, 1, 1))]),  # P3
            (
                nat,
                True,
                False,
                False,
                [(le, date(2020, 1, 1), None), (sr, date(2020, 1, 1), None)],
            ),  # P4: on leave
            (
                PersonnelCategory.GOV_FULLTIME_DISTRICT,
                True,
                True,
                False,
                [(le, date(2020, 1, 1), None)],
            ),  # P5: not the national service
            (
                PersonnelCategory.GOV_FULLTIME_DISTRICT,
                False,
                True,
                True,
                [(sr, date(2023, 1, 1), None)],
            ),  # P6: synthetic
            (
                PersonnelCategory.CIVILIAN_STAFF,
                False,
                True,
                False,
                [(sr, date(2023, 1, 1), None)],
            ),  # P7: not a firefighter
        ]
        for n, (cat, enf, active, syn, certs) in enumerate(register):
            p = Person(
                district_id=d.id,
                name=f"P{n}",
                category=cat,
                is_enforcement_staff=enf,
                active=active,
                synthetic=syn,
            )
            s.add(p)
            s.flush()
            for kind, issued, expires in certs:
                s.add(
                    Certificate(
                        person_id=p.id,
                        kind=kind,
                        issued_on=issued,
                        expires_on=expires,
                        synthetic=syn,
                    )
                )
        # IoT: two devices at K0, one at K3 (no control room), one unregistered at K1.
        for code, b, registered in [
            ("d1", k[0], True),
            ("d2", k[0], True),
            ("d3", k[3], True),
            ("d4", k[1], False),
        ]:
            s.add(
                IotDevice(
                    district_id=d.id,
                    building_id=b,
                    code=code,
                    protocol=IotProtocol.MQTT,
                    registered=registered,
                    created_at=datetime(2026, 5, 1, tzinfo=UTC),
                )
            )
        s.commit()
    return database


def _town(db: Database, year: int, today: date = TODAY) -> dict[str, dict[str, Any]]:
    with db.session(actor="t") as s:
        plans = evaluate_district(s, "t", year, plan_id="mentougou-2026-2030", today=today)
    return {r.indicator.id: r.as_dict() for p in plans for r in p.results}


def test_town_supervision_people_and_iot_indicators(town: Database) -> None:
    r = _town(town, 2026)
    # mtg-05: 4 non-site of 5 inspections in 2026 = 80 %: met (≥ 80) but inside the 5 % band.
    assert (r["mtg-05"]["value"], r["mtg-05"]["status"]) == (80.0, "at_risk")
    assert r["mtg-05"]["reason"] == "within_warning_band"
    assert r["mtg-05"]["synthetic_inputs"] == [
        {"kind": "inspections", "synthetic": 2, "records": 5}
    ]
    # mtg-06: review month 2026-09 (the latest accepted one); 4 of 5 key units standardised.
    six = r["mtg-06"]
    assert (six["value"], six["status"], six["reason"]) == (80.0, "at_risk", "target_not_yet_met")
    assert six["detail"] == {"month": "2026-09", "key_units": 5, "reported": 5, "met": 4}
    assert six["synthetic_inputs"] == [{"kind": "self_inspections", "synthetic": 5, "records": 5}]
    # mtg-07: units with a control room K0–K2; facilities intact 2 of 3 = 66.67 %, the other
    # three rates 3 of 3: the lowest rate is the value (each must reach 90 %).
    seven = r["mtg-07"]
    assert (seven["value"], seven["status"]) == (66.67, "at_risk")
    assert seven["detail"]["rates"] == {
        "facilities_intact_rate": 66.67,
        "testing_rate": 100.0,
        "maintenance_contract_rate": 100.0,
        "control_room_certified_rate": 100.0,
    }
    assert seven["detail"]["lowest"] == "facilities_intact_rate"
    assert seven["synthetic_inputs"] == [{"kind": "self_inspections", "synthetic": 3, "records": 3}]
    # mtg-15 on 2026-11-24: P0 (valid to 2027) and P6 (no expiry); P1 lapsed in May, P4 is on
    # leave, P7 is civilian staff. 2 < 5: at risk before 2030. P6 and its certificate are
    # synthetic, among the 5 people with such a certificate.
    fifteen = r["mtg-15"]
    assert (fifteen["value"], fifteen["status"]) == (2.0, "at_risk")
    assert fifteen["synthetic_inputs"] == [
        {"kind": "people", "synthetic": 1, "records": 5},
        {"kind": "certificates", "synthetic": 1, "records": 5},
    ]
    # mtg-16: active national enforcement staff P0–P3; valid law-enforcement certificate on
    # 2026-11-24: P0 and P3 (P1's lapsed on 2026-06-30, P2 has none) = 2 / 4 = 50 %.
    sixteen = r["mtg-16"]
    assert (sixteen["value"], sixteen["status"], sixteen["synthetic"]) == (50.0, "at_risk", False)
    assert sixteen["detail"] == {
        "as_of": "2026-11-24",
        "enforcement_staff": 4,
        "with_valid_certificate": 2,
    }
    # mtg-20: units with a control room K0–K2 (K4 unknown, left out); only K0 has a registered
    # device (d3 is at K3, d4 is not registered): 1 / 3 = 33.33 %.
    twenty = r["mtg-20"]
    assert (twenty["value"], twenty["status"]) == (33.33, "at_risk")
    assert (twenty["detail"]["units_with_device"], twenty["detail"]["devices"]) == (1, 2)
    assert twenty["detail"]["control_room_unknown"] == 1
    # 2026 is running: every result says so.
    assert all(not i["year_complete"] and i["as_of"] == "2026-11-24" for i in r.values())
    assert r["mtg-05"]["year_note_en"].startswith("2026 is not over: the value is a figure to")


def test_town_past_year_and_partial_evidence(town: Database) -> None:
    r = _town(town, 2025)
    # 2025: one on-site inspection, 0 % non-site — not missed, the deadline is 2027.
    assert (r["mtg-05"]["value"], r["mtg-05"]["reason"]) == (0.0, "target_not_yet_met")
    # On 2025-12-31: P0, P1 and P3 (issued 2025-06-01) hold a valid certificate: 3 / 4.
    assert r["mtg-16"]["value"] == 75.0
    assert r["mtg-15"]["value"] == 3.0  # P0, P1 (until 2026-05-01) and P6
    assert r["mtg-06"]["missing"] == [
        "accepted (reviewed) self-inspections of 2025 reporting the standardised-management "
        "item (fed by: supervision)"
    ]
    # The devices were registered in May 2026: none by the end of 2025.
    assert r["mtg-20"]["status"] == "no_data"
    assert "no device registered in the district by the end of 2025" in r["mtg-20"]["missing"][0]
    assert all(i["year_complete"] and i["as_of"] is None for i in r.values())
    # Evaluated on 2026-08-31 the review month is 2026-08: only K0 reported — no district rate.
    r = _town(town, 2026, today=date(2026, 8, 31))
    assert r["mtg-06"]["status"] == "no_data"
    assert r["mtg-06"]["missing"] == [
        "accepted self-inspections of 2026-08 reporting the standardised-management item for "
        "all 5 key units: 1 have one, 4 do not"
    ]
    assert r["mtg-06"]["detail"]["rate_among_reported"] == 100.0
    assert r["mtg-07"]["status"] == "no_data"
    assert r["mtg-07"]["detail"]["reported"]["testing_rate"] == 1
