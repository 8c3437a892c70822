"""Siting results for the map: the service's figures with their GeoJSON layers, cached.

Each function runs one siting use case of :mod:`firegrid.siting.service` and adds what a map
needs, as GeoJSON FeatureCollections (WGS84) keyed by :class:`SitingLayer`:

==================  =========  ==========================================================
layer               geometry   properties
==================  =========  ==========================================================
existing            Point      name, station_class
new_site            Point      rank, name, station, gain, gain_share
plan                Point      name, station_class
optimum             Point      index, name, in_plan
district            Polygon    station, area_km2, limit_km2, over_limit, covered_km2,
                               label_point (and new_site_rank for the best sites)
uncovered_place     Point      name, weight, time_s (null: not reached)
station             Point      name, station_class, change (kept, added, moved)
closed              Point      name, station_class
moved_from          LineString name (old place → new place)
==================  =========  ==========================================================

Every feature also carries ``approximate``. The first-due districts after a change come from
:func:`~firegrid.coverage.service.coverage_analysis` on the stations after it, so the map
shows them against their 建标152 limits exactly as the coverage panel does.

The last sixteen results are kept in memory, keyed by the use case, its parameters and what
else they depend on (database, the district's stations and places, network version, response
standards), so that showing a result again does not recompute it. Nothing here writes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Final

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.coverage.config import load_standards
from firegrid.coverage.export import CoverageLayer, coverage_layers, feature_collections
from firegrid.coverage.service import (
    CoverageRequest,
    StationPoint,
    coverage_analysis,
    district_stations,
)
from firegrid.districts.models import Place
from firegrid.districts.repository import get_district
from firegrid.network.graph import Vehicle
from firegrid.network.service import network_info
from firegrid.siting.service import (
    NEW_STATION_CLASS,
    SitingInstance,
    best_new_sites,
    build_instance,
    compare_with_plan,
    what_if,
)
from firegrid.stations.models import Station

__all__ = [
    "SitingLayer",
    "SitingMap",
    "best_sites_map",
    "clear_siting_cache",
    "plan_comparison_map",
    "what_if_map",
]

#: The demand note of the siting service when places carry their population.


class SitingLayer(StrEnum):
    """The map layers of the siting results (each response holds the ones it computes)."""

    #: Existing stations, fixed open (best sites, plan comparison).
    EXISTING = "existing"
    #: Sites chosen for new stations: ``rank``, ``name``, ``gain`` (best sites).
    NEW_SITE = "new_site"
    #: The plan's new stations, planned or under construction (plan comparison).
    PLAN = "plan"
    #: The optimiser's best sites of the same count (plan comparison).
    OPTIMUM = "optimum"
    #: First-due districts after the change: over_limit against 建标152 (best sites, what-if).
    DISTRICT = "district"
    #: Settlements beyond the standard after the change (best sites, what-if).
    UNCOVERED_PLACE = "uncovered_place"
    #: Stations after a what-if: ``change`` is kept, added or moved.
    STATION = "station"
    #: Stations a what-if closes.
    CLOSED = "closed"
    #: Where a moved station was, a line from the old to the new place (what-if).
    MOVED_FROM = "moved_from"


# --- the in-process cache --------------------------------------------------------------------


@dataclass(frozen=True)
class SitingMap:
    """A siting result for the map: the service's figures, ``layers``, and what it took."""

    body: dict[str, Any]
    #: Wall time of the computation, seconds (not of a cache hit).
    elapsed_s: float
    #: True when served from the in-process cache.
    cached: bool = False


_CACHE: OrderedDict[Hashable, SitingMap] = OrderedDict()
_CACHE_SIZE: Final = 16
_LOCK = threading.Lock()


def clear_siting_cache() -> None:
    """Forget every cached siting result."""
    with _LOCK:
        _CACHE.clear()


