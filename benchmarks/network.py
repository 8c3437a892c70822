"""Benchmark the travel-time kernels against networkx and raw scipy, in one run.

Run from the repository root::

    .venv/bin/python benchmarks/network.py            # human-readable report
    .venv/bin/python benchmarks/network.py --json     # one JSON object on stdout
    .venv/bin/python benchmarks/network.py --quick    # fewer repeats (a smoke run)

Graphs:

* the largest real graph available: every file in ``../shared/data/osm`` (or
  ``$FIREGRID_SHARED_DATA/osm``) is imported and the one with the most nodes is used. The
  importer is ``firegrid.network.osm.build_from_osm`` when that module exists; otherwise a
  minimal pyosmium reader kept in this script (driveable ``highway`` ways, every way node, oneway
  tags, geodesic lengths, a fixed 30 km/h);
* a synthetic perturbed grid of 450 x 450 = 202,500 nodes with random one-way streets and
  speeds, as generated (row-major node numbers), and once more with its nodes numbered randomly
  (as an importer numbering by OSM id effectively does; reported, not used in the summary).

Measured, with sources drawn with a fixed seed from the largest strongly connected component
(so every search is a full one). On every source the methods run back to back in a rotating
order, so load changes on a shared machine hit them alike; times are medians, and ratios are
medians of the per-source ratios:

* one-to-all: firegrid ``one_to_all``; ``networkx.single_source_dijkstra_path_length`` on a
  ``DiGraph`` of the same edges (its dict result, without conversion to an array); raw
  ``scipy.sparse.csgraph.dijkstra`` on the graph's own CSR (``RoadGraph.csr`` with its indices
  converted once to int32, the fastest way to call scipy directly; also on the int64 CSR as is);
* isochrones (one source, 300 s and 900 s cutoffs): firegrid against scipy's ``limit``, a full
  search then a cut, and an experiment restricting scipy to the straight-line reach;
* district coverage: ``multi_source`` from 20 sources with a 300 s cutoff (nodes; snapped points
  with turn-out times), against scipy's ``min_only`` search, one search per source, and
  networkx's multi-source Dijkstra; and 20 sources without cutoff;
* peak memory: tracemalloc peak of one call of each method (numpy buffers are traced, scipy's
  C heap is not) and of building the networkx graph; the process's maximum resident set size.

``--json`` prints ``{"speedup_vs_networkx": x, "ratio_vs_scipy": y, "district_coverage_s": z,
...}``: the speedup and the ratio (firegrid time / raw scipy time) are the *worst* over the real
graph and the grid as generated; the coverage time is the real graph's. Per-graph figures follow
under ``"graphs"``.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.kernels import _core, multi_source, one_to_all
from firegrid.network.snap import snap_points

REPO = Path(__file__).resolve().parents[1]
CUTOFF_S = 300.0
N_STATIONS = 20
SEED = 20240601

# ----------------------------------------------------------------------------- graphs

# Ways that are not for motor vehicles (the minimal reader's only filter besides ``highway``).
_NOT_DRIVEABLE = frozenset(
    ("footway", "path", "steps", "cycleway", "pedestrian", "bridleway", "corridor", "proposed",
     "construction", "platform", "elevator", "abandoned", "raceway", "bus_stop", "via_ferrata",
     "escape", "rest_area", "services", "razed")
)  # fmt: skip
_FALLBACK_SPEED_KPH = 30.0


def read_osm_minimal(path: Path) -> RoadGraph:
    """A deliberately simple OSM reader for when ``firegrid.network.osm`` is not available:
    driveable ``highway`` ways, every way node kept, ``oneway`` honoured, geodesic lengths, one
    speed (30 km/h) for every road; heavy appliances may use every road."""
    import osmium
    from pyproj import Geod

    tails: list[npt.NDArray[np.int64]] = []
    heads: list[npt.NDArray[np.int64]] = []
    coords: dict[int, tuple[float, float]] = {}
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for obj in processor:
        if not obj.is_way() or obj.tags.get("highway") in _NOT_DRIVEABLE:
            continue
        ids = []
        for nd in obj.nodes:
            if nd.location.valid():
                coords[nd.ref] = (nd.location.lon, nd.location.lat)
                ids.append(nd.ref)
        if len(ids) < 2:
            continue
        a = np.array(ids[:-1], dtype=np.int64)
        b = np.array(ids[1:], dtype=np.int64)
        oneway = obj.tags.get("oneway", "no")
        if oneway == "-1":
            a, b = b, a
        tails.append(a)
        heads.append(b)
        if oneway not in ("yes", "true", "1", "-1") and obj.tags.get("junction") != "roundabout":
            tails.append(b)
            heads.append(a)
    osm_ids = np.array(sorted(coords), dtype=np.int64)
    lonlat = np.array([coords[i] for i in osm_ids.tolist()], dtype=np.float64)
    t = np.searchsorted(osm_ids, np.concatenate(tails))
    h = np.searchsorted(osm_ids, np.concatenate(heads))
    _, _, length = Geod(ellps="WGS84").inv(lonlat[t, 0], lonlat[t, 1], lonlat[h, 0], lonlat[h, 1])
    length = np.asarray(length, dtype=np.float64)
    time_s = length / (_FALLBACK_SPEED_KPH / 3.6)
    return RoadGraph.from_edges(
        t, h, length_m=length, time_light_s=time_s, time_heavy_s=time_s,
        road_class=np.zeros(len(t)), lon=lonlat[:, 0], lat=lonlat[:, 1],
        node_source_id=osm_ids,
    )  # fmt: skip


def import_osm(path: Path) -> tuple[RoadGraph, str]:
    """The real importer when it exists (checked with importlib), else the minimal reader."""
    if importlib.util.find_spec("firegrid.network.osm") is not None:
        try:
            from firegrid.network import osm

            result = osm.build_from_osm(path)
            graph = getattr(result, "graph", result)
            if isinstance(graph, RoadGraph):
                return graph, "firegrid.network.osm.build_from_osm"
        except Exception as exc:  # the importer is still being written: say so, fall back
            print(
                f"  ({path.name}: build_from_osm failed: {exc!r}; using the minimal reader)",
                file=sys.stderr,
            )
    return read_osm_minimal(path), "minimal pyosmium reader (30 km/h)"


def shared_osm_dir() -> Path | None:
    env = os.environ.get("FIREGRID_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if (cand / "osm").is_dir():
            return cand / "osm"
    return None


def largest_real_graph() -> tuple[str, RoadGraph, str] | None:
    folder = shared_osm_dir()
    if folder is None:
        return None
    best: tuple[str, RoadGraph, str] | None = None
    for path in sorted(folder.iterdir()):
        if not path.name.endswith((".pbf", ".osm", ".osm.gz", ".osm.bz2")):
            continue
        graph, how = import_osm(path)
        if best is None or graph.n_nodes > best[1].n_nodes:
            best = (path.name, graph, how)
    return best


def synthetic_grid(side: int, rng: np.random.Generator, *, shuffle: bool = False) -> RoadGraph:
    """A perturbed ``side x side`` street grid about 100 m apart near Beijing: node positions
    jittered, 12 % of the streets one-way (random direction), 3 % missing, speeds 20–60 km/h,
    5 % of the streets closed to heavy appliances. ``shuffle`` numbers the nodes randomly, as an
    importer numbering by OSM id effectively does."""
    n = side * side
    iy, ix = np.divmod(np.arange(n), side)
    x = ix * 100.0 + rng.uniform(-30.0, 30.0, n)
    y = iy * 100.0 + rng.uniform(-30.0, 30.0, n)
    idx = np.arange(n).reshape(side, side)
    t = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    h = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(len(t)) >= 0.03
    t, h = t[keep], h[keep]
    flip = rng.random(len(t)) < 0.5
    t, h = np.where(flip, h, t), np.where(flip, t, h)
    two_way = rng.random(len(t)) >= 0.12
    length = np.hypot(x[t] - x[h], y[t] - y[h])
    speed = rng.choice([20.0, 30.0, 40.0, 60.0], len(t), p=[0.3, 0.4, 0.2, 0.1]) / 3.6
    narrow = rng.random(len(t)) < 0.05
    tt = np.concatenate([t, h[two_way]])
    hh = np.concatenate([h, t[two_way]])
    ll = np.concatenate([length, length[two_way]])
    light = ll / np.concatenate([speed, speed[two_way]])
    heavy = np.where(np.concatenate([narrow, narrow[two_way]]), np.inf, light * 1.25)
    if shuffle:
        new = rng.permutation(n)
        tt, hh = new[tt], new[hh]
        order = np.argsort(new)
        x, y = x[order], y[order]
    lon = 116.0 + x / 85_000.0
    lat = 39.5 + y / 111_000.0
    return RoadGraph.from_edges(
        tt, hh, length_m=ll, time_light_s=light, time_heavy_s=heavy,
        road_class=np.zeros(len(tt)), lon=lon, lat=lat,
    )  # fmt: skip


# ----------------------------------------------------------------------------- helpers


def raw_csr(graph: RoadGraph) -> sp.csr_array:
    """The graph's own CSR with int32 indices (converted once, outside the timings)."""
    a = graph.csr("light")
    return sp.csr_array(
        (a.data, a.indices.astype(np.int32), a.indptr.astype(np.int32)), shape=a.shape
    )


