"""IoT benchmark: decode throughput, sustained ingest with p99 confirm latency, and a forced
gateway restart that must lose no confirmed frame.

1. **decode** — frames/s of the GB/T 26875.3 codec on one core
   (``firegrid.iot.bench.decode_throughput``: frame + ADU of a realistic mix).
2. **ingest** — the real gateway (``firegrid iot gateway``, its own process, SQLite by default)
   and ``--devices`` simulated transmission devices (one TCP connection each, this process) on
   loopback at ``--rate`` frames/s in total (default 2,000 over 1,000 connections) for
   ``--seconds``; every frame waits for its confirm. Latency = first send → confirm.
3. **restart** — the same traffic; halfway through the gateway is killed (SIGKILL, no clean
   shutdown) and started again; devices reconnect and retransmit what was unconfirmed. Every
   frame a device saw confirmed must then be in the database: ``lost_confirmed`` counts those
   that are not (must be 0).

Figures (2026-11-23, 2-core VM shared with other jobs, load average 2.2-4.6, SQLite): decode
106,000-243,000 frames/s; ingest at 2,000 frames/s over 1,000 connections: every frame
confirmed, p50 155-1,617 ms and p99 668-2,143 ms in three runs (two runs of the previous
gateway in the same hour: p99 310 ms and 3,413 ms — the spread is the machine's other load,
not the code); forced restart: lost confirmed frames 0 in every run. Profile: the gateway is
CPU-bound under one GIL (~0.17 ms writer CPU + ~0.25 ms event-loop CPU per frame), not
fsync-bound (a commit takes 1-2 ms), so when the machine is busy the writer falls behind.

Usage::

    .venv/bin/python benchmarks/iot.py            # report on stdout
    .venv/bin/python benchmarks/iot.py --json     # {"decode_per_s", "ingest_p99_ms", ...}
    .venv/bin/python benchmarks/iot.py --db postgresql://postgres@127.0.0.1/bench_iot
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _raise_fd_limit(need: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, min(hard, need))
    if want > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    if want < need:
        _log(f"warning: file-descriptor limit {want} < {need}: expect refused connections")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


#: Traffic of a population of transmission devices: mostly heartbeats and analog values
#: (the same shares as the decode benchmark's frames), some state changes, rare fires.
MIX = {
    "heartbeat": 0.60,
    "analog": 0.25,
    "normal": 0.07,
    "fault": 0.05,
    "supervisory": 0.02,
    "fire": 0.008,
    "reset": 0.002,
}


def _register(url: str, base_address: int, devices: int) -> None:
    """Register the simulated devices (as an installation has them) in one transaction."""
    from firegrid.db.session import Database
    from firegrid.districts.repository import get_district
    from firegrid.iot.models import IotDevice, IotProtocol

    db = Database(url)
    with db.session(actor="bench") as s:
        d = get_district(s, "bench")
        s.add_all(
            IotDevice(
                district_id=d.id,
                code=f"{base_address + i:012x}",
                address=base_address + i,
                protocol=IotProtocol.GB26875,
                synthetic=True,
            )
            for i in range(devices)
        )
        s.commit()
    db.dispose()


def _prepare_db(url: str | None, tmp: Path) -> str:
    from firegrid.db.migrate import upgrade
    from firegrid.db.session import Database
    from firegrid.districts.models import District

    url = url or f"sqlite:///{tmp / 'iot_bench.db'}"
    db = Database(url)
    upgrade(db.engine)
    with db.session(actor="bench") as s:
        from sqlalchemy import select

        if s.scalar(select(District).where(District.code == "bench")) is None:
            s.add(District(code="bench", name_zh="基准区", name_en="Benchmark"))
            s.commit()
    db.dispose()
    return url


class GatewayProcess:
    def __init__(self, url: str, port: int) -> None:
        self.url, self.port = url, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [
            sys.executable,
            "-m",
            "firegrid.cli.iot",
            "gateway",
            "--db",
            self.url,
            "--port",
            str(self.port),
            "--district",
            "bench",
        ]
        self.proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gateway did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def _stored_keys(url: str) -> set[tuple[int, str]]:
    from sqlalchemy import select

    from firegrid.db.session import Database
    from firegrid.iot.models import IotDevice, IotEvent

    db = Database(url)
    with db.session(actor="bench") as s:
        rows = s.execute(
            select(IotDevice.address, IotEvent.dedupe_key)
            .join(IotDevice, IotDevice.id == IotEvent.device_id)
            .where(IotEvent.seq == 0)
        ).all()
    db.dispose()
    return {(int(a), str(k)) for a, k in rows if a is not None}


def run_traffic(
    url: str,
    *,
    devices: int,
    rate: float,
    seconds: float,
    seed: int,
    base_address: int,
    restart: bool,
) -> dict[str, Any]:
    from firegrid.iot.simulator import run_simulation

    _register(url, base_address, devices)
    port = _free_port()
    gw = GatewayProcess(url, port)
    gw.start()
    restarted: list[float] = []

    async def during() -> None:
        if not restart:
            return
        await asyncio.sleep(seconds / 2)
        t = time.perf_counter()
        await asyncio.to_thread(gw.kill)
        await asyncio.to_thread(gw.start)
        restarted.append(time.perf_counter() - t)

    try:
        t0 = time.perf_counter()
        stats = asyncio.run(
            run_simulation(
                "127.0.0.1",
                port,
                devices=devices,
                rate_per_s=rate / devices,
                duration_s=seconds,
                rng=np.random.default_rng(seed),
                base_address=base_address,
                confirm_timeout_s=10.0,  # the standard's retry timeout
                drain_s=30.0,
                during=during,
                mix=MIX,
                warmup_s=min(3.0, seconds / 4),
            )
        )
        wall = time.perf_counter() - t0
    finally:
        gw.stop()
    out = stats.as_dict()
    out["sent_per_s"] = stats.sent / seconds
    out["wall_s"] = wall
    if restart:
        stored = _stored_keys(url)
        lost = stats.confirmed_keys - stored
        out["lost_confirmed"] = len(lost)
        out["restart_s"] = restarted[0] if restarted else None
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    ap.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--devices", type=int, default=1000, help="connections (default 1000)")
    ap.add_argument("--rate", type=float, default=2000.0, help="frames/s in total")
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds of traffic per phase")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    _raise_fd_limit(2 * args.devices + 256)
    os.environ.setdefault("PYTHONPATH", str(REPO / "src"))

    from firegrid.iot.bench import decode_throughput

    decode = decode_throughput(3.0)
    _log(f"decode: {decode:,.0f} frames/s on one core")
    with tempfile.TemporaryDirectory() as tmp:
        url = _prepare_db(args.db, Path(tmp))
        common = {
            "devices": args.devices,
            "rate": args.rate,
            "seconds": args.seconds,
            "seed": args.seed,
        }
        _log(f"ingest: {args.devices} connections, {args.rate:g} frames/s, {args.seconds:g} s")
        ingest = run_traffic(url, base_address=0x1000_0000_0000, restart=False, **common)
        _log(
            f"  sent {ingest['sent']} ({ingest['sent_per_s']:.0f}/s), confirmed "
            f"{ingest['confirmed']}, p50 {ingest.get('p50_ms', float('nan')):.1f} ms, "
            f"p99 {ingest.get('p99_ms', float('nan')):.1f} ms"
        )
        _log("restart: the same traffic, gateway killed (SIGKILL) and restarted halfway")
        rst = run_traffic(url, base_address=0x2000_0000_0000, restart=True, **common)
        _log(
            f"  sent {rst['sent']}, confirmed {rst['confirmed']}, retransmitted "
            f"{rst['retransmitted']}, reconnects {rst['reconnects']}, "
            f"lost confirmed {rst['lost_confirmed']}"
        )
    result = {
        "decode_per_s": decode,
        "ingest_p99_ms": ingest.get("p99_ms"),
        "lost_confirmed": rst["lost_confirmed"],
        "ingest": ingest,
        "restart": rst,
        "devices": args.devices,
        "rate_per_s": args.rate,
        "database": "sqlite (temporary)" if args.db is None else "given",
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"decode {decode:,.0f} frames/s; ingest p99 {result['ingest_p99_ms']:.1f} ms at "
            f"{ingest['sent_per_s']:.0f} frames/s over {args.devices} connections; "
            f"lost confirmed frames after a forced restart: {result['lost_confirmed']}"
        )


if __name__ == "__main__":
    main()
