"""Decode throughput of the GB/T 26875.3 codec (used by ``benchmarks/iot_decode.py`` and
``benchmarks/iot.py``); not a kernel — it reads the clock."""

from __future__ import annotations

import time
from datetime import datetime

from firegrid.iot.adu import decode_adu, encode_adu
from firegrid.iot.codec import Frame, FrameSplitter, decode_frame, encode_frame

__all__ = ["decode_throughput", "sample_frames"]


def sample_frames(n: int = 1000) -> list[bytes]:
    """A realistic mix: 60 % heartbeats, 25 % type 3 analog readings, 15 % type 2 alarms."""
    t = datetime(2024, 5, 1, 8, 30, 15)
    comp = {"system_type": 1, "system_address": 1, "component_type": 42}
    alarm = encode_adu(
        2,
        [
            {
                **comp,
                "component_address": 0x0103002A,
                "state_raw": 2,
                "description": "1号楼3层烟感",
                "time": t,
            }
        ],
    )
    analog = encode_adu(
        3,
        [
            {
                **comp,
                "component_type": 99,
                "component_address": 7,
                "analog_type": 5,
                "raw": 3125,
                "time": t,
            }
        ],
    )
    out = []
    for i in range(n):
        k = i % 20
        adu = alarm if k < 3 else analog if k < 8 else b""
        out.append(encode_frame(Frame(i & 0xFFFF, (1, 0), t, 100000 + i, 0, 2, adu)))
    return out


def decode_throughput(seconds: float = 2.0, *, stream: bool = False) -> float:
    """Frames per second through frame + ADU decoding on one core.

    ``stream=True`` pushes the mix through :class:`FrameSplitter` in 4 KiB segments (what
    the gateway does) instead of calling :func:`decode_frame` per frame.
    """
    frames = sample_frames()
    blob = b"".join(frames)
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        if stream:
            splitter = FrameSplitter()
            for off in range(0, len(blob), 4096):
                for f in splitter.feed(blob[off : off + 4096]):
                    if isinstance(f, Frame):
                        decode_adu(f.adu, command=f.command)
                        done += 1
        else:
            for data in frames:
                f = decode_frame(data)
                decode_adu(f.adu, command=f.command)
            done += len(frames)
    return done / (time.perf_counter() - start)
