"""A traffic simulator of GB/T 26875.3 user-information transmission devices.

Each simulated device keeps one TCP connection to the gateway and sends, at random times
(a Poisson process of ``rate_per_s`` frames per second), a realistic mix: heartbeats (empty
ADU), pipe-pressure analog values (type 3), component states (type 2: normal, fault,
supervisory, fire from smoke detectors and manual call points) and, after a fire, a system
reset (type 1). Serial numbers are per device. Every frame waits for its confirm; an
unconfirmed one is retransmitted byte for byte after ``confirm_timeout_s`` (the standard:
≤ 10 s, 3 tries); a dropped connection is re-opened and everything unconfirmed is sent again.
Down-link commands from the centre are answered (confirm for control, a reply for reads).

Randomness comes from a ``numpy.random.Generator`` the caller passes (never global seeding).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from firegrid.db.base import utcnow
from firegrid.iot.adu import encode_adu
from firegrid.iot.codec import (
    Command,
    Frame,
    FrameError,
    FrameSplitter,
    dedupe_key,
    encode_frame,
)

__all__ = ["DEFAULT_MIX", "SimDevice", "SimStats", "frame_key", "run_simulation"]

#: Share of each kind of frame (normalised).
DEFAULT_MIX: dict[str, float] = {
    "heartbeat": 0.55,
    "analog": 0.25,
    "normal": 0.08,
    "fault": 0.07,
    "supervisory": 0.03,
    "fire": 0.015,
    "reset": 0.005,
}
_SMOKE, _CALL_POINT, _PRESSURE_SWITCH = 42, 23, 99
_PLACES = ("1F 大堂", "2F 走廊", "3F 东侧", "4F 西侧", "B1 车库", "B2 泵房", "5F 会议室")


def frame_key(frame: Frame) -> tuple[int, str]:
    """``(address, dedupe key)`` — how the pipeline identifies a frame."""
    return frame.source, dedupe_key(frame.serial, frame.time)


@dataclass
class SimStats:
    sent: int = 0
    confirmed: int = 0
    denied: int = 0
    retransmitted: int = 0
    gave_up: int = 0
    reconnects: int = 0
    downlink_answered: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    #: Seconds from first send to confirm, per confirmed frame first sent after the warm-up.
    latencies_s: list[float] = field(default_factory=list)
    #: ``time.perf_counter()`` before which latencies are not recorded (warm-up).
    record_after: float = 0.0
    #: ``frame_key`` of every frame the gateway confirmed.
    confirmed_keys: set[tuple[int, str]] = field(default_factory=set)

    def as_dict(self) -> dict[str, Any]:
        lat = np.asarray(self.latencies_s) * 1000.0
        pct = {f"p{q}_ms": float(np.percentile(lat, q)) for q in (50, 95, 99)} if lat.size else {}
        return {
            "sent": self.sent,
            "confirmed": self.confirmed,
            "denied": self.denied,
            "retransmitted": self.retransmitted,
            "gave_up": self.gave_up,
            "reconnects": self.reconnects,
            "downlink_answered": self.downlink_answered,
            "by_kind": dict(sorted(self.by_kind.items())),
            **pct,
        }


@dataclass
class _Pending:
    data: bytes
    frame: Frame
    first_sent: float
    last_sent: float
    tries: int = 1


class SimDevice:
    """One simulated transmission device (see the module docstring)."""

    def __init__(
        self,
        address: int,
        *,
        host: str,
        port: int,
        rate_per_s: float,
        rng: np.random.Generator,
        stats: SimStats,
        centre_address: int = 0,
        mix: dict[str, float] | None = None,
        confirm_timeout_s: float = 10.0,
        tries: int = 3,
        clock: Callable[[], datetime] = utcnow,
        tz: str = "Asia/Shanghai",
        components: int = 50,
    ) -> None:
        self.address = address
        self.host, self.port = host, port
        self.rate_per_s = rate_per_s
        self.rng = rng
        self.stats = stats
        self.centre = centre_address
        weights = mix or DEFAULT_MIX
        self._kinds = list(weights)
        p = np.asarray([weights[k] for k in self._kinds], dtype=float)
        self._p = p / p.sum()
        self.confirm_timeout_s = confirm_timeout_s
        self.tries = tries
        self.clock = clock
        self.tz = ZoneInfo(tz)
        self.components = components
        self.serial = int(rng.integers(0, 65536))
        self.pending: dict[int, _Pending] = {}
        self._writer: asyncio.StreamWriter | None = None
        self._on_fire: set[int] = set()

    # --- frames ------------------------------------------------------------------------------

    def _now_local(self) -> datetime:
        return self.clock().astimezone(self.tz).replace(tzinfo=None, microsecond=0)

    def next_frame(self, kind: str | None = None) -> tuple[str, Frame]:
        """The next frame to send (``kind`` None: drawn from the mix)."""
        if kind is None:
            kind = self._kinds[int(self.rng.choice(len(self._kinds), p=self._p))]
        self.serial = (self.serial + 1) & 0xFFFF
        now = self._now_local()
        comp = int(self.rng.integers(1, self.components + 1))
        place = _PLACES[comp % len(_PLACES)]
        adu = b""
        if kind == "analog":
            kpa = float(np.clip(self.rng.normal(350.0, 25.0), 0.0, 3000.0))
            obj = {
                "system_type": 1,
                "system_address": 0,
                "component_type": _PRESSURE_SWITCH,
                "component_address": comp,
                "analog_type": 5,
                "value": round(kpa, 1),
                "time": now,
            }
            adu = encode_adu(3, (obj,))
        elif kind in ("normal", "fault", "supervisory", "fire"):
            ctype = _CALL_POINT if kind == "fire" and comp % 5 == 0 else _SMOKE
            state = {"normal": True} if kind == "normal" else {kind: True}
            if kind == "fire":
                self._on_fire.add(comp)
            desc = f"{place} {'手动报警按钮' if ctype == _CALL_POINT else '感烟探测器'}{comp}"
            obj = {
                "system_type": 1,
                "system_address": 0,
                "component_type": ctype,
                "component_address": comp,
                "state": state,
                "description": desc,
                "time": now,
            }
            adu = encode_adu(2, (obj,))
        elif kind == "reset":
            self._on_fire.clear()
            obj = {"system_type": 1, "system_address": 0, "state": {"reset": True}, "time": now}
            adu = encode_adu(1, (obj,))
        frame = Frame(
            serial=self.serial,
            version=(1, 0),
            time=now,
            source=self.address,
            destination=self.centre,
            command=Command.SEND_DATA,
            adu=adu,
        )
        return kind, frame

    # --- the connection ----------------------------------------------------------------------

    def _write(self, data: bytes) -> bool:
        w = self._writer
        if w is None or w.is_closing():
            return False
        w.write(data)
        return True

    def send(self, frame: Frame, kind: str = "") -> None:
        data = encode_frame(frame)
        t = time.perf_counter()
        self.pending[frame.serial] = _Pending(data, frame, t, t)
        self.stats.sent += 1
        if kind:
            self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
        self._write(data)

    def _on_frame(self, frame: Frame) -> None:
        if frame.command == Command.CONFIRM:
            p = self.pending.pop(frame.serial, None)
            if p is not None:
                self.stats.confirmed += 1
                if p.first_sent >= self.stats.record_after:
                    self.stats.latencies_s.append(time.perf_counter() - p.first_sent)
                self.stats.confirmed_keys.add(frame_key(p.frame))
        elif frame.command == Command.DENY:
            if self.pending.pop(frame.serial, None) is not None:
                self.stats.denied += 1
        elif frame.command in (Command.CONTROL, Command.REQUEST):
            self.stats.downlink_answered += 1
            reply_cmd = Command.CONFIRM if frame.command == Command.CONTROL else Command.REPLY
            adu = b""
            if frame.command == Command.REQUEST:
                adu = encode_adu(21, ({"state": {"normal": True}, "time": self._now_local()},))
            self._write(
                encode_frame(
                    Frame(
                        serial=frame.serial,
                        version=frame.version,
                        time=self._now_local(),
                        source=self.address,
                        destination=frame.source,
                        command=reply_cmd,
                        adu=adu,
                    )
                )
            )

    async def _reader(self, reader: asyncio.StreamReader) -> None:
        splitter = FrameSplitter()
        while True:
            data = await reader.read(4096)
            if not data:
                return
            for item in splitter.feed(data):
                if not isinstance(item, FrameError):
                    self._on_frame(item)

    def _retransmit(self) -> None:
        now = time.perf_counter()
        for serial, p in list(self.pending.items()):
            if now - p.last_sent < self.confirm_timeout_s:
                continue
            if p.tries >= self.tries:
                del self.pending[serial]
                self.stats.gave_up += 1
                continue
            p.tries += 1
            p.last_sent = now
            self.stats.retransmitted += 1
            self._write(p.data)

    async def _connect(self, stop: asyncio.Event) -> asyncio.StreamReader | None:
        delay = 0.05
        while not stop.is_set():
            try:
                reader, self._writer = await asyncio.open_connection(self.host, self.port)
                return reader
            except OSError:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
        return None

    async def run(self, stop: asyncio.Event, *, drain_s: float = 0.0) -> None:
        """Send until ``stop`` is set, then wait up to ``drain_s`` for outstanding confirms."""
        first = True
        while not stop.is_set():
            reader = await self._connect(stop)
            if reader is None:
                break
            if not first:
                self.stats.reconnects += 1
                now = time.perf_counter()
                for p in self.pending.values():  # the link dropped: send again at once
                    p.last_sent = now
                    self._write(p.data)
            first = False
            read_task = asyncio.get_running_loop().create_task(self._reader(reader))
            try:
                await self._send_loop(stop, read_task)
            finally:
                if stop.is_set() and drain_s > 0 and not read_task.done():
                    await self._drain(read_task, drain_s)
                read_task.cancel()
                with contextlib.suppress(BaseException):
                    await read_task
                if self._writer is not None:
                    self._writer.close()
                    self._writer = None

    async def _send_loop(self, stop: asyncio.Event, read_task: asyncio.Task[None]) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time() + float(self.rng.exponential(1.0 / self.rate_per_s))
        while not stop.is_set() and not read_task.done():
            wait = min(next_at - loop.time(), 0.25)
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), wait)
                self._retransmit()
                continue
            kind, frame = self.next_frame()
            self.send(frame, kind)
            next_at += float(self.rng.exponential(1.0 / self.rate_per_s))

    async def _drain(self, read_task: asyncio.Task[None], drain_s: float) -> None:
        deadline = time.perf_counter() + drain_s
        while self.pending and not read_task.done() and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
            self._retransmit()


async def run_simulation(
    host: str,
    port: int,
    *,
    devices: int,
    rate_per_s: float,
    duration_s: float,
    rng: np.random.Generator,
    base_address: int = 0x1000_0000_0000,
    confirm_timeout_s: float = 10.0,
    drain_s: float = 5.0,
    mix: dict[str, float] | None = None,
    during: Callable[[], Any] | None = None,
    warmup_s: float = 0.0,
) -> SimStats:
    """Run ``devices`` simulated devices for ``duration_s`` seconds; return the statistics.

    ``during`` (optional) is awaited concurrently (a benchmark restarts the gateway there);
    latencies of frames first sent in the first ``warmup_s`` seconds are not recorded.
    """
    stats = SimStats(record_after=time.perf_counter() + warmup_s)
    stop = asyncio.Event()
    sims = [
        SimDevice(
            base_address + i,
            host=host,
            port=port,
            rate_per_s=rate_per_s,
            rng=np.random.default_rng(rng.integers(0, 2**63)),
            stats=stats,
            mix=mix,
            confirm_timeout_s=confirm_timeout_s,
        )
        for i in range(devices)
    ]
    tasks = [asyncio.create_task(s.run(stop, drain_s=drain_s)) for s in sims]
    extra = asyncio.ensure_future(during()) if during is not None else None
    await asyncio.sleep(duration_s)
    stop.set()
    if extra is not None:
        await extra
    await asyncio.gather(*tasks, return_exceptions=True)
    return stats
