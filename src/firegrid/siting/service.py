"""Siting on a district: where new stations cover the most, how the plan's choice compares,
and what adding, closing or moving a station does.

Demand is the district's settlements (weighted by population where every place has one, else
equally); cost is response time = turn-out + drive, on a stored road network or, without one,
by the straight-line approximation (and then every result says ``approximate``). Existing
stations are fixed open; candidates are network junctions thinned to a spacing (network mode)
or the settlements themselves (approximate mode — a station goes where people live), minus
excluded zones (ecological red lines, water, steep ground).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.coverage.config import ResponseStandards, load_standards
from firegrid.coverage.service import (
    MAX_SNAP_M,
    CoverageRequest,
    StationPoint,
    coverage_analysis,
    district_stations,
)
from firegrid.districts.models import District, Place
from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError, NotFoundError
from firegrid.geo.crs import from_wgs84, local_metric_crs
from firegrid.geo.io import read_features
from firegrid.network.approx import station_time_matrix
from firegrid.network.graph import Vehicle
from firegrid.network.kernels import one_to_all, times_to_snaps
from firegrid.network.service import LoadedNetwork, load_network
from firegrid.network.snap import snap_points
from firegrid.siting.problems import MCLP
from firegrid.siting.result import SitingResult
from firegrid.siting.solve import SolverOptions
from firegrid.types import StationClass, StationStatus

__all__ = ["SitingInstance", "best_new_sites", "build_instance", "compare_with_plan", "what_if"]

#: Class assumed for a new station (its turn-out time enters the cost).
NEW_STATION_CLASS = StationClass.LEVEL1


@dataclass(frozen=True, eq=False)
class SitingInstance:
    """Demand × site response times: the existing stations first, then the candidates."""

    district: str
    approximate: bool
    limit_s: float
    standards: str
    existing: tuple[StationPoint, ...]
    candidate_lon: npt.NDArray[np.float64]
    candidate_lat: npt.NDArray[np.float64]
    candidate_label: tuple[str, ...]
    demand_label: tuple[str, ...]
    weights: npt.NDArray[np.float64]
    #: (n_demand, n_existing + n_candidates) seconds; inf = not reachable.
    cost_s: npt.NDArray[np.float64]
    network: dict[str, Any] | None
    demand_note: str = ""
    #: True when demand points are weighted by their population (all of them have one).
    population_weighted: bool = False

    @property
    def n_existing(self) -> int:
        return len(self.existing)


def _stations(
    session: Session, district: District, statuses: list[StationStatus]
) -> list[StationPoint]:
    return district_stations(session, district, statuses=statuses)


def _excluded(paths: list[Path]) -> BaseGeometry | None:
    if not paths:
        return None
    geoms = [f.geometry for p in paths for f in read_features(p)]
    polys = [g for g in geoms if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        raise InvalidInputError(f"{', '.join(map(str, paths))}: no polygons to exclude")
    return shapely.union_all(polys)


def _thin(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], spacing_m: float
) -> npt.NDArray[np.int64]:
    """One point per ``spacing_m`` square (the first in input order): candidate thinning."""
    crs = local_metric_crs(lon, lat)
    x, y = from_wgs84(lon, lat, crs=crs)
    keys = np.floor(x / spacing_m).astype(np.int64) * 10_000_019 + np.floor(y / spacing_m).astype(
        np.int64
    )
    _, first = np.unique(keys, return_index=True)
    return np.sort(first).astype(np.int64)


def _demand(session: Session, district: District) -> tuple[list[Place], npt.NDArray[np.float64]]:
    places = list(
        session.scalars(
            select(Place)
            .where(Place.district_id == district.id, Place.is_settlement.is_(True))
            .order_by(Place.source_id)
        )
    )
    if not places:
        raise InvalidInputError(f"district {district.code!r} has no settlements to serve")
    w = np.array([float(p.population or 0) for p in places])
    return places, (w if (w > 0).all() else np.ones(len(places)))


def build_instance(
    session: Session,
    district_code: str,
    *,
    network: str | None = None,
    minutes: float | None = None,
    vehicle: Vehicle = Vehicle.LIGHT,
    exclude: list[Path] | None = None,
    candidate_spacing_m: float = 500.0,
    extra_candidates: list[StationPoint] | None = None,
) -> SitingInstance:
    """Response-time matrix from the district's settlements to its stations and candidates."""
    standards: ResponseStandards = load_standards()
    limit_s = minutes * 60.0 if minutes is not None else standards.coverage_limit_s
    if not limit_s > 0:
        raise InvalidInputError(f"--minutes must be positive, got {minutes}")
    district = get_district(session, district_code)
    boundary = (
        shape(json.loads(district.boundary_geojson or "null"))
        if (district.boundary_geojson)
        else None
    )
    existing = _stations(session, district, [StationStatus.EXISTING])
    places, weights = _demand(session, district)
    equal = bool((weights == 1).all())
    d_lon = np.array([p.lon for p in places])
    d_lat = np.array([p.lat for p in places])
    excluded = _excluded(exclude or [])
    new_turnout = standards.turnout_for(NEW_STATION_CLASS)
    loaded: LoadedNetwork | None = load_network(session, network) if network else None
    if loaded is not None:
        g = loaded.graph
        ok = loaded.in_largest_scc.copy()
        if boundary is not None:
            ok &= shapely.contains_xy(boundary, g.lon, g.lat)
        junction = np.diff(g.indptr) >= 3  # prefer junctions: stations sit at crossroads
        idx = np.flatnonzero(ok & junction)
        if idx.size == 0:
            idx = np.flatnonzero(ok)
        c_lon, c_lat = g.lon[idx], g.lat[idx]
        c_label = [f"node {int(i)}" for i in idx]
    else:
        c_lon, c_lat = d_lon.copy(), d_lat.copy()
        c_label = [p.name for p in places]
    extra = extra_candidates or []
    if extra:
        c_lon = np.concatenate([c_lon, [s.lon for s in extra]])
        c_lat = np.concatenate([c_lat, [s.lat for s in extra]])
        c_label = c_label + [s.name for s in extra]
    keep = np.ones(len(c_lon), dtype=bool)
    if excluded is not None:
        keep &= ~shapely.contains_xy(excluded, c_lon, c_lat)
    base = np.flatnonzero(keep[: len(c_lon) - len(extra)])
    thinned = base[_thin(c_lon[base], c_lat[base], candidate_spacing_m)] if base.size else base
    chosen = np.concatenate([thinned, np.arange(len(c_lon) - len(extra), len(c_lon))])
    chosen = chosen[keep[chosen]]
    c_lon, c_lat = c_lon[chosen], c_lat[chosen]
    c_label = [c_label[i] for i in chosen]
    s_lon = np.concatenate([[s.lon for s in existing], c_lon])
    s_lat = np.concatenate([[s.lat for s in existing], c_lat])
    turnout = np.array(
        [standards.turnout_for(s.station_class) for s in existing] + [new_turnout] * len(c_lon)
    )
    if loaded is None:
        model = standards.approx.model()
        cost = station_time_matrix(s_lon, s_lat, d_lon, d_lat, model=model, turnout_s=turnout).T
        net_info = None
    else:
        g = loaded.graph
        ssnap = snap_points(
            g,
            s_lon,
            s_lat,
            max_distance_m=MAX_SNAP_M,
            prefer=loaded.in_largest_scc,
            vehicle=vehicle,
        )
        dsnap = snap_points(g, d_lon, d_lat, prefer=loaded.in_largest_scc, vehicle=vehicle)
        cost = np.empty((len(places), len(s_lon)))
        for j in range(len(s_lon)):
            node_t = one_to_all(g, ssnap[j], vehicle=vehicle, cutoff_s=limit_s)
            cost[:, j] = times_to_snaps(g, node_t, dsnap, vehicle=vehicle) + turnout[j]
        net_info = {"name": loaded.record.name, "version": loaded.record.version}
    return SitingInstance(
        district=district.code,
        approximate=loaded is None,
        limit_s=limit_s,
        standards=f"{standards.id}@{standards.version}",
        existing=tuple(existing),
        candidate_lon=c_lon,
        candidate_lat=c_lat,
        candidate_label=tuple(c_label),
        demand_label=tuple(p.name for p in places),
        weights=weights,
        cost_s=cost,
        network=net_info,
        demand_note="settlements, equal weights (population of places not recorded)"
        if equal
        else "settlements weighted by population",
        population_weighted=not equal,
    )


