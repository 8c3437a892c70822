"""Turn ways (node id lists with road attributes) and node locations into a :class:`RoadGraph`.

Shared by the OpenStreetMap importer (:mod:`firegrid.network.osm`) and the centre-line importer
(:mod:`firegrid.network.lines`). The importers stream their source into a :class:`WayCollector`
(which applies the speed-profile rules of :mod:`firegrid.network.speeds` and stores the kept
ways column-wise in compact arrays), look up the locations of the nodes it asks for, and call
:func:`build_graph`. Pure: numpy, scipy and shapely in, a graph and a statistics dict out.

What the builder does, and why:

* **No simplification.** Every node of every kept way stays a graph node and every pair of
  consecutive nodes an edge (``RoadGraph`` conventions), so road length, snapping and isochrone
  geometry need nothing else.
* **Lengths** are geodesic (WGS84 ellipsoid, vectorised :class:`pyproj.Geod`), exact anywhere.
* **One-way** ways give one directed edge per segment, two-way ways two.
* **Barrier nodes.** A node that blocks every vehicle (:class:`~firegrid.network.speeds.
  BarrierEffect` ``ALL``: a bollard, a locked gate …) is split into one private copy per road
  segment touching it, so no route passes through it while both road stubs stay in the graph
  (a point near the bollard still snaps to the right side). A node that only blocks heavy
  appliances (a height restrictor) closes the segments touching it to them.
* **Missing nodes.** A reference to a node without a location (extracts cut with "simple"
  strategies reference nodes outside the file) drops the segments touching it, not the way.
* **Clipping** keeps a way *whole* when any of its nodes lies in the (buffered) clip area or any
  of its segments crosses it, so roads leaving a district still connect to the network beyond.
* **Connected pieces are kept**, but the nodes of the largest strongly connected component
  (light vehicles) are marked (:attr:`BuildResult.in_largest_scc`) so that snapping can prefer
  them: a station snapped to an isolated car park would reach nothing.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse.csgraph import connected_components
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from firegrid.errors import InvalidInputError
from firegrid.geo.crs import geodesic_distance_m, metric_crs_for, transform_geometry
from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.speeds import (
    BarrierEffect,
    DropReason,
    SpeedProfile,
    Tags,
    WayAttributes,
    osm_way_attributes,
)

__all__ = [
    "BuildResult",
    "NodeTable",
    "WayArrays",
    "WayCollector",
    "buffered_clip",
    "build_graph",
    "ids_to_rows",
    "largest_strong_component",
    "unique_sorted",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

#: Drop reason of ways with fewer than two nodes (not a line).
DEGENERATE: Final = "degenerate"
#: Drop reason of ways none of whose segments has two located, distinct nodes.
NO_GEOMETRY: Final = "no_located_segment"
_KMH_TO_MS: Final = 1.0 / 3.6
_GK3_LON: Final = (73.5, 136.5)
# Work in slices of this many references/nodes where whole-array temporaries would not fit.
_CHUNK: Final = 1 << 22
_INT32_MAX: Final = 2**31 - 1


@dataclass(frozen=True)
class BuildResult:
    """A built graph with what happened on the way.

    Attributes
    ----------
    graph : RoadGraph
    stats : dict
        JSON-serialisable counts: ``ways_read``, ``ways_kept``, ``ways_dropped`` (reason →
        count), ``ways_outside_clip``, ``heavy_excluded_ways`` (reason → count),
        ``missing_node_refs``, ``barrier_nodes_cut``, ``barrier_nodes_heavy``, ``nodes``,
        ``edges``, ``road_km`` and ``heavy_km`` (each pair of adjacent nodes counted once, so a
        two-way street once), ``components`` (weakly connected pieces),
        ``strong_components``, ``largest_scc_nodes``, ``largest_scc_share`` (light vehicles,
        share of nodes), ``largest_scc_share_heavy``, ``profile_id``, ``profile_version``,
        ``variant``; importers add ``source``, ``format`` and ``elapsed_s``.
    in_largest_scc : numpy.ndarray of bool
        Per node: in the largest strongly connected component for light vehicles.
    """

    graph: RoadGraph
    stats: dict[str, Any]
    in_largest_scc: Bool


@dataclass(frozen=True)
class WayArrays:
    """Kept ways, column-wise: way ``i`` references ``refs[offsets[i]:offsets[i+1]]``.

    Attributes
    ----------
    refs : numpy.ndarray of int64 or int32
        Source node ids of all ways, concatenated; or, with ``refs_are_rows``, row numbers
        into the :class:`NodeTable` (int32, -1 for ids the table lacks).
    offsets : numpy.ndarray of int64
        ``n_ways + 1`` start positions into ``refs``; every way has at least two references.
    road_class : numpy.ndarray of uint8
    light_kmh, heavy_kmh : numpy.ndarray of float64
        Speeds; ``heavy_kmh == 0`` where heavy appliances may not pass.
    oneway : numpy.ndarray of int8
        1 along the node order, -1 against it, 0 both ways.
    refs_are_rows : bool
        See ``refs``.
    """

    refs: npt.NDArray[np.int64] | npt.NDArray[np.int32]
    offsets: I64
    road_class: npt.NDArray[np.uint8]
    light_kmh: F64
    heavy_kmh: F64
    oneway: npt.NDArray[np.int8]
    refs_are_rows: bool = False

    @property
    def n_ways(self) -> int:
        return len(self.offsets) - 1


@dataclass(frozen=True)
class NodeTable:
    """Locations of source nodes, sorted by id.

    Attributes
    ----------
    ids : numpy.ndarray of int64
        Sorted, unique source node ids.
    lon, lat : numpy.ndarray
        WGS84 coordinates in units of ``scale`` degrees: float64 degrees (``scale=1``) or, for
        large OSM imports, osmium's int32 fixed point (``scale=1e-7``, half the memory).
    barrier : numpy.ndarray of uint8, optional
        :class:`~firegrid.network.speeds.BarrierEffect` per node (default: none).
    located : numpy.ndarray of bool, optional
        False for ids whose location the source lacks (default: all located).
    scale : float
        Degrees per unit of ``lon``/``lat``.
    """

    ids: I64
    lon: npt.NDArray[Any]
    lat: npt.NDArray[Any]
    barrier: npt.NDArray[np.uint8] | None = None
    located: Bool | None = None
    scale: float = 1.0

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.lon.shape != (n,) or self.lat.shape != (n,):
            raise InvalidInputError("node ids, lon and lat must have the same length")
        for name in ("barrier", "located"):
            arr = getattr(self, name)
            if arr is not None and arr.shape != (n,):
                raise InvalidInputError(f"node {name} flags must have one value per node")
        if n > 1 and not bool(np.all(self.ids[1:] > self.ids[:-1])):
            raise InvalidInputError("node ids must be sorted and unique")

    def degrees(self, rows: npt.NDArray[Any] | slice) -> tuple[F64, F64]:
        """Longitude and latitude (float64 degrees) of the given rows."""
        lon = np.asarray(self.lon[rows], dtype=np.float64)
        lat = np.asarray(self.lat[rows], dtype=np.float64)
        if self.scale != 1.0:
            lon *= self.scale
            lat *= self.scale
        return lon, lat


def unique_sorted(values: npt.NDArray[np.int64]) -> I64:
    """Sorted unique values. ``np.unique`` of numpy 2.x hashes plain integer arrays, which is
    ~15× slower than sorting for the 1e7–1e8 node ids of a large extract."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    ordered = np.sort(values)
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    out: I64 = ordered[first]
    return out