def to_networkx(a: sp.csr_array) -> nx.DiGraph:
    coo = a.tocoo()
    g = nx.DiGraph()
    g.add_nodes_from(range(a.shape[0]))
    g.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    return g


def nx_times(g: nx.DiGraph, s: int, n: int) -> npt.NDArray[np.float64]:
    out = np.full(n, np.inf)
    for v, d in nx.single_source_dijkstra_path_length(g, s, weight="weight").items():
        out[v] = d
    return out


def sources_in_largest_scc(a: sp.csr_array, k: int, rng: np.random.Generator) -> list[int]:
    _, labels = connected_components(a, directed=True, connection="strong")
    big = np.flatnonzero(labels == np.argmax(np.bincount(labels)))
    return [int(s) for s in rng.choice(big, k, replace=False)]


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def paired(
    methods: dict[str, Callable[[int], object]],
    sources: list[int],
    reps: int,
    *,
    rarely: dict[str, Callable[[int], object]] | None = None,
    rare_reps: int = 0,
) -> dict[str, list[float]]:
    """Seconds per method and source. On every source the methods run back to back, in an
    order that rotates, so that load changes on this shared machine hit them alike and
    per-source ratios stay meaningful; ``rarely`` methods (networkx) run on the first
    ``rare_reps`` sources only."""
    times: dict[str, list[float]] = {name: [] for name in [*methods, *(rarely or {})]}
    for i, s in enumerate(sources[:reps]):
        todo = dict(methods)
        if rarely and i < rare_reps:
            todo.update(rarely)
        names = list(todo)
        names = names[i % len(names) :] + names[: i % len(names)]
        for name in names:
            times[name].append(timed(lambda fn=todo[name], s=s: fn(s)))  # type: ignore[misc]
    return times


