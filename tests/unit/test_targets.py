"""Unit-recommendation kernels: ``times_to_target`` equals ``route`` and networkx (on a graph
with the snapped points split into their segments), ``nearest_by_distance`` equals networkx on
the both-ways, by-length graph — on awkward random graphs and small hand-made ones."""

from __future__ import annotations

import dataclasses
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from firegrid.errors import InvalidInputError
from firegrid.network.graph import RoadGraph
from firegrid.network.kernels import nearest_by_distance, one_to_all, route, times_to_target
from firegrid.network.snap import Snap, SnapResult
from tests.unit.test_kernels import (
    KINDS,
    SEEDS,
    between,
    edge,
    line_graph,
    make_graph,
    snap_on,
    split_oracle,
)

TOL = 1e-6


# --------------------------------------------------------------------------- helpers


def scattered_snaps(graph: RoadGraph, seed: int, k: int) -> list[Snap]:
    """Snaps on random edges (repeats allowed, so several share a segment), at the ends, at
    random fractions and at shared fractions, with off-network legs (``off_network_m`` is not
    a multiple of ``off_network_s``, so mixing them up shows)."""
    rng = np.random.default_rng(seed)
    edges = rng.choice(np.flatnonzero(graph.tail != graph.head), k)
    fractions = np.where(rng.random(k) < 0.5, rng.choice([0.0, 1.0, 0.25, 0.5], k), rng.random(k))
    legs_s = np.where(rng.random(k) < 0.3, 0.0, rng.uniform(0.0, 30.0, k))
    legs_m = np.where(rng.random(k) < 0.3, 0.0, rng.uniform(0.0, 80.0, k))
    return [
        dataclasses.replace(
            snap_on(graph, int(e), float(f), leg_s=float(s)), off_network_m=float(m)
        )
        for e, f, s, m in zip(edges, fractions, legs_s, legs_m, strict=True)
    ]


def oracle_to_target(graph: RoadGraph, snaps: list[Snap], target: int, vehicle: str) -> np.ndarray:
    """networkx: every snapped point split into its segment, times from each to a copy of
    ``snaps[target]`` (a point's way to itself, like any other, goes out to the road and back
    in: both off-network legs)."""
    g = split_oracle(graph, [*snaps, snaps[target]], vehicle)
    d = nx.single_source_dijkstra_path_length(g.reverse(copy=False), ("x", len(snaps)))
    return np.array([d.get(("x", i), math.inf) for i in range(len(snaps))])


def oracle_distances(graph: RoadGraph, origin: Snap, points: list[Snap]) -> np.ndarray:
    """networkx: distances from ``origin`` to every point on the both-ways, by-length graph,
    with every point split into its segment and joined by its off-network leg in metres."""
    by_length = [dataclasses.replace(s, off_network_s=s.off_network_m) for s in [origin, *points]]
    g = split_oracle(graph.undirected_by_length(), by_length, "light")
    d = nx.single_source_dijkstra_path_length(g, ("x", 0))
    return np.array([d.get(("x", i + 1), math.inf) for i in range(len(points))])


def expected_nearest(want: np.ndarray, k: int, cutoff_m: float) -> tuple[np.ndarray, np.ndarray]:
    idx = np.flatnonzero(np.isfinite(want) & (want <= cutoff_m))
    idx = idx[np.lexsort((idx, want[idx]))][:k]
    return idx, want[idx]


def two_roads() -> RoadGraph:
    """0 -> 1 -> 2 a one-way street of two 100 m segments at 10 m/s; 2 -> 0 a 300 m, 30 s
    two-way road light vehicles only may use (heavy: inf); 0 <-> 3 a two-way 50 m segment that
    heavy appliances take at half speed; node 4 is an island joined to nothing."""
    t = [0, 1, 2, 0, 0, 3]
    h = [1, 2, 0, 2, 3, 0]
    length = [100.0, 100.0, 300.0, 300.0, 50.0, 50.0]
    light = [10.0, 10.0, 30.0, 30.0, 5.0, 5.0]
    heavy = [10.0, 10.0, math.inf, math.inf, 10.0, 10.0]
    return RoadGraph.from_edges(
        t, h, length_m=length, time_light_s=light, time_heavy_s=heavy, road_class=[0] * 6,
        lon=[116.0, 116.001, 116.002, 116.003, 116.1], lat=[40.0] * 5,
    )  # fmt: skip


