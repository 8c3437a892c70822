"""Kernels and snapping on real OpenStreetMap extracts equal networkx (the oracle) to 1e-6 s.

The graphs come from ``../shared/data/osm`` through the real importer
(``firegrid.network.osm.build_from_osm``) when it is installed, else through a minimal pyosmium
reader kept here (driveable highway ways, every node, one-way tags, geodesic lengths, 30 km/h;
heavy appliances barred from tracks).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from numpy.testing import assert_allclose

from firegrid.errors import InvalidInputError
from firegrid.geo.crs import geodesic_distance_m
from firegrid.network.graph import RoadGraph
from firegrid.network.kernels import (
    many_to_many,
    multi_source,
    one_to_all,
    route,
    times_to_snaps,
)
from firegrid.network.snap import largest_component_mask, snap_points

TOL = 1e-6
FILES = ["andorra.osm.pbf", "monaco.osm.pbf"]
_NOT_DRIVEABLE = frozenset(
    ("footway", "path", "steps", "cycleway", "pedestrian", "bridleway", "corridor", "proposed",
     "construction", "platform", "elevator", "abandoned", "raceway", "bus_stop", "via_ferrata",
     "escape", "rest_area", "services")
)  # fmt: skip


def _minimal_reader(path: Path) -> RoadGraph:
    import osmium
    from pyproj import Geod

    tails: list[list[int]] = []
    heads: list[list[int]] = []
    heavy_ok: list[bool] = []
    coords: dict[int, tuple[float, float]] = {}
    fp = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for way in fp:
        if not way.is_way() or way.tags.get("highway") in _NOT_DRIVEABLE:
            continue
        ids = [nd.ref for nd in way.nodes if nd.location.valid()]
        for nd in way.nodes:
            if nd.location.valid():
                coords[nd.ref] = (nd.location.lon, nd.location.lat)
        a, b = ids[:-1], ids[1:]
        oneway = way.tags.get("oneway", "no")
        if oneway == "-1":
            a, b = b, a
        pairs = [(a, b)] if oneway in ("yes", "true", "1", "-1") else [(a, b), (b, a)]
        for t, h in pairs:
            tails.append(t)
            heads.append(h)
            heavy_ok.extend([way.tags.get("highway") != "track"] * len(t))
    osm_ids = np.array(sorted(coords), dtype=np.int64)
    ll = np.array([coords[i] for i in osm_ids.tolist()])
    t = np.searchsorted(osm_ids, np.concatenate([np.asarray(x, dtype=np.int64) for x in tails]))
    h = np.searchsorted(osm_ids, np.concatenate([np.asarray(x, dtype=np.int64) for x in heads]))
    length = np.asarray(Geod(ellps="WGS84").inv(ll[t, 0], ll[t, 1], ll[h, 0], ll[h, 1])[2])
    light = length / (30.0 / 3.6)
    return RoadGraph.from_edges(
        t, h, length_m=length, time_light_s=light,
        time_heavy_s=np.where(heavy_ok, light * 1.2, np.inf), road_class=np.zeros(len(t)),
        lon=ll[:, 0], lat=ll[:, 1],
    )  # fmt: skip


_graphs: dict[str, RoadGraph] = {}


@pytest.fixture(params=FILES)
def real_graph(request: pytest.FixtureRequest, shared_data: Path) -> RoadGraph:
    path = shared_data / "osm" / request.param
    if not path.exists():
        pytest.skip(f"{path} is absent")
    if request.param not in _graphs:
        if importlib.util.find_spec("firegrid.network.osm") is not None:
            from firegrid.network.osm import build_from_osm

            _graphs[request.param] = build_from_osm(path).graph
        else:
            _graphs[request.param] = _minimal_reader(path)
    return _graphs[request.param]


def oracle(graph: RoadGraph, vehicle: str) -> nx.DiGraph:
    a = graph.csr(vehicle).tocoo()  # the minimum of parallel edges, impassable ones dropped
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    w = np.where(a.data < 1e-300, 0.0, a.data)
    g.add_weighted_edges_from(zip(a.row.tolist(), a.col.tolist(), w.tolist(), strict=True))
    return g


def oracle_times(g: nx.DiGraph, source: int, n: int, cutoff: float | None = None) -> np.ndarray:
    out = np.full(n, np.inf)
    for v, d in nx.single_source_dijkstra_path_length(g, source, cutoff=cutoff).items():
        out[v] = d
    return out


@pytest.mark.parametrize("vehicle", ["light", "heavy"])
def test_one_to_all_and_cutoffs_equal_networkx(real_graph: RoadGraph, vehicle: str) -> None:
    g = oracle(real_graph, vehicle)
    rng = np.random.default_rng(3)
    for source in rng.choice(real_graph.n_nodes, 4, replace=False).tolist():
        want = oracle_times(g, source, real_graph.n_nodes)
        assert_allclose(one_to_all(real_graph, source, vehicle=vehicle), want, atol=TOL, rtol=0)
        got = one_to_all(real_graph, source, vehicle=vehicle, cutoff_s=300.0)
        finite = np.isfinite(want) & (np.abs(want - 300.0) > 1e-6)  # off the boundary
        assert_allclose(got[finite], np.where(want <= 300.0, want, np.inf)[finite], atol=TOL)


def test_district_coverage_equals_networkx(real_graph: RoadGraph) -> None:
    g = oracle(real_graph, "light")
    rng = np.random.default_rng(11)
    stations = rng.choice(real_graph.n_nodes, 8, replace=False)
    turnout = rng.uniform(30.0, 90.0, 8)
    per_station = (
        np.array([oracle_times(g, int(s), real_graph.n_nodes) for s in stations]) + turnout[:, None]
    )
    expected = per_station.min(axis=0)
    times, origin = multi_source(real_graph, stations, offsets_s=turnout)
    assert_allclose(times, expected, atol=TOL, rtol=0)
    reached = np.flatnonzero(np.isfinite(times))
    assert_allclose(per_station[origin[reached], reached], times[reached], atol=TOL, rtol=0)
    assert (origin[np.isinf(times)] == -1).all()
    five_min, _ = multi_source(real_graph, stations, offsets_s=turnout, cutoff_s=300.0)
    off_boundary = np.abs(expected - 300.0) > 1e-6
    want = np.where(expected <= 300.0, expected, np.inf)
    assert_allclose(five_min[off_boundary], want[off_boundary], atol=TOL, rtol=0)


def test_many_to_many_equals_networkx(real_graph: RoadGraph) -> None:
    g = oracle(real_graph, "heavy")
    rng = np.random.default_rng(5)
    sources = rng.choice(real_graph.n_nodes, 3, replace=False)
    targets = rng.choice(real_graph.n_nodes, 200, replace=False)
    matrix = many_to_many(real_graph, sources, targets, vehicle="heavy")
    for i, s in enumerate(sources.tolist()):
        want = oracle_times(g, s, real_graph.n_nodes)[targets]
        assert_allclose(matrix[i], want, atol=TOL, rtol=0)


def test_snapped_points_and_routes(real_graph: RoadGraph) -> None:
    rng = np.random.default_rng(9)
    main = largest_component_mask(real_graph)
    lon0, lon1 = np.quantile(real_graph.lon, [0.2, 0.8])
    lat0, lat1 = np.quantile(real_graph.lat, [0.2, 0.8])
    lon = rng.uniform(lon0, lon1, 12)
    lat = rng.uniform(lat0, lat1, 12)
    # A generous tolerance: every point lands on the main component (so every route exists).
    snaps = snap_points(
        real_graph, lon, lat, prefer=main, prefer_within_m=3000.0, max_distance_m=5000.0
    )
    assert ((snaps.fraction >= 0) & (snaps.fraction <= 1)).all()
    # The reported leg is the distance to the reported point (metric CRS vs the ellipsoid).
    geodesic = geodesic_distance_m(lon, lat, snaps.lon, snaps.lat)
    assert_allclose(snaps.off_network_m, geodesic, rtol=5e-3, atol=0.05)
    assert main[snaps.tail].all() and main[snaps.head].all()
    # Routes from the first point agree with its one-to-all expanded to the other points
    # (two independent code paths: full-graph search with predecessors, and the contracted
    # search); on the largest component every route exists.
    from_first = times_to_snaps(real_graph, one_to_all(real_graph, snaps[0]), snaps)
    for j in range(1, len(snaps)):
        if {snaps.tail[j], snaps.head[j]} == {snaps.tail[0], snaps.head[0]}:
            continue
        r = route(real_graph, snaps[0], snaps[j])
        assert math.isfinite(r.travel_time_s)
        assert r.travel_time_s == pytest.approx(from_first[j], abs=TOL)
        assert r.distance_m >= geodesic_distance_m(lon[0], lat[0], lon[j], lat[j]) * 0.99


def test_a_point_far_outside_the_network_is_refused(real_graph: RoadGraph) -> None:
    lon = [float(real_graph.lon.mean()), float(real_graph.lon.max()) + 0.5]
    lat = [float(real_graph.lat.mean()), float(real_graph.lat.mean())]
    with pytest.raises(InvalidInputError, match=r"point 1 is \d+\.\d km from the nearest road"):
        snap_points(real_graph, lon, lat, max_distance_m=1000.0)
