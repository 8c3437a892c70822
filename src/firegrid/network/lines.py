"""Import road centre lines (Shapefile, GeoPackage, GeoJSON; any CRS) into a road graph.

Many Chinese districts get their roads from the surveying department as centre lines with a
class, a design speed, a direction and a width. Each row becomes tags that go through the same
rules as OpenStreetMap ways (:func:`firegrid.network.speeds.osm_way_attributes`), so speeds,
heavy-appliance exclusions and class mapping are identical for both sources.

Columns
-------
The first column found (exact name, then case-insensitively) is used for each role; pass
``fields={"class": "RoadKind", ...}`` to name the columns yourself (needed, for instance, when a
UTF-8 Shapefile has cut 设计速度 to the 10-byte field name 设计速).

``class`` (required) — columns ``class``, ``等级``, ``道路等级``, ``fclass``
    A Chinese class (高速公路, 一级公路 … 四级公路, 等外公路, 城市快速路, 主干路, 次干路, 支路,
    国道 … 村道), an OSM ``highway`` value or a Geofabrik ``fclass`` (``track_grade3`` …),
    through the profile's ``[aliases]``.
``speed`` — columns ``speed``, ``设计速度``, ``maxspeed``
    km/h (a number or ``"40 km/h"``); caps the class speed like OSM ``maxspeed``. 0 or empty:
    not recorded.
``oneway`` — columns ``oneway``, ``单行``, ``方向``
    See below; missing: two-way.
``width`` — columns ``width``, ``路宽``, ``宽度``
    Metres; below 4 m the road is closed to heavy appliances. 0 or empty: not recorded.

One-way codes. "Forward" is the direction in which the line is digitised.

* ``oneway`` convention (columns ``oneway``, ``单行`` and any other): two-way — empty, ``0``,
  ``B``, ``N``, ``no``, ``false``, ``否``, ``双向``, ``双行``; forward — ``1``, ``F``, ``FT``,
  ``yes``, ``true``, ``是``, ``单行``, ``正向``, ``顺向``; backward — ``2``, ``-1``, ``T``,
  ``TF``, ``reverse``, ``反向``, ``逆向``. ``F``/``T`` follow Geofabrik and Esri
  (*from*→*to* / *to*→*from*), not false/true.
* ``direction`` convention (columns ``方向``, ``direction``, ``dir``; the NavInfo-style code of
  Chinese navigation data): ``0`` (not surveyed) and ``1`` two-way, ``2`` forward, ``3``
  backward; also ``双向``/``双行``, ``顺向``/``正向``, ``逆向``/``反向``.

Pass ``fields={"oneway_codes": "direction"}`` (or ``"oneway"``) to choose the convention for a
column whose name does not say. Any other value is a row error.

Joining lines
-------------
Survey lines rarely share exact vertices, so nodes are made by snapping in a metric CRS
(CGCS2000 Gauss–Krüger in China, UTM elsewhere): vertices closer than 1 mm are one node; a
line's end within ``snap_tolerance_m`` of another line's end, or of another line's vertex, is
joined to it; an end still unjoined that lies within the tolerance of another line's segment
splits that segment there (a T-junction digitised without a vertex). Lines crossing without a
shared vertex are *not* joined — an overpass looks exactly like that.

Errors
------
Per-row problems (unknown class, non-numeric speed or width, unknown one-way code, geometry
that is not a line) are collected as :class:`~firegrid.errors.RowError` (1-based row number,
column, reason) and raised together as :class:`~firegrid.errors.ImportValidationError`; with
``keep_valid=True`` the bad rows are dropped and counted (``rows_invalid``) instead. Whole-file
problems (unreadable file, no CRS, rows without geometry or with coordinates that cannot be
converted — :func:`firegrid.geo.io.read_features` refuses those for the whole file) raise
:class:`~firegrid.errors.InvalidInputError`.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from firegrid.errors import ImportValidationError, InvalidInputError, RowError
from firegrid.geo.crs import from_wgs84, metric_crs_for
from firegrid.geo.io import Feature, read_features
from firegrid.network.build import (
    BuildResult,
    NodeTable,
    WayCollector,
    buffered_clip,
    build_graph,
)
from firegrid.network.speeds import (
    DropReason,
    SpeedProfile,
    WayAttributes,
    default_profile,
    osm_way_attributes,
    parse_length_m,
    parse_speed_kmh,
)

__all__ = ["DEFAULT_FIELDS", "build_from_lines"]

#: Columns tried for each role, in order.
DEFAULT_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "class": ("class", "等级", "道路等级", "fclass"),
    "speed": ("speed", "设计速度", "maxspeed"),
    "oneway": ("oneway", "单行", "方向"),
    "width": ("width", "路宽", "宽度"),
}
_ROLES: Final = ("class", "speed", "oneway", "width")
_DIRECTION_COLUMNS: Final = frozenset({"方向", "direction", "dir"})
_CONVENTIONS: Final = ("oneway", "direction")

_ONEWAY_CODES: Final[Mapping[str, int]] = {
    **dict.fromkeys(("", "0", "b", "n", "no", "false", "否", "双向", "双行"), 0),
    **dict.fromkeys(("1", "f", "ft", "yes", "true", "是", "单行", "正向", "顺向"), 1),
    **dict.fromkeys(("2", "-1", "t", "tf", "reverse", "反向", "逆向"), -1),
}
_DIRECTION_CODES: Final[Mapping[str, int]] = {
    **dict.fromkeys(("", "0", "1", "双向", "双行"), 0),
    **dict.fromkeys(("2", "顺向", "正向"), 1),
    **dict.fromkeys(("3", "逆向", "反向"), -1),
}
_ONEWAY_TAG: Final[Mapping[int, str]] = {0: "no", 1: "yes", -1: "-1"}
# Source classes the OSM rules drop with a reason of their own rather than as unknown.
_KNOWN_NON_ROADS: Final = frozenset(
    {"steps", "construction", "proposed", "planned", "abandoned", "disused", "razed"}
)
_TRACK_GRADE_RE: Final = re.compile(r"^track_(grade[1-5])$")
_SAME_POINT_M: Final = 1e-3
_GK3_LON: Final = (73.5, 136.5)


def build_from_lines(
    path: str | Path,
    *,
    crs: str | None = None,
    fields: Mapping[str, str] | None = None,
    profile: SpeedProfile | None = None,
    variant: str = "urban",
    clip: BaseGeometry | None = None,
    buffer_m: float = 2000.0,
    snap_tolerance_m: float = 1.0,
    keep_valid: bool = False,
) -> BuildResult:
    """Build a road graph from a centre-line file.

    Parameters
    ----------
    path : str or Path
        ``.shp``, ``.gpkg`` (one layer) or ``.geojson``/``.json`` of (Multi)LineStrings.
    crs : str, optional
        Source CRS when the file does not declare it, or to declare GCJ-02/BD-09 data (see
        :func:`firegrid.geo.io.read_features`).
    fields : mapping, optional
        Role → column name for ``class``, ``speed``, ``oneway``, ``width``; and
        ``oneway_codes`` = ``"oneway"`` or ``"direction"`` (module docstring).
    profile : SpeedProfile, optional
        Default :func:`~firegrid.network.speeds.default_profile`.
    variant : str
        ``"urban"``, ``"suburban"`` or ``"mountain"``.
    clip : shapely Polygon or MultiPolygon, optional
        WGS84 area; lines touching it grown by ``buffer_m`` are kept whole.
    buffer_m : float
        Metres around ``clip``.
    snap_tolerance_m : float
        Line ends closer than this to another line's end, vertex or segment are joined.
    keep_valid : bool
        Drop bad rows (counted in ``rows_invalid``) instead of refusing the file.

    Returns
    -------
    BuildResult
        Statistics add ``rows_read``, ``rows_invalid``, ``row_errors`` (the first 20, with
        ``keep_valid``), ``ends_joined``, ``segments_split``, ``columns`` (role → column used),
        ``source``, ``format``, ``crs``, ``elapsed_s``.

    Raises
    ------
    ImportValidationError
        Bad rows, all listed (unless ``keep_valid``).
    InvalidInputError
        Unreadable file, no usable CRS, no class column, a named column that does not exist, a
        bad argument, or no road left.
    """
    started = time.perf_counter()
    if not (math.isfinite(snap_tolerance_m) and snap_tolerance_m >= 0):
        raise InvalidInputError(
            f"snap_tolerance_m must be a finite number >= 0, got {snap_tolerance_m!r}"
        )
    prof = profile if profile is not None else default_profile()
    collector = WayCollector(prof, variant)
    area = buffered_clip(clip, buffer_m) if clip is not None else None
    features = read_features(path, crs=crs)
    p = Path(path)
    columns, convention = _resolve_columns(p, features, fields)

    errors: list[RowError] = []
    parts: list[npt.NDArray[np.float64]] = []
    part_attrs: list[WayAttributes] = []
    dropped: list[DropReason] = []
    for feature in features:
        row_errors, tags = _row_tags(feature, columns, convention, prof)
        if tags is None:
            errors.extend(row_errors)
            continue
        geom = feature.geometry
        pieces = list(geom.geoms) if isinstance(geom, MultiLineString) else [geom]
        # The rules run before snapping, so that footways and the like do not attract roads.
        attrs = osm_way_attributes(tags, prof, collector.variant)
        for piece in pieces:
            if isinstance(attrs, DropReason):
                dropped.append(attrs)
                continue
            coords = np.asarray(piece.coords, dtype=np.float64)[:, :2]
            parts.append(coords)
            part_attrs.append(attrs)
    if errors and not keep_valid:
        raise ImportValidationError(errors, source=str(p))
    for reason in dropped:
        collector.drop(reason)

    snapped = _snap(parts, snap_tolerance_m)
    for seq, attrs in zip(snapped.sequences, part_attrs, strict=True):
        collector.add(seq.tolist(), attrs)
    nodes = NodeTable(
        ids=np.arange(len(snapped.lon), dtype=np.int64),
        lon=snapped.lon,
        lat=snapped.lat,
    )
    result = build_graph(
        collector.arrays(),
        nodes,
        profile=prof,
        variant=variant,
        clip_area=area,
        base_stats=collector.base_stats(),
        source=str(p),
        keep_source_ids=False,
    )
    result.stats.update(
        {
            "rows_read": len(features),
            "rows_invalid": len({e.row for e in errors}),
            "row_errors": [e.as_dict() for e in errors[:20]],
            "ends_joined": snapped.ends_joined,
            "segments_split": snapped.segments_split,
            "columns": columns,
            "oneway_codes": convention,
            "source": str(p),
            "format": p.suffix.lower().lstrip("."),
            "crs": crs,
            "clip_buffer_m": float(buffer_m) if clip is not None else None,
            "elapsed_s": round(time.perf_counter() - started, 3),
        }
    )
    return result


# --------------------------------------------------------------------------- attributes


def _resolve_columns(
    p: Path, features: list[Feature], fields: Mapping[str, str] | None
) -> tuple[dict[str, str], str]:
    available: list[str] = []
    for f in features:
        for k in f.properties:
            if k not in available:
                available.append(k)
    given = dict(fields or {})
    convention = given.pop("oneway_codes", None)
    unknown_roles = sorted(set(given) - set(_ROLES))
    if unknown_roles:
        raise InvalidInputError(
            f"unknown field role(s) {unknown_roles}; roles: {', '.join(_ROLES)}, oneway_codes"
        )
    columns: dict[str, str] = {}
    for role in _ROLES:
        if role in given:
            if given[role] not in available:
                raise InvalidInputError(
                    f"{p}: no column {given[role]!r} for {role}; columns: {', '.join(available)}"
                )
            columns[role] = given[role]
            continue
        found = _find_column(available, DEFAULT_FIELDS[role])
        if found is not None:
            columns[role] = found
    if "class" not in columns:
        raise InvalidInputError(
            f"{p}: no road class column (tried {', '.join(DEFAULT_FIELDS['class'])}); "
            f"columns: {', '.join(available) or 'none'}; name it with fields={{'class': ...}}"
        )
    if convention is None:
        oneway_col = columns.get("oneway", "")
        convention = "direction" if oneway_col.lower() in _DIRECTION_COLUMNS else "oneway"
    if convention not in _CONVENTIONS:
        raise InvalidInputError(
            f"unknown oneway_codes {convention!r}; accepted: {', '.join(_CONVENTIONS)}"
        )
    return columns, convention


def _find_column(available: list[str], candidates: tuple[str, ...]) -> str | None:
    for cand in candidates:
        if cand in available:
            return cand
    lowered = {a.lower(): a for a in available}
    for cand in candidates:
        if cand.lower() in lowered:
            return lowered[cand.lower()]
    return None


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_zero(text: str) -> bool:
    # Geofabrik shapefiles and much survey data write 0 for "not recorded".
    try:
        return float(text) == 0.0
    except ValueError:
        return False


def _source_class(value: Any, prof: SpeedProfile) -> tuple[str | None, dict[str, str]]:
    """(highway value for the rules, extra tags) for a class cell; highway None = unknown."""
    text = _text(value)
    lowered = text.lower()
    grade = _TRACK_GRADE_RE.match(lowered)
    if grade is not None:
        return "track", {"tracktype": grade.group(1)}
    if lowered in _KNOWN_NON_ROADS:
        return lowered, {}
    name = prof.resolve_class(text) if text else None
    return name, {}


def _row_tags(
    feature: Feature, columns: Mapping[str, str], convention: str, prof: SpeedProfile
) -> tuple[list[RowError], dict[str, str] | None]:
    """Validate one row: its errors and no tags, or no errors and the tags for the rules."""
    errors: list[RowError] = []
    row = feature.row
    geom = feature.geometry
    if not isinstance(geom, LineString | MultiLineString):
        errors.append(RowError(row, "geometry", f"expected a line, got {geom.geom_type}"))
    elif geom.is_empty:
        errors.append(RowError(row, "geometry", "empty line"))
    props = feature.properties
    class_col = columns["class"]
    highway, tags = _source_class(props.get(class_col), prof)
    if highway is None:
        shown = _text(props.get(class_col))
        reason = f"unknown road class {shown!r}" if shown else "missing road class"
        errors.append(
            RowError(row, class_col, f"{reason}; known: {', '.join(_known_classes(prof))}")
        )
    else:
        tags["highway"] = highway
    if "speed" in columns:
        raw = _text(props.get(columns["speed"]))
        if raw and not _is_zero(raw):
            speed = parse_speed_kmh(raw)
            if speed is None or not math.isfinite(speed):
                errors.append(RowError(row, columns["speed"], f"speed {raw!r} is not km/h > 0"))
            else:
                tags["maxspeed"] = repr(speed)
    if "width" in columns:
        raw = _text(props.get(columns["width"]))
        if raw and not _is_zero(raw):
            width = parse_length_m(raw)
            if width is None:
                errors.append(RowError(row, columns["width"], f"width {raw!r} is not metres > 0"))
            else:
                tags["width"] = repr(width)
    direction = 0
    if "oneway" in columns:
        raw = _text(props.get(columns["oneway"]))
        codes = _DIRECTION_CODES if convention == "direction" else _ONEWAY_CODES
        code = codes.get(raw.lower())
        if code is None:
            errors.append(
                RowError(
                    row,
                    columns["oneway"],
                    f"unknown one-way code {raw!r} ({convention} convention: "
                    f"{', '.join(k for k in codes if k)})",
                )
            )
        else:
            direction = code
    # Always explicit: OSM implies one-way on motorways, but a surveyed centre line of a
    # motorway usually stands for both carriageways.
    tags["oneway"] = _ONEWAY_TAG[direction]
    if errors:
        return errors, None
    return [], tags


def _known_classes(prof: SpeedProfile) -> list[str]:
    return sorted(prof.aliases, key=lambda k: (k.isascii(), k))[:40]


# --------------------------------------------------------------------------- snapping


@dataclass(frozen=True)
class _Snapped:
    sequences: list[npt.NDArray[np.int64]]
    lon: npt.NDArray[np.float64]
    lat: npt.NDArray[np.float64]
    ends_joined: int
    segments_split: int


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n, dtype=np.int64)

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = int(parent[root])
        while parent[x] != root:  # path compression
            parent[x], x = root, int(parent[x])
        return root

    def union(self, keep: int, other: int) -> bool:
        """Join ``other``'s set into ``keep``'s (``keep``'s root stays the representative)."""
        rk, ro = self.find(keep), self.find(other)
        if rk == ro:
            return False
        self.parent[ro] = rk
        return True


def _metric_crs(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> str:
    cx = float((lon.min() + lon.max()) / 2)
    cy = float((lat.min() + lat.max()) / 2)
    kind = "cgcs2000_gk3" if _GK3_LON[0] <= cx < _GK3_LON[1] else "utm"
    return metric_crs_for(cx, cy, kind=kind)


def _snap(parts: list[npt.NDArray[np.float64]], tol: float) -> _Snapped:
    """Node ids per part after joining ends (module docstring, "Joining lines")."""
    if not parts:
        empty = np.zeros(0, dtype=np.float64)
        return _Snapped([], empty, empty, 0, 0)
    sizes = np.array([len(c) for c in parts], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    lonlat = np.concatenate(parts)
    x, y = from_wgs84(lonlat[:, 0], lonlat[:, 1], crs=_metric_crs(lonlat[:, 0], lonlat[:, 1]))
    xy = np.column_stack([x, y])
    part_of = np.repeat(np.arange(len(parts)), sizes)

    # Vertices within 1 mm are the same point (shared vertices written with rounding noise).
    keys = np.round(xy / _SAME_POINT_M).astype(np.int64)
    _, first, vertex_node = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    vertex_node = vertex_node.ravel().astype(np.int64)
    node_xy = xy[first]
    node_lonlat = lonlat[first]
    n_nodes = len(first)

    end_vertices = np.concatenate([starts, starts + sizes - 1])
    end_nodes = vertex_node[end_vertices]
    end_parts = part_of[end_vertices]
    is_end_node = np.zeros(n_nodes, dtype=bool)
    is_end_node[end_nodes] = True
    # Parts each node belongs to (a node can be on several parts: shared vertices).
    node_parts: dict[int, set[int]] = {}
    for node, part in zip(vertex_node.tolist(), part_of.tolist(), strict=True):
        node_parts.setdefault(node, set()).add(part)

    uf = _UnionFind(n_nodes)
    joined = 0
    if tol > 0:
        tree = cKDTree(node_xy)
        for e_node, e_part in zip(end_nodes.tolist(), end_parts.tolist(), strict=True):
            near = tree.query_ball_point(node_xy[e_node], r=tol)
            best_interior: tuple[float, int] | None = None
            for q in near:
                if q == e_node or e_part in node_parts[q]:
                    continue  # itself, or a vertex of its own line (its first segment)
                if is_end_node[q]:
                    joined += uf.union(q, e_node)
                else:
                    d = float(np.hypot(*(node_xy[q] - node_xy[e_node])))
                    if best_interior is None or d < best_interior[0]:
                        best_interior = (d, q)
            if best_interior is not None:
                # The through line keeps its vertex; the ending line moves onto it.
                joined += uf.union(best_interior[1], e_node)

    insertions, split = _t_junctions(parts, sizes, starts, xy, vertex_node, end_vertices, uf, tol)

    roots = np.array([uf.find(i) for i in range(n_nodes)], dtype=np.int64)
    sequences: list[npt.NDArray[np.int64]] = []
    for k in range(len(parts)):
        seq = roots[vertex_node[starts[k] : starts[k] + sizes[k]]]
        extra = insertions.get(k)
        if extra:
            # Insert the joining node after vertex `seg`, ordered along the segment.
            out: list[int] = []
            by_seg: dict[int, list[tuple[float, int]]] = {}
            for seg, t, node in extra:
                by_seg.setdefault(seg, []).append((t, node))
            for i, v in enumerate(seq.tolist()):
                out.append(v)
                for _, node in sorted(by_seg.get(i, [])):
                    out.append(int(roots[node]))
            seq = np.asarray(out, dtype=np.int64)
        sequences.append(seq)
    return _Snapped(
        sequences=sequences,
        lon=np.ascontiguousarray(node_lonlat[:, 0]),
        lat=np.ascontiguousarray(node_lonlat[:, 1]),
        ends_joined=int(joined),
        segments_split=split,
    )


def _t_junctions(
    parts: list[npt.NDArray[np.float64]],
    sizes: npt.NDArray[np.int64],
    starts: npt.NDArray[np.int64],
    xy: npt.NDArray[np.float64],
    vertex_node: npt.NDArray[np.int64],
    end_vertices: npt.NDArray[np.int64],
    uf: _UnionFind,
    tol: float,
) -> tuple[dict[int, list[tuple[int, float, int]]], int]:
    """Ends still alone after vertex snapping that lie within ``tol`` of another line's
    segment: where to insert them, as part → [(segment index, position along it, node)]."""
    insertions: dict[int, list[tuple[int, float, int]]] = {}
    if tol <= 0 or len(parts) < 2:
        return insertions, 0
    roots = np.array([uf.find(int(v)) for v in vertex_node], dtype=np.int64)
    # An end is alone if no other vertex shares its (snapped) node.
    counts = np.bincount(roots, minlength=len(roots))
    part_of_end = np.concatenate([np.arange(len(parts)), np.arange(len(parts))])
    lonely = counts[roots[end_vertices]] == 1
    if not lonely.any():
        return insertions, 0
    seg_start = np.flatnonzero(~_last_mask(sizes, starts, len(xy)))
    seg_part = np.repeat(np.arange(len(parts)), sizes)[seg_start]
    segs = shapely.linestrings(
        np.stack([xy[seg_start], xy[seg_start + 1]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(len(seg_start)), 2),
    )
    tree = shapely.STRtree(segs)
    ends = end_vertices[lonely]
    ends_part = part_of_end[lonely]
    points = shapely.points(xy[ends])
    hits = tree.query(points, predicate="dwithin", distance=tol)
    best: dict[int, tuple[float, int]] = {}
    for i, j in zip(hits[0].tolist(), hits[1].tolist(), strict=True):
        if seg_part[j] == ends_part[i]:
            continue
        d = float(shapely.distance(points[i], segs[j]))
        if i not in best or d < best[i][0]:
            best[i] = (d, j)
    split = 0
    for i, (_, j) in best.items():
        s = int(seg_start[j])
        part = int(seg_part[j])
        t = float(shapely.line_locate_point(segs[j], points[i], normalized=True))
        insertions.setdefault(part, []).append(
            (s - int(starts[part]), t, int(vertex_node[ends[i]]))
        )
        split += 1
    return insertions, split


def _last_mask(
    sizes: npt.NDArray[np.int64], starts: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.bool_]:
    last = np.zeros(n, dtype=bool)
    last[starts + sizes - 1] = True
    return last