def ids_to_rows(sorted_ids: I64, ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int32]:
    """Row of each id in ``sorted_ids`` (int32; -1 where absent), in chunks to bound memory."""
    n = len(sorted_ids)
    if n >= _INT32_MAX:
        raise InvalidInputError(f"{n} nodes exceed the int32 row numbers the builder uses")
    out = np.empty(len(ids), dtype=np.int32)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        pos = np.searchsorted(sorted_ids, part)
        if n:
            clipped = np.minimum(pos, n - 1)
            found = sorted_ids[clipped] == part
            out[start : start + len(part)] = np.where(found, clipped, -1)
        else:
            out[start : start + len(part)] = -1
    return out


class WayCollector:
    """Accumulates kept ways while a source is streamed, in compact typed arrays.

    A province has millions of road ways; Python lists of ints would cost ~36 bytes per node
    reference, ``array.array`` costs 8 — and 4 once :meth:`index_refs` has turned ids into
    row numbers.

    Parameters
    ----------
    profile : SpeedProfile
    variant : str
        Speed column; checked here.
    """

    def __init__(self, profile: SpeedProfile, variant: str) -> None:
        self.profile = profile
        self.variant = profile.check_variant(variant)
        self._refs = array("q")
        self._rows: npt.NDArray[np.int32] | None = None
        self._offsets = array("q", [0])
        self._class = array("B")
        self._light = array("d")
        self._heavy = array("d")
        self._oneway = array("b")
        self.ways_read = 0
        self.dropped: Counter[str] = Counter()
        self.heavy_excluded: Counter[str] = Counter()

    @property
    def n_ways(self) -> int:
        """Ways kept so far."""
        return len(self._class)

    def add_osm(self, node_ids: Iterable[int], tags: Tags) -> bool:
        """Read one way with OSM tags; keep it if the profile's rules do. Returns kept."""
        attrs = osm_way_attributes(tags, self.profile, self.variant)
        if isinstance(attrs, DropReason):
            self.drop(attrs)
            return False
        return self.add(node_ids, attrs)

    def add(self, node_ids: Iterable[int], attrs: WayAttributes) -> bool:
        """Keep one way with given attributes (ways of fewer than two nodes are dropped)."""
        if self._rows is not None:
            raise RuntimeError("ways cannot be added after index_refs()")
        self.ways_read += 1
        start = len(self._refs)
        self._refs.extend(node_ids)
        if len(self._refs) - start < 2:
            del self._refs[start:]
            self.dropped[DEGENERATE] += 1
            return False
        self._offsets.append(len(self._refs))
        self._class.append(attrs.road_class)
        self._light.append(attrs.light_kmh)
        self._heavy.append(attrs.heavy_kmh)
        self._oneway.append(attrs.oneway)
        if attrs.heavy_reason is not None:
            self.heavy_excluded[attrs.heavy_reason] += 1
        return True

    def drop(self, reason: str) -> None:
        """Count one way read and dropped."""
        self.ways_read += 1
        self.dropped[str(reason)] += 1

    def needed_node_ids(self) -> I64:
        """Sorted unique ids of the nodes the kept ways reference."""
        if self._rows is not None:
            raise RuntimeError("node ids are gone after index_refs()")
        return unique_sorted(np.frombuffer(self._refs, dtype=np.int64))

    def index_refs(self, sorted_ids: I64) -> None:
        """Replace the stored node ids by their rows in ``sorted_ids`` (int32) and free the
        ids: halves the largest buffer before node locations are read."""
        if self._rows is not None:
            raise RuntimeError("index_refs() was already called")
        self._rows = ids_to_rows(sorted_ids, np.frombuffer(self._refs, dtype=np.int64))
        self._refs = array("q")

    def arrays(self) -> WayArrays:
        """The kept ways as numpy arrays (views on the collector's buffers: no copy)."""
        rows = self._rows
        return WayArrays(
            refs=rows if rows is not None else np.frombuffer(self._refs, dtype=np.int64),
            offsets=np.frombuffer(self._offsets, dtype=np.int64),
            road_class=np.frombuffer(self._class, dtype=np.uint8),
            light_kmh=np.frombuffer(self._light, dtype=np.float64),
            heavy_kmh=np.frombuffer(self._heavy, dtype=np.float64),
            oneway=np.frombuffer(self._oneway, dtype=np.int8),
            refs_are_rows=rows is not None,
        )

    def base_stats(self) -> dict[str, Any]:
        """Counts gathered while reading."""
        return {
            "ways_read": self.ways_read,
            "ways_dropped": dict(sorted(self.dropped.items())),
            "heavy_excluded_ways": dict(sorted(self.heavy_excluded.items())),
        }


