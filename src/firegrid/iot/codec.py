"""GB/T 26875.3-2011 frames: encode, decode, confirm/deny replies and TCP stream framing.

Pure: bytes in, frozen dataclasses out; no sockets, files or clocks (a reply's time is a
parameter). Application data units (the ADU inside a frame) are :mod:`firegrid.iot.adu`.

Frame layout (GB/T 26875.3-2011 §8.2 "通信包结构"; repeated in DOMAIN.md)::

    offset  size  field
         0     2  start "@@" (0x40 0x40)
         2     2  serial number (业务流水号), u16 little-endian
         4     2  protocol version: major, user (主版本号, 用户版本号)
         6     6  time: second, minute, hour, day, month, year - 2000 (plain binary)
        12     6  source address, 48-bit little-endian
        18     6  destination address, 48-bit little-endian
        24     2  ADU length, u16 little-endian, <= 1024
        26     1  command (1 control, 2 send data, 3 confirm, 4 request, 5 reply, 6 deny;
                  128-255 user-defined)
        27     n  ADU
      27+n     1  checksum: sum of bytes 3..27 (1-based, i.e. offsets 2..26) and all ADU
                  bytes, modulo 256
      28+n     2  end "##" (0x23 0x23)

A frame is 30 + n bytes. A TCP stream is framed by "@@" plus the length field, never by
"##", which may occur in data. A frame with a bad checksum, unknown command, over-long ADU
or bad delimiters is discarded and answered with a deny (command 6) echoing its serial.

Decisions where devices and the text collide (the need wins):

* A header time that is not a calendar date (an unset device clock) decodes as ``None``,
  as an all-zero time does: discarding a fire alarm for a bad clock is worse than losing
  the timestamp.
* User-defined commands 128-255 are accepted; 0 and 7-127 are ``unknown_command``.

Sources: DOMAIN.md "IoT — GB/T 26875.3-2011"; the standard's frame table as summarised in
public implementations and write-ups of the protocol (read, not copied).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from firegrid.errors import InvalidInputError

__all__ = [
    "FRAME_ERROR_REASONS",
    "HEADER_SIZE",
    "MAX_ADU",
    "Command",
    "Frame",
    "FrameError",
    "FrameSplitter",
    "checksum",
    "confirm_for",
    "decode_frame",
    "dedupe_key",
    "deny_for",
    "encode_frame",
    "parse_time",
    "time_bytes",
]

MAX_ADU = 1024
HEADER_SIZE = 27  # "@@" .. command, inclusive
_OVERHEAD = 30  # header + checksum + "##"
MAX_FRAME = _OVERHEAD + MAX_ADU
_START = b"@@"
_END = b"##"
_ADDR_MAX = (1 << 48) - 1
_ZERO_TIME = bytes(6)

# "@@", serial, version major, version user, time(6), source(6), destination(6), length, command
_HEADER = struct.Struct("<2sHBB6s6s6sHB")
# the same 27 bytes with each 48-bit address read as u32 low + u16 high (one C call, no
# int.from_bytes): "@@", serial, major, user, time, src lo, src hi, dst lo, dst hi, len, cmd
_FAST = struct.Struct("<2sHBB6sIHIHHB")
_unpack_fast = _FAST.unpack_from


class Command(IntEnum):
    """Frame commands of GB/T 26875.3 (128-255 are user-defined and not listed)."""

    CONTROL = 1
    SEND_DATA = 2
    CONFIRM = 3
    REQUEST = 4
    REPLY = 5
    DENY = 6


FRAME_ERROR_REASONS = frozenset(
    {
        "bad_start",
        "bad_end",
        "bad_checksum",
        "unknown_command",
        "adu_too_long",
        "truncated",
        "bad_length",
    }
)


class FrameError(InvalidInputError):
    """A frame that must be discarded (and, when its header was readable, denied).

    ``reason`` is one of ``bad_start``, ``bad_end``, ``bad_checksum``, ``unknown_command``,
    ``adu_too_long``, ``truncated``, ``bad_length``. ``serial``, ``source`` and
    ``destination`` are the received frame's fields when its header could be read (so a
    deny can echo them), else ``None``.
    """

    def __init__(
        self,
        reason: str,
        message: str = "",
        *,
        serial: int | None = None,
        source: int | None = None,
        destination: int | None = None,
    ) -> None:
        self.reason = reason
        self.serial = serial
        self.source = source
        self.destination = destination
        text = f"GB/T 26875.3 frame rejected ({reason})"
        if message:
            text += f": {message}"
        if serial is not None:
            text += f" [serial {serial}, source {source}, destination {destination}]"
        super().__init__(text)

    def __reduce__(self) -> tuple[object, ...]:  # keep pickling (multiprocessing) working
        return (
            _rebuild_frame_error,
            (self.reason, str(self), self.serial, self.source, self.destination),
        )


def _rebuild_frame_error(
    reason: str, text: str, serial: int | None, source: int | None, destination: int | None
) -> FrameError:
    err = FrameError(reason, serial=serial, source=source, destination=destination)
    err.args = (text,)
    return err


@dataclass(frozen=True, slots=True)
class Frame:
    """One GB/T 26875.3 frame.

    ``time`` is the device-local naive wall-clock time of the header, ``None`` when all
    six bytes are zero (or not a calendar date). ``source`` and ``destination`` are the
    48-bit addresses as integers. ``adu`` is the raw application data unit (empty for a
    heartbeat, a confirm or a deny); decode it with :func:`firegrid.iot.adu.decode_adu`.
    """

    serial: int
    version: tuple[int, int]
    time: datetime | None
    source: int
    destination: int
    command: int
    adu: bytes = b""


def dedupe_key(ident: object, time: datetime | None) -> str:
    """The pipeline's dedupe key of a message: ``"<ident>@YYYYmmddHHMMSS"`` (``"-"`` for no time).

    ``ident`` is the per-device message number (a frame's serial, an MQTT ``seq``/``id``); a
    retransmission repeats both it and the device time, so it repeats the key.
    """
    stamp = time.strftime("%Y%m%d%H%M%S") if time is not None else "-"
    return f"{ident}@{stamp}"


def time_bytes(t: datetime | None) -> bytes:
    """Six time bytes (second, minute, hour, day, month, year - 2000); ``None`` -> zeros."""
    if t is None:
        return _ZERO_TIME
    if not 2000 <= t.year <= 2255:
        raise InvalidInputError(f"time {t.isoformat()}: year must be 2000..2255")
    # tzinfo, if any, is ignored: the protocol carries device-local wall-clock fields.
    return bytes((t.second, t.minute, t.hour, t.day, t.month, t.year - 2000))


def parse_time(b: bytes) -> datetime | None:
    """Inverse of :func:`time_bytes`; all-zero or impossible dates (unset clock) -> ``None``."""
    if b == _ZERO_TIME or len(b) != 6:
        return None
    try:
        return datetime(2000 + b[5], b[4], b[3], b[2], b[1], b[0])
    except ValueError:
        return None


def checksum(data: bytes | bytearray | memoryview) -> int:
    """Sum of ``data`` modulo 256 (pass bytes 3..27 of the frame plus the ADU)."""
    return sum(data) & 0xFF


def _check_range(name: str, value: int, hi: int) -> None:
    if not 0 <= value <= hi:
        raise InvalidInputError(f"{name} {value} out of range 0..{hi}")


def encode_frame(frame: Frame) -> bytes:
    """Serialise ``frame``; raise :class:`InvalidInputError` naming any out-of-range field."""
    _check_range("serial", frame.serial, 0xFFFF)
    _check_range("version major", frame.version[0], 0xFF)
    _check_range("version user", frame.version[1], 0xFF)
    _check_range("source address", frame.source, _ADDR_MAX)
    _check_range("destination address", frame.destination, _ADDR_MAX)
    _check_range("command", frame.command, 0xFF)
    if len(frame.adu) > MAX_ADU:
        raise InvalidInputError(f"ADU of {len(frame.adu)} bytes exceeds {MAX_ADU}")
    body = _HEADER.pack(
        _START,
        frame.serial,
        frame.version[0],
        frame.version[1],
        time_bytes(frame.time),
        frame.source.to_bytes(6, "little"),
        frame.destination.to_bytes(6, "little"),
        len(frame.adu),
        frame.command,
    ) + bytes(frame.adu)
    return body + bytes((sum(body[2:]) & 0xFF,)) + _END


def _parse(buf: bytes | bytearray, pos: int, end: int) -> Frame:
    """Decode the frame that starts at ``buf[pos]`` and must end exactly at ``buf[end]``.

    The caller guarantees ``end - pos >= HEADER_SIZE`` and that ``buf[pos:pos+2]`` is "@@".
    """
    (_, serial, vmaj, vmin, tb, slo, shi, dlo, dhi, length, command) = _unpack_fast(buf, pos)
    source = slo | shi << 32
    destination = dlo | dhi << 32
    if length > MAX_ADU:
        raise FrameError(
            "adu_too_long",
            f"length field {length} exceeds {MAX_ADU}",
            serial=serial,
            source=source,
            destination=destination,
        )
    total = _OVERHEAD + length
    size = end - pos
    if size != total:
        raise FrameError(
            "truncated" if size < total else "bad_length",
            f"length field {length} needs a {total}-byte frame, got {size} bytes",
            serial=serial,
            source=source,
            destination=destination,
        )
    adu_end = pos + HEADER_SIZE + length
    if buf[adu_end + 1 : adu_end + 3] != _END:
        raise FrameError(
            "bad_end",
            f"expected '##' at offset {HEADER_SIZE + length + 1}, "
            f"got {bytes(buf[adu_end + 1 : adu_end + 3]).hex()}",
            serial=serial,
            source=source,
            destination=destination,
        )
    expected = sum(buf[pos + 2 : adu_end]) & 0xFF
    if buf[adu_end] != expected:
        raise FrameError(
            "bad_checksum",
            f"checksum byte {buf[adu_end]:#04x}, computed {expected:#04x}",
            serial=serial,
            source=source,
            destination=destination,
        )
    if not (1 <= command <= 6 or command >= 128):
        raise FrameError(
            "unknown_command",
            f"command {command}",
            serial=serial,
            source=source,
            destination=destination,
        )
    time = None if tb == _ZERO_TIME else parse_time(tb)
    return Frame(
        serial,
        (vmaj, vmin),
        time,
        source,
        destination,
        command,
        bytes(buf[pos + HEADER_SIZE : adu_end]),
    )


def decode_frame(data: bytes | bytearray) -> Frame:
    """Decode exactly one complete frame; anything else raises :class:`FrameError`."""
    size = len(data)
    if size >= 2 and data[:2] != _START:
        raise FrameError("bad_start", f"frame starts with {bytes(data[:2]).hex()}, not '@@'")
    if size < HEADER_SIZE:
        raise FrameError(
            "truncated" if data[:2] == _START or size < 2 else "bad_start",
            f"{size} bytes, a frame has at least {_OVERHEAD}",
        )
    return _parse(data, 0, size)


def confirm_for(frame: Frame, *, time: datetime | None = None) -> Frame:
    """The confirm (command 3) answering ``frame``: same serial and version, addresses swapped."""
    return Frame(
        serial=frame.serial,
        version=frame.version,
        time=time,
        source=frame.destination,
        destination=frame.source,
        command=Command.CONFIRM,
        adu=b"",
    )


def deny_for(
    serial: int,
    source: int,
    destination: int,
    *,
    time: datetime | None = None,
    version: tuple[int, int] = (1, 0),
) -> Frame:
    """The deny (command 6) answering a rejected frame.

    ``serial``, ``source`` and ``destination`` are the *rejected frame's* fields, as a
    :class:`FrameError` carries them; the deny goes back from its destination to its source.
    """
    return Frame(
        serial=serial,
        version=version,
        time=time,
        source=destination,
        destination=source,
        command=Command.DENY,
        adu=b"",
    )


class FrameSplitter:
    """Cut a TCP byte stream into frames (GB/T 26875.3 frames by "@@" + length, not "##").

    :meth:`feed` returns the complete frames (and :class:`FrameError` for rejected ones) in
    stream order and keeps any partial frame for the next call. Bytes before a "@@" are
    skipped (reported once per run as ``bad_start`` without a header). A candidate that
    turns out invalid is resynchronised from the next "@@", so a valid frame following
    garbage is never lost. A candidate whose end is not yet in the buffer is abandoned as
    ``truncated`` as soon as a later "@@" starts a complete, valid frame (a device that
    retries waits for a confirm, so a false start must not stall the stream). Errors for
    false starts inside a span already reported fold into that one report (a flood of
    "@@@@…" yields one error, not one per byte). The buffer never exceeds one maximal frame
    (1054 bytes) between calls.
    """

    __slots__ = ("_buf", "_quiet")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._quiet = 0

    @property
    def pending(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame | FrameError]:
        """Add ``data`` to the stream; return what became complete, in order."""
        buf = self._buf
        buf += data
        out: list[Frame | FrameError] = []
        pos = 0
        n = len(buf)
        find = buf.find
        # Errors starting before `quiet` fold into the previous one: a flood of "@@@@…" or a
        # run of false starts is one error, not one per byte (each would earn a deny).
        quiet = self._quiet
        while True:
            start = find(_START, pos)
            if start < 0:
                # keep a trailing "@" that may be the first half of a start marker
                keep = n - 1 if n > pos and buf[n - 1] == 0x40 else n
                if keep > pos:
                    if pos >= quiet:
                        out.append(_garbage(keep - pos))
                    quiet = max(quiet, keep)
                pos = keep
                break
            if start > pos:
                if pos >= quiet:
                    out.append(_garbage(start - pos))
                quiet = max(quiet, start)
                pos = start
            if n - pos < HEADER_SIZE:
                break
            length = buf[pos + 24] | (buf[pos + 25] << 8)
            if length > MAX_ADU:
                if pos >= quiet:
                    out.append(_header_error(buf, pos, "adu_too_long", f"length field {length}"))
                quiet = max(quiet, pos + HEADER_SIZE)
                pos += 1
                continue
            end = pos + _OVERHEAD + length
            if end > n:
                later = self._later_valid(buf, pos + 1, n)
                if later < 0:
                    break
                if pos >= quiet:
                    out.append(
                        _header_error(buf, pos, "truncated", "abandoned for a later complete frame")
                    )
                quiet = max(quiet, later)
                pos = later
                continue
            try:
                frame = _parse(buf, pos, end)
            except FrameError as exc:
                if pos >= quiet:
                    out.append(exc)
                if exc.reason in ("bad_checksum", "unknown_command"):
                    # delimiters are right: a damaged frame, skip it whole unless a valid
                    # frame starts inside it (then the "frame" was garbage with a "@@")
                    later = self._later_valid(buf, pos + 1, end)
                    pos = later if later >= 0 else end
                    quiet = max(quiet, pos)
                else:
                    quiet = max(quiet, end)
                    pos += 1
                continue
            out.append(frame)
            quiet = 0
            pos = end
        self._quiet = max(0, quiet - pos)
        del buf[:pos]
        return out

    @staticmethod
    def _later_valid(buf: bytearray, lo: int, hi: int) -> int:
        """Offset of the first "@@" in ``buf[lo:hi]`` starting a complete valid frame, or -1."""
        n = len(buf)
        p = buf.find(_START, lo, hi)
        while p >= 0:
            if n - p >= HEADER_SIZE:
                length = buf[p + 24] | (buf[p + 25] << 8)
                end = p + _OVERHEAD + length
                if length <= MAX_ADU and end <= n:
                    try:
                        _parse(buf, p, end)
                    except FrameError:
                        pass
                    else:
                        return p
            p = buf.find(_START, p + 1, hi)
        return -1


def _garbage(count: int) -> FrameError:
    return FrameError("bad_start", f"skipped {count} byte(s) before the next '@@'")


def _header_error(buf: bytearray, pos: int, reason: str, message: str) -> FrameError:
    (_, serial, _, _, _, slo, shi, dlo, dhi, _, _) = _unpack_fast(buf, pos)
    return FrameError(
        reason, message, serial=serial, source=slo | shi << 32, destination=dlo | dhi << 32
    )
