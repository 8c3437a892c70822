"""Import an OpenStreetMap extract into a road graph (pyosmium, streaming).

Reads ``.osm.pbf`` (``.pbf``), ``.osm`` XML and XML compressed as ``.osm.gz`` / ``.osm.bz2``.
Road rules (what is a road, speeds, one-way, access, heavy appliances, barriers) are those of
:mod:`firegrid.network.speeds`; the graph is built by :mod:`firegrid.network.build`.

Memory: designed for a province-size extract (1–2 GB PBF) in about 4 GB
-----------------------------------------------------------------------------
Nothing is held per OSM object except what roads need, and never as Python objects:

1. **Ways pass.** Only ways with a ``highway`` tag reach Python (osmium's C++ ``KeyFilter``
   drops the rest while decoding). The rules decide per way; kept ways are stored column-wise
   in ``array.array`` buffers (8 bytes per node reference, ~30 bytes per way).
2. **Nodes pass.** Only the locations of nodes that kept ways reference are read, by one of two
   means, whichever needs less memory (estimated before the pass):

   * ``index`` — osmium's in-memory location index of *all* nodes of the file (~16 bytes per
     node) is filled in C++, and the needed ids are looked up in it. Cheapest for small and
     medium files.
   * ``filter`` — osmium's C++ ``IdFilter`` passes only the needed nodes to Python. Its id set
     is a bitmap in 4 MiB chunks, each covering 2^25 ids, allocated where a needed id falls: at
     most ~1.6 GB for today's node ids (~1.3e10), whatever the file size, so it wins for big
     files.

   Before this pass the stored node ids of the kept ways are replaced by int32 row numbers
   into the sorted array of needed ids (4 bytes per reference); locations are kept in arrays
   aligned with it, as osmium's 32-bit fixed-point coordinates (8 bytes per node).
3. **Build.** Clipping comes first (a way is kept whole when it touches the buffered clip
   area; tested in chunks), so the arrays of the graph build are the size of the district.

``benchmarks/osm_memory.py`` measures peak memory and time on synthetic files (figures in
its docstring). Extrapolated from them to a 1.5 GB PBF: clipped to a district, 2.1–3.4 GB
peak and 3–10 minutes; the whole province as one graph, 3.5–9.5 GB — so clip large extracts.

Progress is reported through ``progress(stage, fraction)`` with stages ``"ways"``,
``"nodes"`` and ``"graph"``: ``0.0`` and ``1.0`` at the start and end of each pass (from the
calling thread), the share of the file read in between (sampled twice a second by a helper
thread, read from ``/proc``; systems without it get no intermediate figures), and
``("graph", None)`` while the graph is built. Calls never overlap.

Errors: a missing, empty, unreadable, corrupt or truncated file, an unknown suffix, and a file
(or clip area) without roads raise :class:`~firegrid.errors.InvalidInputError` naming the path
and the reason — never a raw osmium exception. A PBF cut exactly between two data blocks cannot
be told from a complete one (the format has no end marker); it reads as a smaller extract.
"""

from __future__ import annotations

import os
import threading
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import osmium
import osmium.filter
from shapely.geometry.base import BaseGeometry

from firegrid.errors import InvalidInputError
from firegrid.geo.io import existing_file
from firegrid.network.build import (
    BuildResult,
    NodeTable,
    WayCollector,
    buffered_clip,
    build_graph,
    ids_to_rows,
    unique_sorted,
)
from firegrid.network.speeds import (
    ApplianceSpec,
    BarrierEffect,
    SpeedProfile,
    barrier_effect,
    default_profile,
)

__all__ = ["SUPPORTED_SUFFIXES", "ProgressCallback", "build_from_osm"]

#: ``progress(stage, fraction)``: stage ``"ways"``, ``"nodes"`` or ``"graph"``; fraction of the
#: file read in [0, 1], or None when unknown.
ProgressCallback = Callable[[str, float | None], None]

