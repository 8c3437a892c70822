"""Road networks as a service: import (with versioning by source checksum), load, describe,
export. Graphs are cached in-process per stored version (they are immutable)."""

from __future__ import annotations

import csv
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from firegrid.accounts import audit
from firegrid.db.session import Database
from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError, NotFoundError
from firegrid.geo.io import read_features
from firegrid.network.build import BuildResult, largest_strong_component
from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.models import RoadNetwork
from firegrid.network.speeds import SpeedProfile, default_profile

__all__ = [
    "LoadedNetwork",
    "export_network",
    "import_network",
    "list_networks",
    "load_network",
    "network_info",
    "route_between",
]

Progress = Callable[[str, float | None], None]
_OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2")
_LINE_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json")


@dataclass(frozen=True)
class LoadedNetwork:
    """A stored network and its graph, with the node mask of its largest strongly connected
    component (snapping prefers it)."""

    record: RoadNetwork
    graph: RoadGraph
    in_largest_scc: npt.NDArray[np.bool_]


_CACHE: OrderedDict[int, LoadedNetwork] = OrderedDict()
_CACHE_SIZE = 4
_LOCK = threading.Lock()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(_OSM_SUFFIXES):
        return "osm"
    if name.endswith(_LINE_SUFFIXES):
        return "lines"
    raise InvalidInputError(
        f"{path}: unknown road data format; use OSM ({', '.join(_OSM_SUFFIXES)}) or centre "
        f"lines ({', '.join(_LINE_SUFFIXES)})"
    )


def _boundary(
    session: Session, district_code: str | None, boundary_path: str | Path | None
) -> BaseGeometry | None:
    if boundary_path is not None:
        feats = read_features(boundary_path)
        if not feats:
            raise InvalidInputError(f"{boundary_path}: no boundary geometry")
        from shapely import union_all

        return union_all([f.geometry for f in feats])
    if district_code is not None:
        d = get_district(session, district_code)
        if d.boundary_geojson:
            return shape(json.loads(d.boundary_geojson))
    return None


def _info(rec: RoadNetwork) -> dict[str, Any]:
    return {
        "name": rec.name,
        "version": rec.version,
        "nodes": rec.nodes,
        "edges": rec.edges,
        "km": round(rec.road_km, 3),
        "source": rec.source_name,
        "source_sha256": rec.source_sha256,
        "format": rec.source_format,
        "profile": f"{rec.profile_id}@{rec.profile_version}",
        "created_at": rec.created_at.isoformat(),
        "clipped": rec.clip_geojson is not None,
        "note": rec.note,
    }


