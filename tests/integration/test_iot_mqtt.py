"""MQTT ingest against the real broker (Mosquitto at 127.0.0.1:1883; skipped when it is not
reachable): readings and a GB/T 26875 TCP alarm land in the same alarm view, a fire becomes a
proposal, a bad message is stored with its reason and does not stop the ingest."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import select

from firegrid.db.session import Database
from firegrid.iot import service
from firegrid.iot.models import IotDevice, IotProtocol, IotRejected, ProposalStatus
from firegrid.iot.mqtt import run_mqtt
from tests.integration.iot_support import (
    Device,
    component_adu,
    data_frame,
    running_gateway,
    seed_district,
)

BROKER = ("127.0.0.1", 1883)


def _broker_up() -> bool:
    try:
        socket.create_connection(BROKER, timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _broker_up(), reason="no MQTT broker at 127.0.0.1:1883 (Mosquitto runs in CI)"
)


def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def _publish(topic: str, payloads: list[bytes]) -> None:
    import paho.mqtt.client as paho

    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"test-{uuid.uuid4().hex}")
    client.connect(*BROKER)
    client.loop_start()
    try:
        for p in payloads:
            client.publish(topic, p, qos=1).wait_for_publish(5)
    finally:
        client.loop_stop()
        client.disconnect()


def _msg(**kw: object) -> bytes:
    return json.dumps({"v": 1, "ts": "2026-11-23T18:30:00+08:00", **kw}).encode()


def test_mqtt_readings_and_tcp_alarms_share_the_alarm_view(database: Database) -> None:
    seed_district(database)
    with database.session(actor="t") as s:
        service.register_device(
            s, "t", code="pump-1", protocol=IotProtocol.MQTT, building_code="B1"
        )
    prefix = f"firegrid-test-{uuid.uuid4().hex[:8]}"
    template = prefix + "/{district}/{device}/reading"
    with running_gateway(database) as (lt, gw, port):
        ready = asyncio.Event()

        async def start() -> asyncio.Task[None]:
            return asyncio.get_running_loop().create_task(
                run_mqtt(
                    gw.pipeline,
                    template=template,
                    client_id=f"firegrid-test-{uuid.uuid4().hex}",
                    ready=ready,
                )
            )

        task = lt.call(start())

        async def wait_ready() -> None:
            await asyncio.wait_for(ready.wait(), 10)

        lt.call(wait_ready())
        try:
            _publish(
                f"{prefix}/t/pump-1/reading",
                [
                    b"not json at all",
                    _msg(
                        seq=1,
                        kind="water_pressure",
                        value=0.08,
                        unit="MPa",
                        status="low",
                        channel=1,
                        description="B2 泵房出水管",
                    ),
                    _msg(
                        seq=2,
                        kind="fire_alarm",
                        status="fire",
                        channel=7,
                        description="1F 大堂火焰探测器",
                    ),
                ],
            )
            dev = Device(port)
            dev.send(data_frame(1, component_adu(3, fire=True, desc="3F 感烟探测器3")))
            dev.receive()
            dev.close()

            def view() -> list[dict[str, object]]:
                with database.session(actor="t") as s:
                    return service.alarm_view(s, "t")

            _until(lambda: len(view()) == 3)
        finally:

            async def cancel() -> None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

            lt.call(cancel())
    rows = {(a["device"]["code"], a["description"]): a for a in view()}  # type: ignore[index]
    low = rows[("pump-1", "B2 泵房出水管")]
    assert low["supervisory"] and not low["fire"]
    assert rows[("pump-1", "1F 大堂火焰探测器")]["fire"]
    assert rows[("000011223344", "3F 感烟探测器3")]["fire"]
    with database.session(actor="t") as s:
        props = service.list_proposals(s, "t", status=ProposalStatus.PROPOSED)
        assert {p["description"] for p in props} == {"1F 大堂火焰探测器", "3F 感烟探测器3"}
        rejected = list(s.scalars(select(IotRejected)))
        assert [r.reason for r in rejected if r.origin.startswith(prefix)] == [
            "payload is not UTF-8 JSON: Expecting value: line 1 column 1 (char 0)"
        ]
        pump = s.scalar(select(IotDevice).where(IotDevice.code == "pump-1"))
        assert pump is not None and pump.online