#: Accepted file name endings and the osmium format each stands for.
SUPPORTED_SUFFIXES: Final[dict[str, str]] = {
    ".osm.pbf": "pbf",
    ".pbf": "pbf",
    ".osm": "osm",
    ".osm.gz": "osm.gz",
    ".osm.bz2": "osm.bz2",
}
# Node tags that can make a node a barrier for some vehicle (speeds.barrier_effect).
_NODE_KEYS: Final = ("barrier", "maxheight", "maxwidth", "maxweight", "width")
# Bytes per node, low estimates (so node counts are over-estimated), to size the location index.
_BYTES_PER_NODE: Final[dict[str, float]] = {"pbf": 7.0, "osm": 50.0, "osm.gz": 6.0, "osm.bz2": 5.0}
_INDEX_BYTES_PER_NODE: Final = 16
_IDSET_CHUNK_SHIFT: Final = 25  # libosmium IdSetDense: 2^22 bytes = 2^25 ids per chunk
_IDSET_CHUNK_BYTES: Final = 1 << 22
_PROGRESS_INTERVAL_S: Final = 0.5
_BATCH: Final = 1 << 18  # nodes placed per numpy call in the filter strategy
_FIXED_POINT: Final = 1e-7  # osmium stores coordinates as integers of 1e-7 degree

NodeStrategy = Literal["auto", "index", "filter"]


