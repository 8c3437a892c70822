"""Benchmark unit recommendation: 500 units, 50,000 water sources, on a real road network.

Run from the repository root::

    .venv/bin/python benchmarks/dispatch.py              # report
    .venv/bin/python benchmarks/dispatch.py --json       # {"p99_ms_inprocess": a, "p99_ms_http": b}
    .venv/bin/python benchmarks/dispatch.py --calls 300 --db postgresql+psycopg://…/bench

Setup (seeded, in a fresh SQLite file unless ``--db`` names a database): the Liechtenstein OSM
extract (``$FIREGRID_SHARED_DATA/osm/liechtenstein.osm.pbf``) imported as the district's road
network; 100 stations and 500 units (5 per station, mixed types, 10 % busy) at random road
points; 50,000 water sources at random road points (3 % faulty). Each call is a full
recommendation for a random scene: run card for a random level and building class, ETA of
every unit (one backward search per vehicle class), availability, the 5 nearest in-service
water sources by network distance, the pre-plan lookup — everything
``GET /incidents/{id}/recommendation`` does, measured two ways:

* in-process: :func:`firegrid.dispatch.service.recommend_at` on an open session;
* over HTTP: ``GET /api/districts/bench/dispatch/recommend`` on uvicorn (one keep-alive
  client, a logged-in viewer), measured at the client.

The first call builds the cached district index (snapping 50,000 water sources) and is
reported separately, not in the percentiles. Beside firegrid, the same ETAs and water
distances computed the obvious way with networkx (a reversed-graph Dijkstra from the scene
and a Dijkstra over the undirected length graph) on a sample of scenes, as a reference.
Targets (issue 5): p99 < 20 ms in-process, < 50 ms over HTTP.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

REPO = Path(__file__).resolve().parents[1]
N_STATIONS, UNITS_PER_STATION, N_WATER = 100, 5, 50_000
UNIT_MIX = ["water_tender", "water_tender", "foam", "rescue", "aerial_ladder"]
PASSWORD = "Ladder-truck-2026!"


def _shared() -> Path:
    env = os.environ.get("FIREGRID_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def setup(url: str, rng: np.random.Generator) -> dict[str, Any]:
    from firegrid.accounts.service import add_user
    from firegrid.db.migrate import upgrade
    from firegrid.db.revisions import bump
    from firegrid.db.session import Database
    from firegrid.dispatch.models import Unit
    from firegrid.districts.models import District
    from firegrid.network.service import import_network, load_network
    from firegrid.stations.models import Station
    from firegrid.types import (
        LocationPrecision,
        Role,
        StationClass,
        StationStatus,
        UnitStatus,
        WaterSourceKind,
        WaterSourceStatus,
    )
    from firegrid.water.models import WaterSource

    db = Database(url)
    upgrade(db.engine)
    pbf = _shared() / "osm" / "liechtenstein.osm.pbf"
    import_network(db, pbf, name="li-bench", actor="bench")
    with db.session(actor="bench") as s:
        graph = load_network(s, "li-bench").graph
        d = District(code="bench", name_zh="基准区", name_en="Bench", road_network="li-bench")
        s.add(d)
        s.flush()
        nodes = rng.choice(graph.n_nodes, N_STATIONS, replace=False)
        stations = []
        for i, n in enumerate(nodes):
            st = Station(
                district_id=d.id,
                name=f"S{i:03d}",
                station_class=StationClass.LEVEL1,
                status=StationStatus.EXISTING,
                lon=float(graph.lon[n]),
                lat=float(graph.lat[n]),
                location_precision=LocationPrecision.EXACT,
                synthetic=True,
            )
            s.add(st)
            stations.append(st)
        s.flush()
        for st in stations:
            for j, t in enumerate(UNIT_MIX):
                busy = rng.random() < 0.10
                s.add(
                    Unit(
                        district_id=d.id,
                        station_id=st.id,
                        call_sign=f"{st.name}-{j}",
                        unit_type=t,
                        crew=6,
                        status=UnitStatus.ON_SCENE if busy else UnitStatus.AVAILABLE,
                        synthetic=True,
                    )
                )
        # Water sources: bulk SQL (50k audited ORM rows would only measure the audit log).
        edge = rng.integers(0, graph.n_edges, N_WATER)
        f = rng.random(N_WATER)
        tail, head = graph.tail[edge], graph.head[edge]
        lon = graph.lon[tail] + f * (graph.lon[head] - graph.lon[tail])
        lat = graph.lat[tail] + f * (graph.lat[head] - graph.lat[tail])
        faulty, in_service = WaterSourceStatus.FAULTY, WaterSourceStatus.IN_SERVICE
        rows = [
            {
                "district_id": d.id,
                "code": f"W{i:05d}",
                "kind": WaterSourceKind.HYDRANT.value,
                "status": (faulty if rng.random() < 0.03 else in_service).value,
                "lon": float(lon[i]),
                "lat": float(lat[i]),
                "synthetic": True,
                "source": "benchmark",
            }
            for i in range(N_WATER)
        ]
        from firegrid.db.base import utcnow

        now = utcnow()
        for r in rows:
            r["created_at"] = r["updated_at"] = now
        s.execute(insert(WaterSource), rows)
        bump(s, ["water_source"])
        add_user(s, "bench", PASSWORD, Role.VIEWER)
        s.commit()
    return {"db": db, "graph": graph}


def scenes(graph: Any, rng: np.random.Generator, n: int) -> list[dict[str, Any]]:
    out = []
    levels = [1, 1, 1, 2, 2, 3]
    classes = [None, None, "high_rise", "crowded", "underground"]
    for _ in range(n):
        node = int(rng.integers(0, graph.n_nodes))
        out.append(
            {
                "lon": float(graph.lon[node]) + float(rng.normal(0, 2e-4)),
                "lat": float(graph.lat[node]) + float(rng.normal(0, 2e-4)),
                "level": int(rng.choice(levels)),
                "building_class": classes[int(rng.integers(0, len(classes)))],
            }
        )
    return out


def in_process(db: Any, calls: list[dict[str, Any]]) -> tuple[float, list[float], dict[str, Any]]:
    from firegrid.dispatch.service import recommend_at

    times = []
    with db.session(actor="bench") as s:
        t0 = time.perf_counter()
        first = recommend_at(s, "bench", calls[0]["lon"], calls[0]["lat"], level=1)
        first_s = time.perf_counter() - t0
        for c in calls:
            t0 = time.perf_counter()
            recommend_at(
                s,
                "bench",
                c["lon"],
                c["lat"],
                level=c["level"],
                building_class=c["building_class"],
            )
            times.append((time.perf_counter() - t0) * 1000)
    return first_s, times, first


def over_http(db: Any, calls: list[dict[str, Any]]) -> list[float]:
    import httpx
    import uvicorn

    from firegrid.api.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    times = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            token = client.post(
                "/api/auth/login", json={"username": "bench", "password": PASSWORD}
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            for c in [calls[0], *calls]:  # the first warms the connection
                params = {"lon": c["lon"], "lat": c["lat"], "level": c["level"]}
                if c["building_class"]:
                    params["building_class"] = c["building_class"]
                t0 = time.perf_counter()
                r = client.get("/api/districts/bench/dispatch/recommend", params=params)
                times.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return times[1:]


def networkx_reference(db: Any, graph: Any, calls: list[dict[str, Any]]) -> list[float]:
    """The same ETAs and water distances the obvious way (networkx Dijkstra), per scene."""
    import networkx as nx

    from firegrid.network.snap import snap_points

    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    t = graph.travel_time_s("heavy")
    for e in range(graph.n_edges):
        a, b = int(graph.tail[e]), int(graph.head[e])
        if np.isfinite(t[e]) and (not g.has_edge(a, b) or g[a][b]["w"] > t[e]):
            g.add_edge(a, b, w=float(t[e]))
    rev = g.reverse(copy=True)
    und = nx.Graph()
    und.add_nodes_from(range(graph.n_nodes))
    for e in range(graph.n_edges):
        a, b = int(graph.tail[e]), int(graph.head[e])
        w = float(graph.length_m[e])
        if not und.has_edge(a, b) or und[a][b]["w"] > w:
            und.add_edge(a, b, w=w)
    times = []
    for c in calls:
        t0 = time.perf_counter()
        snap = snap_points(graph, [c["lon"]], [c["lat"]])[0]
        nx.single_source_dijkstra_path_length(rev, snap.tail, weight="w")
        nx.single_source_dijkstra_path_length(und, snap.tail, cutoff=2000, weight="w")
        times.append((time.perf_counter() - t0) * 1000)
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--no-networkx", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    tmp = tempfile.mkdtemp(prefix="fg-bench-")
    url = args.db or f"sqlite:///{tmp}/bench.db"
    log = sys.stderr if args.json else sys.stdout
    t0 = time.perf_counter()
    env = setup(url, rng)
    print(f"setup: {time.perf_counter() - t0:.1f} s ({url.split('://')[0]})", file=log)
    calls = scenes(env["graph"], rng, args.calls)
    first_s, inproc, sample = in_process(env["db"], calls)
    http = over_http(env["db"], calls)
    res: dict[str, Any] = {
        "p99_ms_inprocess": round(_pct(inproc, 99), 2),
        "p99_ms_http": round(_pct(http, 99), 2),
        "p50_ms_inprocess": round(_pct(inproc, 50), 2),
        "p50_ms_http": round(_pct(http, 50), 2),
        "first_call_s": round(first_s, 3),
        "calls": args.calls,
        "units": N_STATIONS * UNITS_PER_STATION,
        "water_sources": N_WATER,
        "approximate": sample["approximate"],
    }
    if not args.no_networkx:
        nxt = networkx_reference(env["db"], env["graph"], calls[:30])
        res["networkx_ms_median"] = round(statistics.median(nxt), 1)
        res["speedup_vs_networkx"] = round(statistics.median(nxt) / res["p50_ms_inprocess"], 1)
    env["db"].dispose()
    print(
        f"recommendation, {res['units']} units, {N_WATER:,} water sources, {args.calls} calls\n"
        f"  first call (builds the index): {first_s * 1000:.0f} ms\n"
        f"  in-process p50 {res['p50_ms_inprocess']} ms  p99 {res['p99_ms_inprocess']} ms"
        "  (target < 20)\n"
        f"  HTTP       p50 {res['p50_ms_http']} ms  p99 {res['p99_ms_http']} ms  (target < 50)",
        file=log,
    )
    if "networkx_ms_median" in res:
        print(
            f"  networkx reference (searches only, no DB): median {res['networkx_ms_median']} ms"
            f" = {res['speedup_vs_networkx']}× firegrid's whole recommendation",
            file=log,
        )
    if args.json:
        print(json.dumps(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