def _covered(inst: SitingInstance, open_cols: npt.NDArray[np.int64]) -> float:
    if open_cols.size == 0:
        return 0.0
    reach = (inst.cost_s[:, open_cols] <= inst.limit_s).any(axis=1)
    return float(inst.weights[reach].sum())


def _mclp(
    inst: SitingInstance,
    n_new: int,
    *,
    fixed_extra: list[int] | None = None,
    time_limit_s: float | None,
) -> SitingResult:
    n_sites = inst.cost_s.shape[1]
    fixed = list(range(inst.n_existing)) + list(fixed_extra or [])
    if n_new < 0:
        raise InvalidInputError(f"number of new stations must be ≥ 0, got {n_new}")
    p = len(fixed) + n_new
    if p > n_sites:
        raise InvalidInputError(f"p = {p} exceeds the {n_sites} existing and candidate sites")
    model = MCLP.from_cost_matrix(
        inst.cost_s, p=p, radius=inst.limit_s, weights=inst.weights, fixed=fixed
    )
    return model.solve(options=SolverOptions(time_limit_s=time_limit_s))


def _site_dict(inst: SitingInstance, col: int) -> dict[str, Any]:
    if col < inst.n_existing:
        s = inst.existing[col]
        return {"name": s.name, "existing": True, "lon": s.lon, "lat": s.lat}
    j = col - inst.n_existing
    return {
        "name": inst.candidate_label[j],
        "existing": False,
        "lon": round(float(inst.candidate_lon[j]), 6),
        "lat": round(float(inst.candidate_lat[j]), 6),
    }


