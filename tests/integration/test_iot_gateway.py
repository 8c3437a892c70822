"""The GB/T 26875.3 gateway on real sockets (127.0.0.1, free ports) with the alarm pipeline
on SQLite and PostgreSQL: confirm / deny, framing, duplicates, commit-before-confirm, fire alarm
→ proposal → incident, down-link retries, online state, clock sync, hostile input."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from firegrid.db.base import utcnow
from firegrid.db.session import Database
from firegrid.incidents.models import Incident
from firegrid.iot import service
from firegrid.iot.codec import Command, encode_frame
from firegrid.iot.gateway import DeviceTimeoutError
from firegrid.iot.models import AlarmState, IncidentProposal, IotDevice, IotEvent, IotRejected
from firegrid.types import Role
from tests.integration.iot_support import (
    DEVICE,
    SCENE,
    Device,
    component_adu,
    data_frame,
    device_time,
    running_gateway,
    seed_district,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


@pytest.fixture
def iot_db(database: Database) -> Database:
    seed_district(database)
    return database


def _events(db: Database) -> list[IotEvent]:
    with db.session(actor="t") as s:
        return list(s.scalars(select(IotEvent).order_by(IotEvent.id)))


def test_confirm_comes_after_the_commit_and_echoes_the_serial(iot_db: Database) -> None:
    commits: list[float] = []

    def slow_commit() -> None:  # the commit is late: a confirm sent before it would be seen
        time.sleep(0.3)
        commits.append(time.perf_counter())

    with running_gateway(iot_db, pipeline_kw={"before_commit": slow_commit}) as (_, _, port):
        dev = Device(port)
        dev.send(data_frame(4242, component_adu(7, fire=True, desc="2F 走廊感烟探测器")))
        (reply,) = dev.receive()
        confirmed_at = time.perf_counter()
        # Read from another connection right after the confirm: the frame is already durable
        # and the fire alarm is already in the command centre's queue.
        evs = _events(iot_db)
        with iot_db.session(actor="t") as s:
            proposals = list(s.scalars(select(IncidentProposal)))
        dev.close()
    assert reply.command == Command.CONFIRM
    assert reply.serial == 4242 and reply.destination == DEVICE
    assert commits and commits[0] <= confirmed_at
    assert [(e.serial, e.kind.value, e.component_address) for e in evs] == [(4242, "fire", 7)]
    assert len(proposals) == 1
    p = proposals[0]
    assert p.description == "2F 走廊感烟探测器" and (p.lon, p.lat) == SCENE


def test_bad_checksum_is_denied_with_its_serial_and_the_link_survives(iot_db: Database) -> None:
    with running_gateway(iot_db) as (_, _, port):
        dev = Device(port)
        bad = bytearray(encode_frame(data_frame(77, component_adu(1, fire=True))))
        bad[-3] ^= 0xFF  # the checksum byte
        dev.send(bytes(bad))
        (deny,) = dev.receive()
        dev.send(data_frame(78))
        (ok,) = dev.receive()
        dev.close()
    assert (deny.command, deny.serial, deny.destination) == (Command.DENY, 77, DEVICE)
    assert (ok.command, ok.serial) == (Command.CONFIRM, 78)
    assert [e.serial for e in _events(iot_db)] == [78]  # the damaged fire frame was discarded


def test_partial_and_concatenated_frames(iot_db: Database) -> None:
    with running_gateway(iot_db) as (_, _, port):
        dev = Device(port)
        glued = b"".join(encode_frame(data_frame(s)) for s in (1, 2, 3))
        dev.send(glued)
        split = encode_frame(data_frame(4, component_adu(9, fault=True)))
        for i in range(0, len(split), 7):
            dev.send(split[i : i + 7])
            time.sleep(0.01)
        replies = dev.receive(4)
        dev.close()
    assert sorted(r.serial for r in replies) == [1, 2, 3, 4]
    assert {r.command for r in replies} == {Command.CONFIRM}
    assert sorted(e.serial for e in _events(iot_db)) == [1, 2, 3, 4]


def test_a_retransmitted_frame_is_confirmed_again_but_stored_once(iot_db: Database) -> None:
    frame = data_frame(900, component_adu(5, fire=True))
    with running_gateway(iot_db) as (_, _, port):
        dev = Device(port)
        dev.send(frame)
        dev.receive()
        dev.send(frame)  # our confirm was "lost": the device sends the same frame again
        (again,) = dev.receive()
        dev.close()
    assert (again.command, again.serial) == (Command.CONFIRM, 900)
    assert len(_events(iot_db)) == 1
    with iot_db.session(actor="t") as s:
        assert s.scalar(select(func.count()).select_from(IncidentProposal)) == 1


def test_fault_and_reset_tracked_in_the_alarm_view(iot_db: Database) -> None:
    from firegrid.iot.adu import encode_adu

    reset = encode_adu(
        1, ({"system_type": 1, "system_address": 0, "state": {"reset": True}, "time": None},)
    )
    with running_gateway(iot_db) as (_, _, port):
        dev = Device(port)
        dev.send(data_frame(1, component_adu(11, fault=True, desc="B1 感烟探测器11")))
        dev.send(data_frame(2, component_adu(12, fire=True, desc="B1 感烟探测器12")))
        dev.receive(2)
        with iot_db.session(actor="t") as s:
            view = service.alarm_view(s, "t")
        dev.send(data_frame(3, reset))
        dev.receive()
        dev.close()
    assert [(a["description"], a["fire"], a["fault"]) for a in view] == [
        ("B1 感烟探测器12", True, False),
        ("B1 感烟探测器11", False, True),
    ]
    assert view[0]["device"]["building_name"] == "测试大厦" and view[0]["since"] is not None
    with iot_db.session(actor="t") as s:
        assert service.alarm_view(s, "t") == []  # the controller's reset cleared both


@pytest.fixture
def api(iot_db: Database) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    from fastapi.testclient import TestClient

    from firegrid.accounts.service import add_user
    from firegrid.api.app import create_app

    with iot_db.session(actor="t") as s:
        add_user(s, "dora", "correct-horse-9", Role.DISPATCHER)
        add_user(s, "vic", "correct-horse-9", Role.VIEWER)
    with TestClient(create_app(iot_db)) as c:
        heads = []
        for name in ("dora", "vic"):
            r = c.post("/api/auth/login", json={"username": name, "password": "correct-horse-9"})
            heads.append({"Authorization": f"Bearer {r.json()['token']}"})
        c.cookies.clear()
        yield c, heads[0], heads[1]


def test_fire_alarm_becomes_an_incident_in_the_command_centre(
    iot_db: Database, api: tuple[TestClient, dict[str, str], dict[str, str]]
) -> None:
    client, dispatcher, viewer = api
    with running_gateway(iot_db) as (_, _, port):
        dev = Device(port)
        dev.send(data_frame(10, component_adu(21, fire=True, desc="5F 会议室感烟探测器")))
        dev.send(data_frame(11, component_adu(22, fire=True, desc="B2 泵房手动报警按钮")))
        dev.receive(2)
        dev.close()
    props = client.get("/api/districts/t/iot/proposals", headers=viewer).json()
    assert [p["status"] for p in props] == ["proposed", "proposed"]
    by_desc = {p["description"]: p["id"] for p in props}
    real, false = by_desc["5F 会议室感烟探测器"], by_desc["B2 泵房手动报警按钮"]

    r = client.post(f"/api/districts/t/iot/proposals/{real}/accept", headers=viewer)
    assert r.status_code == 403  # a viewer may look, not dispatch
    r = client.post(f"/api/districts/t/iot/proposals/{real}/accept", headers=dispatcher)
    assert r.status_code == 200, r.text
    incident_id = r.json()["incident_id"]
    r = client.post(f"/api/districts/t/iot/proposals/{real}/accept", headers=dispatcher)
    assert r.status_code == 409  # accepted once, one incident
    r = client.post(
        f"/api/districts/t/iot/proposals/{false}/dismiss",
        headers=dispatcher,
        json={"note": "厨房油烟误报"},
    )
    assert r.json()["status"] == "dismissed"

    state = client.get("/api/districts/t/dispatch/state", headers=viewer).json()
    assert incident_id in [i["id"] for i in state["incidents"]]
    with iot_db.session(actor="t") as s:
        inc = s.get(Incident, incident_id)
        assert inc is not None
        assert inc.category.value == "fire" and (inc.lon, inc.lat) == SCENE
        assert inc.building_id is not None and "5F 会议室感烟探测器" in (inc.description or "")
        building_id = inc.building_id
    rates = client.get(
        "/api/districts/t/iot/rates", params={"building_id": building_id}, headers=viewer
    ).json()
    assert rates["false_alarm"] == {"numerator": 1, "denominator": 2, "value": 0.5}
    alarms = client.get("/api/districts/t/iot/alarms", headers=viewer).json()
    assert {a["description"] for a in alarms if a["fire"]} == {
        "5F 会议室感烟探测器",
        "B2 泵房手动报警按钮",
    }


def _answering_device(port: int, *, ignore_first: int, answered: list[int]) -> Device:
    """A device that sends a heartbeat, then ignores ``ignore_first`` down-link frames and
    confirms the next ones (counting every copy it receives)."""
    dev = Device(port)
    dev.send(data_frame(1))
    dev.receive()

    def serve() -> None:
        seen = 0
        try:
            while True:
                (cmd,) = dev.receive()
                answered.append(cmd.serial)
                seen += 1
                if seen > ignore_first:
                    reply = Command.REPLY if cmd.command == Command.REQUEST else Command.CONFIRM
                    dev.send(
                        data_frame(cmd.serial).__class__(
                            serial=cmd.serial,
                            version=cmd.version,
                            time=device_time(),
                            source=DEVICE,
                            destination=cmd.source,
                            command=reply,
                            adu=b"",
                        )
                    )
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    return dev


def test_downlink_command_is_retried_until_answered(iot_db: Database) -> None:
    with running_gateway(iot_db, request_timeout_s=0.2) as (lt, gw, port):
        copies: list[int] = []
        dev = _answering_device(port, ignore_first=1, answered=copies)
        answer = lt.call(gw.request(DEVICE, 91, ({"timeout_min": 5},)))
        dev.close()
    assert answer.command == Command.CONFIRM
    assert len(copies) == 2 and copies[0] == copies[1] == answer.serial  # same frame again


def test_downlink_command_gives_up_after_three_tries(iot_db: Database) -> None:
    with running_gateway(iot_db, request_timeout_s=0.1) as (lt, gw, port):
        copies: list[int] = []
        dev = _answering_device(port, ignore_first=99, answered=copies)
        with pytest.raises(DeviceTimeoutError, match="after 3 tries"):
            lt.call(gw.request(DEVICE, 81, ({"reserved": 0},)))
        dev.close()
    assert len(copies) == 3


def test_device_goes_offline_after_missed_heartbeats(iot_db: Database) -> None:
    now = [utcnow()]
    with running_gateway(
        iot_db, clock=lambda: now[0], heartbeat_interval_s=60, missed_heartbeats=3
    ) as (lt, gw, port):
        dev = Device(port)
        dev.send(data_frame(1))
        dev.receive()
        with iot_db.session(actor="t") as s:
            online_before = service.online_rate(s, "t").as_dict()
        now[0] += timedelta(seconds=120)
        assert lt.call(gw.sweep()) == []  # two missed heartbeats: still online
        now[0] += timedelta(seconds=61)
        assert len(lt.call(gw.sweep())) == 1
        with iot_db.session(actor="t") as s:
            online_after = service.online_rate(s, "t").as_dict()
        dev.send(data_frame(2))
        dev.receive()
        with iot_db.session(actor="t") as s:
            back = service.online_rate(s, "t").value
        dev.close()
    assert online_before == {"numerator": 1, "denominator": 1, "value": 1.0}
    assert online_after["value"] == 0.0 and back == 1.0


def test_clock_sync_on_connect_when_the_device_clock_is_off(iot_db: Database) -> None:
    with running_gateway(iot_db, clock_sync_threshold_s=30) as (_, _, port):
        dev = Device(port)
        dev.send(data_frame(1, time=device_time() - timedelta(hours=1)))
        confirm, sync = dev.receive(2)
        dev.close()
    assert confirm.command == Command.CONFIRM
    assert sync.command == Command.CONTROL and sync.adu[0] == 90  # clock sync, with the time
    with iot_db.session(actor="t") as s:
        offset = s.scalar(select(IotDevice.clock_offset_s))
    assert offset is not None and -3700 < offset < -3500


def test_unknown_device_refused_or_registered_by_policy(iot_db: Database) -> None:
    stranger = 0x0000_0BAD_F00D
    with running_gateway(iot_db) as (_, _, port):
        dev = Device(port)
        dev.send(data_frame(5, source=stranger))
        (deny,) = dev.receive()
        dev.close()
    assert (deny.command, deny.serial) == (Command.DENY, 5)
    with running_gateway(iot_db, pipeline_kw={"default_district": "t"}) as (_, _, port):
        dev = Device(port)
        dev.send(data_frame(6, component_adu(1, fire=True), source=stranger))
        (ok,) = dev.receive()
        dev.close()
    assert ok.command == Command.CONFIRM
    with iot_db.session(actor="t") as s:
        d = s.scalar(select(IotDevice).where(IotDevice.address == stranger))
        assert d is not None and d.registered is False and d.building_id is None
        # Its fire still reaches the command centre, without a location to dispatch to yet.
        p = s.scalar(select(IncidentProposal).where(IncidentProposal.device_id == d.id))
        assert p is not None and p.lon is None


# --- hostile input ---------------------------------------------------------------------------


def _header(length: int, command: int = 2) -> bytes:
    head = bytearray(encode_frame(data_frame(1)))[:27]
    head[24:26] = length.to_bytes(2, "little")
    head[26] = command
    return bytes(head)


hostile = st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=200).map(lambda b: b"@@" + b),
    st.integers(0, 0xFFFF).map(_header),  # huge or absurd length fields
    st.tuples(st.integers(0, 255), st.binary(max_size=64)).map(
        lambda t: encode_frame(data_frame(3, bytes([t[0], 1]) + t[1]))  # undecodable ADUs
    ),
    st.lists(st.sampled_from([b"@@", b"##", b"\x00", b"\xff" * 8]), max_size=100).map(b"".join),
)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_hostile_input_never_crashes_a_connection_or_the_server(iot_db: Database) -> None:
    with running_gateway(iot_db, frame_timeout_s=0.5, max_errors=8) as (_, gw, port):

        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(junk=hostile, serial=st.integers(0, 0xFFFF))
        def attack(junk: bytes, serial: int) -> None:
            dev = Device(port, timeout=5)
            try:
                dev.send(junk)
                # Whatever came before, a valid frame after "##" resynchronisation is answered
                # (or the gateway closed a link that sent too much garbage).
                dev.send(b"##" + encode_frame(data_frame(serial)))
                try:
                    replies = dev.receive(1)
                    while replies[-1].command == Command.DENY:
                        replies += dev.receive(1)
                    assert replies[-1].command == Command.CONFIRM
                except ConnectionError:
                    assert gw.stats.closed_hostile > 0
            finally:
                dev.close()

        attack()

        # Slow loris: a partial frame trickled byte by byte is cut off.
        loris = socket.create_connection(("127.0.0.1", port), timeout=5)
        start = time.perf_counter()
        closed = False
        for b in _header(100):
            try:
                loris.sendall(bytes([b]))
                time.sleep(0.1)
            except OSError:
                closed = True
                break
        if not closed:
            loris.settimeout(3)
            closed = loris.recv(10) == b""
        loris.close()
        assert closed and time.perf_counter() - start < 4

        # The server still serves.
        dev = Device(port)
        dev.send(data_frame(60000))
        (ok,) = dev.receive()
        dev.close()
    assert ok.command == Command.CONFIRM
    with iot_db.session(actor="t") as s:
        assert s.scalar(select(func.count()).select_from(IotRejected)) > 0  # reasons kept


def test_alarm_states_are_per_component(iot_db: Database) -> None:
    with running_gateway(iot_db) as (_, _, port):
        dev = Device(port)
        dev.send(data_frame(1, component_adu(1, fault=True)))
        dev.send(data_frame(2, component_adu(2, fault=True)))
        dev.send(data_frame(3, component_adu(1)))  # component 1 restored
        dev.receive(3)
        dev.close()
    with iot_db.session(actor="t") as s:
        rows = s.execute(
            select(AlarmState.component_address, AlarmState.fault).order_by(
                AlarmState.component_address
            )
        ).all()
    assert [tuple(r) for r in rows] == [(1, False), (2, True)]
