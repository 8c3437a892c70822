"""GB/T 26875.3 frames: layout, checksum, every rejection reason, replies and stream framing."""

from __future__ import annotations

from datetime import datetime

import pytest

from firegrid.errors import InvalidInputError
from firegrid.iot.codec import (
    MAX_ADU,
    Command,
    Frame,
    FrameError,
    FrameSplitter,
    confirm_for,
    decode_frame,
    deny_for,
    encode_frame,
)

# A heartbeat (command 2, empty ADU) written out byte by byte from the standard's layout:
#   serial 1, version 1.0, time 2011-10-12 13:14:15, source address 100, destination 0.
# Checksum = sum of bytes 3..27 (1-based):
#   serial 01+00 = 1; version 01+00 = 1; time 0F+0E+0D+0C+0A+0B = 15+14+13+12+10+11 = 75;
#   source 64 = 100; destination 0; length 0; command 02 = 2
#   1 + 1 + 75 + 100 + 2 = 179 = 0xB3
HEARTBEAT = bytes(
    [0x40, 0x40]  # "@@"
    + [0x01, 0x00]  # serial 1, little-endian
    + [0x01, 0x00]  # version major 1, user 0
    + [0x0F, 0x0E, 0x0D, 0x0C, 0x0A, 0x0B]  # 15 s, 14 min, 13 h, day 12, month 10, 2011
    + [0x64, 0x00, 0x00, 0x00, 0x00, 0x00]  # source 100
    + [0x00] * 6  # destination 0
    + [0x00, 0x00]  # ADU length 0
    + [0x02]  # command: send data
    + [0xB3]  # checksum
    + [0x23, 0x23]  # "##"
)


def _frame(**kw: object) -> Frame:
    base: dict[str, object] = {
        "serial": 0x1234,
        "version": (1, 2),
        "time": datetime(2024, 3, 5, 23, 59, 58),
        "source": 0x0000_1122_3344,
        "destination": 0xAABB_CCDD_EEFF,
        "command": Command.SEND_DATA,
        "adu": bytes([2, 1]) + bytes(range(46)),
    }
    base.update(kw)
    return Frame(**base)  # type: ignore[arg-type]


def _with_checksum(raw: bytearray) -> bytes:
    raw[-3] = sum(raw[2:-3]) & 0xFF
    return bytes(raw)


def test_golden_heartbeat_decodes_field_by_field() -> None:
    f = decode_frame(HEARTBEAT)
    assert f == Frame(
        serial=1,
        version=(1, 0),
        time=datetime(2011, 10, 12, 13, 14, 15),
        source=100,
        destination=0,
        command=Command.SEND_DATA,
        adu=b"",
    )
    assert len(HEARTBEAT) == 30
    assert encode_frame(f) == HEARTBEAT


def test_golden_frame_with_adu_checksum_covers_adu() -> None:
    # heartbeat header with a 2-byte ADU (type 8 system time read: 3D 01 → bytes 0x3D, 0x01)
    raw = bytearray(HEARTBEAT)
    raw[24:26] = b"\x02\x00"
    raw[27:27] = b"\x3d\x01"
    # old sum 0xB3 - old length 0 + new length 2 + ADU 0x3D + 0x01 = 179 + 2 + 61 + 1 = 243
    raw[29] = 243
    f = decode_frame(bytes(raw))
    assert f.adu == b"\x3d\x01"
    assert encode_frame(f) == bytes(raw)


@pytest.mark.parametrize(
    "frame",
    [
        _frame(),
        _frame(time=None, adu=b""),
        _frame(command=Command.CONFIRM, adu=b""),
        _frame(command=200, adu=b"\x80\x01abc"),
        _frame(adu=bytes(range(256)) * 4),  # exactly MAX_ADU
        _frame(serial=0xFFFF, source=(1 << 48) - 1, destination=0),
    ],
    ids=["alarm", "no-time", "confirm", "user-command", "max-adu", "extremes"],
)
def test_round_trip(frame: Frame) -> None:
    data = encode_frame(frame)
    assert len(data) == 30 + len(frame.adu)
    assert data[:2] == b"@@" and data[-2:] == b"##"
    assert data[-3] == sum(data[2:27] + frame.adu) % 256  # bytes 3..27 + ADU
    assert decode_frame(data) == frame