def median(ts: list[float]) -> float:
    return statistics.median(ts)


def ratio(num: list[float], den: list[float]) -> float:
    """Median of per-source ratios (over the sources both were timed on)."""
    return statistics.median(a / b for a, b in zip(num, den, strict=False))


def peak_mb(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def isochrone_via_subgraph(
    a: sp.csr_array, xy: npt.NDArray[np.float64], tree: Any, vmax: float, s: int, cutoff: float
) -> npt.NDArray[np.float64]:
    """Experiment: restrict the search to the nodes within straight-line reach
    (``cutoff * vmax``) before calling scipy — a candidate for beating ``limit``."""
    near = np.asarray(tree.query_ball_point(xy[s], cutoff * vmax), dtype=np.int64)
    sub = a[near][:, near]
    local = int(np.flatnonzero(near == s)[0])
    d = dijkstra(sub, indices=local, limit=cutoff)
    out = np.full(a.shape[0], np.inf)
    out[near] = d
    return out


def fmt_ms(ts: dict[str, float]) -> str:
    return " | ".join(f"{k} {v * 1e3:.3f} ms" for k, v in ts.items())


# ----------------------------------------------------------------------------- benchmark


def bench_graph(
    name: str,
    graph: RoadGraph,
    *,
    quick: bool,
    log: Callable[[str], None],
) -> dict[str, Any]:
    rng = np.random.default_rng(SEED)
    reps = 7 if quick else 31
    nx_reps = 2 if quick else 7
    a32 = raw_csr(graph)
    a64 = graph.csr("light")
    n = graph.n_nodes
    log(f"\n== {name}: {n:,} nodes, {graph.n_edges:,} edges")

    # The first call builds and caches the contracted search graph (once per graph/vehicle).
    t_prepare = timed(lambda: one_to_all(graph, 0))
    sources = sources_in_largest_scc(a32, max(reps, N_STATIONS) + 1, rng)
    core = _core(graph, Vehicle.LIGHT)
    cached_mb = (
        sum(v.nbytes for v in vars(core).values() if isinstance(v, np.ndarray))
        + core.csr.data.nbytes
        + core.csr.indices.nbytes
        + core.csr.indptr.nbytes
    ) / 2**20
    res: dict[str, Any] = {
        "nodes": n,
        "edges": graph.n_edges,
        "core_nodes": int(core.csr.shape[0]),
        "prepare_s": t_prepare,
        "search_graph_mb": cached_mb,
    }
    log(
        f"  contracted search graph: {res['core_nodes']:,} junction nodes "
        f"({res['core_nodes'] / n:.0%}), built in {t_prepare * 1e3:.0f} ms on first use, "
        f"{cached_mb:.1f} MB cached"
    )

    t0 = time.perf_counter()
    tracemalloc.start()
    g_nx = to_networkx(a64)
    nx_build_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    res["networkx_graph_build_s"] = time.perf_counter() - t0

    # Correctness first: all three agree.
    s0 = sources[0]
    ours = one_to_all(graph, s0)
    ref_nx = nx_times(g_nx, s0, n)
    ref_scipy = dijkstra(a32, indices=s0)
    assert np.array_equal(np.isfinite(ours), np.isfinite(ref_nx))
    fin = np.isfinite(ref_nx)
    res["max_abs_diff_vs_networkx_s"] = float(np.abs(ours[fin] - ref_nx[fin]).max())
    res["max_abs_diff_vs_scipy_s"] = float(np.abs(ours[fin] - ref_scipy[fin]).max())

    # One-to-all.
    t = paired(
        {
            "firegrid": lambda s: one_to_all(graph, s),
            "scipy": lambda s: dijkstra(a32, indices=s),
            "scipy_int64_csr": lambda s: dijkstra(a64, indices=s),
        },
        sources,
        reps,
        # networkx's own result (a dict) is timed, not its conversion to an array.
        rarely={"networkx": lambda s: nx.single_source_dijkstra_path_length(g_nx, s)},
        rare_reps=nx_reps,
    )
    res["one_to_all"] = {k: median(v) for k, v in t.items()}
    res["speedup_vs_networkx"] = ratio(t["networkx"], t["firegrid"])
    res["ratio_vs_scipy"] = ratio(t["firegrid"], t["scipy"])
    res["scipy_speedup_vs_networkx"] = ratio(t["networkx"], t["scipy"])
    log("  one-to-all   " + fmt_ms(res["one_to_all"]))
    log(
        f"               firegrid: {res['speedup_vs_networkx']:.1f}x networkx, "
        f"{res['ratio_vs_scipy']:.2f}x raw scipy's time (raw scipy: "
        f"{res['scipy_speedup_vs_networkx']:.1f}x networkx); max |firegrid - networkx| "
        f"{res['max_abs_diff_vs_networkx_s']:.1e} s"
    )

    # Cutoff-bounded single-source searches (isochrones).
    from scipy.spatial import cKDTree

    x = (graph.lon - graph.lon.mean()) * 111_320.0 * math.cos(math.radians(graph.lat.mean()))
    y = (graph.lat - graph.lat.mean()) * 110_574.0
    xy = np.column_stack([x, y])
    tree = cKDTree(xy)
    finite = np.isfinite(graph.time_light_s) & (graph.time_light_s > 0)
    # Straight-line reach needs the fastest speed; 1.01 covers the planar approximation.
    vmax = 1.01 * float((graph.length_m[finite] / graph.time_light_s[finite]).max())
    check = isochrone_via_subgraph(a32, xy, tree, vmax, s0, CUTOFF_S)
    assert np.array_equal(check, np.where(ref_scipy <= CUTOFF_S, ref_scipy, np.inf))
    iso: dict[str, dict[str, float]] = {}
    for cutoff in (CUTOFF_S, 3 * CUTOFF_S):
        methods: dict[str, Callable[[int], object]] = {
            "firegrid": lambda s, c=cutoff: one_to_all(graph, s, cutoff_s=c),
            "scipy_limit": lambda s, c=cutoff: dijkstra(a32, indices=s, limit=c),
            "scipy_full_then_cut": lambda s, c=cutoff: np.where(
                (d := dijkstra(a32, indices=s)) <= c, d, np.inf
            ),
        }
        if cutoff == CUTOFF_S:
            methods["subgraph_then_limit"] = lambda s: isochrone_via_subgraph(
                a32, xy, tree, vmax, s, CUTOFF_S
            )
        t = paired(methods, sources, reps)
        iso[f"{cutoff:.0f}s"] = {k: median(v) for k, v in t.items()}
        iso[f"{cutoff:.0f}s"]["firegrid_over_scipy_limit"] = ratio(t["firegrid"], t["scipy_limit"])
        log(
            f"  isochrone {cutoff:.0f} s  "
            + fmt_ms(
                {k: v for k, v in iso[f"{cutoff:.0f}s"].items() if k != "firegrid_over_scipy_limit"}
            )
        )
    res["isochrone"] = iso

    # District coverage: 20 stations, 300 s; as junction nodes, and as snapped points with
    # turn-out times (the real workflow; raw scipy has no start offsets).
    stations = np.array(sources[1 : N_STATIONS + 1])
    jitter = np.random.default_rng(SEED + 1).normal(0.0, 0.0005, (N_STATIONS, 2))
    snaps = snap_points(
        graph, graph.lon[stations] + jitter[:, 0], graph.lat[stations] + jitter[:, 1]
    )
    turnout = np.random.default_rng(SEED + 2).uniform(45.0, 90.0, N_STATIONS)
    t = paired(
        {
            "firegrid": lambda _: multi_source(graph, stations, cutoff_s=CUTOFF_S),
            "firegrid_snapped_turnout": lambda _: multi_source(
                graph, snaps, offsets_s=turnout, cutoff_s=CUTOFF_S
            ),
            "scipy_min_only": lambda _: dijkstra(
                a32, indices=stations, limit=CUTOFF_S, min_only=True, return_predecessors=True
            ),
            "scipy_per_source": lambda _: dijkstra(a32, indices=stations, limit=CUTOFF_S).min(0),
        },
        list(range(reps)),
        reps,
        rarely={
            "networkx": lambda _: nx.multi_source_dijkstra_path_length(
                g_nx, set(stations.tolist()), cutoff=CUTOFF_S
            )
        },
        rare_reps=nx_reps,
    )
    got, _ = multi_source(graph, stations, cutoff_s=CUTOFF_S)
    want = dijkstra(a32, indices=stations, limit=CUTOFF_S, min_only=True)
    assert np.array_equal(np.isfinite(got), np.isfinite(want))
    assert np.allclose(got[np.isfinite(got)], want[np.isfinite(want)], atol=1e-6, rtol=0)
    res["district_coverage"] = {k: median(v) for k, v in t.items()}
    res["district_coverage_s"] = res["district_coverage"]["firegrid"]
    res["district_coverage_over_scipy_min_only"] = ratio(t["firegrid"], t["scipy_min_only"])
    res["covered_share"] = float(np.isfinite(got).mean())
    log(
        f"  coverage {N_STATIONS} x {CUTOFF_S:.0f} s  "
        + fmt_ms(res["district_coverage"])
        + f"  ({res['covered_share']:.0%} of nodes reached)"
    )
    t = paired(
        {
            "firegrid": lambda _: multi_source(graph, stations),
            "scipy_min_only": lambda _: dijkstra(
                a32, indices=stations, min_only=True, return_predecessors=True
            ),
        },
        list(range(max(3, reps // 3))),
        max(3, reps // 3),
    )
    res["multi_source_unbounded"] = {k: median(v) for k, v in t.items()}
    log(f"  {N_STATIONS} sources, no cutoff  " + fmt_ms(res["multi_source_unbounded"]))

    # Memory: tracemalloc peak of one call (numpy buffers are traced; scipy's internal heap
    # nodes are malloc'd in C and are not).
    mem = {
        "firegrid_one_to_all_mb": peak_mb(lambda: one_to_all(graph, s0)),
        "scipy_one_to_all_mb": peak_mb(lambda: dijkstra(a32, indices=s0)),
        "networkx_one_to_all_mb": peak_mb(lambda: nx_times(g_nx, s0, n)),
        "networkx_graph_mb": nx_build_mb,
        "firegrid_coverage_mb": peak_mb(lambda: multi_source(graph, stations, cutoff_s=CUTOFF_S)),
    }
    res["memory"] = mem
    log("  peak memory  " + " | ".join(f"{k} {v:.1f}" for k, v in mem.items()))
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (smoke run)")
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    results: dict[str, dict[str, Any]] = {}
    real = largest_real_graph()
    if real is None:
        log("no ../shared/data/osm here: benchmarking the synthetic graph only")
    else:
        file_name, graph, how = real
        log(f"largest real graph: {file_name} via {how}")
        results[f"real:{file_name}"] = bench_graph(file_name, graph, quick=args.quick, log=log)
        results[f"real:{file_name}"]["importer"] = how
        del graph
    rng = np.random.default_rng(SEED)
    grid = synthetic_grid(450, rng)
    results["synthetic:grid450"] = bench_graph(
        "synthetic 450x450 grid", grid, quick=args.quick, log=log
    )
    del grid
    shuffled = synthetic_grid(450, np.random.default_rng(SEED), shuffle=True)
    results["synthetic:grid450-shuffled"] = bench_graph(
        "synthetic 450x450 grid, nodes numbered randomly", shuffled, quick=args.quick, log=log
    )
    del shuffled

    main_graphs = [k for k in results if k != "synthetic:grid450-shuffled"]
    real_key = next((k for k in results if k.startswith("real:")), main_graphs[0])
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary: dict[str, Any] = {
        "speedup_vs_networkx": min(results[k]["speedup_vs_networkx"] for k in main_graphs),
        "ratio_vs_scipy": max(results[k]["ratio_vs_scipy"] for k in main_graphs),
        "district_coverage_s": results[real_key]["district_coverage_s"],
        "process_max_rss_mb": maxrss_mb,
        "graphs": results,
    }
    log(
        f"\nworst over {', '.join(main_graphs)}: speedup vs networkx "
        f"{summary['speedup_vs_networkx']:.1f}x, firegrid / raw scipy "
        f"{summary['ratio_vs_scipy']:.2f}; district coverage on {real_key} "
        f"{summary['district_coverage_s'] * 1e3:.1f} ms; process max RSS {maxrss_mb:.0f} MB"
    )
    if args.json:
        print(json.dumps(summary, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