# --------------------------------------------------------------------------- clipping


def buffered_clip(clip: BaseGeometry, buffer_m: float) -> BaseGeometry:
    """The clip area grown by ``buffer_m`` metres, in WGS84.

    Parameters
    ----------
    clip : shapely Polygon or MultiPolygon
        WGS84 longitude/latitude (e.g. a district boundary).
    buffer_m : float
        Metres, >= 0. The buffer is drawn in the local metric CRS (CGCS2000 Gauss–Krüger in
        China, UTM elsewhere) and converted back vertex by vertex.

    Returns
    -------
    shapely geometry
        The buffered area in WGS84.

    Raises
    ------
    InvalidInputError
        Not a non-empty polygon, or a negative / non-finite buffer.
    """
    if not isinstance(clip, Polygon | MultiPolygon) or clip.is_empty:
        kind = getattr(clip, "geom_type", type(clip).__name__)
        raise InvalidInputError(f"clip must be a non-empty WGS84 (Multi)Polygon, got {kind}")
    if not (math.isfinite(buffer_m) and buffer_m >= 0):
        raise InvalidInputError(f"buffer_m must be a finite number >= 0, got {buffer_m!r}")
    area = clip if clip.is_valid else shapely.make_valid(clip)
    if buffer_m == 0:
        return area
    c = area.centroid
    kind = "cgcs2000_gk3" if _GK3_LON[0] <= c.x < _GK3_LON[1] else "utm"
    metric = metric_crs_for(c.x, c.y, kind=kind)
    grown = transform_geometry(area, src="wgs84", dst=metric).buffer(buffer_m)
    return transform_geometry(grown, src=metric, dst="wgs84")


