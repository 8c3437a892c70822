"""Helpers for the IoT tests: a gateway on a background event loop, a blocking device client."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from firegrid.buildings.models import Building
from firegrid.db.session import Database
from firegrid.districts.models import District
from firegrid.iot.adu import encode_adu
from firegrid.iot.codec import Command, Frame, FrameError, FrameSplitter, encode_frame
from firegrid.iot.gateway import Gateway
from firegrid.iot.pipeline import Pipeline
from firegrid.iot.service import register_device

T = TypeVar("T")

DEVICE = 0x0000_1122_3344
CENTRE = 0
SCENE = (116.100, 39.940)


def seed_district(db: Database) -> None:
    """District ``t`` (no boundary), building B1 at SCENE, device DEVICE registered to it."""
    with db.session(actor="test") as s:
        d = District(code="t", name_zh="测试区", name_en="Test")
        s.add(d)
        s.flush()
        s.add(Building(district_id=d.id, code="B1", name="测试大厦", lon=SCENE[0], lat=SCENE[1]))
        s.commit()
        register_device(s, "t", address=DEVICE, building_code="B1", name="用户信息传输装置")


class LoopThread:
    """An asyncio loop on a daemon thread; ``call(coro)`` runs a coroutine there."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@contextmanager
def running_gateway(
    db: Database, *, pipeline_kw: dict[str, Any] | None = None, **gateway_kw: Any
) -> Iterator[tuple[LoopThread, Gateway, int]]:
    lt = LoopThread()

    async def start() -> tuple[Gateway, int]:
        pipe = Pipeline(db, **(pipeline_kw or {}))
        pipe.start()
        gw = Gateway(pipe, centre_address=CENTRE, **gateway_kw)
        port = await gw.start("127.0.0.1", 0)
        return gw, port

    gw, port = lt.call(start())
    try:
        yield lt, gw, port
    finally:

        async def stop() -> None:
            await gw.close()
            await gw.pipeline.close()

        lt.call(stop())
        lt.stop()


def device_time() -> datetime:
    from zoneinfo import ZoneInfo

    from firegrid.db.base import utcnow

    return utcnow().astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None, microsecond=0)


def data_frame(
    serial: int,
    adu: bytes = b"",
    *,
    source: int = DEVICE,
    time: datetime | None = None,
) -> Frame:
    return Frame(
        serial=serial,
        version=(1, 0),
        time=time or device_time(),
        source=source,
        destination=CENTRE,
        command=Command.SEND_DATA,
        adu=adu,
    )


def component_adu(
    component: int, *, fire: bool = False, fault: bool = False, desc: str = "3F 感烟探测器"
) -> bytes:
    state = {"fire": fire, "fault": fault, "normal": not (fire or fault)}
    return encode_adu(
        2,
        (
            {
                "system_type": 1,
                "system_address": 0,
                "component_type": 42,
                "component_address": component,
                "state": state,
                "description": desc,
                "time": device_time(),
            },
        ),
    )


class Device:
    """A blocking TCP client speaking GB/T 26875.3."""

    def __init__(self, port: int, timeout: float = 5.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.splitter = FrameSplitter()
        self.inbox: list[Frame] = []

    def send(self, data: bytes | Frame) -> None:
        self.sock.sendall(encode_frame(data) if isinstance(data, Frame) else data)

    def receive(self, n: int = 1) -> list[Frame]:
        """The next ``n`` frames (socket timeout if they do not come)."""
        while len(self.inbox) < n:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("gateway closed the connection")
            for item in self.splitter.feed(chunk):
                if not isinstance(item, FrameError):
                    self.inbox.append(item)
        out, self.inbox = self.inbox[:n], self.inbox[n:]
        return out

    def close(self) -> None:
        self.sock.close()