def _summary(inst: SitingInstance) -> dict[str, Any]:
    total = float(inst.weights.sum())
    return {
        "district": inst.district,
        "approximate": inst.approximate,
        "network": inst.network,
        "limit_s": inst.limit_s,
        "standards": inst.standards,
        "demand_points": len(inst.demand_label),
        "demand": inst.demand_note,
        "demand_weighting": "population" if inst.population_weighted else "equal",
        "total_weight": total,
        "existing_stations": [s.name for s in inst.existing],
        "candidates": len(inst.candidate_label),
    }


def best_new_sites(
    inst: SitingInstance, n_new: int, *, time_limit_s: float | None = 60.0
) -> dict[str, Any]:
    """The ``n_new`` sites that, added to the existing stations, cover the most demand within
    the standard (MCLP, proven optimal unless the time limit stops it)."""
    before = _covered(inst, np.arange(inst.n_existing))
    res = _mclp(inst, n_new, time_limit_s=time_limit_s)
    total = float(inst.weights.sum())
    new = [c for c in res.sites if c >= inst.n_existing]
    after = _covered(inst, np.array(sorted(res.sites), dtype=np.int64))
    return {
        **_summary(inst),
        "status": res.status.value,
        "optimal": res.optimal,
        "gap": res.gap,
        "seconds": round(res.seconds, 3),
        "reason": res.reason,
        "covered_before": before,
        "covered_after": after,
        "share_before": before / total,
        "share_after": after / total,
        "new_sites": [_site_dict(inst, c) for c in sorted(new)],
    }


