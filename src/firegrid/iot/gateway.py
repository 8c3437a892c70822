"""The GB/T 26875.3 gateway: an asyncio TCP server for user-information transmission devices.

Per connection: the byte stream is cut into frames by :class:`~firegrid.iot.codec.FrameSplitter`
(partial and concatenated frames; "@@" + length, never "##"); each *send data* frame is decoded,
handed to the :class:`~firegrid.iot.pipeline.Pipeline` and confirmed (command 3, same serial)
**only after the pipeline committed it**; duplicates are confirmed again; a frame with a bad
checksum, unknown command, over-long ADU, bad end or an undecodable ADU is discarded and, when
its header was readable, answered with a deny (command 6) echoing its serial.

Down-link commands (:meth:`Gateway.request`: reads 61–68 / 81–88, 89 initialise, 90 clock sync,
91 duty check) are retransmitted unchanged up to ``request_tries`` times, ``request_timeout_s``
apart (the standard: ≤ 10 s, 3 tries), and matched to the confirm / reply / deny by serial.

Online state: a device is online while frames arrive; :meth:`Gateway.sweep` (run every
``heartbeat_interval_s``) marks offline the devices silent for ``missed_heartbeats`` heartbeat
intervals, and a closed connection takes its device offline at once. The clock is a parameter.
Clock sync: when the first timed frame of a connection shows the device clock off by more than
``clock_sync_threshold_s``, a type-90 command sets it.

Hostile input never crashes a connection handler or the server: every frame error is caught;
the splitter's buffer is bounded (one maximal frame); a connection is closed after
``max_errors`` consecutive errors, when it has been idle ``idle_timeout_s``, when a partial frame
has not completed within ``frame_timeout_s`` (slow loris), when its peer stops reading
(``max_write_buffer`` unsent bytes), and connections beyond ``max_connections`` are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from firegrid.db.base import utcnow
from firegrid.errors import FiregridError, NotFoundError
from firegrid.iot.codec import (
    Command,
    Frame,
    FrameError,
    FrameSplitter,
    confirm_for,
    dedupe_key,
    deny_for,
    encode_frame,
)
from firegrid.iot.models import IotProtocol
from firegrid.iot.pipeline import (
    Envelope,
    Outcome,
    Pipeline,
    Result,
    mark_offline,
    mark_stale_offline,
    offline_cutoff,
    readings_from_adu,
    store_rejected,
)

__all__ = [
    "READ_TYPES",
    "DeviceRefusedError",
    "DeviceTimeoutError",
    "Gateway",
    "GatewayStats",
    "frame_envelope",
]

log = logging.getLogger(__name__)

#: Down-link read requests (command 4, answered with command 5).
READ_TYPES = frozenset(range(61, 69)) | frozenset(range(81, 89))
_VERSION = (1, 0)


class DeviceTimeoutError(FiregridError, TimeoutError):
    """A device did not answer a down-link command after every retry."""


class DeviceRefusedError(FiregridError):
    """A device answered a down-link command with a deny."""


def _decode(frame: Frame, profile: Any) -> tuple[int | None, Sequence[Mapping[str, Any]]]:
    from firegrid.iot.adu import decode_adu

    adu = decode_adu(frame.adu, command=frame.command, profile=profile)
    if adu is None:
        return None, ()
    return adu.type, adu.objects


def frame_envelope(
    frame: Frame, *, received_at: datetime, raw: bytes, profile: Any = None
) -> Envelope:
    """The pipeline envelope of a *send data* frame (raises FrameError/InvalidInputError when
    the ADU cannot be decoded)."""
    adu_type, objects = _decode(frame, profile)
    return Envelope(
        protocol=IotProtocol.GB26875,
        serial=frame.serial,
        dedupe_key=dedupe_key(frame.serial, frame.time),
        received_at=received_at,
        command=frame.command,
        readings=readings_from_adu(adu_type, objects),
        raw=raw,
        address=frame.source,
        device_time=frame.time,
    )


@dataclass
class GatewayStats:
    connections: int = 0
    frames: int = 0
    confirmed: int = 0
    duplicates: int = 0
    denied: int = 0
    errors: int = 0
    failed: int = 0
    closed_hostile: int = 0


@dataclass(eq=False)
class _Conn:
    writer: asyncio.StreamWriter
    peer: str
    splitter: FrameSplitter = field(default_factory=FrameSplitter)
    address: int | None = None
    device_id: int | None = None
    version: tuple[int, int] = _VERSION
    pending: dict[int, asyncio.Future[Frame]] = field(default_factory=dict)
    #: Frames handed to the pipeline and not yet answered (their pipeline futures).
    inflight: set[asyncio.Future[Result]] = field(default_factory=set)
    serial: int = 0
    consecutive_errors: int = 0
    rejected_stored: int = 0
    clock_checked: bool = False
    closed: bool = False

    def next_serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial


class Gateway:
    """The TCP server; see the module docstring. Start with :meth:`start`, stop with
    :meth:`close` (the pipeline is the caller's to close afterwards)."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        centre_address: int = 0,
        clock: Callable[[], datetime] = utcnow,
        device_tz: str = "Asia/Shanghai",
        heartbeat_interval_s: float = 60.0,
        missed_heartbeats: int = 3,
        idle_timeout_s: float = 600.0,
        frame_timeout_s: float = 30.0,
        request_timeout_s: float = 10.0,
        request_tries: int = 3,
        clock_sync_threshold_s: float = 30.0,
        max_connections: int = 20_000,
        max_inflight: int = 64,
        max_errors: int = 32,
        max_write_buffer: int = 256 * 1024,
        store_rejected_per_connection: int = 4,
        profiles: Mapping[int, Any] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.centre_address = centre_address
        self.clock = clock
        self.device_tz = ZoneInfo(device_tz)
        self.heartbeat_interval_s = heartbeat_interval_s
        self.missed_heartbeats = missed_heartbeats
        self.idle_timeout_s = idle_timeout_s
        self.frame_timeout_s = frame_timeout_s
        self.request_timeout_s = request_timeout_s
        self.request_tries = request_tries
        self.clock_sync_threshold_s = clock_sync_threshold_s
        self.max_connections = max_connections
        self.max_inflight = max_inflight
        self.max_errors = max_errors
        self.max_write_buffer = max_write_buffer
        self.store_rejected_per_connection = store_rejected_per_connection
        self.profiles = dict(profiles or {})
        self.stats = GatewayStats()
        self._server: asyncio.Server | None = None
        self._conns: set[_Conn] = set()
        self._by_address: dict[int, _Conn] = {}
        self._handlers: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # --- life cycle --------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 9026, *, sweep: bool = True) -> int:
        """Listen on ``host:port`` (0 = a free port); return the port."""
        self._server = await asyncio.start_server(self._handle, host, port, backlog=4096)
        if sweep:
            self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        """Stop listening, close every connection and wait for in-flight frames."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._server is not None:
            self._server.close()
        for conn in list(self._conns):
            conn.writer.close()
        if self._handlers:
            await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    @property
    def connected(self) -> dict[int, str]:
        """Addresses of the devices connected now, with their peer."""
        return {a: c.peer for a, c in self._by_address.items()}

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _local_now(self) -> datetime:
        return self.clock().astimezone(self.device_tz).replace(tzinfo=None)

    # --- online state ------------------------------------------------------------------------

    async def sweep(self) -> list[int]:
        """Mark devices offline that missed ``missed_heartbeats`` heartbeats; return their ids."""
        before = offline_cutoff(
            self.clock(),
            heartbeat_interval_s=self.heartbeat_interval_s,
            missed=self.missed_heartbeats,
        )
        return await self.pipeline.run(lambda db: mark_stale_offline(db, before=before))

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval_s)
            try:
                await self.sweep()
            except Exception:
                log.exception("iot: offline sweep failed")

    # --- connections -------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        peername = writer.get_extra_info("peername")
        conn = _Conn(writer=writer, peer=str(peername))
        try:
            if len(self._conns) >= self.max_connections:
                log.warning("iot: refusing %s: %d connections open", conn.peer, len(self._conns))
                return
            self._conns.add(conn)
            self.stats.connections += 1
            await self._serve(conn, reader)
        except (ConnectionError, OSError):
            pass
        except Exception:  # a bug must cost one connection, never the server
            log.exception("iot: connection %s failed", conn.peer)
        finally:
            await self._cleanup(conn)
            if task is not None:
                self._handlers.discard(task)

    async def _serve(self, conn: _Conn, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        last_progress = loop.time()
        while not conn.closed:
            timeout = self.idle_timeout_s
            if conn.splitter.pending:
                timeout = min(timeout, last_progress + self.frame_timeout_s - loop.time())
            if timeout <= 0:
                self.stats.closed_hostile += 1
                return  # slow loris: a partial frame that never completes
            try:
                data = await asyncio.wait_for(reader.read(4096), timeout)
            except TimeoutError:
                if conn.splitter.pending:
                    self.stats.closed_hostile += 1
                return
            if not data:
                return
            items = conn.splitter.feed(data)
            if items:
                last_progress = loop.time()
            for item in items:
                if isinstance(item, FrameError):
                    self._on_error(conn, item, data)
                else:
                    await self._on_frame(conn, item)
            if conn.consecutive_errors > self.max_errors:
                self.stats.closed_hostile += 1
                return

    async def _cleanup(self, conn: _Conn) -> None:
        conn.closed = True
        self._conns.discard(conn)
        for fut in conn.pending.values():
            if not fut.done():
                fut.cancel()
        if conn.inflight:
            # Frames already in the pipeline are still stored (only their confirm is lost).
            await asyncio.gather(*conn.inflight, return_exceptions=True)
        if conn.address is not None and self._by_address.get(conn.address) is conn:
            del self._by_address[conn.address]
            if conn.device_id is not None:
                ids = [conn.device_id]
                with contextlib.suppress(Exception):
                    await self.pipeline.run(lambda db: mark_offline(db, ids))
        with contextlib.suppress(Exception):
            conn.writer.close()

    def _send(self, conn: _Conn, frame: Frame) -> None:
        if conn.closed or conn.writer.is_closing():
            return
        transport = conn.writer.transport
        if transport.get_write_buffer_size() > self.max_write_buffer:
            # The peer does not read its confirms: drop it rather than buffer without bound.
            self.stats.closed_hostile += 1
            conn.closed = True
            transport.abort()
            return
        conn.writer.write(encode_frame(frame))

    def _deny(self, conn: _Conn, serial: int, source: int, destination: int) -> None:
        self.stats.denied += 1
        self._send(conn, deny_for(serial, source, destination, time=self._local_now()))

    def _on_error(self, conn: _Conn, err: FrameError, data: bytes) -> None:
        self.stats.errors += 1
        conn.consecutive_errors += 1
        if err.serial is not None and err.source is not None and err.destination is not None:
            self._deny(conn, err.serial, err.source, err.destination)
        if conn.rejected_stored < self.store_rejected_per_connection:
            conn.rejected_stored += 1
            origin, reason, payload = conn.peer, str(err), bytes(data)
            self._spawn(
                self.pipeline.run(
                    lambda db: store_rejected(
                        db,
                        protocol=IotProtocol.GB26875,
                        origin=origin,
                        reason=reason,
                        payload=payload,
                    )
                )
            )

    async def _on_frame(self, conn: _Conn, frame: Frame) -> None:
        conn.consecutive_errors = 0
        self.stats.frames += 1
        if frame.command in (Command.CONFIRM, Command.REPLY, Command.DENY):
            fut = conn.pending.get(frame.serial)
            if fut is not None and not fut.done():
                fut.set_result(frame)
            return
        if frame.command != Command.SEND_DATA:
            # Devices do not control or query the centre; user-defined commands are not ours.
            self._deny(conn, frame.serial, frame.source, frame.destination)
            return
        try:
            env = frame_envelope(
                frame,
                received_at=self.clock(),
                raw=encode_frame(frame),
                profile=self.profiles.get(frame.source),
            )
        except Exception as exc:  # undecodable ADU: discard and deny, like a bad frame
            self.stats.errors += 1
            log.info("iot: %s: ADU rejected: %s", conn.peer, exc)
            self._deny(conn, frame.serial, frame.source, frame.destination)
            return
        if conn.address != frame.source:
            conn.address = frame.source
            conn.version = frame.version
            old = self._by_address.get(frame.source)
            self._by_address[frame.source] = conn
            if old is not None and old is not conn:
                old.writer.close()  # the device reconnected: the old link is dead
        while len(conn.inflight) >= self.max_inflight:
            await asyncio.wait(conn.inflight, return_when=asyncio.FIRST_COMPLETED)
        # A done callback, not a task per frame: at thousands of frames/s the tasks' creation
        # and scheduling were a measurable share of the event loop's (and the GIL's) time.
        stored = self.pipeline.submit(env)
        conn.inflight.add(stored)
        stored.add_done_callback(lambda f: self._answer(conn, frame, f))

    def _answer(self, conn: _Conn, frame: Frame, fut: asyncio.Future[Result]) -> None:
        conn.inflight.discard(fut)
        if fut.cancelled():
            return
        try:
            self._confirm_after(conn, frame, fut.result())
        except Exception:  # a bug must cost one answer, never the loop
            log.exception("iot: answering frame %d of %s failed", frame.serial, conn.peer)

    def _confirm_after(self, conn: _Conn, frame: Frame, res: Result) -> None:
        if res.confirm:
            if res.outcome is Outcome.DUPLICATE:
                self.stats.duplicates += 1
            self.stats.confirmed += 1
            self._send(conn, confirm_for(frame, time=self._local_now()))
            if res.device_id is not None and conn.address == frame.source:
                conn.device_id = res.device_id
            self._maybe_sync_clock(conn, frame, res)
        elif res.outcome is Outcome.REFUSED:
            log.info("iot: %s refused: %s", conn.peer, res.reason)
            self._deny(conn, frame.serial, frame.source, frame.destination)
        else:
            self.stats.failed += 1  # not confirmed: the device retransmits

    # --- down-link ---------------------------------------------------------------------------

    def _maybe_sync_clock(self, conn: _Conn, frame: Frame, res: Result) -> None:
        if conn.clock_checked or res.clock_offset_s is None:
            return
        conn.clock_checked = True
        if abs(res.clock_offset_s) > self.clock_sync_threshold_s:
            address = frame.source
            log.info("iot: device %012x clock off by %.0f s: syncing", address, res.clock_offset_s)
            self._spawn(self._sync_clock(address))

    async def _sync_clock(self, address: int) -> None:
        with contextlib.suppress(FiregridError, asyncio.CancelledError):
            await self.request(address, 90, ({"time": self._local_now()},))

    async def request(
        self,
        address: int,
        adu_type: int,
        objects: Sequence[Mapping[str, Any]] = (),
        *,
        timeout_s: float | None = None,
        tries: int | None = None,
    ) -> Frame:
        """Send a down-link command to a connected device and return its answer.

        Reads (61–68, 81–88) go as *request* (command 4) and are answered with a *reply*;
        89 / 90 / 91 go as *control* (command 1) and are answered with a *confirm*. The same
        frame is retransmitted after ``timeout_s`` up to ``tries`` times in all;
        DeviceTimeoutError after the last, DeviceRefusedError on a deny.
        """
        from firegrid.iot.adu import encode_adu

        conn = self._by_address.get(address)
        if conn is None or conn.closed:
            raise NotFoundError(f"device {address:012x} is not connected to this gateway")
        timeout = self.request_timeout_s if timeout_s is None else timeout_s
        attempts = self.request_tries if tries is None else tries
        command = Command.REQUEST if adu_type in READ_TYPES else Command.CONTROL
        frame = Frame(
            serial=conn.next_serial(),
            version=conn.version,
            time=self._local_now(),
            source=self.centre_address,
            destination=address,
            command=command,
            adu=encode_adu(adu_type, tuple(objects)),
        )
        loop = asyncio.get_running_loop()
        for _ in range(attempts):
            if conn.closed:
                break
            fut: asyncio.Future[Frame] = loop.create_future()
            conn.pending[frame.serial] = fut
            self._send(conn, frame)
            try:
                answer = await asyncio.wait_for(fut, timeout)
            except TimeoutError:
                continue
            except asyncio.CancelledError:
                if conn.closed:
                    break
                raise
            finally:
                conn.pending.pop(frame.serial, None)
            if answer.command == Command.DENY:
                raise DeviceRefusedError(
                    f"device {address:012x} denied command type {adu_type} (serial {frame.serial})"
                )
            return answer
        raise DeviceTimeoutError(
            f"device {address:012x} did not answer command type {adu_type} "
            f"after {attempts} tries of {timeout:g} s"
        )