def _state_key(session: Session, code: str, network: str | None) -> tuple[Any, ...]:
    """What a result depends on besides its parameters: the database, the district's stations
    and places (edits, imports, deletes), the network version and the standards version.

    Raises NotFoundError naming an unknown district or network.
    """
    district = get_district(session, code)
    net: tuple[str, int] | None = None
    if network:
        info = network_info(session, network)
        net = (str(info["name"]), int(info["version"]))
    stations = session.execute(
        select(func.count(), func.max(Station.id), func.max(Station.updated_at)).where(
            Station.district_id == district.id
        )
    ).one()
    places = session.execute(
        select(func.count(), func.max(Place.id)).where(Place.district_id == district.id)
    ).one()
    standards = load_standards()
    return (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        district.code,
        district.updated_at,
        *stations,
        *places,
        net,
        f"{standards.id}@{standards.version}",
    )


def _cached(key: Hashable, compute: Callable[[], dict[str, Any]]) -> SitingMap:
    """The result for ``key`` from the cache, else computed and kept (least recently used
    out first)."""
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
            return replace(hit, cached=True)
    started = time.perf_counter()
    body = compute()
    computed = SitingMap(body, time.perf_counter() - started)
    with _LOCK:
        _CACHE[key] = computed
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return computed


# --- layers ----------------------------------------------------------------------------------


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def _point(lon: float, lat: float, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def _station_points(stations: Sequence[StationPoint], approximate: bool) -> dict[str, Any]:
    return _collection(
        [
            _point(
                s.lon,
                s.lat,
                name=s.name,
                station_class=s.station_class.value,
                approximate=approximate,
            )
            for s in stations
        ]
    )


def _coverage_parts(result: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Districts (with label points) and uncovered places of a coverage result with layers."""
    fcs = feature_collections(coverage_layers(result), label_points=True)
    return {
        SitingLayer.DISTRICT.value: fcs[CoverageLayer.DISTRICT.value],
        SitingLayer.UNCOVERED_PLACE.value: fcs[CoverageLayer.UNCOVERED_PLACE.value],
    }


def _districts(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in d.items() if k != "geometry"} for d in result["districts"]]


def _settings(summary: Mapping[str, Any], vehicle: Vehicle) -> dict[str, Any]:
    return {
        "minutes": summary["limit_s"] / 60.0,
        "vehicle": vehicle.value,
        "demand_weighting": summary["demand_weighting"],
    }


def _rank_new_sites(inst: SitingInstance, sites: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chosen sites in the order that adds the most demand first (greedy on the chosen set;
    ties keep the service's order), each with the demand weight it adds."""
    column = {
        (label, round(float(lon), 6), round(float(lat), 6)): inst.n_existing + j
        for j, (label, lon, lat) in enumerate(
            zip(inst.candidate_label, inst.candidate_lon, inst.candidate_lat, strict=True)
        )
    }
    cols = [column[(s["name"], s["lon"], s["lat"])] for s in sites]
    reach = inst.cost_s <= inst.limit_s
    covered = reach[:, : inst.n_existing].any(axis=1)
    total = float(inst.weights.sum())
    remaining = list(range(len(cols)))
    ranked: list[dict[str, Any]] = []
    while remaining:
        gains = [float(inst.weights[reach[:, cols[i]] & ~covered].sum()) for i in remaining]
        k = int(np.argmax(gains))
        i = remaining.pop(k)
        covered |= reach[:, cols[i]]
        ranked.append(
            {
                "rank": len(ranked) + 1,
                "name": sites[i]["name"],
                "lon": sites[i]["lon"],
                "lat": sites[i]["lat"],
                "gain": gains[k],
                "gain_share": gains[k] / total if total > 0 else 0.0,
            }
        )
    return ranked


def _unique_names(names: list[str], taken: set[str]) -> list[str]:
    """Names made distinct (a suffix ``#2`` …) so that each new site keeps its own district."""
    out: list[str] = []
    for name in names:
        candidate, n = name, 1
        while candidate in taken:
            n += 1
            candidate = f"{name} #{n}"
        taken.add(candidate)
        out.append(candidate)
    return out


# --- computing them -----------------------------------------------------------------------------


def _best(
    session: Session,
    code: str,
    p: int,
    *,
    network: str | None,
    minutes: float | None,
    vehicle: Vehicle,
    candidate_spacing_m: float,
    time_limit_s: float | None,
) -> dict[str, Any]:
    inst = build_instance(
        session,
        code,
        network=network,
        minutes=minutes,
        vehicle=vehicle,
        candidate_spacing_m=candidate_spacing_m,
    )
    res = best_new_sites(inst, p, time_limit_s=time_limit_s)
    ranked = _rank_new_sites(inst, res["new_sites"])
    labels = _unique_names([s["name"] for s in ranked], {s.name for s in inst.existing})
    new_points = [
        StationPoint(label, NEW_STATION_CLASS, s["lon"], s["lat"])
        for label, s in zip(labels, ranked, strict=True)
    ]
    after = coverage_analysis(
        session,
        CoverageRequest(
            district_code=code,
            network=network,
            minutes=minutes,
            vehicle=vehicle,
            stations=(*inst.existing, *new_points),
            layers=True,
        ),
    )
    rank_of = {label: s["rank"] for label, s in zip(labels, ranked, strict=True)}
    parts = _coverage_parts(after)
    for f in parts["district"]["features"]:
        f["properties"]["new_site_rank"] = rank_of.get(f["properties"]["station"])
    new_site = _collection(
        [
            _point(
                s["lon"],
                s["lat"],
                rank=s["rank"],
                name=s["name"],
                station=label,
                gain=s["gain"],
                gain_share=s["gain_share"],
                approximate=inst.approximate,
            )
            for label, s in zip(labels, ranked, strict=True)
        ]
    )
    return {
        **{k: v for k, v in res.items() if k != "new_sites"},
        **_settings(res, vehicle),
        "p": p,
        "gain": res["share_after"] - res["share_before"],
        "new_sites": ranked,
        "districts": _districts(after),
        "over_limit": after["over_limit"],
        "uncovered_places": len(after["uncovered"]),
        "layers": {
            SitingLayer.EXISTING.value: _station_points(inst.existing, inst.approximate),
            SitingLayer.NEW_SITE.value: new_site,
            **parts,
        },
    }


def _compare(
    session: Session,
    code: str,
    *,
    network: str | None,
    minutes: float | None,
    vehicle: Vehicle,
    time_limit_s: float | None,
) -> dict[str, Any]:
    res = compare_with_plan(
        session,
        code,
        network=network,
        minutes=minutes,
        vehicle=vehicle,
        time_limit_s=time_limit_s,
    )
    district = get_district(session, code)
    existing = district_stations(session, district, include_planned=False)
    classes = {
        s.name: s.station_class for s in district_stations(session, district, include_planned=True)
    }
    approximate = bool(res["approximate"])
    plan_sites = {(s["name"], s["lon"], s["lat"]) for s in res["plan"]["stations"]}
    plan = _collection(
        [
            _point(
                s["lon"],
                s["lat"],
                name=s["name"],
                station_class=classes[s["name"]].value if s["name"] in classes else None,
                approximate=approximate,
            )
            for s in res["plan"]["stations"]
        ]
    )
    optimum = _collection(
        [
            _point(
                s["lon"],
                s["lat"],
                index=i,
                name=s["name"],
                in_plan=(s["name"], s["lon"], s["lat"]) in plan_sites,
                approximate=approximate,
            )
            for i, s in enumerate(res["optimum"]["stations"], start=1)
        ]
    )
    return {
        **res,
        **_settings(res, vehicle),
        "layers": {
            SitingLayer.EXISTING.value: _station_points(existing, approximate),
            SitingLayer.PLAN.value: plan,
            SitingLayer.OPTIMUM.value: optimum,
        },
    }


def _what_if(
    session: Session,
    code: str,
    *,
    add: list[StationPoint],
    close: list[str],
    moves: dict[str, tuple[float, float]],
    network: str | None,
    minutes: float | None,
    vehicle: Vehicle,
) -> dict[str, Any]:
    res = what_if(
        session,
        code,
        network=network,
        minutes=minutes,
        vehicle=vehicle,
        add=add,
        close=close,
        move=moves,
    )
    # The stations after, as the service forms them, for the districts' outlines.
    before = district_stations(session, get_district(session, code), include_planned=False)
    closed = set(close)
    kept = [s for s in before if s.name not in closed]
    after_stations = [
        StationPoint(s.name, s.station_class, *moves[s.name]) if s.name in moves else s
        for s in kept
    ] + add
    after = coverage_analysis(
        session,
        CoverageRequest(
            district_code=code,
            network=network,
            minutes=minutes,
            vehicle=vehicle,
            stations=tuple(after_stations),
            layers=True,
        ),
    )
    approximate = bool(res["approximate"])
    added = {a.name for a in add}

    def change(name: str) -> str:
        return "added" if name in added else "moved" if name in moves else "kept"

    stations = _collection(
        [
            _point(
                s.lon,
                s.lat,
                name=s.name,
                station_class=s.station_class.value,
                change=change(s.name),
                approximate=approximate,
            )
            for s in after_stations
        ]
    )
    moved_from = _collection(
        [
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[s.lon, s.lat], list(moves[s.name])],
                },
                "properties": {"name": s.name, "approximate": approximate},
            }
            for s in before
            if s.name in moves
        ]
    )
    return {
        **res,
        "network": after["network"],
        "standards": after["standards"],
        "limit_s": after["limit_s"],
        "minutes": after["limit_s"] / 60.0,
        "vehicle": vehicle.value,
        "over_limit": after["over_limit"],
        "uncovered_places": len(after["uncovered"]),
        "layers": {
            **_coverage_parts(after),
            SitingLayer.STATION.value: stations,
            SitingLayer.CLOSED.value: _station_points(
                [s for s in before if s.name in closed], approximate
            ),
            SitingLayer.MOVED_FROM.value: moved_from,
        },
    }


