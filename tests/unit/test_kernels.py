"""Travel-time kernels equal networkx's Dijkstra (the oracle) on awkward random graphs."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from firegrid.errors import InvalidInputError
from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.kernels import (
    _core,
    many_to_many,
    multi_source,
    one_to_all,
    route,
    sources_from_snaps,
    times_to_snaps,
)
from firegrid.network.snap import Snap, SnapResult, fastest_edge

TOL = 1e-6
SEEDS = range(8)


# --------------------------------------------------------------------------- fixtures


def random_graph(seed: int, n: int = 80) -> RoadGraph:
    """A messy road graph: two-way and one-way streets, parallel edges with different times,
    zero-length edges, self-loops, edges impassable for heavy appliances, an unreachable
    island and isolated nodes."""
    rng = np.random.default_rng(seed)
    main = n - 10  # nodes main..main+5 form an island, the last 4 are isolated
    t = rng.integers(0, main, 3 * main)
    h = rng.integers(0, main, 3 * main)
    island_t = rng.integers(main, main + 6, 8)
    island_h = rng.integers(main, main + 6, 8)
    t = np.concatenate([t, island_t])
    h = np.concatenate([h, island_h])
    two_way = rng.random(len(t)) < 0.6
    t, h = np.concatenate([t, h[two_way]]), np.concatenate([h, t[two_way]])
    # Parallel edges: repeat some pairs with another time.
    dup = rng.choice(len(t), 15, replace=False)
    t, h = np.concatenate([t, t[dup]]), np.concatenate([h, h[dup]])
    length = rng.uniform(5.0, 400.0, len(t))
    length[rng.random(len(t)) < 0.05] = 0.0
    light = length / rng.uniform(5.0, 20.0, len(t))
    heavy = light * rng.uniform(1.0, 1.6, len(t))
    heavy[rng.random(len(t)) < 0.2] = np.inf
    lon = 116.3 + rng.random(n) * 0.05
    lat = 39.9 + rng.random(n) * 0.05
    return RoadGraph.from_edges(
        t, h, length_m=length, time_light_s=light, time_heavy_s=heavy,
        road_class=np.zeros(len(t)), lon=lon, lat=lat,
    )  # fmt: skip


def chain_graph(seed: int) -> RoadGraph:
    """A graph like an unsimplified OSM extract: roads between junctions carry shape points
    (degree-2 nodes, which the kernels contract into chains). Roads are two-way, one-way either
    way, or mixed segment by segment; some are loops from a junction back to itself, some run
    parallel between the same junctions, some are closed to heavy appliances in part; there
    are isolated rings (no junction at all), dead-end spurs, zero-length and parallel segments
    and self-loops."""
    rng = np.random.default_rng(1000 + seed)
    tails: list[int] = []
    heads: list[int] = []
    light: list[float] = []
    heavy: list[float] = []
    n_nodes = 14

    def add(u: int, v: int, light_s: float, heavy_s: float) -> None:
        tails.append(u)
        heads.append(v)
        light.append(light_s)
        heavy.append(heavy_s)

    def segment(u: int, v: int, kind: str, heavy_ok: bool) -> None:
        w = float(rng.choice([0.0, *rng.uniform(1.0, 60.0, 9)]))
        wh = w * 1.3 if heavy_ok and rng.random() > 0.1 else np.inf
        if kind in ("two", "fwd"):
            add(u, v, w, wh)
        if kind in ("two", "bwd"):
            back = w if rng.random() < 0.7 else float(rng.uniform(1.0, 60.0))
            add(v, u, back, back * 1.3)
        if rng.random() < 0.05:  # a parallel way over the same two nodes
            add(u, v, w + 1.0, w + 1.0)

    def road(u: int, v: int, shape_points: int) -> None:
        nonlocal n_nodes
        nodes = [u, *range(n_nodes, n_nodes + shape_points), v]
        n_nodes += shape_points
        kind = rng.choice(["two", "two", "two", "fwd", "bwd", "mixed"])
        heavy_ok = rng.random() > 0.15
        for x, y in itertools.pairwise(nodes):
            k = str(rng.choice(["two", "fwd", "bwd"])) if kind == "mixed" else str(kind)
            segment(x, y, k, heavy_ok)

    for _ in range(24):
        u, v = (int(x) for x in rng.integers(0, 14, 2))
        road(u, v, int(rng.integers(0, 6)))  # u == v gives a loop road
    for _ in range(2):  # isolated rings
        start = n_nodes
        ring = list(range(start, start + 5))
        n_nodes += 5
        kind = str(rng.choice(["two", "fwd"]))
        for x, y in itertools.pairwise([*ring, ring[0]]):
            segment(x, y, kind, True)
    spur = n_nodes  # a dead-end spur with shape points off junction 0
    n_nodes += 1
    road(0, spur, 3)
    add(spur, spur, 5.0, 5.0)  # a self-loop
    n = n_nodes
    t = np.array(tails)
    length = np.array(light) * 10.0
    return RoadGraph.from_edges(
        t, heads, length_m=length, time_light_s=light, time_heavy_s=heavy,
        road_class=np.zeros(len(t)), lon=116.3 + rng.random(n) * 0.05,
        lat=39.9 + rng.random(n) * 0.05,
    )  # fmt: skip


def make_graph(kind: str, seed: int) -> RoadGraph:
    return random_graph(seed) if kind == "random" else chain_graph(seed)


KINDS = ["random", "chains"]


def oracle(graph: RoadGraph, vehicle: str) -> nx.DiGraph:
    """networkx graph of the same edges, keeping the minimum of parallel edges."""
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    time_s = graph.travel_time_s(vehicle)
    for u, v, w in zip(graph.tail, graph.head, time_s, strict=True):
        if not math.isfinite(w):
            continue
        u, v = int(u), int(v)
        if not g.has_edge(u, v) or g[u][v]["weight"] > w:
            g.add_edge(u, v, weight=float(w))
    return g


def oracle_times(g: nx.DiGraph, source: object, n: int, cutoff: float | None = None) -> np.ndarray:
    d = nx.single_source_dijkstra_path_length(g, source, cutoff=cutoff, weight="weight")
    out = np.full(n, np.inf)
    for v, x in d.items():
        if isinstance(v, int | np.integer):
            out[v] = x
    return out


def split_oracle(graph: RoadGraph, snaps: list[Snap], vehicle: str) -> nx.DiGraph:
    """Independent formulation of snapped points: each point becomes a real node ``("p", i)``
    inserted into its segment (in both directions where the street is two-way), joined to its
    off-network position ``("x", i)`` by the off-network leg."""
    g = oracle(graph, vehicle)
    by_segment: dict[tuple[int, int], list[tuple[float, int]]] = {}
    for i, s in enumerate(snaps):
        u, v, f = (
            (s.tail, s.head, s.fraction) if s.tail <= s.head else (s.head, s.tail, 1 - s.fraction)
        )
        by_segment.setdefault((u, v), []).append((f, i))
        g.add_edge(("x", i), ("p", i), weight=s.off_network_s)
        g.add_edge(("p", i), ("x", i), weight=s.off_network_s)
        # A point at an end of its edge is at that node, whatever the edge allows.
        if s.fraction in (0.0, 1.0):
            node = s.tail if s.fraction == 0.0 else s.head
            g.add_edge(("p", i), node, weight=0.0)
            g.add_edge(node, ("p", i), weight=0.0)
    for (u, v), points in by_segment.items():
        w_fwd = g[u][v]["weight"] if g.has_edge(u, v) else None
        w_rev = g[v][u]["weight"] if g.has_edge(v, u) else None
        if g.has_edge(u, v):
            g.remove_edge(u, v)
        if g.has_edge(v, u):
            g.remove_edge(v, u)
        chain: list[tuple[float, object]] = [(0.0, u), *sorted((f, ("p", i)) for f, i in points)]
        chain.append((1.0, v))
        for (f0, a), (f1, b) in itertools.pairwise(chain):
            if f1 == f0:  # two things at the same place: no driving between them
                g.add_edge(a, b, weight=0.0)
                g.add_edge(b, a, weight=0.0)
                continue
            if w_fwd is not None:
                g.add_edge(a, b, weight=(f1 - f0) * w_fwd)
            if w_rev is not None:
                g.add_edge(b, a, weight=(f1 - f0) * w_rev)
    return g


def edge(graph: RoadGraph, u: int, v: int) -> int:
    return int(fastest_edge(graph, u, v)[()])


def between(lo: np.ndarray) -> float:
    """A cutoff halfway between two distinct finite times (no node sits on it, so float
    rounding cannot decide which side a node falls)."""
    vals = np.unique(lo[np.isfinite(lo)])
    k = len(vals) // 2
    return float(0.5 * (vals[k - 1] + vals[k]))


def snap_on(graph: RoadGraph, edge: int, fraction: float, leg_s: float = 0.0) -> Snap:
    """A hand-made snap (the kernels only read edge, fraction, ends and the leg)."""
    return Snap(
        edge=edge, fraction=fraction, tail=int(graph.tail[edge]), head=int(graph.head[edge]),
        lon=0.0, lat=0.0, off_network_m=leg_s * 2.0, off_network_s=leg_s,
    )  # fmt: skip


def line_graph(one_way: bool) -> RoadGraph:
    """0 - 1 - 2 - 3 along a street of 100 m segments at 10 m/s, with a 6 km, 600 s detour
    3 -> 0; the street is one-way 0 -> 3 when ``one_way``."""
    t, h = [0, 1, 2, 3], [1, 2, 3, 0]
    time, length = [10.0, 10.0, 10.0, 600.0], [100.0, 100.0, 100.0, 6000.0]
    if not one_way:
        t, h = [*t, 1, 2, 3], [*h, 0, 1, 2]
        time, length = [*time, 10.0, 10.0, 10.0], [*length, 100.0, 100.0, 100.0]
    return RoadGraph.from_edges(
        t, h, length_m=length, time_light_s=time, time_heavy_s=time,
        road_class=[0] * len(t), lon=[116.0, 116.001, 116.002, 116.003], lat=[40.0] * 4,
    )  # fmt: skip


# --------------------------------------------------------------------------- one-to-all


@pytest.mark.parametrize("vehicle", ["light", "heavy"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_one_to_all_equals_networkx(seed: int, vehicle: str, kind: str) -> None:
    graph = make_graph(kind, seed)
    g = oracle(graph, vehicle)
    for source in range(graph.n_nodes):  # junctions, shape points, rings, spurs alike
        got = one_to_all(graph, source, vehicle=vehicle)
        assert_allclose(got, oracle_times(g, source, graph.n_nodes), atol=TOL, rtol=0)


def test_unreachable_nodes_are_inf_and_zero_length_edges_cost_nothing() -> None:
    # 0 -> 1 is zero length (two ways mapped through the same point), 2 is isolated.
    graph = RoadGraph.from_edges(
        [0, 1], [1, 0], length_m=[0.0, 0.0], time_light_s=[0.0, 0.0], time_heavy_s=[0.0, 0.0],
        road_class=[0, 0], lon=[116.0, 116.0, 116.1], lat=[40.0, 40.0, 40.0],
    )  # fmt: skip
    assert_array_equal(one_to_all(graph, 0), [0.0, 0.0, np.inf])


def test_heavy_appliances_do_not_use_impassable_edges() -> None:
    # A narrow lane 0 -> 2 (inf for heavy) versus the long way round 0 -> 1 -> 2.
    graph = RoadGraph.from_edges(
        [0, 1, 0], [1, 2, 2], length_m=[500.0, 500.0, 100.0],
        time_light_s=[50.0, 50.0, 10.0], time_heavy_s=[60.0, 60.0, np.inf],
        road_class=[0, 0, 0], lon=[116.0, 116.005, 116.001], lat=[40.0, 40.0, 40.001],
    )  # fmt: skip
    assert one_to_all(graph, 0, vehicle="light")[2] == pytest.approx(10.0)
    assert one_to_all(graph, 0, vehicle="heavy")[2] == pytest.approx(120.0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_cutoff_equals_networkx_cutoff(seed: int, kind: str) -> None:
    graph = make_graph(kind, seed)
    g = oracle(graph, "light")
    cutoff = between(one_to_all(graph, 0))
    got = one_to_all(graph, 0, cutoff_s=cutoff)
    assert_allclose(got, oracle_times(g, 0, graph.n_nodes, cutoff=cutoff), atol=TOL, rtol=0)
    assert np.all(got[np.isfinite(got)] <= cutoff)


def test_a_node_exactly_at_the_cutoff_is_reachable() -> None:
    graph = line_graph(one_way=False)
    assert_array_equal(one_to_all(graph, 0, cutoff_s=20.0), [0.0, 10.0, 20.0, np.inf])
    times, origin = multi_source(graph, [0], offsets_s=[5.0], cutoff_s=25.0)
    assert_array_equal(times, [5.0, 15.0, 25.0, np.inf])
    assert_array_equal(origin, [0, 0, 0, -1])
    assert_array_equal(many_to_many(graph, [0], [2, 3], cutoff_s=20.0), [[20.0, np.inf]])


# --------------------------------------------------------------------------- multi-source


@pytest.mark.parametrize("vehicle", ["light", "heavy"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_multi_source_is_the_best_offset_plus_time(seed: int, vehicle: str, kind: str) -> None:
    graph = make_graph(kind, seed)
    g = oracle(graph, vehicle)
    rng = np.random.default_rng(100 + seed)
    sources = rng.choice(graph.n_nodes, 7, replace=False)
    offsets = rng.uniform(0.0, 120.0, 7)
    per_source = np.array([oracle_times(g, int(s), graph.n_nodes) for s in sources])
    expected = (per_source + offsets[:, None]).min(axis=0)
    for cutoff in (None, between(expected)):
        times, origin = multi_source(
            graph, sources, offsets_s=offsets, vehicle=vehicle, cutoff_s=cutoff
        )
        want = expected if cutoff is None else np.where(expected <= cutoff, expected, np.inf)
        assert_allclose(times, want, atol=TOL, rtol=0)
        reached = np.isfinite(times)
        assert_array_equal(origin[~reached], -1)
        # The named source really achieves the time.
        achieved = offsets[origin[reached]] + per_source[origin[reached], np.flatnonzero(reached)]
        assert_allclose(achieved, times[reached], atol=TOL, rtol=0)


@pytest.mark.parametrize("seed", SEEDS)
def test_many_sources_on_one_chain(seed: int) -> None:
    graph = chain_graph(seed)
    g = oracle(graph, "light")
    # Every node of the longest chain of shape points, each with its own delay.
    core = _core(graph, Vehicle.LIGHT)
    longest = int(np.argmax(core.hi - core.lo))
    sources = core.node[core.lo[longest] : core.hi[longest]]
    offsets = np.random.default_rng(seed).uniform(0.0, 30.0, len(sources))
    per_source = np.array([oracle_times(g, int(s), graph.n_nodes) for s in sources])
    expected = (per_source + offsets[:, None]).min(axis=0)
    times, origin = multi_source(graph, sources, offsets_s=offsets)
    assert_allclose(times, expected, atol=TOL, rtol=0)
    reached = np.isfinite(times)
    achieved = offsets[origin[reached]] + per_source[origin[reached], np.flatnonzero(reached)]
    assert_allclose(achieved, times[reached], atol=TOL, rtol=0)


def test_multi_source_names_the_source_a_node_is_first_due_from() -> None:
    graph = line_graph(one_way=False)
    times, origin = multi_source(graph, [0, 3], offsets_s=[0.0, 0.0])
    assert_array_equal(times, [0.0, 10.0, 10.0, 0.0])
    assert_array_equal(origin, [0, 0, 1, 1])
    # A long turn-out time at the second station moves node 2 into the first one's district.
    times, origin = multi_source(graph, [0, 3], offsets_s=[0.0, 15.0])
    assert_array_equal(times, [0.0, 10.0, 20.0, 15.0])
    assert_array_equal(origin, [0, 0, 0, 1])


def test_multi_source_duplicates_disabled_sources_and_no_sources() -> None:
    graph = line_graph(one_way=True)
    times, origin = multi_source(graph, [1, 1, 0], offsets_s=[30.0, 5.0, np.inf])
    assert_array_equal(times, [625.0, 5.0, 15.0, 25.0])
    assert_array_equal(origin, [1, 1, 1, 1])
    times, origin = multi_source(graph, np.zeros(0, dtype=np.int64))
    assert np.isinf(times).all() and (origin == -1).all()


# --------------------------------------------------------------------------- many-to-many


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_many_to_many_rows_equal_one_to_all(seed: int, kind: str) -> None:
    graph = make_graph(kind, seed)
    g = oracle(graph, "heavy")
    rng = np.random.default_rng(seed)
    sources = rng.choice(graph.n_nodes, 12, replace=False)
    targets = rng.choice(graph.n_nodes, 9, replace=True)
    for cutoff in (None, 200.0):
        matrix = many_to_many(graph, sources, targets, vehicle="heavy", cutoff_s=cutoff)
        assert matrix.shape == (12, 9)
        for i, s in enumerate(sources):
            row = one_to_all(graph, int(s), vehicle="heavy", cutoff_s=cutoff)[targets]
            assert_allclose(matrix[i], row, atol=0, rtol=0)
    # Against the oracle, with every node a target (so sources and targets share chains).
    everything = many_to_many(graph, sources, np.arange(graph.n_nodes), vehicle="heavy")
    for i, s in enumerate(sources):
        want = oracle_times(g, int(s), graph.n_nodes)
        assert_allclose(everything[i], want, atol=TOL, rtol=0)


# --------------------------------------------------------------------------- snapped points


def random_snaps(graph: RoadGraph, seed: int, k: int) -> list[Snap]:
    rng = np.random.default_rng(seed)
    edges = rng.choice(graph.n_edges, k, replace=False)
    fractions = rng.choice([0.0, 1.0, 0.25, 0.5, 0.8], k)
    return [
        snap_on(graph, int(e), float(f), leg_s=float(rng.uniform(0, 30)))
        for e, f in zip(edges, fractions, strict=True)
        if graph.tail[e] != graph.head[e]  # the oracle cannot split self-loops
    ]


@pytest.mark.parametrize("vehicle", ["light", "heavy"])
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_routes_between_snapped_points_equal_the_split_graph_oracle(
    seed: int, vehicle: str, kind: str
) -> None:
    graph = make_graph(kind, seed)
    snaps = random_snaps(graph, seed, 8)
    for a in range(len(snaps)):
        for b in range(len(snaps)):
            g = split_oracle(graph, [snaps[a], snaps[b]], vehicle)
            try:
                want = nx.dijkstra_path_length(g, ("x", 0), ("x", 1), weight="weight")
            except nx.NetworkXNoPath:
                want = math.inf
            got = route(graph, snaps[a], snaps[b], vehicle=vehicle)
            assert got.travel_time_s == pytest.approx(want, abs=TOL), (a, b)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("kind", KINDS)
def test_snapped_sources_and_targets_equal_the_split_graph_oracle(seed: int, kind: str) -> None:
    graph = make_graph(kind, seed)
    snaps = random_snaps(graph, 50 + seed, 4)
    origin, targets = snaps[0], snaps[1:]
    g = split_oracle(graph, snaps, "light")
    want_nodes = oracle_times(g, ("x", 0), graph.n_nodes)
    assert_allclose(one_to_all(graph, origin), want_nodes, atol=TOL, rtol=0)
    # Arrival at the other points (none shares the origin's segment in these draws, where the
    # node-based times_to_snaps is exact).
    shares = [{s.tail, s.head} == {origin.tail, origin.head} for s in targets]
    d = nx.single_source_dijkstra_path_length(g, ("x", 0), weight="weight")
    want = [d.get(("x", i + 1), math.inf) for i in range(len(targets))]
    got = times_to_snaps(graph, want_nodes, targets)
    for i, shared in enumerate(shares):
        if not shared:
            assert got[i] == pytest.approx(want[i], abs=TOL)


def test_multi_source_from_snaps_names_the_point() -> None:
    graph = line_graph(one_way=False)
    a = snap_on(graph, edge(graph, 0, 1), 0.5, leg_s=3.0)
    b = snap_on(graph, edge(graph, 2, 3), 0.5, leg_s=0.0)
    times, origin = multi_source(graph, SnapResult.from_snaps([a, b]), offsets_s=[0.0, 60.0])
    assert_allclose(times, [8.0, 8.0, 18.0, 28.0])
    assert_array_equal(origin, [0, 0, 0, 0])
    times, origin = multi_source(graph, [a, b], offsets_s=[0.0, 0.0])
    assert_allclose(times, [8.0, 8.0, 5.0, 5.0])
    assert_array_equal(origin, [0, 0, 1, 1])
    pairs = sources_from_snaps(graph, [a, b])
    got = zip(pairs.owner.tolist(), pairs.node.tolist(), pairs.offset_s.tolist(), strict=True)
    assert sorted(got) == [
        (0, 0, 8.0), (0, 1, 8.0), (1, 2, 5.0), (1, 3, 5.0),
    ]  # fmt: skip


# --------------------------------------------------------------------------- routes


def test_routes_on_one_way_streets_are_asymmetric() -> None:
    graph = line_graph(one_way=True)
    a = snap_on(graph, edge(graph, 0, 1), 0.5)
    b = snap_on(graph, edge(graph, 2, 3), 0.5)
    there = route(graph, a, b)
    back = route(graph, b, a)
    assert there.travel_time_s == pytest.approx(20.0)
    assert there.distance_m == pytest.approx(200.0)
    assert_array_equal(there.nodes, [1, 2])
    # Back against the one-way street: on to 3, the 600 s detour to 0, then to the point.
    assert back.travel_time_s == pytest.approx(5.0 + 600.0 + 5.0)
    assert back.distance_m == pytest.approx(50.0 + 6000.0 + 50.0)
    assert_array_equal(back.nodes, [3, 0])


def test_same_edge_routes_go_straight_or_around() -> None:
    one_way = line_graph(one_way=True)
    a = snap_on(one_way, edge(one_way, 1, 2), 0.2, leg_s=1.0)
    b = snap_on(one_way, edge(one_way, 1, 2), 0.7, leg_s=2.0)
    ahead = route(one_way, a, b)
    assert ahead.travel_time_s == pytest.approx(1.0 + 5.0 + 2.0)
    assert ahead.distance_m == pytest.approx(2.0 + 50.0 + 4.0)
    assert len(ahead.nodes) == 0
    # Backwards along a one-way edge means going round the loop.
    behind = route(one_way, b, a)
    assert behind.travel_time_s == pytest.approx(2.0 + 3.0 + 10.0 + 600.0 + 10.0 + 2.0 + 1.0)
    assert_array_equal(behind.nodes, [2, 3, 0, 1])
    # On a two-way street the twin edge is used, even when the other snap names it.
    two_way = line_graph(one_way=False)
    a = snap_on(two_way, edge(two_way, 1, 2), 0.2)
    b_on_twin = snap_on(two_way, edge(two_way, 2, 1), 0.3)  # b's place, seen the other way
    assert route(two_way, b_on_twin, a).travel_time_s == pytest.approx(5.0)
    assert route(two_way, a, b_on_twin).travel_time_s == pytest.approx(5.0)


def test_unreachable_route_is_inf() -> None:
    graph = RoadGraph.from_edges(
        [0, 2], [1, 3], length_m=[100.0, 100.0], time_light_s=[10.0, 10.0],
        time_heavy_s=[10.0, 10.0], road_class=[0, 0], lon=[116.0, 116.001, 116.1, 116.101],
        lat=[40.0] * 4,
    )  # fmt: skip
    r = route(graph, snap_on(graph, 0, 0.5), snap_on(graph, 1, 0.5))
    assert r.travel_time_s == math.inf and r.distance_m == math.inf and len(r.nodes) == 0


# --------------------------------------------------------------------------- errors


def test_bad_arguments_are_refused_with_the_offending_value() -> None:
    graph = line_graph(one_way=False)
    with pytest.raises(InvalidInputError, match="node 9"):
        one_to_all(graph, 9)
    with pytest.raises(InvalidInputError, match="source 1 is node -1"):
        multi_source(graph, [0, -1])
    with pytest.raises(InvalidInputError, match="unknown vehicle 'bicycle'"):
        one_to_all(graph, 0, vehicle="bicycle")
    with pytest.raises(InvalidInputError, match="cutoff_s must be >= 0"):
        one_to_all(graph, 0, cutoff_s=-1.0)
    with pytest.raises(InvalidInputError, match="offsets_s has shape"):
        multi_source(graph, [0, 1], offsets_s=[1.0])
    with pytest.raises(InvalidInputError, match=r"offset 0 is -5\.0"):
        multi_source(graph, [0], offsets_s=[-5.0])
    with pytest.raises(InvalidInputError, match="target 0 is node 4"):
        many_to_many(graph, [0], [4])