def test_addresses_are_little_endian() -> None:
    data = encode_frame(_frame(source=0x010203040506))
    assert data[12:18] == bytes([6, 5, 4, 3, 2, 1])


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda b: b"AB" + b[2:], "bad_start"),
        (lambda b: b[:-2] + b"#!", "bad_end"),
        (lambda b: b[:-3] + bytes([(b[-3] + 1) % 256]) + b"##", "bad_checksum"),
        (lambda b: b[:-1], "truncated"),
        (lambda b: b[:20], "truncated"),
        (lambda b: b + b"\x00", "bad_length"),
    ],
    ids=["start", "end", "checksum", "short-by-one", "header-only", "trailing-byte"],
)
def test_each_rejection_reason(mutate: object, reason: str) -> None:
    data = mutate(encode_frame(_frame()))  # type: ignore[operator]
    with pytest.raises(FrameError) as info:
        decode_frame(data)
    assert info.value.reason == reason
    assert isinstance(info.value, InvalidInputError)


def test_unknown_command_keeps_header_for_the_deny() -> None:
    raw = bytearray(encode_frame(_frame(command=Command.SEND_DATA)))
    raw[26] = 7  # reserved command
    with pytest.raises(FrameError) as info:
        decode_frame(_with_checksum(raw))
    err = info.value
    assert err.reason == "unknown_command"
    assert (err.serial, err.source, err.destination) == (0x1234, 0x112233_44, 0xAABBCCDDEEFF)
    assert "command 7" in str(err)


def test_over_long_adu_is_rejected() -> None:
    raw = bytearray(encode_frame(_frame(adu=b"")))
    raw[24:26] = (MAX_ADU + 1).to_bytes(2, "little")
    raw[27:27] = bytes(MAX_ADU + 1)
    with pytest.raises(FrameError) as info:
        decode_frame(_with_checksum(raw))
    assert info.value.reason == "adu_too_long"
    assert info.value.serial == 0x1234


def test_checksum_error_message_names_both_values() -> None:
    data = bytearray(encode_frame(_frame()))
    good = data[-3]
    data[-3] = (good + 5) % 256
    with pytest.raises(FrameError, match=f"computed {good:#04x}"):
        decode_frame(bytes(data))


def test_unset_device_clock_does_not_lose_the_frame() -> None:
    raw = bytearray(encode_frame(_frame()))
    raw[6:12] = bytes([0, 0, 0, 31, 2, 24])  # 31 February
    assert decode_frame(_with_checksum(raw)).time is None


def test_encode_rejects_out_of_range_fields() -> None:
    with pytest.raises(InvalidInputError, match="serial 70000"):
        encode_frame(_frame(serial=70000))
    with pytest.raises(InvalidInputError, match="exceeds 1024"):
        encode_frame(_frame(adu=bytes(1025)))
    with pytest.raises(InvalidInputError, match="year"):
        encode_frame(_frame(time=datetime(1999, 1, 1)))


def test_confirm_echoes_serial_and_swaps_addresses() -> None:
    f = _frame()
    now = datetime(2024, 3, 6, 0, 0, 1)
    c = decode_frame(encode_frame(confirm_for(f, time=now)))
    assert (c.serial, c.command, c.adu, c.time) == (f.serial, Command.CONFIRM, b"", now)
    assert (c.source, c.destination) == (f.destination, f.source)


def test_deny_answers_a_rejected_frame_from_its_error() -> None:
    raw = bytearray(encode_frame(_frame()))
    raw[-3] ^= 0xFF
    with pytest.raises(FrameError) as info:
        decode_frame(bytes(raw))
    e = info.value
    assert e.serial is not None and e.source is not None and e.destination is not None
    d = decode_frame(encode_frame(deny_for(e.serial, e.source, e.destination)))
    assert (d.serial, d.command) == (0x1234, Command.DENY)
    assert (d.source, d.destination) == (0xAABBCCDDEEFF, 0x112233_44)