def import_network(
    db: Database,
    path: str | Path,
    *,
    name: str,
    actor: str,
    district_code: str | None = None,
    boundary_path: str | Path | None = None,
    buffer_m: float = 2000.0,
    variant: str = "urban",
    crs: str | None = None,
    profile: SpeedProfile | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Build and store a road network; the same source and profile again is not stored twice."""
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"{p}: no such file")
    if not name or len(name) > 64 or not all(c.isalnum() or c in "-_." for c in name):
        raise InvalidInputError(f"network name {name!r}: use 1–64 letters, digits, - _ .")
    fmt = _format(p)
    prof = profile or default_profile()
    say = progress or (lambda _s, _f: None)
    say("checksum", None)
    sha = _sha256(p)
    with db.session(actor=actor) as session:
        same = session.scalar(
            select(RoadNetwork)
            .where(
                RoadNetwork.name == name,
                RoadNetwork.source_sha256 == sha,
                RoadNetwork.profile_id == prof.id,
                RoadNetwork.profile_version == prof.version,
            )
            .order_by(RoadNetwork.version.desc())
        )
        if same is not None:
            return {**_info(same), "reused": True}
        clip = _boundary(session, district_code, boundary_path)
        district_id = get_district(session, district_code).id if district_code else None
    result: BuildResult
    if fmt == "osm":
        from firegrid.network.osm import build_from_osm

        result = build_from_osm(
            p, clip=clip, buffer_m=buffer_m, profile=prof, variant=variant, progress=say
        )
    else:
        from firegrid.network.lines import build_from_lines

        result = build_from_lines(p, crs=crs, profile=prof, variant=variant, clip=clip)
    g = result.graph
    with db.session(actor=actor) as session:
        version = (
            session.scalar(select(func.max(RoadNetwork.version)).where(RoadNetwork.name == name))
            or 0
        ) + 1
        rec = RoadNetwork(
            name=name,
            version=version,
            district_id=district_id,
            source_name=p.name,
            source_sha256=sha,
            source_format=fmt,
            profile_id=prof.id,
            profile_version=prof.version,
            nodes=g.n_nodes,
            edges=g.n_edges,
            road_km=g.road_km(),
            clip_geojson=json.dumps(mapping(clip)) if clip else None,
            graph_npz=g.to_bytes(),
            note=f"variant {variant}",
        )
        session.add(rec)
        session.flush()
        audit.record(
            session,
            action="network_import",
            entity="road_network",
            entity_id=str(rec.id),
            detail=json.dumps(result.stats, default=str),
        )
        session.commit()
        out = {**_info(rec), "reused": False, "stats": result.stats}
    return out


def list_networks(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(select(RoadNetwork).order_by(RoadNetwork.name, RoadNetwork.version))
    return [_info(r) for r in rows]


def _record(session: Session, name: str, version: int | None) -> RoadNetwork:
    q = select(RoadNetwork).where(RoadNetwork.name == name)
    q = (
        q.where(RoadNetwork.version == version)
        if version
        else q.order_by(RoadNetwork.version.desc())
    )
    rec = session.scalars(q.limit(1)).first()
    if rec is None:
        known = ", ".join(sorted(set(session.scalars(select(RoadNetwork.name))))) or "none"
        what = f"{name!r} version {version}" if version else repr(name)
        raise NotFoundError(
            f"no road network {what} (known: {known}); import one with `firegrid network import`"
        )
    return rec


def network_info(session: Session, name: str, version: int | None = None) -> dict[str, Any]:
    return _info(_record(session, name, version))


def load_network(session: Session, name: str, version: int | None = None) -> LoadedNetwork:
    """The stored graph (cached per stored version)."""
    rec = _record(session, name, version)
    with _LOCK:
        hit = _CACHE.get(rec.id)
        if hit is not None:
            _CACHE.move_to_end(rec.id)
            return hit
    blob = session.scalar(
        select(RoadNetwork).options(undefer(RoadNetwork.graph_npz)).where(RoadNetwork.id == rec.id)
    )
    assert blob is not None
    graph = RoadGraph.from_bytes(blob.graph_npz)
    loaded = LoadedNetwork(rec, graph, largest_strong_component(graph, Vehicle.LIGHT))
    with _LOCK:
        _CACHE[rec.id] = loaded
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return loaded


def export_network(
    session: Session, name: str, out: str | Path, *, fmt: str = "csv", version: int | None = None
) -> dict[str, Any]:
    """Edge list ``u,v,travel_time_s,length_m,heavy_ok`` (light-vehicle times) and a node file
    ``id,lon,lat`` next to it (``<out stem>.nodes.csv``)."""
    if fmt != "csv":
        raise InvalidInputError(f"export format {fmt!r} is not supported (use csv)")
    g = load_network(session, name, version).graph
    out_p = Path(out)
    nodes_p = out_p.with_name(out_p.stem + ".nodes.csv")
    with out_p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["u", "v", "travel_time_s", "length_m", "heavy_ok"])
        heavy_ok = np.isfinite(g.time_heavy_s)
        for u, v, t, length, h in zip(
            g.tail.tolist(),
            g.head.tolist(),
            g.time_light_s.tolist(),
            g.length_m.tolist(),
            heavy_ok.tolist(),
            strict=True,
        ):
            w.writerow([u, v, f"{t:.6f}", f"{length:.3f}", int(h)])
    with nodes_p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lon", "lat"])
        for i, (x, y) in enumerate(zip(g.lon.tolist(), g.lat.tolist(), strict=True)):
            w.writerow([i, f"{x:.7f}", f"{y:.7f}"])
    return {
        "edges_file": str(out_p),
        "nodes_file": str(nodes_p),
        "edges": g.n_edges,
        "nodes": g.n_nodes,
    }


#: A route endpoint farther than this from the network is refused (wrong CRS, wrong network).
MAX_ROUTE_SNAP_M = 5_000.0


def route_between(
    session: Session | None,
    network: str | None,
    origin: tuple[float, float],
    destination: tuple[float, float],
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
) -> dict[str, Any]:
    """Fastest route on a stored network, or the straight-line estimate without one."""
    from firegrid.network.kernels import route
    from firegrid.network.snap import snap_points

    veh = Vehicle(vehicle)
    if network is None:
        from firegrid.coverage.config import load_standards
        from firegrid.network.approx import straight_line_distance_m

        model = load_standards().approx.model()
        d = float(
            straight_line_distance_m([origin[0]], [origin[1]], [destination[0]], [destination[1]])[
                0, 0
            ]
        )
        return {
            "travel_time_s": float(model.drive_time_s(d)),
            "distance_m": d * model.circuity,
            "straight_line_m": d,
            "approximate": True,
            "vehicle": veh.value,
            "model": {
                "circuity": model.circuity,
                "speed_kmh": model.speed_kmh,
                "delay_s": model.delay_s,
            },
        }
    assert session is not None
    loaded = load_network(session, network)
    g = loaded.graph
    snaps = snap_points(
        g,
        [origin[0], destination[0]],
        [origin[1], destination[1]],
        max_distance_m=MAX_ROUTE_SNAP_M,
        prefer=loaded.in_largest_scc,
        vehicle=veh,
    )
    r = route(g, snaps[0], snaps[1], vehicle=veh)
    if not np.isfinite(r.travel_time_s):
        raise InvalidInputError(
            f"no {veh.value}-vehicle route from {origin} to {destination} on {network!r} "
            "(the points lie on disconnected parts of the network, or the roads are closed "
            "to this vehicle)"
        )
    return {
        "travel_time_s": round(float(r.travel_time_s), 3),
        "distance_m": round(float(r.distance_m), 2),
        "approximate": False,
        "vehicle": veh.value,
        "network": {"name": loaded.record.name, "version": loaded.record.version},
        "off_network_m": [
            round(float(snaps.off_network_m[0]), 1),
            round(float(snaps.off_network_m[1]), 1),
        ],
        "nodes": len(r.nodes),
    }
