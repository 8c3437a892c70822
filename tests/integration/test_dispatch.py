"""Command centre on a small hand-built district (SQLite and PostgreSQL): levels, run cards,
availability, water-source status, lifecycle and refusals."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from firegrid.db.session import Database
from firegrid.dispatch import service as svc
from firegrid.dispatch.models import Assignment, PrePlan, Unit, UnitStatusEvent
from firegrid.districts.models import District
from firegrid.errors import ConflictError, InvalidInputError
from firegrid.incidents.models import Incident
from firegrid.stations.models import Station
from firegrid.types import (
    BuildingClass,
    IncidentStatus,
    LocationPrecision,
    Role,
    StationClass,
    StationStatus,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

SCENE = (116.100, 39.940)


def _station(
    s: object, d: District, name: str, cls: StationClass, lon: float, **kw: object
) -> Station:
    st = Station(
        district_id=d.id,
        name=name,
        station_class=cls,
        status=StationStatus.EXISTING,
        lon=lon,
        lat=39.94,
        location_precision=LocationPrecision.EXACT,
        **kw,
    )
    s.add(st)  # type: ignore[attr-defined]
    s.flush()  # type: ignore[attr-defined]
    return st


@pytest.fixture
def town(database: Database) -> Database:
    """Station A (一级) 1 km east of the scene, B (小型) 4 km east, a micro station 300 m west,
    a water-rescue team at B; five hydrants around the scene, the nearest faulty."""
    with database.session(actor="test") as s:
        d = District(code="t", name_zh="测试区", name_en="Test")
        s.add(d)
        s.flush()
        a = _station(s, d, "A站", StationClass.LEVEL1, 116.1117)
        b = _station(s, d, "B站", StationClass.SMALL, 116.1468)
        m = _station(s, d, "微站", StationClass.MICRO, 116.0965)
        w = _station(s, d, "水域队", StationClass.SPECIALIST, 116.1468, specialty="water")
        units = [
            (a, "A-水罐1", "water_tender", 6),
            (a, "A-水罐2", "water_tender", 6),
            (a, "A-登高", "aerial_ladder", 4),
            (a, "A-抢险", "rescue", 5),
            (b, "B-水罐1", "water_tender", 6),
            (b, "B-抢险", "rescue", 5),
            (m, "微站-队", "team", 4),
            (w, "水域-队", "team", 6),
        ]
        for st, cs, t, crew in units:
            s.add(Unit(district_id=d.id, station_id=st.id, call_sign=cs, unit_type=t, crew=crew))
        for i, (dx, status) in enumerate(
            [
                (0.0005, WaterSourceStatus.FAULTY),
                (0.0010, WaterSourceStatus.IN_SERVICE),
                (-0.0020, WaterSourceStatus.IN_SERVICE),
                (0.0040, WaterSourceStatus.OUT_OF_SERVICE),
                (0.0060, WaterSourceStatus.IN_SERVICE),
            ]
        ):
            s.add(
                WaterSource(
                    district_id=d.id,
                    code=f"H{i}",
                    kind=WaterSourceKind.HYDRANT,
                    status=status,
                    lon=SCENE[0] + dx,
                    lat=SCENE[1],
                )
            )
        s.commit()
    return database


def _ids(rec: dict[str, object], key: str = "units") -> list[str]:
    return [u["call_sign"] for u in rec[key]]  # type: ignore[index, union-attr]


def test_level_one_fire_gets_the_two_nearest_tenders_and_in_service_water(town: Database) -> None:
    with town.session(actor="t") as s:
        rec = svc.recommend_at(s, "t", *SCENE, category="fire")
    assert rec["level"] == 1 and rec["approximate"] is True
    # The micro station (300 m) acts first; then the card: 2 tenders, ≥ 12 firefighters.
    assert _ids(rec) == ["微站-队", "A-水罐1", "A-水罐2"]
    etas = [u["eta_s"] for u in rec["units"]]
    assert etas == sorted(etas)
    assert rec["shortfall"] == [] and rec["complete"] is True
    # Water: the faulty and the out-of-service hydrants are never offered; nearest first.
    codes = [w["code"] for w in rec["water_sources"]]
    assert codes == ["H1", "H2", "H4"]
    dists = [w["distance_m"] for w in rec["water_sources"]]
    assert dists == sorted(dists) and 80 < dists[0] < 90  # 0.001° of longitude at 39.94° N


def test_high_rise_fire_needs_the_aerial_and_specialist_subtypes(town: Database) -> None:
    with town.session(actor="t") as s:
        rec = svc.recommend_at(s, "t", *SCENE, building_class="high_rise")
        water = svc.recommend_at(s, "t", *SCENE, category="rescue", subtype="water")
    assert rec["level"] == 2  # a small fire in a high-rise is level 2 (XF/T 1340)
    assert "A-登高" in _ids(rec)
    assert "水域-队" in _ids(water)


def test_busy_units_are_not_recommended_and_the_shortfall_names_them(town: Database) -> None:
    with town.session(actor="t") as s:
        inc = svc.create_incident(s, "t", svc.Intake(lon=SCENE[0], lat=SCENE[1]))
        unit = s.scalar(select(Unit).where(Unit.call_sign == "A-登高"))
        assert unit is not None
        svc.assign_units(s, "t", inc.id, [unit.id], actor="d1")
        rec = svc.recommend_at(s, "t", *SCENE, building_class="high_rise")
    assert "A-登高" not in _ids(rec)
    aerial = [x for x in rec["shortfall"] if x["types"] == ["aerial_ladder"]]
    assert aerial and aerial[0]["missing"] == 1
    assert [a["call_sign"] for a in aerial[0]["alternatives"]] == ["A-登高"]
    assert aerial[0]["alternatives"][0]["status"] == "dispatched"


def test_level_three_states_every_shortfall(town: Database) -> None:
    with town.session(actor="t") as s:
        rec = svc.recommend_at(s, "t", *SCENE, level=3)
    short = {x["need"]: x["missing"] for x in rec["shortfall"]}
    # 3 tenders in the district against 8 needed; no smoke/lighting or command unit at all.
    assert rec["complete"] is False
    assert any(n.startswith("水罐车") and m == 5 for n, m in short.items())
    assert short["stations ≥ 3"] >= 1 and short["personnel ≥ 60"] > 0


def test_intake_levels_gcj02_and_outside_point(town: Database) -> None:
    with town.session(actor="t") as s:
        inc = svc.create_incident(
            s,
            "t",
            svc.Intake(
                lon=116.1061,
                lat=39.9414,
                crs="gcj02",
                reported_trapped=4,
                building_class=BuildingClass.ORDINARY,
            ),
        )
        assert inc.alarm_level == 3 and inc.status == IncidentStatus.RECEIVED
        # GCJ-02 input is stored as WGS84 (the shift near Beijing is ~ 600 m east, 140 m north).
        assert inc.lon is not None and abs(inc.lon - 116.1) < 0.002
        with pytest.raises(InvalidInputError, match="crs"):
            svc.create_incident(s, "t", svc.Intake(lon=1, lat=2, crs="EPSG:32650"))
        with pytest.raises(InvalidInputError, match="trapped"):
            svc.create_incident(s, "t", svc.Intake(lon=116.1, lat=39.9, reported_trapped=-1))


def test_lifecycle_timestamps_and_refused_moves(town: Database) -> None:
    with town.session(actor="t") as s:
        inc = svc.create_incident(s, "t", svc.Intake(lon=SCENE[0], lat=SCENE[1]))
        rec = svc.recommend_for_incident(s, "t", inc.id)
        ids = [u["id"] for u in rec["units"]]
        versions = {u["id"]: u["version"] for u in rec["units"]}
        svc.assign_units(s, "t", inc.id, ids, actor="d1", versions=versions)
        first = ids[0]
        with pytest.raises(ConflictError, match="allowed from dispatched: available, en_route"):
            svc.set_unit_status(s, "t", first, "returning", actor="d1")
        svc.set_unit_status(s, "t", first, "en_route", actor="d1")
        svc.set_unit_status(s, "t", first, "on_scene", actor="d1")
        s.refresh(inc)
        assert inc.status == IncidentStatus.FIRST_ARRIVAL and inc.first_arrival_at is not None
        with pytest.raises(ConflictError, match="release the units first"):
            svc.set_incident_status(s, "t", inc.id, "controlled", actor="d1")
            svc.set_incident_status(s, "t", inc.id, "closed", actor="d1")
        # stand the others down, bring the first home
        for uid in ids[1:]:
            svc.set_unit_status(s, "t", uid, "available", actor="d1")
        svc.set_unit_status(s, "t", first, "returning", actor="d1")
        # A returning unit is offered from the road (no turn-out) for the next call.
        nxt = svc.recommend_at(s, "t", *SCENE)
        ret = [u for u in nxt["units"] if u["id"] == first]
        assert ret and ret[0]["turnout_s"] == 0.0
        svc.set_incident_status(s, "t", inc.id, "closed", actor="d1")
        svc.set_unit_status(s, "t", first, "available", actor="d1")
        u = s.get(Unit, first)
        assert u is not None and u.lon is None and u.incident_id is None
        events = s.scalars(
            select(UnitStatusEvent.to_status).where(UnitStatusEvent.unit_id == first)
        ).all()
        assert [e.value for e in events] == [
            "dispatched",
            "en_route",
            "on_scene",
            "returning",
            "available",
        ]
        asg = s.scalar(select(Assignment).where(Assignment.unit_id == first))
        assert asg is not None and asg.en_route_at and asg.on_scene_at and asg.cleared_at
        with pytest.raises(ConflictError, match="closed"):
            svc.assign_units(s, "t", inc.id, [first], actor="d1")


def test_assigning_a_busy_unit_or_a_stale_version_is_a_conflict(town: Database) -> None:
    with town.session(actor="t") as s:
        inc = svc.create_incident(s, "t", svc.Intake(lon=SCENE[0], lat=SCENE[1]))
        u = s.scalar(select(Unit).where(Unit.call_sign == "B-水罐1"))
        assert u is not None
        v = u.version
        svc.assign_units(s, "t", inc.id, [u.id], actor="d1", versions={u.id: v})
        inc2 = svc.create_incident(s, "t", svc.Intake(lon=SCENE[0], lat=SCENE[1]))
        with pytest.raises(ConflictError, match="B-水罐1 changed since the recommendation"):
            svc.assign_units(s, "t", inc2.id, [u.id], actor="d2", versions={u.id: v})
        with pytest.raises(ConflictError, match="B-水罐1 is dispatched"):
            svc.assign_units(s, "t", inc2.id, [u.id], actor="d2")
        # all or nothing: nothing of the second assignment was written
        assert s.scalar(select(Assignment).where(Assignment.incident_id == inc2.id)) is None


def test_out_of_service_units_vanish_and_come_back(town: Database) -> None:
    with town.session(actor="t") as s:
        u = s.scalar(select(Unit).where(Unit.call_sign == "A-水罐1"))
        assert u is not None
        svc.set_unit_status(s, "t", u.id, "out_of_service", actor="logistics")
        rec = svc.recommend_at(s, "t", *SCENE)
        assert "A-水罐1" not in _ids(rec) and "B-水罐1" in _ids(rec)
        svc.set_unit_status(s, "t", u.id, "available", actor="logistics")
        assert "A-水罐1" in _ids(svc.recommend_at(s, "t", *SCENE))


def test_water_status_change_is_seen_at_once(town: Database) -> None:
    with town.session(actor="t") as s:
        assert svc.recommend_at(s, "t", *SCENE)["water_sources"][0]["code"] == "H1"
        h1 = s.scalar(select(WaterSource).where(WaterSource.code == "H1"))
        assert h1 is not None
        h1.status = WaterSourceStatus.FAULTY
        s.commit()
        assert svc.recommend_at(s, "t", *SCENE)["water_sources"][0]["code"] == "H2"


def test_pre_plan_comes_with_the_key_unit(town: Database) -> None:
    from firegrid.buildings.models import Building

    with town.session(actor="t") as s:
        d = s.scalar(select(District).where(District.code == "t"))
        assert d is not None
        b = Building(
            district_id=d.id, code="K1", name="测试医院", key_unit=True, lon=SCENE[0], lat=SCENE[1]
        )
        s.add(b)
        s.flush()
        s.add(PrePlan(district_id=d.id, building_id=b.id, title="测试医院预案", content="## 水源"))
        s.commit()
        inc = svc.create_incident(s, "t", svc.Intake(lon=SCENE[0], lat=SCENE[1], building_id=b.id))
        rec = svc.recommend_for_incident(s, "t", inc.id)
        assert rec["pre_plan"]["title"] == "测试医院预案"
        found = svc.search_locations(s, "t", "医院")
        assert found[0]["building_id"] == b.id and found[0]["kind"] == "key_unit"


def test_state_lists_units_and_open_incidents(town: Database) -> None:
    with town.session(actor="t") as s:
        before = svc.state_stamp(s)
        inc = svc.create_incident(s, "t", svc.Intake(lon=SCENE[0], lat=SCENE[1]))
        state = svc.dispatch_state(s, "t")
        assert svc.state_stamp(s) != before
        assert [i["id"] for i in state["incidents"]] == [inc.id]
        assert state["unit_counts"]["available"] == 8
        assert all(math.isfinite(u["lon"]) for u in state["units"])  # at their stations
        stored = s.get(Incident, inc.id)
        assert stored is not None and stored.township_id is None


# --- HTTP API ------------------------------------------------------------------------------------

PASSWORD = "Ladder-truck-42"


@pytest.fixture
def api(town: Database) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    """A client with a dispatcher's and a viewer's bearer headers."""
    from fastapi.testclient import TestClient

    from firegrid.accounts.service import add_user
    from firegrid.api.app import create_app

    with town.session(actor="test") as s:
        add_user(s, "disp", PASSWORD, Role.DISPATCHER)
        add_user(s, "vera", PASSWORD, Role.VIEWER)
    with TestClient(create_app(town)) as c:
        heads = []
        for name in ("disp", "vera"):
            r = c.post("/api/auth/login", json={"username": name, "password": PASSWORD})
            heads.append({"Authorization": f"Bearer {r.json()['token']}"})
        c.cookies.clear()
        yield c, heads[0], heads[1]


def test_api_call_to_dispatch_with_conflict_and_permissions(
    api: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    c, disp, viewer = api
    body = {"lon": SCENE[0], "lat": SCENE[1], "category": "fire", "building_class": "high_rise"}
    assert c.post("/api/districts/t/incidents", json=body, headers=viewer).status_code == 403
    assert c.post("/api/districts/t/incidents", json=body).status_code == 401
    r = c.post("/api/districts/t/incidents", json=body, headers=disp)
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["level"] == 2 and inc["level_colour"] == "#1565c0"
    rec = c.get(f"/api/districts/t/incidents/{inc['id']}/recommendation", headers=viewer).json()
    assert "A-登高" in [u["call_sign"] for u in rec["units"]]
    aerial = next(u for u in rec["units"] if u["call_sign"] == "A-登高")
    # Someone else sends the aerial first: accepting the stale recommendation is a 409.
    other = c.post("/api/districts/t/incidents", json=body, headers=disp).json()
    ok = c.post(
        f"/api/districts/t/incidents/{other['id']}/assign",
        json={"unit_ids": [aerial["id"]]},
        headers=disp,
    )
    assert ok.status_code == 200, ok.text
    r = c.post(
        f"/api/districts/t/incidents/{inc['id']}/assign",
        json={
            "unit_ids": [u["id"] for u in rec["units"]],
            "versions": {str(u["id"]): u["version"] for u in rec["units"]},
        },
        headers=disp,
    )
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem")
    assert "A-登高" in r.json()["detail"]
    # Nothing of the refused assignment was written (all or nothing).
    state = c.get("/api/districts/t/dispatch/state?lang=en", headers=viewer).json()
    busy = [u["call_sign"] for u in state["units"] if u["status"] != "available"]
    assert busy == ["A-登高"]
    assert {u["status_label"] for u in state["units"]} == {"Available", "Dispatched"}
    bad = c.post(
        f"/api/districts/t/units/{aerial['id']}/status",
        json={"status": "returning"},
        headers=disp,
    )
    assert bad.status_code == 409 and "allowed from dispatched" in bad.json()["detail"]
    assert (
        c.post(
            f"/api/districts/t/incidents/{inc['id']}/level", json={"level": 9}, headers=disp
        ).status_code
        == 422
    )
    up = c.post(f"/api/districts/t/incidents/{inc['id']}/level", json={"level": 3}, headers=disp)
    assert up.json()["level"] == 3 and up.json()["level_auto"] == 2


def test_water_and_key_unit_layers_and_search(
    api: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    c, _disp, viewer = api
    fc = c.get("/api/districts/t/water.geojson", headers=viewer).json()
    assert [f["properties"]["status"] for f in fc["features"]] == [
        "faulty",
        "in_service",
        "in_service",
        "out_of_service",
        "in_service",
    ]
    assert c.get("/api/districts/t/water.geojson").status_code == 401
    assert c.get("/api/districts/t/dispatch/search?q=", headers=viewer).status_code == 422


def test_the_stream_pushes_a_change_within_a_second(town: Database) -> None:
    """A real server (uvicorn) and a real SSE client: a status change made through the service
    (another process could do the same) arrives as a `state` event within 1 s."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from firegrid.accounts.service import add_user
    from firegrid.api.app import create_app

    with town.session(actor="test") as s:
        add_user(s, "vera", PASSWORD, Role.VIEWER)
        unit = s.scalar(select(Unit).where(Unit.call_sign == "B-抢险"))
        assert unit is not None
        uid = unit.id
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(town), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        token = httpx.post(
            f"{base}/api/auth/login", json={"username": "vera", "password": PASSWORD}
        ).json()["token"]
        events: list[tuple[float, dict[str, object]]] = []
        with httpx.stream(
            "GET",
            f"{base}/api/districts/t/dispatch/stream",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        ) as r:
            assert r.headers["content-type"].startswith("text/event-stream")
            changed_at = 0.0
            for line in r.iter_lines():
                if not line.startswith("data: "):
                    continue
                events.append((time.monotonic(), json.loads(line[6:])))
                if len(events) == 1:
                    with town.session(actor="logistics") as s:
                        changed_at = time.monotonic()
                        svc.set_unit_status(s, "t", uid, "out_of_service", actor="logistics")
                else:
                    break
        first, second = events[0][1], events[1][1]
        status = {u["id"]: u["status"] for u in second["units"]}  # type: ignore[union-attr]
        assert status[uid] == "out_of_service"
        assert {u["id"]: u["status"] for u in first["units"]}[uid] == "available"  # type: ignore[union-attr]
        assert events[1][0] - changed_at < 1.0
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_dispatchers_at_the_same_moment_exactly_one_wins(town: Database) -> None:
    """Two real PostgreSQL transactions assign the same unit; both have read it as available
    and wait at a barrier just before their first write, then write together. The row lock
    makes one wait; its UPDATE … WHERE version = read version then matches nothing →
    ConflictError, and its transaction is rolled back whole."""
    import threading

    from sqlalchemy import event

    with town.session(actor="t") as s:
        incs = [
            svc.create_incident(s, "t", svc.Intake(lon=SCENE[0], lat=SCENE[1])).id for _ in "ab"
        ]
        unit = s.scalar(select(Unit).where(Unit.call_sign == "A-水罐1"))
        assert unit is not None
        uid = unit.id
    for _round in range(5):
        barrier = threading.Barrier(2, timeout=20)
        results: dict[str, object] = {}

        def dispatcher(
            name: str,
            incident_id: int,
            barrier: threading.Barrier = barrier,
            results: dict[str, object] = results,
        ) -> None:
            with town.session(actor=name) as s:
                waited: list[bool] = []

                def at_first_write(_s: object, _ctx: object, _i: object) -> None:
                    if not waited:
                        waited.append(True)
                        barrier.wait()

                event.listen(s, "before_flush", at_first_write)
                try:
                    svc.assign_units(s, "t", incident_id, [uid], actor=name)
                    results[name] = "ok"
                except ConflictError as exc:
                    results[name] = exc

        threads = [
            threading.Thread(target=dispatcher, args=(n, i))
            for n, i in zip("ab", incs, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        outcomes = sorted(results.values(), key=str)
        assert len(outcomes) == 2
        wins = [o for o in outcomes if o == "ok"]
        losses = [o for o in outcomes if isinstance(o, ConflictError)]
        assert len(wins) == 1 and len(losses) == 1, outcomes
        assert "another dispatcher changed the unit(s) first: A-水罐1 is now dispatched" in str(
            losses[0]
        )
        with town.session(actor="t") as s:
            rows = s.scalars(select(Assignment).where(Assignment.unit_id == uid)).all()
            assert len([a for a in rows if a.cleared_at is None]) == 1
            # the one winner's incident holds the unit; release it for the next round
            svc.set_unit_status(s, "t", uid, "available", actor="t")


def test_cli_recommend_json_contract_and_errors(town: Database, db_url: str) -> None:
    from typer.testing import CliRunner

    from firegrid.cli.main import app as root

    runner = CliRunner()
    args = ["dispatch", "recommend", "--district", "t", "--lon", str(SCENE[0]), "--lat"]
    res = runner.invoke(
        root,
        [
            *args,
            str(SCENE[1]),
            "--type",
            "fire",
            "--building-class",
            "high_rise",
            "--db",
            db_url,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["level"] == 2
    etas = [u["eta_s"] for u in out["units"]]
    assert etas == sorted(etas) and {"id", "station", "type", "eta_s"} <= set(out["units"][0])
    assert "aerial_ladder" in [u["type"] for u in out["units"]]
    dists = [w["distance_m"] for w in out["water_sources"]]
    assert dists == sorted(dists) and {"id", "type", "distance_m"} <= set(out["water_sources"][0])
    # Level 2 wants 4 pumping appliances; the district has 3: said, not hidden.
    assert next((x["types"], x["missing"]) for x in out["shortfall"]) == (
        ["cafs", "foam", "water_tender"],
        1,
    )
    bad = runner.invoke(root, [*args, str(SCENE[1]), "--level", "7", "--db", db_url, "--json"])
    assert bad.exit_code != 0
    unknown = runner.invoke(
        root,
        ["dispatch", "recommend", "--district", "nope", "--lon", "1", "--lat", "2", "--db", db_url],
    )
    assert unknown.exit_code != 0 and "nope" in unknown.output


def test_escalation_adds_to_the_units_already_sent(town: Database) -> None:
    with town.session(actor="t") as s:
        inc = svc.create_incident(s, "t", svc.Intake(lon=SCENE[0], lat=SCENE[1]))
        first = svc.recommend_for_incident(s, "t", inc.id)
        sent = [u["id"] for u in first["units"]]
        svc.assign_units(s, "t", inc.id, sent, actor="d1")
        svc.set_incident_level(s, "t", inc.id, 2, actor="d1")
        more = svc.recommend_for_incident(s, "t", inc.id)
    # Level 2: 4 pumping appliances + a rescue, ≥ 2 stations, ≥ 30 firefighters. The two
    # tenders already sent count; only what is missing is recommended, never a sent unit again.
    assert {u["id"] for u in more["already_assigned"]} == set(sent)
    assert not {u["id"] for u in more["units"]} & set(sent)
    assert {"B-水罐1", "A-抢险"} <= {u["call_sign"] for u in more["units"]}
    tenders = [x for x in more["shortfall"] if x["types"] == ["cafs", "foam", "water_tender"]]
    assert tenders and tenders[0]["missing"] == 1  # 3 in the district, 4 wanted
