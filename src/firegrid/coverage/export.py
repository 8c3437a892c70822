"""Coverage results as map layers and files: one builder for the API, the map and the CLI.

A coverage result (:func:`firegrid.coverage.service.coverage_analysis` with ``layers=True``)
becomes six layers of WGS84 features, :class:`CoverageLayer`:

==================  =========================  ==============================================
layer               geometry                   properties
==================  =========================  ==============================================
district            (Multi)Polygon             first-due district (辖区) of a station:
                                               station, area_km2, limit_km2, over_limit,
                                               covered_km2
isochrone           (Multi)Polygon             station, area_km2, limit_s
uncovered_area      (Multi)Polygon             area_km2, limit_s
uncovered_place     Point                      name, weight, time_s (null: not reached)
road_gap            MultiLineString            gap_km, limit_s (road-network mode only)
station             Point                      name, station_class, turnout_s
==================  =========================  ==============================================

Every feature also carries ``approximate`` (straight line × circuity, no road network), so a
file read on its own still says how it was made. Features with an empty geometry (a station
whose district is empty, a fully covered area) are left out of the layers.

Files: ``.geojson``/``.json`` is one FeatureCollection with a ``layer`` property on every
feature (and the analysis' settings as the foreign member ``firegrid``); ``.gpkg`` holds one
layer per kind; ``.shp`` is written as one Shapefile per kind (a Shapefile holds a single
geometry type), named ``<stem>_<layer>.shp``. Empty layers are not written.

:func:`cached_coverage_map` keeps the last few analyses in memory, keyed by everything that
determines them (database, district, network version, standard, vehicle, stations' and places'
state), so that a map refresh does not recompute a district.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from shapely.geometry import shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.coverage.config import load_standards
from firegrid.coverage.service import CoverageRequest, coverage_analysis
from firegrid.districts.models import Place
from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError
from firegrid.geo.io import Feature, write_features
from firegrid.network.graph import Vehicle
from firegrid.network.service import network_info
from firegrid.stations.models import Station

__all__ = [
    "CoverageLayer",
    "CoverageMap",
    "LayerFeature",
    "cached_coverage_map",
    "clear_coverage_cache",
    "coverage_geojson",
    "coverage_layers",
    "coverage_summary",
    "export_file_name",
    "feature_collections",
    "write_coverage",
]


class CoverageLayer(StrEnum):
    """The layers of a coverage result, in drawing and file order."""

    DISTRICT = "district"
    ISOCHRONE = "isochrone"
    UNCOVERED_AREA = "uncovered_area"
    UNCOVERED_PLACE = "uncovered_place"
    ROAD_GAP = "road_gap"
    STATION = "station"


@dataclass(frozen=True, slots=True)
class LayerFeature:
    """One feature of a coverage layer: a GeoJSON geometry (WGS84) and its properties."""

    geometry: Mapping[str, Any]
    properties: dict[str, Any]


Layers = dict[CoverageLayer, list[LayerFeature]]

_SUFFIXES: Final = (".geojson", ".json", ".gpkg", ".shp")


def _empty(geometry: Mapping[str, Any] | None) -> bool:
    if not geometry:
        return True
    if geometry.get("type") == "GeometryCollection":
        return not geometry.get("geometries")
    return not geometry.get("coordinates")


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(float(value), digits)


def coverage_layers(result: Mapping[str, Any]) -> Layers:
    """The six layers of a coverage result computed with ``layers=True``.

    Parameters
    ----------
    result : mapping
        The output of :func:`~firegrid.coverage.service.coverage_analysis` with
        ``CoverageRequest(layers=True)`` (district geometries and ``*_layer`` entries present).

    Returns
    -------
    dict of CoverageLayer to list of LayerFeature
        Every layer, possibly empty (``road_gap`` is empty without a road network).
    """
    approximate = bool(result["approximate"])
    limit_s = float(result["limit_s"])
    layers: Layers = {kind: [] for kind in CoverageLayer}

    def add(kind: CoverageLayer, geometry: Mapping[str, Any] | None, **props: Any) -> None:
        if geometry is None or _empty(geometry):
            return
        layers[kind].append(LayerFeature(geometry, {**props, "approximate": approximate}))

    for d in result.get("districts", []):
        add(
            CoverageLayer.DISTRICT,
            d.get("geometry"),
            station=d["station"],
            area_km2=_round(d["area_km2"]),
            limit_km2=d["limit_km2"],
            over_limit=bool(d["over_limit"]),
            covered_km2=_round(d.get("covered_km2")),
        )
    for iso in (result.get("isochrones_layer") or {}).get("isochrones", []):
        add(
            CoverageLayer.ISOCHRONE,
            iso.get("geometry"),
            station=iso["station"],
            area_km2=_round(iso["area_km2"]),
            limit_s=limit_s,
        )
    area = result.get("area_layer")
    if area:
        add(
            CoverageLayer.UNCOVERED_AREA,
            area.get("uncovered"),
            area_km2=_round(area["total_km2"] - area["covered_km2"]),
            limit_s=limit_s,
        )
    for p in result.get("uncovered", []):
        add(
            CoverageLayer.UNCOVERED_PLACE,
            p.get("geometry"),
            name=p["label"],
            weight=p["weight"],
            time_s=_round(p.get("time_s"), 1),
        )
    road = result.get("road_layer")
    if road:
        add(
            CoverageLayer.ROAD_GAP,
            road.get("gaps"),
            gap_km=_round(road["total_km"] - road["covered_km"]),
            limit_s=limit_s,
        )
    for s in result.get("stations", []):
        if s.get("lon") is None or s.get("lat") is None:
            continue
        add(
            CoverageLayer.STATION,
            {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
            name=s["name"],
            station_class=s["class"],
            turnout_s=s["turnout_s"],
        )
    return layers


def _label_point(geometry: Mapping[str, Any]) -> list[float]:
    """A point well inside a polygon (for its map label), rounded to ~1 m."""
    p = shape(geometry).representative_point()
    return [round(p.x, 5), round(p.y, 5)]


def feature_collections(layers: Layers, *, label_points: bool = False) -> dict[str, dict[str, Any]]:
    """Each layer as a GeoJSON FeatureCollection, keyed by layer name (every layer present).

    With ``label_points``, district features also get ``label_point`` ``[lon, lat]``, a point
    inside the polygon where a map can write its label.
    """

    def props(kind: CoverageLayer, f: LayerFeature) -> dict[str, Any]:
        if label_points and kind is CoverageLayer.DISTRICT:
            return {**f.properties, "label_point": _label_point(f.geometry)}
        return f.properties

    return {
        kind.value: {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": f.geometry, "properties": props(kind, f)}
                for f in layers.get(kind, [])
            ],
        }
        for kind in CoverageLayer
    }


_META_KEYS: Final = ("approximate", "standards", "limit_s", "vehicle", "network", "model")


def coverage_geojson(layers: Layers, summary: Mapping[str, Any]) -> dict[str, Any]:
    """Every layer in one FeatureCollection; each feature's ``layer`` property names its layer.

    The analysis' settings (approximate, standards, limit, vehicle, network, straight-line
    model) travel as the foreign member ``firegrid`` (RFC 7946 §6.1).
    """
    features = [
        {
            "type": "Feature",
            "geometry": f.geometry,
            "properties": {"layer": kind.value, **f.properties},
        }
        for kind in CoverageLayer
        for f in layers.get(kind, [])
    ]
    meta = {k: summary[k] for k in _META_KEYS if k in summary}
    return {"type": "FeatureCollection", "firegrid": meta, "features": features}


def coverage_summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The result without its geometries (``*_layer`` entries and district outlines)."""
    out = {k: v for k, v in result.items() if not k.endswith("_layer")}
    out["districts"] = [
        {k: v for k, v in d.items() if k != "geometry"} for d in result.get("districts", [])
    ]
    return out


