"""Hostile input: only FrameError/AduError escape, and the splitter never loses a frame."""

from __future__ import annotations

import contextlib
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firegrid.iot.adu import AduError, decode_adu, encode_adu
from firegrid.iot.codec import Frame, FrameError, FrameSplitter, decode_frame, encode_frame
from firegrid.iot.profiles import load_profile

T = datetime(2024, 5, 1, 8, 30, 15)
COMP = {"system_type": 1, "system_address": 2, "component_type": 42, "component_address": 9}

frames = st.builds(
    Frame,
    serial=st.integers(0, 0xFFFF),
    version=st.tuples(st.integers(0, 255), st.integers(0, 255)),
    time=st.none()
    | st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(
        lambda t: t.replace(microsecond=0)
    ),
    source=st.integers(0, (1 << 48) - 1),
    destination=st.integers(0, (1 << 48) - 1),
    command=st.sampled_from([1, 2, 3, 4, 5, 6, 128, 255]),
    adu=st.binary(max_size=200),
)

VALID_ADUS = [
    b"",
    encode_adu(2, [{**COMP, "state_raw": 2, "description": "1号楼3层烟感", "time": T}]),
    encode_adu(3, [{**COMP, "analog_type": 3, "raw": -40, "time": T}] * 3),
    encode_adu(6, [{"system_type": 1, "system_address": 1, "configuration": "配置"}]),
    encode_adu(21, [{"state_raw": 3, "time": T}]),
]
PROFILES = [None, load_profile("example_water"), load_profile("bit0_unreliable")]

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decode_all(data: bytes) -> None:
    try:
        frame = decode_frame(data)
    except FrameError as exc:
        assert exc.reason in {
            "bad_start",
            "bad_end",
            "bad_checksum",
            "unknown_command",
            "adu_too_long",
            "truncated",
            "bad_length",
        }
        return
    for profile in PROFILES:
        with contextlib.suppress(AduError):
            decode_adu(frame.adu, command=frame.command, profile=profile)


@FAST
@given(st.binary(max_size=1200))
def test_random_bytes_raise_only_codec_errors(data: bytes) -> None:
    _decode_all(data)
    _decode_all(b"@@" + data)


@FAST
@given(st.binary(max_size=1100), st.integers(0, 255), st.sampled_from(PROFILES))
def test_random_adus_raise_only_adu_errors(data: bytes, first: int, profile: object) -> None:
    for adu in (data, bytes([first]) + data, bytes([first, len(data) // 10]) + data):
        with contextlib.suppress(AduError):
            decode_adu(adu, profile=profile)  # type: ignore[arg-type]


@FAST
@given(
    st.sampled_from(VALID_ADUS),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), min_size=1, max_size=4),
    st.booleans(),
)
def test_mutated_valid_frames_raise_only_codec_errors(
    adu: bytes, mutations: list[tuple[int, int]], fix_checksum: bool
) -> None:
    data = bytearray(encode_frame(Frame(1, (1, 0), T, 5, 0, 2, adu)))
    for pos, value in mutations:
        data[pos % len(data)] = value
    if fix_checksum and len(data) >= 30:
        data[-3] = sum(data[2:-3]) & 0xFF  # reach the ADU decoder with damaged content
    _decode_all(bytes(data))


@FAST
@given(frames)
def test_frames_round_trip(frame: Frame) -> None:
    assert decode_frame(encode_frame(frame)) == frame


@FAST
@given(
    st.binary(max_size=300),
    st.lists(frames, min_size=1, max_size=3),
    st.lists(st.integers(1, 64), max_size=20),
)
def test_splitter_never_loses_a_frame_after_garbage(
    garbage: bytes, sent: list[Frame], cuts: list[int]
) -> None:
    stream = garbage + b"".join(encode_frame(f) for f in sent)
    splitter = FrameSplitter()
    out: list[Frame | FrameError] = []
    pos = 0
    for size in cuts:  # arbitrary TCP segmentation
        out += splitter.feed(stream[pos : pos + size])
        pos += size
    out += splitter.feed(stream[pos:])
    got = [x for x in out if isinstance(x, Frame)]
    assert all(isinstance(x, Frame | FrameError) for x in out)
    assert got[-len(sent) :] == sent  # garbage may decode as extra frames only before them
    assert splitter.pending <= 1054


@FAST
@given(st.lists(st.binary(max_size=400), max_size=30))
def test_splitter_buffer_stays_bounded_on_random_streams(chunks: list[bytes]) -> None:
    splitter = FrameSplitter()
    for chunk in chunks:
        for item in splitter.feed(chunk):
            assert isinstance(item, Frame | FrameError)
        assert splitter.pending <= 1054


@FAST
@given(
    st.text(alphabet=st.characters(codec="gb18030", exclude_categories=["Cs", "Cc"]), max_size=10)
)
def test_gb18030_descriptions_round_trip(text: str) -> None:
    text = text.rstrip(" ")
    if len(text.encode("gb18030")) > 31:
        return
    data = encode_adu(2, [{**COMP, "state_raw": 2, "description": text, "time": T}])
    assert decode_adu(data).objects[0]["description"] == text  # type: ignore[union-attr]