# ---------------------------------------------------------------- stream framing


def _frames(n: int) -> list[Frame]:
    return [_frame(serial=i, adu=bytes([2, 1]) + bytes([i % 256]) * 46) for i in range(n)]


def test_splitter_concatenated_frames_in_one_read() -> None:
    frames = _frames(5)
    out = FrameSplitter().feed(b"".join(encode_frame(f) for f in frames))
    assert out == frames


def test_splitter_byte_by_byte() -> None:
    frames = _frames(3)
    sp = FrameSplitter()
    got: list[object] = []
    for byte in b"".join(encode_frame(f) for f in frames):
        got += sp.feed(bytes([byte]))
    assert got == frames
    assert sp.pending == 0


def test_splitter_keeps_partial_frame_until_complete() -> None:
    data = encode_frame(_frame())
    sp = FrameSplitter()
    assert sp.feed(data[:40]) == []
    assert sp.pending == 40
    assert sp.feed(data[40:]) == [_frame()]


def test_splitter_resyncs_after_garbage() -> None:
    f = _frame()
    out = FrameSplitter().feed(b"\x00\x01garbage##@" + encode_frame(f))
    assert [x for x in out if isinstance(x, Frame)] == [f]
    errors = [x for x in out if isinstance(x, FrameError)]
    assert errors and errors[0].reason == "bad_start" and errors[0].serial is None


def test_splitter_hash_marks_inside_data_do_not_cut_frames() -> None:
    f = _frame(adu=b"##@@##" * 10, source=0x2323_2323_2323)
    assert FrameSplitter().feed(encode_frame(f) + encode_frame(f)) == [f, f]


def test_splitter_false_start_inside_garbage_does_not_stall_a_real_frame() -> None:
    # "@@" followed by a header claiming 1000 bytes of ADU, then a real frame: the real
    # frame must come out at once, not after 1000 more bytes arrive.
    fake = b"@@" + bytes(22) + (1000).to_bytes(2, "little") + b"\x02"
    f = _frame()
    out = FrameSplitter().feed(fake + encode_frame(f))
    assert out[-1] == f
    assert isinstance(out[0], FrameError) and out[0].reason == "truncated"


def test_splitter_reports_over_long_length_and_recovers() -> None:
    bad = bytearray(encode_frame(_frame(adu=b"")))
    bad[24:26] = (5000).to_bytes(2, "little")
    f = _frame()
    out = FrameSplitter().feed(bytes(bad) + encode_frame(f))
    assert out[0].reason == "adu_too_long"  # type: ignore[union-attr]
    assert out[-1] == f


def test_splitter_damaged_frame_is_reported_once_and_next_frame_survives() -> None:
    bad = bytearray(encode_frame(_frame(serial=7)))
    bad[-3] ^= 0x55
    f = _frame(serial=8)
    out = FrameSplitter().feed(bytes(bad) + encode_frame(f))
    assert len(out) == 2
    assert isinstance(out[0], FrameError) and out[0].reason == "bad_checksum"
    assert out[0].serial == 7
    assert out[1] == f


def test_splitter_buffer_is_bounded_under_garbage_flood() -> None:
    sp = FrameSplitter()
    for _ in range(200):
        sp.feed(b"@@" + b"\xff" * 4000)
        assert sp.pending <= 30 + MAX_ADU
    f = _frame()
    out = sp.feed(b"garbage" + encode_frame(f))
    assert out[-1] == f


def test_splitter_flood_of_start_bytes_is_one_error_not_one_per_byte() -> None:
    sp = FrameSplitter()
    errors = sp.feed(b"@" * 4000) + sp.feed(b"@" * 4000)
    assert len(errors) == 1 and errors[0].reason == "adu_too_long"  # type: ignore[union-attr]
    f = _frame()
    assert sp.feed(b"xx" + encode_frame(f))[-1] == f
    # and a damaged frame after a good one is reported again
    bad = bytearray(encode_frame(_frame(serial=9)))
    bad[-3] ^= 1
    out = sp.feed(bytes(bad))
    assert len(out) == 1 and out[0].serial == 9  # type: ignore[union-attr]