def _ways_touching(
    area: BaseGeometry, rows: npt.NDArray[Any], ok_ref: Bool, offsets: I64, nodes: NodeTable
) -> Bool:
    """Ways with a located node inside ``area`` or a segment crossing it (chunked: a province
    has ~1e8 references and float copies of all of them would not fit)."""
    shapely.prepare(area)
    n_nodes = len(nodes.ids)
    inside = np.zeros(n_nodes, dtype=bool)
    for start in range(0, n_nodes, _CHUNK):
        stop = min(start + _CHUNK, n_nodes)
        lon, lat = nodes.degrees(slice(start, stop))
        inside[start:stop] = shapely.contains_xy(area, lon, lat)
    if nodes.located is not None:
        inside &= nodes.located
    hit = np.zeros(len(rows), dtype=bool)
    hit[ok_ref] = inside[rows[ok_ref]]
    touched: Bool = np.logical_or.reduceat(hit, offsets[:-1]) if len(hit) else hit
    del hit, inside
    # A long segment can cross the area with both ends outside (a motorway without nodes in a
    # narrow buffer): test the segments of the other ways whose box overlaps the area's box.
    minx, miny, maxx, maxy = area.bounds
    n_ways = len(offsets) - 1
    w0 = 0
    while w0 < n_ways:
        w1 = int(np.searchsorted(offsets, offsets[w0] + _CHUNK, side="right")) - 1
        w1 = min(max(w1, w0 + 1), n_ways)
        lo = int(offsets[w0])
        way_of = np.repeat(np.arange(w0, w1), np.diff(offsets[w0 : w1 + 1]))
        pos = np.flatnonzero(way_of[:-1] == way_of[1:])  # segment starts, chunk-relative
        cand = pos[ok_ref[lo + pos] & ok_ref[lo + pos + 1] & ~touched[way_of[pos]]]
        if len(cand):
            ax, ay = nodes.degrees(rows[lo + cand])
            bx, by = nodes.degrees(rows[lo + cand + 1])
            box_hit = (
                (np.maximum(ax, bx) >= minx)
                & (np.minimum(ax, bx) <= maxx)
                & (np.maximum(ay, by) >= miny)
                & (np.minimum(ay, by) <= maxy)
            )
            if box_hit.any():
                k = int(box_hit.sum())
                coords = np.empty((2 * k, 2))
                coords[0::2, 0], coords[0::2, 1] = ax[box_hit], ay[box_hit]
                coords[1::2, 0], coords[1::2, 1] = bx[box_hit], by[box_hit]
                lines = shapely.linestrings(coords, indices=np.repeat(np.arange(k), 2))
                crossing = shapely.intersects(lines, area)
                touched[way_of[cand[box_hit][crossing]]] = True
        w0 = w1
    return touched