# --------------------------------------------------------------------------- times_to_target


@pytest.mark.parametrize("vehicle", ["light", "heavy"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_times_to_target_equal_route_and_networkx(seed: int, vehicle: str, kind: str) -> None:
    graph = make_graph(kind, seed)
    snaps = scattered_snaps(graph, 70 + seed, 24)
    for target in (0, 5, 11):
        got = times_to_target(graph, SnapResult.from_snaps(snaps), snaps[target], vehicle=vehicle)
        want = oracle_to_target(graph, snaps, target, vehicle)
        assert_allclose(got, want, atol=TOL, rtol=0)
        routes = [route(graph, o, snaps[target], vehicle=vehicle).travel_time_s for o in snaps]
        assert_allclose(got, routes, atol=TOL, rtol=0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_times_to_target_respect_the_cutoff(seed: int, kind: str) -> None:
    graph = make_graph(kind, seed)
    snaps = scattered_snaps(graph, 170 + seed, 30)
    # The target most origins reach (some points sit in one-way pockets or on islands).
    reach = [times_to_target(graph, snaps, t, vehicle="heavy") for t in snaps[:6]]
    best = int(np.argmax([np.isfinite(r).sum() for r in reach]))
    full = reach[best]
    cutoff = between(full)
    got = times_to_target(graph, snaps, snaps[best], vehicle="heavy", cutoff_s=cutoff)
    assert_allclose(got, np.where(full <= cutoff, full, np.inf), atol=TOL, rtol=0)
    assert np.isfinite(got).sum() < np.isfinite(full).sum()


def test_one_way_streets_light_and_heavy() -> None:
    graph = two_roads()
    # Target halfway along 1 -> 2 with a 4 s leg.
    target = snap_on(graph, edge(graph, 1, 2), 0.5, leg_s=4.0)
    origins = [
        snap_on(graph, edge(graph, 0, 1), 0.5, leg_s=1.0),  # ahead on the one-way street
        snap_on(graph, edge(graph, 2, 0), 0.5),  # on the two-way 2 - 0 road
        snap_on(graph, edge(graph, 3, 0), 0.0),  # at node 3
        snap_on(graph, edge(graph, 1, 2), 0.9),  # past the target on the one-way street
    ]
    light = times_to_target(graph, origins, target)
    # 1 + 5 + 5 + 4; 15 + 10 + 5 + 4 (towards 0); 5 + 10 + 5 + 4; 1 + 30 + 10 + 5 + 4 (round
    # the 2 -> 0 road).
    assert_allclose(light, [15.0, 34.0, 24.0, 50.0])
    # Heavy appliances may not use 2 - 0: the last two are cut off, the second cannot leave.
    heavy = times_to_target(graph, origins, target, vehicle="heavy")
    assert_allclose(heavy, [15.0, math.inf, 29.0, math.inf])
    for vehicle, got in (("light", light), ("heavy", heavy)):
        want = [route(graph, o, target, vehicle=vehicle).travel_time_s for o in origins]
        assert_allclose(got, want, atol=TOL, rtol=0)


def test_same_edge_goes_straight_or_around_like_route() -> None:
    one_way = line_graph(one_way=True)
    target = snap_on(one_way, edge(one_way, 1, 2), 0.7, leg_s=2.0)
    before = snap_on(one_way, edge(one_way, 1, 2), 0.2, leg_s=1.0)
    after = snap_on(one_way, edge(one_way, 1, 2), 0.9)
    at = snap_on(one_way, edge(one_way, 1, 2), 0.7)
    got = times_to_target(one_way, [before, after, at], target)
    # Straight along; against the one-way street round the 600 s loop; already there.
    assert_allclose(got, [1.0 + 5.0 + 2.0, 1.0 + 10.0 + 600.0 + 10.0 + 7.0 + 2.0, 2.0])
    two_way = line_graph(one_way=False)
    target = snap_on(two_way, edge(two_way, 1, 2), 0.2)
    on_twin = snap_on(two_way, edge(two_way, 2, 1), 0.3)  # at 0.7 seen the other way
    assert_allclose(times_to_target(two_way, [on_twin], target), [5.0])
    for graph, o, t in ((one_way, after, at), (two_way, on_twin, target)):
        assert times_to_target(graph, [o], t)[0] == pytest.approx(route(graph, o, t).travel_time_s)


def test_a_target_exactly_at_the_cutoff_is_reached() -> None:
    graph = line_graph(one_way=True)
    target = snap_on(graph, edge(graph, 2, 3), 0.5)
    origin = snap_on(graph, edge(graph, 0, 1), 0.5)  # 5 + 10 + 5 = 20 s
    assert times_to_target(graph, [origin], target, cutoff_s=20.0)[0] == 20.0
    assert times_to_target(graph, [origin], target, cutoff_s=19.999)[0] == math.inf
    assert times_to_target(graph, [target], target, cutoff_s=0.0)[0] == 0.0


def test_times_to_target_match_one_to_all_to_a_node() -> None:
    # A target at a node (fraction 0) is that node: each origin's time is the node's time in
    # that origin's own forward search.
    graph = make_graph("chains", 3)
    snaps = scattered_snaps(graph, 5, 12)
    e = int(np.flatnonzero(graph.tail != graph.head)[0])
    target = snap_on(graph, e, 0.0)
    got = times_to_target(graph, snaps, target)
    want = [one_to_all(graph, s)[target.tail] for s in snaps]
    assert_allclose(got, want, atol=TOL, rtol=0)


def test_unreachable_and_empty() -> None:
    graph = RoadGraph.from_edges(
        [0, 2], [1, 3], length_m=[100.0, 100.0], time_light_s=[10.0, 10.0],
        time_heavy_s=[10.0, 10.0], road_class=[0, 0], lon=[116.0, 116.001, 116.1, 116.101],
        lat=[40.0] * 4,
    )  # fmt: skip
    target = snap_on(graph, 1, 0.5)
    got = times_to_target(graph, [snap_on(graph, 0, 0.5), snap_on(graph, 1, 0.2)], target)
    assert_array_equal(got, [math.inf, 3.0])
    empty = times_to_target(graph, SnapResult.from_snaps([]), target)
    assert empty.shape == (0,) and empty.dtype == np.float64


def test_times_to_target_refuse_bad_arguments() -> None:
    graph = line_graph(one_way=False)
    s = snap_on(graph, 0, 0.5)
    with pytest.raises(InvalidInputError, match="unknown vehicle 'bicycle'"):
        times_to_target(graph, [s], s, vehicle="bicycle")
    with pytest.raises(InvalidInputError, match=r"cutoff_s must be >= 0.*-1\.0"):
        times_to_target(graph, [s], s, cutoff_s=-1.0)
    far = dataclasses.replace(s, head=7)
    with pytest.raises(InvalidInputError, match="origin 1 is node 7"):
        times_to_target(graph, [s, far], s)
    with pytest.raises(InvalidInputError, match="target head is node 7"):
        times_to_target(graph, [s], far)


# --------------------------------------------------------------------------- nearest_by_distance


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_nearest_by_distance_equals_networkx(seed: int, kind: str) -> None:
    graph = make_graph(kind, seed)
    snaps = scattered_snaps(graph, 300 + seed, 41)
    # An origin that reaches several points (not one on an island).
    for j in range(len(snaps)):
        origin, points = snaps[j], snaps[:j] + snaps[j + 1 :]
        want = oracle_distances(graph, origin, points)
        if np.isfinite(want).sum() >= 10:
            break
    # Everything reachable, all distances.
    idx, dist = nearest_by_distance(graph, origin, points, k=1000, cutoff_m=math.inf)
    want_idx, want_dist = expected_nearest(want, 1000, math.inf)
    assert_array_equal(idx, want_idx)
    assert_allclose(dist, want_dist, atol=TOL, rtol=0)
    assert idx.dtype == np.int64 and dist.dtype == np.float64
    # k nearest within a cutoff that falls between two points.
    cutoff = between(want)
    kept = SnapResult.from_snaps(points)  # one object, reused: indexed once, then cached
    for k in (1, 3, 7):
        idx, dist = nearest_by_distance(graph, origin, kept, k=k, cutoff_m=cutoff)
        want_idx, want_dist = expected_nearest(want, k, cutoff)
        assert_array_equal(idx, want_idx)
        assert_allclose(dist, want_dist, atol=TOL, rtol=0)


def test_distance_ignores_one_way_and_vehicle_rules_and_counts_the_legs() -> None:
    graph = two_roads()
    origin = snap_on(graph, edge(graph, 1, 2), 0.5)
    origin = dataclasses.replace(origin, off_network_m=7.0)
    points = [
        snap_on(graph, edge(graph, 0, 1), 0.5),  # behind, against the one-way street: 100 m
        snap_on(graph, edge(graph, 0, 3), 0.4),  # 50 + 100 + 20 m (shorter than via 2 - 0)
        snap_on(graph, edge(graph, 1, 2), 0.8),  # same edge, ahead: 30 m
        snap_on(graph, edge(graph, 2, 0), 0.5),  # 50 + 150 m
    ]
    points[1] = dataclasses.replace(points[1], off_network_m=3.0)
    idx, dist = nearest_by_distance(graph, origin, points, k=10, cutoff_m=1000.0)
    assert_array_equal(idx, [2, 0, 1, 3])
    assert_allclose(dist, [7.0 + 30.0, 7.0 + 100.0, 7.0 + 170.0 + 3.0, 7.0 + 200.0])


def test_points_kept_between_calls_follow_the_graph_they_are_used_with() -> None:
    # The same SnapResult object on two graphs of the same shape but other lengths: the cached
    # per-node index must not carry one graph's segment lengths over to the other.
    short, long = line_graph(one_way=False), line_graph(one_way=False)
    long = dataclasses.replace(long, length_m=long.length_m * 3.0)
    origin = snap_on(short, edge(short, 0, 1), 0.5)
    points = SnapResult.from_snaps(
        [snap_on(short, edge(short, 2, 3), 0.5), snap_on(short, edge(short, 0, 1), 0.9)]
    )
    for graph, scale in ((short, 1.0), (long, 3.0), (short, 1.0)):
        idx, dist = nearest_by_distance(graph, origin, points, k=5, cutoff_m=math.inf)
        assert_array_equal(idx, [1, 0])
        assert_allclose(dist, [40.0 * scale, 200.0 * scale])
    with pytest.raises(InvalidInputError, match="point 0 is snapped to edge"):
        nearest_by_distance(two_roads(), origin, points, k=1, cutoff_m=10.0)


def test_distance_on_the_same_edge_and_its_twin() -> None:
    graph = line_graph(one_way=False)
    origin = snap_on(graph, edge(graph, 1, 2), 0.2)
    points = [
        snap_on(graph, edge(graph, 2, 1), 0.3),  # at 0.7 seen the other way: 50 m
        snap_on(graph, edge(graph, 1, 2), 0.1),  # behind: 10 m
        snap_on(graph, edge(graph, 1, 2), 0.2),  # the same place: 0 m
    ]
    idx, dist = nearest_by_distance(graph, origin, points, k=3, cutoff_m=100.0)
    assert_array_equal(idx, [2, 1, 0])
    assert_allclose(dist, [0.0, 10.0, 50.0], atol=1e-9)
    # On a long segment the point is found even though neither end is within the cutoff.
    long_road = line_graph(one_way=True)  # 3 -> 0 is a 6 km one-way road
    far_end = snap_on(long_road, edge(long_road, 3, 0), 0.5)
    near = [snap_on(long_road, edge(long_road, 3, 0), 0.51), far_end]
    idx, dist = nearest_by_distance(long_road, far_end, near, k=5, cutoff_m=100.0)
    assert_array_equal(idx, [1, 0])
    assert_allclose(dist, [0.0, 60.0], atol=1e-9)


def test_cutoff_k_ties_and_unreachable_points() -> None:
    graph = two_roads()
    origin = snap_on(graph, edge(graph, 0, 1), 0.0)  # at node 0
    points = [
        snap_on(graph, edge(graph, 1, 2), 0.0),  # node 1: 100 m
        snap_on(graph, edge(graph, 0, 3), 1.0),  # node 3: 50 m
        snap_on(graph, edge(graph, 0, 1), 1.0),  # node 1 again: a tie, after index 0
        snap_on(graph, edge(graph, 0, 1), 0.5),  # 50 m, tied with node 3
    ]
    island = RoadGraph.from_edges(
        [*graph.tail, 4, 5], [*graph.head, 5, 4], length_m=[*graph.length_m, 10.0, 10.0],
        time_light_s=[*graph.time_light_s, 1.0, 1.0], time_heavy_s=[*graph.time_heavy_s, 1, 1],
        road_class=[0] * (graph.n_edges + 2), lon=[*graph.lon, 116.2], lat=[*graph.lat, 40.0],
    )  # fmt: skip
    far = snap_on(island, edge(island, 4, 5), 0.5)
    pts = [snap_on(island, p.edge, p.fraction) for p in points] + [far]
    o = snap_on(island, origin.edge, origin.fraction)
    idx, dist = nearest_by_distance(island, o, pts, k=10, cutoff_m=math.inf)
    assert_array_equal(idx, [1, 3, 0, 2])  # the island's point is absent, ties by index
    assert_allclose(dist, [50.0, 50.0, 100.0, 100.0])
    # Exactly at the cutoff is in; k smaller than the reachable points keeps the nearest.
    idx, dist = nearest_by_distance(island, o, pts, k=3, cutoff_m=100.0)
    assert_array_equal(idx, [1, 3, 0])
    idx, _ = nearest_by_distance(island, o, pts, k=10, cutoff_m=99.999)
    assert_array_equal(idx, [1, 3])
    idx, dist = nearest_by_distance(island, o, pts, k=2, cutoff_m=0.0)
    assert len(idx) == 0 and len(dist) == 0
    idx, _ = nearest_by_distance(island, o, SnapResult.from_snaps([]), k=2, cutoff_m=10.0)
    assert idx.shape == (0,) and idx.dtype == np.int64


def test_nearest_by_distance_refuses_bad_arguments() -> None:
    graph = line_graph(one_way=False)
    s = snap_on(graph, 0, 0.5)
    for k in (0, -2, 1.5, True):
        with pytest.raises(InvalidInputError, match=f"k must be an integer >= 1, got {k!r}"):
            nearest_by_distance(graph, s, [s], k=k, cutoff_m=10.0)  # type: ignore[arg-type]
    for cutoff in (-1.0, math.nan):
        with pytest.raises(InvalidInputError, match="cutoff_m must be >= 0"):
            nearest_by_distance(graph, s, [s], k=1, cutoff_m=cutoff)
    with pytest.raises(InvalidInputError, match="cutoff_m must be a number"):
        nearest_by_distance(graph, s, [s], k=1, cutoff_m="far")  # type: ignore[arg-type]
    wrong = dataclasses.replace(s, edge=99)
    with pytest.raises(InvalidInputError, match="point 1 is snapped to edge 99"):
        nearest_by_distance(graph, s, [s, wrong], k=1, cutoff_m=10.0)
    with pytest.raises(InvalidInputError, match="origin is snapped to edge 99"):
        nearest_by_distance(graph, wrong, [s], k=1, cutoff_m=10.0)
    mismatched = dataclasses.replace(s, tail=3)
    with pytest.raises(InvalidInputError, match=r"point 0 is snapped to edge \d+ \(3 -> "):
        nearest_by_distance(graph, s, [mismatched], k=1, cutoff_m=10.0)


# --------------------------------------------------------------------------- property test


@st.composite
def graphs_with_snaps(draw: st.DrawFn) -> tuple[RoadGraph, list[Snap]]:
    n = draw(st.integers(2, 9))
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=20)
    )
    two_way = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    times = draw(
        st.lists(st.sampled_from([0.0, 1.0, 2.5, 4.0, 7.0]), min_size=len(pairs),
                 max_size=len(pairs))
    )  # fmt: skip
    heavy_ok = draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    t = [u for u, _ in pairs] + [v for (u, v), w in zip(pairs, two_way, strict=True) if w]
    h = [v for _, v in pairs] + [u for (u, v), w in zip(pairs, two_way, strict=True) if w]
    light = times + [x for x, w in zip(times, two_way, strict=True) if w]
    ok = heavy_ok + [x for x, w in zip(heavy_ok, two_way, strict=True) if w]
    heavy = [x * 1.5 if good else math.inf for x, good in zip(light, ok, strict=True)]
    graph = RoadGraph.from_edges(
        t, h, length_m=[x * 10.0 for x in light], time_light_s=light, time_heavy_s=heavy,
        road_class=[0] * len(t), lon=[116.0 + 0.001 * i for i in range(n)], lat=[40.0] * n,
    )  # fmt: skip
    usable = [e for e in range(graph.n_edges) if graph.tail[e] != graph.head[e]]
    if not usable:
        usable = [0]
    picks = draw(
        st.lists(
            st.tuples(st.sampled_from(usable), st.sampled_from([0.0, 0.3, 0.5, 1.0]),
                      st.sampled_from([0.0, 2.0])),
            min_size=2, max_size=8,
        )
    )  # fmt: skip
    snaps = [snap_on(graph, e, f, leg_s=leg) for e, f, leg in picks]
    return graph, snaps


@settings(max_examples=150, deadline=None)
@given(graphs_with_snaps(), st.sampled_from(["light", "heavy"]))
def test_property_both_kernels_equal_their_oracles(
    case: tuple[RoadGraph, list[Snap]], vehicle: str
) -> None:
    graph, snaps = case
    if any(s.tail == s.head for s in snaps):
        return  # only self-loops to snap onto: the split-graph oracle cannot split those
    got = times_to_target(graph, snaps, snaps[0], vehicle=vehicle)
    routes = [route(graph, o, snaps[0], vehicle=vehicle).travel_time_s for o in snaps]
    assert_allclose(got, routes, atol=TOL, rtol=0)
    assert_allclose(got, oracle_to_target(graph, snaps, 0, vehicle), atol=TOL, rtol=0)
    want = oracle_distances(graph, snaps[0], snaps[1:])
    # Every distance is a multiple of 0.5 m here: no rounding can move one across 60.25 m.
    idx, dist = nearest_by_distance(graph, snaps[0], snaps[1:], k=3, cutoff_m=60.25)
    want_idx, want_dist = expected_nearest(want, 3, 60.25)
    # Equal distances may be rounded differently on either side: compare the distances, and
    # the indices where the distances are not tied.
    assert_allclose(dist, want_dist, atol=TOL, rtol=0)
    assert_allclose(want[idx], dist, atol=TOL, rtol=0)
    assert len(idx) == len(want_idx)
