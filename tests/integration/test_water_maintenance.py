"""Water sources on SQLite and PostgreSQL: the maintenance loop with refusals, the history-based
monthly intact rate (hand-computed), dispatch exclusion and the planning list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from firegrid.db.session import Database
from firegrid.dispatch import service as dispatch
from firegrid.districts.models import District, Place
from firegrid.errors import ConflictError
from firegrid.types import WaterSourceKind, WaterSourceStatus
from firegrid.water import service as svc
from firegrid.water.models import WaterSource, WaterStatusEvent

SCENE = (116.100, 39.940)


@pytest.fixture
def town(database: Database) -> Database:
    with database.session(actor="test") as s:
        d = District(code="t", name_zh="测试区", name_en="Test", timezone="Asia/Shanghai")
        s.add(d)
        s.flush()
        for i, (dx, kind) in enumerate(
            [(0.001, "hydrant"), (0.002, "hydrant"), (0.003, "hydrant"), (0.004, "pool")]
        ):
            s.add(
                WaterSource(
                    district_id=d.id,
                    code=f"H{i}",
                    kind=WaterSourceKind(kind),
                    status=WaterSourceStatus.IN_SERVICE,
                    lon=SCENE[0] + dx,
                    lat=SCENE[1],
                )
            )
        s.add(
            Place(
                district_id=d.id,
                name="远村",
                kind="village",
                lon=SCENE[0] + 0.05,
                lat=SCENE[1],
                is_settlement=True,
                population=300,
                source_id="p1",
            )
        )
        s.commit()
    return database


def _at(m: int, d: int) -> datetime:
    return datetime(2026, m, d, 10, tzinfo=UTC)


def test_loop_runs_discover_notify_repair_recheck_and_refuses_skips(town: Database) -> None:
    with town.session(actor="insp1") as s:
        t = svc.open_ticket(s, "t", "H0", defect="闷盖缺失", actor="insp1", at=_at(1, 10))
        assert t["status"] == "discovered"
        with pytest.raises(ConflictError, match="allowed from discovered: notified"):
            svc.move_ticket(s, "t", t["id"], "repairing", actor="insp1")
        with pytest.raises(ConflictError, match="already has open ticket"):
            svc.open_ticket(s, "t", "H0", defect="again", actor="insp1")
        t = svc.move_ticket(
            s,
            "t",
            t["id"],
            "notified",
            actor="insp1",
            at=_at(1, 11),
            notified_party="自来水公司",
            version=t["version"],
        )
        stale = t["version"] - 1
        with pytest.raises(ConflictError, match="version"):
            svc.move_ticket(s, "t", t["id"], "repairing", actor="w", version=stale)
        t = svc.move_ticket(s, "t", t["id"], "repairing", actor="water-co", at=_at(1, 12))
        src = s.scalar(select(WaterSource).where(WaterSource.code == "H0"))
        assert src is not None and src.status == WaterSourceStatus.OUT_OF_SERVICE
        t = svc.recheck_ticket(s, "t", t["id"], passed=False, actor="insp2", at=_at(1, 20))
        assert t["status"] == "notified" and t["failed_rechecks"] == 1
        svc.move_ticket(s, "t", t["id"], "repairing", actor="water-co", at=_at(1, 21))
        t = svc.recheck_ticket(s, "t", t["id"], passed=True, actor="insp2", at=_at(2, 2))
        assert t["status"] == "rechecked" and t["rechecked_by"] == "insp2" and not t["open"]
        with pytest.raises(ConflictError, match="none \\(closed\\)"):
            svc.move_ticket(s, "t", t["id"], "notified", actor="x")
        hist = svc.source_history(s, "t", "H0")
    assert [(e["from"], e["to"]) for e in hist["events"]] == [
        ("in_service", "faulty"),
        ("faulty", "out_of_service"),
        ("out_of_service", "faulty"),
        ("faulty", "out_of_service"),
        ("out_of_service", "in_service"),
    ]
    assert svc.list_tickets


def test_intact_rate_by_month_is_read_from_the_history(town: Database) -> None:
    with town.session(actor="insp") as s:
        # H1 faulty from 20 Jan to 5 Mar; the pool removed on 10 Feb.
        t = svc.open_ticket(s, "t", "H1", defect="渗漏", actor="insp", at=_at(1, 20))
        svc.move_ticket(s, "t", t["id"], "notified", actor="insp", at=_at(1, 21))
        svc.move_ticket(s, "t", t["id"], "repairing", actor="co", at=_at(2, 20))
        svc.recheck_ticket(s, "t", t["id"], passed=True, actor="insp", at=_at(3, 5))
        pool = s.scalar(select(WaterSource).where(WaterSource.code == "H3"))
        assert pool is not None
        from firegrid.water.history import note_status_change

        note_status_change(s, pool, at=_at(2, 10))
        pool.status = WaterSourceStatus.REMOVED
        s.commit()
        dec, jan = svc.intact_rate(s, "t", "2025-12"), svc.intact_rate(s, "t", "2026-01")
        feb, mar = svc.intact_rate(s, "t", "2026-02"), svc.intact_rate(s, "t", "2026-03")
        n_events = len(s.scalars(select(WaterStatusEvent)).all())
    # Dec: 4/4. Jan: H1 faulty → 3/4 = 75 %. Feb: H1 under repair, pool removed → 2/3.
    # Mar: 3/3.
    assert (dec["intact"], dec["registered"]) == (4, 4)
    assert (jan["intact"], jan["registered"], jan["rate_percent"]) == (3, 4, 75.0)
    assert (feb["intact"], feb["registered"], feb["rate_percent"]) == (2, 3, 66.67)
    assert feb["by_kind"]["hydrant"]["rate_percent"] == 66.67 and "pool" not in feb["by_kind"]
    assert (mar["intact"], mar["registered"]) == (3, 3)
    assert n_events == 4


def test_source_under_repair_vanishes_from_the_dispatch_recommendation(town: Database) -> None:
    with town.session(actor="insp") as s:
        before = [w["code"] for w in dispatch.recommend_at(s, "t", *SCENE)["water_sources"]]
        assert "H0" in before
        t = svc.open_ticket(s, "t", "H0", defect="阀门故障", actor="insp")
        svc.move_ticket(s, "t", t["id"], "notified", actor="insp")
        svc.move_ticket(s, "t", t["id"], "repairing", actor="co")
        after = [w["code"] for w in dispatch.recommend_at(s, "t", *SCENE)["water_sources"]]
    assert "H0" not in after and "H1" in after


def test_failed_inspection_opens_a_ticket_and_planning_list_names_the_far_village(
    town: Database,
) -> None:
    with town.session(actor="insp") as s:
        ok = svc.record_inspection(
            s,
            "t",
            "H2",
            svc.InspectionInput(checks={"body_intact": True}, pressure_mpa=0.25, flow_l_s=20),
            actor="insp",
        )
        bad = svc.record_inspection(
            s,
            "t",
            "H1",
            svc.InspectionInput(checks={"no_leak": False}, pressure_mpa=0.08),
            actor="insp",
        )
        plan = svc.new_hydrant_plan(s, "t")
        csv_text = svc.new_hydrant_plan_csv(plan)
    assert ok["intact"] and ok["ticket"] is None
    assert not bad["intact"] and bad["failed_items"] == ["no_leak", "pressure"]
    assert bad["ticket"]["status"] == "discovered" and bad["source_status"] == "faulty"
    assert plan["items"][0]["label"] == "远村" and plan["items"][0]["rank"] == 1
    assert plan["items"][0]["distance_m"] > 150
    assert csv_text.splitlines()[0].startswith("rank,kind,label")
    assert "远村" in csv_text