def build_from_osm(
    path: str | Path,
    *,
    clip: BaseGeometry | None = None,
    buffer_m: float = 2000.0,
    profile: SpeedProfile | None = None,
    variant: str = "urban",
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Build a road graph from an OpenStreetMap file.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``/``.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2``.
    clip : shapely Polygon or MultiPolygon, optional
        WGS84 area (a district boundary). Ways touching it grown by ``buffer_m`` are kept whole;
        without ``clip`` the whole file is imported.
    buffer_m : float
        Metres added around ``clip`` (so that roads leaving the district and coming back, and
        the stations just beyond its edge, stay connected).
    profile : SpeedProfile, optional
        Speeds and options; default :func:`~firegrid.network.speeds.default_profile`.
    variant : str
        ``"urban"``, ``"suburban"`` or ``"mountain"`` (any variant of the profile).
    progress : callable, optional
        ``progress(stage, fraction)``, see :data:`ProgressCallback`.

    Returns
    -------
    BuildResult
        The graph, the build statistics (plus ``source``, ``format``, ``node_strategy``,
        ``clip_buffer_m``, ``elapsed_s``) and the largest strongly connected component.

    Raises
    ------
    InvalidInputError
        Missing, empty or unreadable file, unknown suffix, corrupt or truncated data, a bad
        clip area or variant, or no roads (in the file, or inside the clip area). The message
        names the path.
    """
    return _build(
        path,
        clip=clip,
        buffer_m=buffer_m,
        profile=profile,
        variant=variant,
        progress=progress,
        node_strategy="auto",
    )


def _build(
    path: str | Path,
    *,
    clip: BaseGeometry | None,
    buffer_m: float,
    profile: SpeedProfile | None,
    variant: str,
    progress: ProgressCallback | None,
    node_strategy: NodeStrategy,
) -> BuildResult:
    started = time.perf_counter()
    p, fmt = _check_file(path)
    prof = profile if profile is not None else default_profile()
    collector = WayCollector(prof, variant)
    area = buffered_clip(clip, buffer_m) if clip is not None else None
    report = progress if progress is not None else _no_progress
    try:
        _read_ways(p, fmt, collector, report)
        if collector.n_ways == 0:
            raise InvalidInputError(
                f"{p}: no roads in the file (ways with a highway tag: {collector.ways_read}, "
                f"dropped: {dict(collector.dropped)})"
            )
        needed = collector.needed_node_ids()
        # Ids become int32 rows of `needed` now, before the node pass allocates its arrays.
        collector.index_refs(needed)
        strategy = _choose_strategy(p, fmt, needed) if node_strategy == "auto" else node_strategy
        nodes = _read_nodes(p, fmt, needed, prof.appliance, strategy, report)
        del needed
    except RuntimeError as exc:
        # osmium reports corrupt, truncated and unreadable input as RuntimeError.
        raise InvalidInputError(f"{p}: cannot read OSM data ({fmt}): {exc}") from exc
    report("graph", None)
    result = build_graph(
        collector.arrays(),
        nodes,
        profile=prof,
        variant=variant,
        clip_area=area,
        base_stats=collector.base_stats(),
        source=str(p),
    )
    result.stats.update(
        {
            "source": str(p),
            "format": fmt,
            "node_strategy": strategy,
            "clip_buffer_m": float(buffer_m) if clip is not None else None,
            "elapsed_s": round(time.perf_counter() - started, 3),
        }
    )
    report("graph", 1.0)
    return result


def _no_progress(stage: str, fraction: float | None) -> None:
    return None


def _check_file(path: str | Path) -> tuple[Path, str]:
    p = Path(path)
    name = p.name.lower()
    # Longest suffix first: ".osm.pbf" before ".pbf", ".osm.gz" before ".osm".
    fmt = next(
        (
            SUPPORTED_SUFFIXES[s]
            for s in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True)
            if name.endswith(s)
        ),
        None,
    )
    if fmt is None:
        raise InvalidInputError(
            f"{p}: unsupported OSM file type; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    return existing_file(p), fmt


# --------------------------------------------------------------------------- progress


class _FileProgress:
    """Reports the share of a file that osmium has read, while a pass runs.

    osmium gives no progress of its own, and while it decodes objects that a C++ filter drops
    (all the nodes, in the ways pass) Python is not called at all. Its reader thread reads the
    file sequentially, though, so the offset of the descriptor open on the file
    (``/proc/self/fdinfo``) is the share read; a helper thread samples it every
    ``_PROGRESS_INTERVAL_S`` seconds. Calls to the callback never overlap: the helper makes
    them all between the opening ``(stage, 0.0)`` and the closing ``(stage, 1.0)``, which the
    caller's thread makes.
    """

    def __init__(self, path: Path, stage: str, report: ProgressCallback) -> None:
        self._real = os.path.realpath(path)
        self._size = max(path.stat().st_size, 1)
        self._stage = stage
        self._report = report
        self._fd: str | None = None
        self._last: float | None = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"osm-progress-{stage}", daemon=True)

    def __enter__(self) -> _FileProgress:
        self._report(self._stage, 0.0)
        self._thread.start()
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._stop.set()
        self._thread.join()
        if exc_type is None:
            self._report(self._stage, 1.0)

    def _run(self) -> None:
        while not self._stop.wait(_PROGRESS_INTERVAL_S):
            self.tick()

    def tick(self) -> None:
        """Report the current share, if it is known and has moved."""
        pos = self._position()
        if pos is None:
            return  # between reads, or no /proc: keep the last figure rather than flicker
        fraction = min(pos / self._size, 1.0)
        if fraction != self._last:
            self._last = fraction
            self._report(self._stage, fraction)

    def _position(self) -> int | None:
        if self._fd is None or not self._points_at_file(self._fd):
            self._fd = self._find_fd()
            if self._fd is None:
                return None
        try:
            with open(f"/proc/self/fdinfo/{self._fd}", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("pos:"):
                        return int(line.split()[1])
        except (OSError, ValueError):
            return None
        return None

    def _points_at_file(self, fd: str) -> bool:
        try:
            return os.readlink(f"/proc/self/fd/{fd}") == self._real
        except OSError:
            return False

    def _find_fd(self) -> str | None:
        try:
            fds = os.listdir("/proc/self/fd")
        except OSError:
            return None
        return next((fd for fd in fds if self._points_at_file(fd)), None)


# --------------------------------------------------------------------------- passes


def _osm_file(p: Path, fmt: str) -> osmium.io.File:
    return osmium.io.File(str(p), fmt)


def _read_ways(p: Path, fmt: str, collector: WayCollector, report: ProgressCallback) -> None:
    processor = osmium.FileProcessor(_osm_file(p, fmt), osmium.osm.WAY).with_filter(
        osmium.filter.KeyFilter("highway")
    )
    add = collector.add_osm
    with _FileProgress(p, "ways", report):
        for way in processor:
            if isinstance(way, osmium.osm.Way):  # always, with entities=WAY; narrows the type
                # The TagList is read in place by the rules: copying it to a dict costs more.
                add([n.ref for n in way.nodes], way.tags)


def _choose_strategy(p: Path, fmt: str, needed: npt.NDArray[np.int64]) -> NodeStrategy:
    """The node-reading strategy that needs less memory (module docstring)."""
    est_nodes = p.stat().st_size / _BYTES_PER_NODE[fmt]
    index_bytes = est_nodes * _INDEX_BYTES_PER_NODE
    chunks = len(unique_sorted(needed >> _IDSET_CHUNK_SHIFT))
    idset_bytes = chunks * _IDSET_CHUNK_BYTES
    return "index" if index_bytes <= idset_bytes else "filter"


def _read_nodes(
    p: Path,
    fmt: str,
    needed: npt.NDArray[np.int64],
    appliance: ApplianceSpec,
    strategy: NodeStrategy,
    report: ProgressCallback,
) -> NodeTable:
    """Locations of the ``needed`` nodes, in arrays aligned with ``needed`` (int32 fixed point:
    8 bytes per node; no second copy of the ids)."""
    n = len(needed)
    table = _NodeArrays(
        xs=np.zeros(n, dtype=np.int32),
        ys=np.zeros(n, dtype=np.int32),
        located=np.zeros(n, dtype=bool),
        appliance=appliance,
    )
    with _FileProgress(p, "nodes", report):
        if strategy == "filter":
            _nodes_by_filter(_osm_file(p, fmt), needed, table)
        else:
            _nodes_by_index(_osm_file(p, fmt), needed, table)
    barrier = np.zeros(n, dtype=np.uint8)
    if table.barrier_ids:
        rows = ids_to_rows(needed, np.asarray(table.barrier_ids, dtype=np.int64))
        hit = rows >= 0
        barrier[rows[hit]] = np.asarray(table.barrier_kind, dtype=np.uint8)[hit]
    return NodeTable(
        ids=needed,
        lon=table.xs,
        lat=table.ys,
        barrier=barrier,
        located=table.located,
        scale=_FIXED_POINT,
    )


@dataclass
class _NodeArrays:
    """What the node pass fills in (arrays aligned with the needed ids)."""

    xs: npt.NDArray[np.int32]
    ys: npt.NDArray[np.int32]
    located: npt.NDArray[np.bool_]
    appliance: ApplianceSpec
    barrier_ids: list[int] = field(default_factory=list)
    barrier_kind: list[int] = field(default_factory=list)

    def note_barrier(self, node: osmium.osm.Node) -> None:
        tags = node.tags
        if any(k in tags for k in _NODE_KEYS):
            effect = barrier_effect(tags, self.appliance)
            if effect is not BarrierEffect.NONE:
                self.barrier_ids.append(node.id)
                self.barrier_kind.append(int(effect))


def _nodes_by_filter(
    source: osmium.io.File, needed: npt.NDArray[np.int64], table: _NodeArrays
) -> None:
    """osmium's IdFilter passes only the needed nodes to Python."""
    batch_ids = array("q")
    batch_x = array("i")
    batch_y = array("i")

    def flush() -> None:
        # Place a batch by binary search: per-node Python work stays three appends.
        rows = ids_to_rows(needed, np.frombuffer(batch_ids, dtype=np.int64))
        hit = rows >= 0
        table.xs[rows[hit]] = np.frombuffer(batch_x, dtype=np.int32)[hit]
        table.ys[rows[hit]] = np.frombuffer(batch_y, dtype=np.int32)[hit]
        table.located[rows[hit]] = True
        del batch_ids[:], batch_x[:], batch_y[:]

    id_filter = osmium.filter.IdFilter(_python_ints(needed))
    processor = osmium.FileProcessor(source, osmium.osm.NODE).with_filter(id_filter)
    for node in processor:
        if not isinstance(node, osmium.osm.Node):
            continue
        loc = node.location
        if loc.valid():
            batch_ids.append(node.id)
            batch_x.append(loc.x)
            batch_y.append(loc.y)
            if len(node.tags):
                table.note_barrier(node)
            if len(batch_ids) >= _BATCH:
                flush()
    flush()


def _nodes_by_index(
    source: osmium.io.File, needed: npt.NDArray[np.int64], table: _NodeArrays
) -> None:
    """osmium's location index takes every node in C++; the needed ids are looked up after."""
    # Ways are read too, though only the first is wanted: osmium sorts the location index when
    # the first way arrives, and unsorted files (API exports) need that sort before ids can be
    # looked up. The barrier filter applies to nodes only, so that way reaches the loop.
    barrier_filter = osmium.filter.KeyFilter(*_NODE_KEYS)
    barrier_filter.enable_for(osmium.osm.NODE)
    processor = (
        osmium.FileProcessor(source, osmium.osm.NODE | osmium.osm.WAY)
        .with_locations("flex_mem")
        .with_filter(barrier_filter)
    )
    objects = iter(processor)
    try:
        for obj in objects:
            if not isinstance(obj, osmium.osm.Node):
                break
            table.note_barrier(obj)
    finally:
        close = getattr(objects, "close", None)
        if close is not None:
            close()
    store = processor.node_location_storage
    assert store is not None  # with_locations() set it
    get = store.get
    for row, node_id in enumerate(_python_ints(needed)):
        try:
            loc = get(node_id)
        except KeyError:
            continue  # referenced but not in the file: counted as missing by the builder
        if loc.valid():
            table.xs[row] = loc.x
            table.ys[row] = loc.y
            table.located[row] = True


def _python_ints(values: npt.NDArray[np.int64], chunk: int = 1 << 16) -> Iterator[int]:
    # Converting a chunk at a time avoids holding tens of millions of Python ints at once.
    for start in range(0, len(values), chunk):
        yield from values[start : start + chunk].tolist()