# --------------------------------------------------------------------------- building


def build_graph(
    ways: WayArrays,
    nodes: NodeTable,
    *,
    profile: SpeedProfile,
    variant: str,
    clip_area: BaseGeometry | None = None,
    base_stats: Mapping[str, Any] | None = None,
    source: str = "input",
    keep_source_ids: bool = True,
) -> BuildResult:
    """Build the road graph from kept ways and node locations.

    Parameters
    ----------
    ways : WayArrays
        Kept ways (from :meth:`WayCollector.arrays`).
    nodes : NodeTable
        Locations (and barrier flags) of the referenced nodes; ids the table lacks or marks
        unlocated are "missing" (their segments are dropped and counted).
    profile : SpeedProfile
        Gives the class names and is recorded in the statistics.
    variant : str
        Recorded in the statistics.
    clip_area : shapely geometry, optional
        WGS84 area (already buffered, see :func:`buffered_clip`); ways touching it are kept
        whole, the others dropped and counted as ``ways_outside_clip``.
    base_stats : mapping, optional
        Counts gathered while reading (:meth:`WayCollector.base_stats`); copied into the result.
    source : str
        Names the input in error messages.
    keep_source_ids : bool
        Store the source node ids in ``RoadGraph.node_source_id`` (OSM ids; off for centre
        lines, whose node ids are made up).

    Returns
    -------
    BuildResult

    Raises
    ------
    InvalidInputError
        No road segment is left (nothing inside the clip area, or no located nodes).
    """
    stats: dict[str, Any] = dict(base_stats or {})
    stats.setdefault("ways_read", ways.n_ways)
    dropped: dict[str, int] = dict(stats.get("ways_dropped", {}))
    offsets = ways.offsets
    if ways.refs_are_rows:
        rows: npt.NDArray[Any] = ways.refs
    else:
        rows = ids_to_rows(nodes.ids, np.asarray(ways.refs, dtype=np.int64))
    ok_ref = rows >= 0
    if nodes.located is not None and len(nodes.ids):
        ok_ref &= nodes.located[np.where(ok_ref, rows, 0)]

    # Clip first, so that the arrays below are the size of the district, not the province.
    n_ways = ways.n_ways
    way_sel: I64 | None = None
    if clip_area is not None:
        kept_way = _ways_touching(clip_area, rows, ok_ref, offsets, nodes)
        stats["ways_outside_clip"] = int(n_ways - kept_way.sum())
        way_sel = np.flatnonzero(kept_way)
        lengths = np.diff(offsets)[way_sel]
        ref_sel = np.repeat(offsets[:-1][way_sel], lengths) + _ramp(lengths)
        rows, ok_ref = rows[ref_sel], ok_ref[ref_sel]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        n_ways = len(way_sel)
        del ref_sel, kept_way
    else:
        stats["ways_outside_clip"] = 0
    stats["missing_node_refs"] = int((~ok_ref).sum())

    # Segments: every reference but the last of its way, with both ends located and distinct.
    way_of_ref = np.repeat(np.arange(n_ways, dtype=np.int32), np.diff(offsets))
    seg_pos = np.flatnonzero(way_of_ref[:-1] == way_of_ref[1:])
    seg_pos = seg_pos[ok_ref[seg_pos] & ok_ref[seg_pos + 1]]
    a = rows[seg_pos].astype(np.int64)
    b = rows[seg_pos + 1].astype(np.int64)
    keep = a != b
    a, b = a[keep], b[keep]
    seg_way_local = way_of_ref[seg_pos[keep]].astype(np.int64)
    del way_of_ref, seg_pos, keep, ok_ref, rows
    seg_way = seg_way_local if way_sel is None else way_sel[seg_way_local]

    has_segment = np.zeros(n_ways, dtype=bool)
    has_segment[seg_way_local] = True
    no_geom = int(n_ways - has_segment.sum())
    if no_geom:
        dropped[NO_GEOMETRY] = dropped.get(NO_GEOMETRY, 0) + no_geom
    stats["ways_kept"] = int(has_segment.sum())
    stats["ways_dropped"] = dict(sorted(dropped.items()))
    if len(a) == 0:
        where = " inside the clip area" if clip_area is not None else ""
        raise InvalidInputError(
            f"{source}: no road segments{where} (ways read: {stats['ways_read']}, kept by the "
            f"rules: {ways.n_ways}, outside the clip: {stats['ways_outside_clip']}, "
            f"dropped: {stats['ways_dropped']})"
        )

    # From here on only the nodes some segment uses matter: compact them once.
    used, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    inverse = inverse.ravel()
    a, b = inverse[: len(a)], inverse[len(a) :]
    lon, lat = nodes.degrees(used)
    src_ids = nodes.ids[used]
    n_used = len(used)

    heavy_kmh = ways.heavy_kmh[seg_way]
    stats["barrier_nodes_cut"] = 0
    stats["barrier_nodes_heavy"] = 0
    if nodes.barrier is not None:
        barrier = nodes.barrier[used]
        heavy_a, heavy_b = barrier[a] == BarrierEffect.HEAVY, barrier[b] == BarrierEffect.HEAVY
        heavy_kmh = np.where(heavy_a | heavy_b, 0.0, heavy_kmh)
        stats["barrier_nodes_heavy"] = len(unique_sorted(np.concatenate([a[heavy_a], b[heavy_b]])))
        # Split every blocking node into one copy per segment end touching it.
        cut_a, cut_b = barrier[a] == BarrierEffect.ALL, barrier[b] == BarrierEffect.ALL
        originals = np.concatenate([a[cut_a], b[cut_b]])
        stats["barrier_nodes_cut"] = len(unique_sorted(originals))
        if len(originals):
            copies = n_used + np.arange(len(originals), dtype=np.int64)
            n_a = int(cut_a.sum())
            a = a.copy()
            b = b.copy()
            a[cut_a] = copies[:n_a]
            b[cut_b] = copies[n_a:]
            lon = np.concatenate([lon, lon[originals]])
            lat = np.concatenate([lat, lat[originals]])
            src_ids = np.concatenate([src_ids, src_ids[originals]])
            # The originals now have no segment: drop them.
            keep_node = np.ones(len(lon), dtype=bool)
            keep_node[originals] = False
            new_index = np.cumsum(keep_node) - 1
            a, b = new_index[a], new_index[b]
            lon, lat, src_ids = lon[keep_node], lat[keep_node], src_ids[keep_node]

    seg_len = geodesic_distance_m(lon[a], lat[a], lon[b], lat[b])
    # Road length counts each stretch of road once: a two-way street is two edges but one
    # road, and two ways over the same pair of nodes are one road too.
    stats["road_km"] = _distinct_length_m(a, b, seg_len, len(lon)) / 1000.0
    heavy_seg = heavy_kmh > 0
    stats["heavy_km"] = (
        _distinct_length_m(a[heavy_seg], b[heavy_seg], seg_len[heavy_seg], len(lon)) / 1000.0
    )
    del heavy_seg
    oneway = ways.oneway[seg_way]
    fwd = np.flatnonzero(oneway >= 0)
    bwd = np.flatnonzero(oneway <= 0)
    tail = np.concatenate([a[fwd], b[bwd]])
    head = np.concatenate([b[fwd], a[bwd]])
    edge_seg = np.concatenate([fwd, bwd])
    del a, b, fwd, bwd

    length_m = seg_len[edge_seg]
    light = ways.light_kmh[seg_way][edge_seg] * _KMH_TO_MS
    heavy = heavy_kmh[edge_seg] * _KMH_TO_MS
    time_heavy = np.full(len(length_m), np.inf)
    np.divide(length_m, heavy, out=time_heavy, where=heavy > 0)
    graph = RoadGraph.from_edges(
        tail,
        head,
        length_m=length_m,
        time_light_s=length_m / light,
        time_heavy_s=time_heavy,
        road_class=ways.road_class[seg_way][edge_seg],
        lon=lon,
        lat=lat,
        node_source_id=src_ids if keep_source_ids else None,
        class_names=profile.class_names,
    )
    del tail, head, length_m, light, heavy, time_heavy, edge_seg

    in_scc = largest_strong_component(graph, Vehicle.LIGHT)
    heavy_scc = largest_strong_component(graph, Vehicle.HEAVY)
    n_weak, _ = connected_components(graph.csr(Vehicle.LIGHT), directed=True, connection="weak")
    n_strong, _ = connected_components(graph.csr(Vehicle.LIGHT), directed=True, connection="strong")
    n = graph.n_nodes
    stats.update(
        {
            "nodes": n,
            "edges": graph.n_edges,
            "components": int(n_weak),
            "strong_components": int(n_strong),
            "largest_scc_nodes": int(in_scc.sum()),
            "largest_scc_share": float(in_scc.sum() / n),
            "largest_scc_share_heavy": float(heavy_scc.sum() / n),
            "profile_id": profile.id,
            "profile_version": profile.version,
            "variant": variant,
        }
    )
    return BuildResult(graph=graph, stats=stats, in_largest_scc=in_scc)