def _file_features(features: list[LayerFeature], *, layer: str | None = None) -> list[Feature]:
    extra = {} if layer is None else {"layer": layer}
    return [
        Feature(shape(f.geometry), {**extra, **f.properties}, row)
        for row, f in enumerate(features, start=1)
    ]


def write_coverage(
    layers: Layers, out: str | Path, *, summary: Mapping[str, Any] | None = None
) -> list[Path]:
    """Write every non-empty layer to ``out``; the suffix picks the format.

    Parameters
    ----------
    layers : dict
        From :func:`coverage_layers`.
    out : str or Path
        ``.geojson``/``.json`` (one FeatureCollection, a ``layer`` property per feature),
        ``.gpkg`` (one layer per kind) or ``.shp`` (one ``<stem>_<layer>.shp`` per kind).
    summary : mapping, optional
        The coverage summary, for the GeoJSON ``firegrid`` member.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    InvalidInputError
        Unsupported suffix, or no layer has a feature.
    """
    p = Path(out)
    suffix = p.suffix.lower()
    if suffix not in _SUFFIXES:
        raise InvalidInputError(
            f"{p}: unsupported export format {p.suffix!r}; use {', '.join(_SUFFIXES)}"
        )
    present = {kind: feats for kind, feats in layers.items() if feats}
    if not present:
        raise InvalidInputError("nothing to export (no district polygons were computed)")
    if suffix in (".geojson", ".json"):
        doc = coverage_geojson(present, summary or {})
        p.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=False), encoding="utf-8")
        return [p]
    if suffix == ".gpkg":
        p.unlink(missing_ok=True)  # a fresh file: no layer of an older export survives
        for kind in CoverageLayer:
            if kind in present:
                write_features(p, _file_features(present[kind]), layer=kind.value)
        return [p]
    written: list[Path] = []
    for kind in CoverageLayer:
        if kind in present:
            target = p.with_name(f"{p.stem}_{kind.value}.shp")
            write_features(target, _file_features(present[kind]))
            written.append(target)
    return written


