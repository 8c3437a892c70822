"""Unit-recommendation kernels on a real OpenStreetMap network (Liechtenstein): every unit's
time to an incident equals :func:`route`, and the nearest water sources by distance equal
networkx on the both-ways, by-length graph, to 1e-6 s / 1e-6 m."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from firegrid.network.graph import RoadGraph
from firegrid.network.kernels import nearest_by_distance, route, times_to_target
from firegrid.network.snap import SnapResult, largest_component_mask, snap_points
from tests.integration.test_kernels_real import _minimal_reader
from tests.unit.test_kernels import split_oracle

TOL = 1e-6
FILE = "liechtenstein.osm.pbf"


@pytest.fixture(scope="module")
def graph(shared_data: Path) -> RoadGraph:
    path = shared_data / "osm" / FILE
    if not path.exists():
        pytest.skip(f"{path} is absent")
    if importlib.util.find_spec("firegrid.network.osm") is not None:
        from firegrid.network.osm import build_from_osm

        return build_from_osm(path).graph
    return _minimal_reader(path)


def random_snaps(
    graph: RoadGraph, seed: int, k: int, *, main_only: bool, vehicle: str | None = None
) -> SnapResult:
    """Points scattered over the inner part of the extract, snapped like the application does
    (onto roads ``vehicle`` may use; with ``main_only``, onto its largest strongly connected
    component)."""
    rng = np.random.default_rng(seed)
    lon0, lon1 = np.quantile(graph.lon, [0.1, 0.9])
    lat0, lat1 = np.quantile(graph.lat, [0.1, 0.9])
    lon, lat = rng.uniform(lon0, lon1, k), rng.uniform(lat0, lat1, k)
    if main_only:
        main = largest_component_mask(graph, vehicle=vehicle or "light")
        return snap_points(graph, lon, lat, prefer=main, prefer_within_m=3000.0, vehicle=vehicle)
    return snap_points(graph, lon, lat, vehicle=vehicle)


@pytest.mark.parametrize("vehicle", ["light", "heavy"])
def test_times_to_target_equal_route_for_200_units(graph: RoadGraph, vehicle: str) -> None:
    # Units snapped to the nearest road whatever it is (some on fragments or one-way pockets:
    # those must come out inf exactly where route says so).
    units = random_snaps(graph, 17, 200, main_only=False, vehicle=vehicle)
    incidents = random_snaps(graph, 18, 3, main_only=True, vehicle=vehicle)
    for target in incidents:
        got = times_to_target(graph, units, target, vehicle=vehicle)
        want = np.array([route(graph, u, target, vehicle=vehicle).travel_time_s for u in units])
        assert_allclose(got, want, atol=TOL, rtol=0)
        assert np.isfinite(got).sum() > 150  # most units reach a main-component incident
        ten_min = times_to_target(graph, units, target, vehicle=vehicle, cutoff_s=600.0)
        off_boundary = np.abs(want - 600.0) > TOL
        assert_allclose(
            ten_min[off_boundary], np.where(want <= 600.0, want, np.inf)[off_boundary], atol=TOL
        )
    # A unit on the incident's own segment (same edge, or its twin) goes straight along it.
    target = incidents[0]
    beside = dataclasses.replace(target, fraction=min(1.0, target.fraction + 0.01))
    got = times_to_target(graph, [beside], target, vehicle=vehicle)[0]
    assert got == pytest.approx(route(graph, beside, target, vehicle=vehicle).travel_time_s)


def test_nearest_water_sources_equal_networkx(graph: RoadGraph) -> None:
    sources = random_snaps(graph, 21, 3000, main_only=False)
    usable = np.flatnonzero(sources.tail != sources.head)  # the oracle cannot split self-loops
    sources = sources[usable]
    incidents = random_snaps(graph, 22, 3, main_only=True)
    undirected = graph.undirected_by_length()
    for origin in incidents:
        by_length = [
            dataclasses.replace(s, off_network_s=s.off_network_m) for s in [origin, *sources]
        ]
        g = split_oracle(undirected, by_length, "light")
        d = nx.single_source_dijkstra_path_length(g, ("x", 0), cutoff=2000.0)
        want = np.array([d.get(("x", i + 1), math.inf) for i in range(len(sources))])
        idx, dist = nearest_by_distance(graph, origin, sources, k=5, cutoff_m=2000.0)
        within = np.flatnonzero(want <= 2000.0)
        want_idx = within[np.lexsort((within, want[within]))][:5]
        assert len(want_idx) == 5  # 3,000 sources over Liechtenstein: plenty within 2 km
        assert_array_equal(idx, want_idx)
        assert_allclose(dist, want[want_idx], atol=TOL, rtol=0)
        # All of them within 2 km, in order.
        idx, dist = nearest_by_distance(graph, origin, sources, k=len(sources), cutoff_m=2000.0)
        off_boundary = np.abs(want - 2000.0) > TOL
        got = np.full(len(sources), np.inf)
        got[idx] = dist
        assert_allclose(got[off_boundary], want[off_boundary], atol=TOL, rtol=0)
        assert (np.diff(dist) >= 0).all()