def _distinct_length_m(a: I64, b: I64, length_m: F64, n_nodes: int) -> float:
    """Total length of the distinct node pairs {a, b} (sort-based: no quadratic memory)."""
    if len(a) == 0:
        return 0.0
    key = np.minimum(a, b) * n_nodes + np.maximum(a, b)
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.empty(len(key), dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    return float(length_m[order[first]].sum())


def _ramp(lengths: I64) -> I64:
    """0, 1, …, len-1 for each length, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ramp: I64 = np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)
    return ramp


def largest_strong_component(graph: RoadGraph, vehicle: Vehicle | str = Vehicle.LIGHT) -> Bool:
    """Mark the nodes of the largest strongly connected component for a vehicle.

    Parameters
    ----------
    graph : RoadGraph
    vehicle : Vehicle or str
        ``"light"`` or ``"heavy"`` (edges impassable to the vehicle are ignored).

    Returns
    -------
    numpy.ndarray of bool
        One flag per node; all False for a graph without nodes.
    """
    n = graph.n_nodes
    if n == 0:
        return np.zeros(0, dtype=bool)
    _, labels = connected_components(graph.csr(vehicle), directed=True, connection="strong")
    sizes = np.bincount(labels)
    mask: Bool = labels == int(np.argmax(sizes))
    return mask
