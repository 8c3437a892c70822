"""Peak memory and time of the OSM importer on large synthetic extracts.

There is no province-size PBF here, so this script writes one with ``osmium.SimpleWriter``:
a lattice of streets (rows of highway ways, every fourth column too; classes, one-way streets,
tracks, footways and bollards mixed in) plus square buildings made of their own nodes, with
node ids spread over 1 … 1.3e10 like today's OSM ids (which matters: osmium's id set grows
with the id range, not the id count). Each import runs in a fresh child process and reports
its peak resident memory (``VmHWM``), so the figures are the importer's, not this script's.

Run::

    .venv/bin/python benchmarks/osm_memory.py                 # 4 M and 16 M nodes
    .venv/bin/python benchmarks/osm_memory.py --sizes 8e6 --keep --out /tmp/osmbench
    .venv/bin/python benchmarks/osm_memory.py --json

For every size it imports the whole file and a clip (a district of ~2 % of the area, 2 km
buffer), each with both node strategies (``index``: osmium's location index of all nodes;
``filter``: osmium's ``IdFilter`` of the needed ids — the one ``auto`` picks for big files).
It then fits peak memory as linear in the highway node references and time as linear in the
nodes, and extrapolates to a 1.5 GB PBF with the nodes and references per byte of the real
extracts in ``../shared/data/osm`` when present (their range is printed) — an estimate, not a
measurement.

Measured here (2 cores, ``--sizes 4e6,16e6``; synthetic PBFs of 63 and 253 MB — ~16 bytes
per node, twice a real extract's, because the random ids compress badly; 40 % of the nodes on
roads, 2.2 M and 8.9 M highway node references)::

    size   mode strategy   time    peak RSS   graph
    4 M    full index      19.0 s    742 MB   1.49 M nodes, 3.39 M edges
    4 M    full filter     21.7 s   1771 MB
    4 M    clip index       8.6 s    353 MB   64 k nodes
    4 M    clip filter     11.4 s   1781 MB
    16 M   full index      77.6 s   2260 MB   5.97 M nodes, 13.6 M edges
    16 M   full filter     89.0 s   2274 MB
    16 M   clip index      34.2 s    676 MB   183 k nodes
    16 M   clip filter     48.4 s   1887 MB

i.e. 2–3 s per million nodes in the file (10–15 s per million ways) when clipping, 5–6 s per
million nodes when building the whole file. The ``filter`` strategy pays a fixed ~1.55 GB
for osmium's id set (ids up to 1.3e10) plus ~16 MB per million highway references; ``index``
pays ~16 bytes per node of the file. Building the whole graph costs ~75 MB per million
references (the graph, its CSR arrays and the temporaries of the build).

Extrapolation to a 1.5 GB PBF, with the real extracts' 35–123 M nodes and 17–72 M highway
references per GB (so 53–185 M nodes, 26–108 M references): clipped to a district, where
``auto`` picks ``filter``, **2.1–3.4 GB peak and 3–10 minutes**; the whole province as one
graph, 3.5–9.5 GB — within 4 GB only for a road-sparse extract, so clip (the buffer keeps
roads leaving the district connected). Linear extrapolation over a 4× range to ~10× beyond
it: treat these as estimates, not measurements.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED_OSM = REPO.parent / "shared" / "data" / "osm"
MAX_NODE_ID = 13_000_000_000
TARGET_PBF_BYTES = 1.5e9
LON0, LAT0 = 115.5, 39.0
SPACING_DEG = 0.0005  # ~45-55 m between lattice nodes
WAY_NODES = 10
HIGHWAYS: list[dict[str, str]] = [
    {"highway": "residential"},
    {"highway": "residential", "oneway": "yes"},
    {"highway": "tertiary", "maxspeed": "40"},
    {"highway": "secondary"},
    {"highway": "unclassified", "width": "3"},
    {"highway": "service", "access": "private"},
    {"highway": "track", "tracktype": "grade3"},
    {"highway": "footway"},
    {"highway": "primary", "maxspeed": "60"},
    {"highway": "residential", "surface": "asphalt", "name": "某某路"},
]


# --------------------------------------------------------------------------- generator


def generate(path: Path, n_nodes: int, road_share: float, seed: int = 1) -> dict[str, Any]:
    """Write a synthetic extract; return what it holds."""
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = np.random.default_rng(seed)
    n_road = int(n_nodes * road_share)
    side = int(np.sqrt(n_road))
    n_road = side * side
    n_buildings = max((n_nodes - n_road) // 4, 0)
    total = n_road + 4 * n_buildings

    gy, gx = np.divmod(np.arange(n_road), side)
    lon = np.empty(total)
    lat = np.empty(total)
    lon[:n_road] = LON0 + gx * SPACING_DEG
    lat[:n_road] = LAT0 + gy * SPACING_DEG
    # Buildings: small squares inside the blocks between streets.
    bx = rng.uniform(0, side - 1, n_buildings)
    by = rng.uniform(0, side - 1, n_buildings)
    corners = np.array([(0.1, 0.1), (0.3, 0.1), (0.3, 0.3), (0.1, 0.3)])
    for k, (dx, dy) in enumerate(corners):
        lon[n_road + k :: 4] = LON0 + (bx + dx) * SPACING_DEG
        lat[n_road + k :: 4] = LAT0 + (by + dy) * SPACING_DEG

    gap = MAX_NODE_ID // total
    ids = np.cumsum(rng.integers(1, 2 * gap, total, dtype=np.int64))
    ids = ids[rng.permutation(total)]  # a way's nodes get ids from all eras, as in OSM
    order = np.argsort(ids)
    bollard = np.zeros(total, dtype=bool)
    bollard[rng.choice(n_road, max(n_road // 1000, 1), replace=False)] = True

    ways = 0
    highway_ways = 0
    highway_refs = 0
    started = time.perf_counter()
    with osmium.SimpleWriter(str(path)) as writer:
        lon_l, lat_l, ids_l = lon.tolist(), lat.tolist(), ids.tolist()
        for i in order.tolist():
            tags = {"barrier": "bollard"} if bollard[i] else {}
            writer.add_node(Node(id=ids_l[i], location=(lon_l[i], lat_l[i]), tags=tags))
        way_id = 0
        grid = ids[:n_road].reshape(side, side)
        lines = [grid[r, :] for r in range(side)] + [grid[:, c] for c in range(0, side, 4)]
        for line in lines:
            for start in range(0, side - 1, WAY_NODES - 1):
                refs = line[start : start + WAY_NODES].tolist()
                if len(refs) < 2:
                    continue
                way_id += 1
                writer.add_way(Way(id=way_id, nodes=refs, tags=HIGHWAYS[way_id % len(HIGHWAYS)]))
                highway_ways += 1
                highway_refs += len(refs)
        b_ids = ids[n_road:].reshape(-1, 4)
        for ring in b_ids.tolist():
            way_id += 1
            writer.add_way(Way(id=way_id, nodes=[*ring, ring[0]], tags={"building": "yes"}))
        ways = way_id
    return {
        "path": str(path),
        "bytes": path.stat().st_size,
        "nodes": int(total),
        "ways": ways,
        "highway_ways": highway_ways,
        "highway_refs": highway_refs,
        "write_s": round(time.perf_counter() - started, 1),
        "bbox": [LON0, LAT0, LON0 + side * SPACING_DEG, LAT0 + side * SPACING_DEG],
    }


# --------------------------------------------------------------------------- child


def _peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def child(path: str, mode: str, strategy: str, bbox: list[float]) -> None:
    """Import once and print a JSON line (run in a fresh process by the parent)."""
    from shapely.geometry import box

    from firegrid.network import osm

    base = _peak_rss_mb()
    clip = None
    if mode == "clip":
        x0, y0, x1, y1 = bbox
        w, h = (x1 - x0) * 0.14, (y1 - y0) * 0.14  # ~2 % of the area
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        clip = box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    started = time.perf_counter()
    result = osm._build(
        path,
        clip=clip,
        buffer_m=2000.0,
        profile=None,
        variant="urban",
        progress=None,
        node_strategy=strategy,  # type: ignore[arg-type]
    )
    elapsed = time.perf_counter() - started
    s = result.stats
    print(
        json.dumps(
            {
                "mode": mode,
                "strategy": s["node_strategy"],
                "elapsed_s": round(elapsed, 2),
                "peak_rss_mb": round(_peak_rss_mb(), 1),
                "baseline_rss_mb": round(base, 1),
                "graph_nodes": s["nodes"],
                "graph_edges": s["edges"],
                "road_km": round(s["road_km"], 1),
                "ways_kept": s["ways_kept"],
            }
        )
    )


def run_child(info: dict[str, Any], mode: str, strategy: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        info["path"],
        "--mode",
        mode,
        "--strategy",
        strategy,
        "--bbox",
        ",".join(map(str, info["bbox"])),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return row


# --------------------------------------------------------------------------- real ratios


def real_ratios() -> list[dict[str, Any]]:
    """Nodes and highway references per byte of the real extracts, to scale to 1.5 GB."""
    if not SHARED_OSM.is_dir():
        return []
    import osmium

    out = []
    for path in sorted(SHARED_OSM.glob("*.osm.pbf")):
        nodes = refs = 0
        for obj in osmium.FileProcessor(str(path)):
            if isinstance(obj, osmium.osm.Node):
                nodes += 1
            elif isinstance(obj, osmium.osm.Way) and "highway" in obj.tags:
                refs += len(obj.nodes)
        size = path.stat().st_size
        out.append(
            {
                "file": path.name,
                "nodes_per_gb": nodes / size * 1e9,
                "refs_per_gb": refs / size * 1e9,
            }
        )
    return out


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares line y = a + b x (exact through two points)."""
    b, a = np.polyfit(np.asarray(xs), np.asarray(ys), 1)
    return float(a), float(b)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="4e6,16e6", help="node counts, comma-separated")
    parser.add_argument("--road-share", type=float, default=0.4, help="share of nodes on roads")
    parser.add_argument("--out", type=Path, default=None, help="folder for the files")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="full", help=argparse.SUPPRESS)
    parser.add_argument("--strategy", default="auto", help=argparse.SUPPRESS)
    parser.add_argument("--bbox", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.mode, args.strategy, [float(v) for v in args.bbox.split(",")])
        return

    out_dir = args.out or Path(tempfile.mkdtemp(prefix="osm_memory_"))
    out_dir.mkdir(parents=True, exist_ok=True)
    runs: list[dict[str, Any]] = []
    try:
        for size in [int(float(v)) for v in args.sizes.split(",")]:
            path = out_dir / f"synthetic_{size}.osm.pbf"
            info = generate(path, size, args.road_share)
            if not args.json:
                print(
                    f"wrote {path.name}: {info['bytes'] / 1e6:.1f} MB, {info['nodes']:,} nodes, "
                    f"{info['ways']:,} ways ({info['highway_ways']:,} highway, "
                    f"{info['highway_refs']:,} refs) in {info['write_s']} s",
                    flush=True,
                )
            for mode in ("full", "clip"):
                for strategy in ("index", "filter"):
                    row = {**info, **run_child(info, mode, strategy)}
                    runs.append(row)
                    if not args.json:
                        print(
                            f"  {mode:4} {strategy:6} {row['elapsed_s']:7.1f} s  peak "
                            f"{row['peak_rss_mb']:7.0f} MB  (start {row['baseline_rss_mb']:.0f})"
                            f"  graph {row['graph_nodes']:,} nodes {row['road_km']:,} km  "
                            f"{row['elapsed_s'] / info['nodes'] * 1e6:.2f} s/M nodes  "
                            f"{row['elapsed_s'] / info['ways'] * 1e6:.1f} s/M ways",
                            flush=True,
                        )
    finally:
        if not args.keep:
            for f in out_dir.glob("synthetic_*.osm.pbf"):
                f.unlink()

    ratios = real_ratios()
    report: dict[str, Any] = {"runs": runs, "real_extracts": ratios, "extrapolation": {}}
    if ratios:
        refs_gb = [r["refs_per_gb"] for r in ratios]
        nodes_gb = [r["nodes_per_gb"] for r in ratios]
    else:  # no real files: use the synthetic file's own density
        refs_gb = [runs[-1]["highway_refs"] / runs[-1]["bytes"] * 1e9]
        nodes_gb = [runs[-1]["nodes"] / runs[-1]["bytes"] * 1e9]
    target = TARGET_PBF_BYTES / 1e9
    for mode in ("full", "clip"):
        for strategy in ("index", "filter"):
            rows = [r for r in runs if r["mode"] == mode and r["strategy"] == strategy]
            if len(rows) < 2:
                continue
            mem_a, mem_b = fit([r["highway_refs"] for r in rows], [r["peak_rss_mb"] for r in rows])
            t_a, t_b = fit([r["nodes"] for r in rows], [r["elapsed_s"] for r in rows])
            lo_refs, hi_refs = min(refs_gb) * target, max(refs_gb) * target
            lo_nodes, hi_nodes = min(nodes_gb) * target, max(nodes_gb) * target
            report["extrapolation"][f"{mode}/{strategy}"] = {
                "mb_per_million_refs": round(mem_b * 1e6, 1),
                "mb_fixed": round(mem_a, 0),
                "s_per_million_nodes": round(t_b * 1e6, 2),
                "peak_gb_1.5gb_pbf": [
                    round((mem_a + mem_b * lo_refs) / 1024, 2),
                    round((mem_a + mem_b * hi_refs) / 1024, 2),
                ],
                "minutes_1.5gb_pbf": [
                    round((t_a + t_b * lo_nodes) / 60, 1),
                    round((t_a + t_b * hi_nodes) / 60, 1),
                ],
            }
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return
    if ratios:
        print("real extracts:")
        for r in ratios:
            print(
                f"  {r['file']:24} {r['nodes_per_gb'] / 1e6:6.0f} M nodes/GB  "
                f"{r['refs_per_gb'] / 1e6:5.0f} M highway refs/GB"
            )
    print(f"extrapolation to a {TARGET_PBF_BYTES / 1e9:.1f} GB PBF (linear fit over the sizes):")
    for key, e in report["extrapolation"].items():
        print(
            f"  {key:12} {e['mb_per_million_refs']:6.1f} MB per M refs + {e['mb_fixed']:.0f} MB; "
            f"{e['s_per_million_nodes']:.2f} s per M nodes  ->  peak "
            f"{e['peak_gb_1.5gb_pbf'][0]}-{e['peak_gb_1.5gb_pbf'][1]} GB, "
            f"{e['minutes_1.5gb_pbf'][0]}-{e['minutes_1.5gb_pbf'][1]} min"
        )


if __name__ == "__main__":
    main()
