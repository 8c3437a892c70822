"""Benchmark GB/T 26875.3 decode throughput (frames/s on one core).

Run from the repository root::

    .venv/bin/python benchmarks/iot_decode.py            # report
    .venv/bin/python benchmarks/iot_decode.py --json     # {"decode_per_s": a, "stream_per_s": b}

Mix: 60 % heartbeats (empty ADU), 25 % type 3 analog values, 15 % type 2 component alarms
with a GB 18030 description. ``decode_per_s`` decodes whole frames one by one (frame +
ADU); ``stream_per_s`` pushes the same bytes through the TCP ``FrameSplitter`` in 4 KiB
segments first. Target (issue 8): well above the 2,000 frames/s ingest goal; ≥ 100k/s.
"""

from __future__ import annotations

import argparse
import json

from firegrid.iot.bench import decode_throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    decode = decode_throughput(args.seconds)
    stream = decode_throughput(args.seconds, stream=True)
    if args.json:
        print(json.dumps({"decode_per_s": round(decode), "stream_per_s": round(stream)}))
        return
    print(f"decode_frame + decode_adu : {decode:12,.0f} frames/s")
    print(f"FrameSplitter + decode_adu: {stream:12,.0f} frames/s")


if __name__ == "__main__":
    main()