def export_file_name(district: str, summary: Mapping[str, Any], suffix: str) -> str:
    """A descriptive ASCII file name, e.g. ``coverage-mentougou-5min-light-approx.gpkg``."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in district)
    parts = ["coverage", safe or "district", f"{summary['limit_s'] / 60:g}min", summary["vehicle"]]
    network = summary.get("network")
    parts.append(f"{network['name']}-v{network['version']}" if network else "approx")
    if summary.get("include_planned"):
        parts.append("planned")
    return "-".join(parts).replace(".", "_") + suffix


# --- the in-process cache --------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageMap:
    """A district's coverage for the map: summary, layers and what computing it took."""

    summary: dict[str, Any]
    layers: Layers
    #: Wall time of the analysis itself, seconds (not of a cache hit).
    elapsed_s: float
    #: True when served from the in-process cache.
    cached: bool = False


_CACHE: OrderedDict[Hashable, CoverageMap] = OrderedDict()
_CACHE_SIZE: Final = 8
_LOCK = threading.Lock()


def clear_coverage_cache() -> None:
    """Forget every cached coverage analysis."""
    with _LOCK:
        _CACHE.clear()


def _data_state(session: Session, district_id: int) -> tuple[Any, ...]:
    """What changes when the district's stations or places change (edits, imports, deletes)."""
    stations = session.execute(
        select(func.count(), func.max(Station.id), func.max(Station.updated_at)).where(
            Station.district_id == district_id
        )
    ).one()
    places = session.execute(
        select(func.count(), func.max(Place.id)).where(Place.district_id == district_id)
    ).one()
    return (*stations, *places)


def cached_coverage_map(session: Session, req: CoverageRequest) -> CoverageMap:
    """The coverage of a district for the map, from the cache when nothing it depends on changed.

    The key is the database URL, the district (and the state of its stations and places), the
    stored network version, the standard in seconds, the vehicle, ``include_planned`` and the
    raster cell; the last eight analyses are kept.
    """
    if req.district_code is None or req.stations_csv is not None:
        raise InvalidInputError("the coverage map is computed for a district's own stations")
    district = get_district(session, req.district_code)
    standards = load_standards()
    limit_s = req.minutes * 60.0 if req.minutes is not None else standards.coverage_limit_s
    cell_m = req.cell_m or standards.area.cell_m
    network: tuple[str, int] | None = None
    if req.network:
        info = network_info(session, req.network)  # NotFoundError naming it
        network = (info["name"], int(info["version"]))
    bind = session.get_bind()
    key = (
        bind.engine.url.render_as_string(hide_password=True),
        district.code,
        district.updated_at,
        _data_state(session, district.id),
        network,
        f"{standards.id}@{standards.version}",
        limit_s,
        Vehicle(req.vehicle).value,
        req.include_planned,
        cell_m,
    )
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return replace(hit, cached=True)
    started = time.perf_counter()
    result = coverage_analysis(session, replace(req, layers=True, cell_m=cell_m))
    layers = coverage_layers(result)
    elapsed = time.perf_counter() - started
    summary = coverage_summary(result)
    summary.update(
        district=district.code,
        include_planned=req.include_planned,
        minutes=limit_s / 60.0,
        cell_m=cell_m,
    )
    computed = CoverageMap(summary=summary, layers=layers, elapsed_s=elapsed)
    with _LOCK:
        _CACHE[key] = computed
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return computed
