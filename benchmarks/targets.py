"""Benchmark the unit-recommendation kernels on Liechtenstein, against the naive ways, in one run.

Run from the repository root::

    .venv/bin/python benchmarks/targets.py            # report on stdout (about half a minute)
    .venv/bin/python benchmarks/targets.py --quick    # fewer repeats, a smoke run

One recommendation = :func:`times_to_target` (500 units → 1 incident) + :func:`nearest_by_distance`
(50,000 water sources, k = 5, cutoff 2,000 m). The graph comes from
``firegrid.network.osm.build_from_osm`` on ``../shared/data/osm/liechtenstein.osm.pbf`` (or
``$FIREGRID_SHARED_DATA/osm``). Units, incidents and water sources are random points over the
inner part of the extract, snapped once (not timed; the caller caches snapped water sources),
units and incidents preferring the largest strongly connected component. Each call is timed
separately with a new incident; the report gives the median and the 99th percentile in ms.
Compared, in the same run:

* times: a loop of :func:`route` over the 500 units (what the kernel replaces; exact); the
  :func:`many_to_many` matrix from the units' exit nodes to the incident's entry nodes (a lower
  bound for any matrix approach: the partial edges and the same-edge case still to add); scipy's
  Dijkstra on the reversed full CSR (the simpler backward design, without contraction);
* distances: networkx ``single_source_dijkstra_path_length`` with the same cutoff on an
  undirected ``nx.Graph`` of the same lengths, from a virtual node at the incident, plus the
  vectorised gather over the 50,000 sources.

Before timing, the kernels are checked against those alternatives (max differences printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.kernels import (
    _core,
    many_to_many,
    nearest_by_distance,
    route,
    times_to_target,
)
from firegrid.network.kernels._targets import _point_index, _reverse_core, _walk
from firegrid.network.osm import build_from_osm
from firegrid.network.snap import Snap, SnapResult, largest_component_mask, snap_points

REPO = Path(__file__).resolve().parents[1]
SEED = 20240607
N_UNITS = 500
N_SOURCES = 50_000
K = 5
CUTOFF_M = 2000.0

F64 = npt.NDArray[np.float64]


def _data_dir() -> Path:
    env = os.environ.get("FIREGRID_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def _snaps(graph: RoadGraph, rng: np.random.Generator, k: int, *, main: bool) -> SnapResult:
    lon0, lon1 = np.quantile(graph.lon, [0.1, 0.9])
    lat0, lat1 = np.quantile(graph.lat, [0.1, 0.9])
    lon, lat = rng.uniform(lon0, lon1, k), rng.uniform(lat0, lat1, k)
    if main:
        mask = largest_component_mask(graph)
        return snap_points(graph, lon, lat, prefer=mask, prefer_within_m=3000.0)
    return snap_points(graph, lon, lat)


def _ms(samples_ns: list[int]) -> tuple[float, float]:
    ms = np.array(samples_ns) / 1e6
    return float(statistics.median(ms)), float(np.percentile(ms, 99))


def _time(fn: Callable[[int], object], n: int) -> list[int]:
    out = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        fn(i)
        out.append(time.perf_counter_ns() - t0)
    return out


def _row(name: str, samples: list[int], base: float | None = None) -> str:
    med, p99 = _ms(samples)
    ratio = f"{med / base:8.0f}x" if base else " " * 9
    return f"  {name:<58} {med:9.3f} {p99:9.3f} {ratio}  (n={len(samples)})"


def _route_loop(graph: RoadGraph, units: SnapResult, target: Snap) -> F64:
    return np.array([route(graph, u, target).travel_time_s for u in units])


def _matrix(graph: RoadGraph, units: SnapResult, target: Snap) -> F64:
    return many_to_many(graph, np.concatenate([units.head, units.tail]), [target.tail, target.head])


def _reversed_csr(graph: RoadGraph) -> sp.csr_array:
    t = graph.csr(Vehicle.LIGHT).T.tocsr()
    return sp.csr_array(
        (t.data, t.indices.astype(np.int32), t.indptr.astype(np.int32)), shape=t.shape
    )


def _nx_graph(graph: RoadGraph) -> nx.Graph:
    a = graph.undirected_by_length().csr(Vehicle.LIGHT).tocoo()
    g = nx.Graph()
    g.add_nodes_from(range(graph.n_nodes))
    w = np.where(a.data < 1e-300, 0.0, a.data)
    g.add_weighted_edges_from(zip(a.row.tolist(), a.col.tolist(), w.tolist(), strict=True))
    return g


def _nx_nearest(g: nx.Graph, graph: RoadGraph, origin: Snap, pts: SnapResult) -> F64:
    """networkx for the search; the same gather and same-edge rule as the kernel."""
    seg = _walk(graph).segment_m
    lo = float(seg[origin.edge])
    g.add_edge("o", origin.tail, weight=origin.fraction * lo)
    g.add_edge("o", origin.head, weight=(1.0 - origin.fraction) * lo)
    try:
        reach = CUTOFF_M - origin.off_network_m
        d = nx.single_source_dijkstra_path_length(g, "o", cutoff=reach) if reach >= 0 else {}
    finally:
        g.remove_node("o")
    node_d = np.full(graph.n_nodes, np.inf)
    got = {k: v for k, v in d.items() if k != "o"}
    node_d[np.fromiter(got.keys(), dtype=np.int64)] = np.fromiter(got.values(), dtype=float)
    sp_ = seg[pts.edge]
    dist = np.minimum(
        node_d[pts.tail] + pts.fraction * sp_, node_d[pts.head] + (1 - pts.fraction) * sp_
    )
    dist += pts.off_network_m + origin.off_network_m
    same = ((pts.tail == origin.tail) & (pts.head == origin.head)) | (
        (pts.tail == origin.head) & (pts.head == origin.tail)
    )
    g_ = np.where(pts.tail == origin.tail, pts.fraction, 1 - pts.fraction)
    direct = origin.off_network_m + np.abs(g_ - origin.fraction) * lo + pts.off_network_m
    return np.where(same, np.minimum(dist, direct), dist)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    reps = 30 if args.quick else 300
    slow_reps = 2 if args.quick else 5

    path = _data_dir() / "osm" / "liechtenstein.osm.pbf"
    graph = build_from_osm(path).graph
    rng = np.random.default_rng(SEED)
    units = _snaps(graph, rng, N_UNITS, main=True)
    incidents = _snaps(graph, rng, reps, main=True)
    sources = _snaps(graph, rng, N_SOURCES, main=False)
    print(f"Liechtenstein: {graph.n_nodes:,} nodes, {graph.n_edges:,} edges; {N_UNITS} units, "
          f"{N_SOURCES:,} water sources, {reps} incidents")  # fmt: skip

    # One-time builds (cached per graph and vehicle afterwards).
    t0 = time.perf_counter()
    _core(graph, Vehicle.LIGHT)
    t1 = time.perf_counter()
    _reverse_core(graph, Vehicle.LIGHT)
    t2 = time.perf_counter()
    walk = _walk(graph)
    _core(walk.graph, Vehicle.LIGHT)
    t3 = time.perf_counter()
    _point_index(graph, sources)
    t4 = time.perf_counter()
    rev = _reversed_csr(graph)
    g = _nx_graph(graph)
    print(f"one-time builds: forward core {1e3 * (t1 - t0):.1f} ms, reversed core "
          f"{1e3 * (t2 - t1):.2f} ms (a transpose of the forward one), by-length graph and its "
          f"core {1e3 * (t3 - t2):.1f} ms; the 50,000 sources' per-node index (kept with the "
          f"SnapResult) {1e3 * (t4 - t3):.1f} ms")  # fmt: skip

    # Agreement first.
    diff_t = 0.0
    for target in incidents[:slow_reps]:
        a = times_to_target(graph, units, target)
        b = _route_loop(graph, units, target)
        assert (np.isinf(a) == np.isinf(b)).all()
        diff_t = max(diff_t, float(np.abs(a - b)[np.isfinite(a)].max(initial=0.0)))
    diff_d = 0.0
    for target in incidents[:slow_reps]:
        idx, dist = nearest_by_distance(graph, target, sources, k=K, cutoff_m=CUTOFF_M)
        want = _nx_nearest(g, graph, target, sources)
        inside = np.flatnonzero(want <= CUTOFF_M)
        want_idx = inside[np.lexsort((inside, want[inside]))][:K]
        assert (idx == want_idx).all(), (idx, want_idx)
        diff_d = max(diff_d, float(np.abs(dist - want[want_idx]).max(initial=0.0)))
    print(f"agreement: times_to_target vs route loop max |diff| {diff_t:.1e} s; "
          f"nearest_by_distance vs networkx max |diff| {diff_d:.1e} m\n")  # fmt: skip

    print(f"  {'call':<58} {'median':>9} {'p99':>9} {'vs kernel':>9}")
    print("  times to the incident (500 units)                             ms        ms")
    kernel = _time(lambda i: times_to_target(graph, units, incidents[i]), reps)
    base = _ms(kernel)[0]
    print(_row("times_to_target (one backward search)", kernel))
    print(_row("... with cutoff_s=600", _time(
        lambda i: times_to_target(graph, units, incidents[i], cutoff_s=600.0), reps)))  # fmt: skip
    print(_row(f"loop of route() over the units (n={slow_reps})", _time(
        lambda i: _route_loop(graph, units, incidents[i]), slow_reps), base))  # fmt: skip
    print(_row("many_to_many, 1,000 exit nodes x 2 entry nodes (lower bound)", _time(
        lambda i: _matrix(graph, units, incidents[i]), max(3, reps // 20)), base))  # fmt: skip
    print(_row("scipy dijkstra on the reversed full CSR, 2 entry nodes", _time(
        lambda i: dijkstra(rev, indices=[incidents.tail[i], incidents.head[i]], min_only=True),
        reps), base))  # fmt: skip

    print("  nearest water sources (50,000 points, k=5, 2,000 m)")
    kernel = _time(
        lambda i: nearest_by_distance(graph, incidents[i], sources, k=K, cutoff_m=CUTOFF_M), reps
    )
    base = _ms(kernel)[0]
    print(_row("nearest_by_distance (one bounded search)", kernel))
    naive = _time(lambda i: _nx_nearest(g, graph, incidents[i], sources), max(3, reps // 10))
    print(_row("networkx single_source_dijkstra, same cutoff, + gather", naive, base))

    both = _time(
        lambda i: (
            times_to_target(graph, units, incidents[i]),
            nearest_by_distance(graph, incidents[i], sources, k=K, cutoff_m=CUTOFF_M),
        ),
        reps,
    )
    med, p99 = _ms(both)
    print(f"\none recommendation (both calls): median {med:.2f} ms, p99 {p99:.2f} ms "
          f"(budget 20 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