# --- the use cases -----------------------------------------------------------------------------


def best_sites_map(
    session: Session,
    code: str,
    p: int,
    *,
    network: str | None = None,
    minutes: float | None = None,
    vehicle: Vehicle = Vehicle.LIGHT,
    candidate_spacing_m: float = 500.0,
    time_limit_s: float | None = 60.0,
) -> SitingMap:
    """The best sites for ``p`` new stations (:func:`~firegrid.siting.service.best_new_sites`),
    ranked by what each adds, with the districts and uncovered places after."""
    key = (
        "best",
        _state_key(session, code, network),
        p,
        minutes,
        Vehicle(vehicle).value,
        candidate_spacing_m,
        time_limit_s,
    )
    return _cached(
        key,
        lambda: _best(
            session,
            code,
            p,
            network=network,
            minutes=minutes,
            vehicle=Vehicle(vehicle),
            candidate_spacing_m=candidate_spacing_m,
            time_limit_s=time_limit_s,
        ),
    )


def plan_comparison_map(
    session: Session,
    code: str,
    *,
    network: str | None = None,
    minutes: float | None = None,
    vehicle: Vehicle = Vehicle.LIGHT,
    time_limit_s: float | None = 60.0,
) -> SitingMap:
    """The plan's new stations against the optimum of the same count
    (:func:`~firegrid.siting.service.compare_with_plan`), with both as map layers."""
    key = (
        "compare",
        _state_key(session, code, network),
        minutes,
        Vehicle(vehicle).value,
        time_limit_s,
    )
    return _cached(
        key,
        lambda: _compare(
            session,
            code,
            network=network,
            minutes=minutes,
            vehicle=Vehicle(vehicle),
            time_limit_s=time_limit_s,
        ),
    )


def what_if_map(
    session: Session,
    code: str,
    *,
    add: Sequence[StationPoint] = (),
    close: Sequence[str] = (),
    move: Mapping[str, tuple[float, float]] | None = None,
    network: str | None = None,
    minutes: float | None = None,
    vehicle: Vehicle = Vehicle.LIGHT,
) -> SitingMap:
    """Coverage before and after adding, closing or moving stations
    (:func:`~firegrid.siting.service.what_if`), with the districts after as map layers."""
    moves = dict(move or {})
    key = (
        "whatif",
        _state_key(session, code, network),
        tuple(add),
        tuple(sorted(close)),
        tuple(sorted(moves.items())),
        minutes,
        Vehicle(vehicle).value,
    )
    return _cached(
        key,
        lambda: _what_if(
            session,
            code,
            add=list(add),
            close=list(close),
            moves=moves,
            network=network,
            minutes=minutes,
            vehicle=Vehicle(vehicle),
        ),
    )