def compare_with_plan(
    session: Session,
    district_code: str,
    *,
    network: str | None = None,
    minutes: float | None = None,
    vehicle: Vehicle = Vehicle.LIGHT,
    exclude: list[Path] | None = None,
    time_limit_s: float | None = 60.0,
) -> dict[str, Any]:
    """The plan's new stations (planned / under construction) against the optimiser's best
    sites of the same count, on the same demand and the same standard."""
    district = get_district(session, district_code)
    plan = _stations(session, district, [StationStatus.PLANNED, StationStatus.UNDER_CONSTRUCTION])
    if not plan:
        raise NotFoundError(f"district {district_code!r} has no planned stations with a location")
    inst = build_instance(
        session,
        district_code,
        network=network,
        minutes=minutes,
        vehicle=vehicle,
        exclude=exclude,
        extra_candidates=plan,
    )
    total = float(inst.weights.sum())
    plan_cols = [
        inst.n_existing + len(inst.candidate_label) - len(plan) + i for i in range(len(plan))
    ]
    plan_cov = _covered(inst, np.array(list(range(inst.n_existing)) + plan_cols, dtype=np.int64))
    best = _mclp(inst, len(plan), time_limit_s=time_limit_s)
    best_new = [c for c in best.sites if c >= inst.n_existing]
    best_cov = _covered(inst, np.array(sorted(best.sites), dtype=np.int64))
    return {
        **_summary(inst),
        "plan": {
            "stations": [_site_dict(inst, c) for c in plan_cols],
            "covered": plan_cov,
            "share": plan_cov / total,
        },
        "optimum": {
            "stations": [_site_dict(inst, c) for c in sorted(best_new)],
            "covered": best_cov,
            "share": best_cov / total,
            "status": best.status.value,
            "optimal": best.optimal,
            "gap": best.gap,
        },
        "existing_only": {
            "covered": _covered(inst, np.arange(inst.n_existing)),
            "share": _covered(inst, np.arange(inst.n_existing)) / total,
        },
        "plan_vs_optimum": (plan_cov / best_cov) if best_cov > 0 else None,
    }


def what_if(
    session: Session,
    district_code: str,
    *,
    network: str | None = None,
    minutes: float | None = None,
    vehicle: Vehicle = Vehicle.LIGHT,
    add: list[StationPoint] | None = None,
    close: list[str] | None = None,
    move: dict[str, tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """Coverage and district areas before and after adding, closing or moving stations."""
    district = get_district(session, district_code)
    before_st = _stations(session, district, [StationStatus.EXISTING])
    names = {s.name for s in before_st}
    for name in list(close or []) + list((move or {}).keys()):
        if name not in names:
            raise NotFoundError(
                f"no existing station {name!r} in {district_code!r} "
                f"(stations: {', '.join(sorted(names))})"
            )
    moves = move or {}
    after_st = [s for s in before_st if s.name not in set(close or [])]
    after_st = [
        StationPoint(s.name, s.station_class, *moves[s.name]) if s.name in moves else s
        for s in after_st
    ]
    after_st += list(add or [])
    if not after_st:
        raise InvalidInputError("the change leaves no station")

    def run(stations: list[StationPoint]) -> dict[str, Any]:
        return coverage_analysis(
            session,
            CoverageRequest(
                district_code=district_code,
                network=network,
                minutes=minutes,
                vehicle=vehicle,
                stations=tuple(stations),
            ),
        )

    before, after = run(before_st), run(after_st)
    keys = ("share_road_km", "share_demand", "share_area")
    return {
        "district": district_code,
        "approximate": before["approximate"],
        "changes": {
            "add": [s.name for s in add or []],
            "close": list(close or []),
            "move": sorted((move or {}).keys()),
        },
        "before": {k: before[k] for k in keys} | {"districts": before["districts"]},
        "after": {k: after[k] for k in keys} | {"districts": after["districts"]},
        "delta": {
            k: (None if before[k] is None or after[k] is None else after[k] - before[k])
            for k in keys
        },
    }
