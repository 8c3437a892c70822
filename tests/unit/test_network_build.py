"""firegrid.network.build: ways + node locations → RoadGraph, on tiny synthetic networks."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pyproj
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import LineString, Point, box
from shapely.geometry.base import BaseGeometry

from firegrid.errors import InvalidInputError
from firegrid.network.build import (
    BuildResult,
    NodeTable,
    WayCollector,
    buffered_clip,
    build_graph,
    largest_strong_component,
)
from firegrid.network.graph import RoadGraph
from firegrid.network.speeds import BarrierEffect, default_profile

PROFILE = default_profile()
GEOD = pyproj.Geod(ellps="WGS84")
# A small grid west of Mentougou: node id = 100 + 10 * row + col, 0.001° apart.
LON0, LAT0 = 116.00, 39.90
STEP = 0.001


def grid_nodes(
    ids: list[int] | None = None, barrier: dict[int, BarrierEffect] | None = None
) -> NodeTable:
    all_ids = ids if ids is not None else [100 + 10 * r + c for r in range(5) for c in range(5)]
    arr = np.array(sorted(all_ids), dtype=np.int64)
    lon = LON0 + ((arr - 100) % 10) * STEP
    lat = LAT0 + ((arr - 100) // 10) * STEP
    flags = np.zeros(len(arr), dtype=np.uint8)
    for node, effect in (barrier or {}).items():
        flags[np.searchsorted(arr, node)] = effect
    return NodeTable(ids=arr, lon=lon.astype(float), lat=lat.astype(float), barrier=flags)


def coord(node: int) -> tuple[float, float]:
    return LON0 + ((node - 100) % 10) * STEP, LAT0 + ((node - 100) // 10) * STEP


def build(
    ways: list[tuple[list[int], dict[str, str]]], nodes: NodeTable | None = None, **kw: object
) -> BuildResult:
    collector = WayCollector(PROFILE, "urban")
    for refs, tags in ways:
        collector.add_osm(refs, tags)
    return build_graph(
        collector.arrays(),
        nodes if nodes is not None else grid_nodes(),
        profile=PROFILE,
        variant="urban",
        base_stats=collector.base_stats(),
        **kw,  # type: ignore[arg-type]
    )


def edges(graph: RoadGraph) -> set[tuple[int, int]]:
    """Directed edges as pairs of *source* node ids."""
    assert graph.node_source_id is not None
    src = graph.node_source_id
    return {
        (int(src[t]), int(src[h]))
        for t, h in zip(graph.tail.tolist(), graph.head.tolist(), strict=True)
    }


def to_nx(graph: RoadGraph, weight: str = "time_light_s") -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_nodes))
    w = getattr(graph, weight)
    for t, h, c in zip(graph.tail.tolist(), graph.head.tolist(), w.tolist(), strict=True):
        if np.isfinite(c):
            g.add_edge(t, h)
    return g


# --------------------------------------------------------------------------- geometry, speeds


def test_every_node_is_kept_and_lengths_are_geodesic() -> None:
    result = build([([100, 101, 102, 103], {"highway": "residential"})])
    g = result.graph
    assert g.n_nodes == 4  # not simplified: interior nodes stay
    assert g.n_edges == 6  # two-way: both directions of 3 segments
    lon1, lat1 = zip(*(coord(n) for n in (100, 101, 102)), strict=True)
    lon2, lat2 = zip(*(coord(n) for n in (101, 102, 103)), strict=True)
    _, _, expected = GEOD.inv(np.array(lon1), np.array(lat1), np.array(lon2), np.array(lat2))
    assert_allclose(g.road_km() * 1000, expected.sum(), rtol=1e-12)
    for t, h, length in zip(g.tail, g.head, g.length_m, strict=True):
        _, _, d = GEOD.inv(g.lon[t], g.lat[t], g.lon[h], g.lat[h])
        assert length == pytest.approx(d, rel=1e-12)
    assert result.stats["road_km"] == pytest.approx(expected.sum() / 1000)


def test_travel_times_follow_the_profile_speeds_per_vehicle() -> None:
    result = build(
        [
            ([100, 101], {"highway": "primary"}),
            ([110, 111], {"highway": "track", "tracktype": "grade5"}),
        ]
    )
    g = result.graph
    primary_class = PROFILE.classes[PROFILE.class_code("primary")]
    light, heavy = primary_class.light_kmh["urban"], primary_class.heavy_kmh["urban"]
    primary = g.road_class == PROFILE.class_code("primary")
    assert_allclose(g.time_light_s[primary], g.length_m[primary] / (light / 3.6))
    assert_allclose(g.time_heavy_s[primary], g.length_m[primary] / (heavy / 3.6))
    track = g.road_class == PROFILE.class_code("track")
    assert np.isinf(g.time_heavy_s[track]).all()
    assert_allclose(g.time_light_s[track], g.length_m[track] / (10 / 3.6))
    assert g.class_names == PROFILE.class_names
    assert result.stats["heavy_km"] == pytest.approx(g.road_km(primary))
    assert result.stats["heavy_excluded_ways"] == {"track_grade": 1}


def test_one_way_ways_give_one_directed_edge_per_segment() -> None:
    result = build(
        [
            ([100, 101, 102], {"highway": "residential", "oneway": "yes"}),
            ([110, 111, 112], {"highway": "residential", "oneway": "-1"}),
            ([120, 121], {"highway": "residential"}),
        ]
    )
    assert edges(result.graph) == {
        (100, 101),
        (101, 102),
        (112, 111),
        (111, 110),
        (120, 121),
        (121, 120),
    }
    # road_km counts a two-way street once, like a one-way one: 5 segments.
    pairs = [(100, 101), (101, 102), (110, 111), (111, 112), (120, 121)]
    a = np.array([coord(u) for u, _ in pairs])
    b = np.array([coord(v) for _, v in pairs])
    _, _, d = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    assert result.stats["road_km"] == pytest.approx(d.sum() / 1000, rel=1e-12)


# --------------------------------------------------------------------------- barriers, gaps


def test_a_blocking_barrier_cuts_the_road_but_keeps_both_stubs() -> None:
    nodes = grid_nodes(barrier={102: BarrierEffect.ALL})
    result = build([([100, 101, 102, 103, 104], {"highway": "service"})], nodes)
    g = result.graph
    assert g.node_source_id is not None
    copies = np.flatnonzero(g.node_source_id == 102)
    assert len(copies) == 2  # one copy per segment touching the bollard
    assert_allclose(g.lon[copies], coord(102)[0])
    reach = nx.descendants(to_nx(g), int(np.flatnonzero(g.node_source_id == 100)[0]))
    assert int(np.flatnonzero(g.node_source_id == 104)[0]) not in reach
    assert result.stats["barrier_nodes_cut"] == 1
    assert result.stats["components"] == 2
    # No road length is lost: both stubs are still there.
    _, _, d = GEOD.inv(coord(100)[0], coord(100)[1], coord(104)[0], coord(104)[1])
    assert result.stats["road_km"] * 1000 == pytest.approx(d, rel=1e-9)


def test_a_barrier_at_a_junction_cuts_every_way_through_it() -> None:
    nodes = grid_nodes(barrier={111: BarrierEffect.ALL})
    result = build(
        [
            ([110, 111, 112], {"highway": "residential"}),
            ([101, 111, 121], {"highway": "residential"}),
        ],
        nodes,
    )
    assert result.stats["components"] == 4
    assert result.graph.n_nodes == 8


def test_a_heavy_barrier_closes_its_segments_to_heavy_appliances_only() -> None:
    nodes = grid_nodes(barrier={101: BarrierEffect.HEAVY})
    result = build([([100, 101, 102, 103], {"highway": "residential"})], nodes)
    g = result.graph
    assert g.node_source_id is not None
    touching = np.isin(g.node_source_id[g.tail], [101]) | np.isin(g.node_source_id[g.head], [101])
    assert np.isinf(g.time_heavy_s[touching]).all()
    assert np.isfinite(g.time_heavy_s[~touching]).all()
    assert np.isfinite(g.time_light_s).all()
    assert result.stats["barrier_nodes_heavy"] == 1
    assert result.stats["components"] == 1
    assert largest_strong_component(g, "heavy").sum() == 2  # 102-103 only


def test_missing_nodes_drop_their_segments_not_the_way() -> None:
    nodes = grid_nodes(ids=[100, 101, 103, 104])  # 102 is referenced but absent
    result = build([([100, 101, 102, 103, 104], {"highway": "residential"})], nodes)
    assert edges(result.graph) == {(100, 101), (101, 100), (103, 104), (104, 103)}
    assert result.stats["missing_node_refs"] == 1
    assert result.stats["ways_kept"] == 1


def test_degenerate_and_unlocated_ways_are_dropped_and_counted() -> None:
    nodes = grid_nodes(ids=[100, 101])
    result = build(
        [
            ([100, 101], {"highway": "residential"}),
            ([100], {"highway": "residential"}),
            ([200, 201], {"highway": "residential"}),  # no located node
            ([100, 101], {"highway": "footway"}),
        ],
        nodes,
    )
    s = result.stats
    assert s["ways_dropped"] == {"degenerate": 1, "no_located_segment": 1, "not_for_vehicles": 1}
    assert s["ways_read"] == 4
    assert s["ways_kept"] == 1
    assert (
        s["ways_read"] == s["ways_kept"] + sum(s["ways_dropped"].values()) + s["ways_outside_clip"]
    )


def test_parallel_ways_and_repeated_nodes() -> None:
    result = build(
        [
            ([100, 101, 101, 102], {"highway": "residential"}),  # 101 repeated: no self-loop
            ([100, 101], {"highway": "primary"}),  # same pair as the first segment
        ]
    )
    g = result.graph
    assert not (g.tail == g.head).any()
    assert g.n_edges == 6
    # The primary is faster: the CSR keeps the minimum of parallel edges.
    csr = g.csr("light")
    u = int(np.flatnonzero(g.node_source_id == 100)[0])
    v = int(np.flatnonzero(g.node_source_id == 101)[0])
    mask = (g.tail == u) & (g.head == v)
    assert csr[u, v] == pytest.approx(g.time_light_s[mask].min())


# --------------------------------------------------------------------------- components


def test_pieces_are_kept_and_the_largest_strong_component_is_marked() -> None:
    result = build(
        [
            ([100, 101, 102, 103], {"highway": "residential"}),
            ([130, 131], {"highway": "residential"}),
            # A one-way spur: reachable, but nothing comes back.
            ([103, 113], {"highway": "residential", "oneway": "yes"}),
        ]
    )
    g, s = result.graph, result.stats
    assert s["components"] == 2
    assert s["strong_components"] == 3
    assert s["largest_scc_nodes"] == 4
    assert s["largest_scc_share"] == pytest.approx(4 / 7)
    assert g.node_source_id is not None
    assert set(g.node_source_id[result.in_largest_scc].tolist()) == {100, 101, 102, 103}
    oracle = max(nx.strongly_connected_components(to_nx(g)), key=len)
    assert_array_equal(np.flatnonzero(result.in_largest_scc), sorted(oracle))


# --------------------------------------------------------------------------- clipping


def test_clipping_keeps_ways_touching_the_area_whole() -> None:
    # The area holds node 111 only.
    area = box(LON0 + 0.5 * STEP, LAT0 + 0.5 * STEP, LON0 + 1.5 * STEP, LAT0 + 1.5 * STEP)
    result = build(
        [
            ([110, 111, 112, 113], {"highway": "residential"}),  # crosses: kept whole
            ([130, 131, 132, 133], {"highway": "residential"}),  # outside: dropped
            ([100, 101], {"highway": "residential"}),  # outside: dropped
        ],
        clip_area=area,
    )
    g = result.graph
    assert g.node_source_id is not None
    assert sorted(g.node_source_id.tolist()) == [110, 111, 112, 113]
    assert result.stats["ways_outside_clip"] == 2
    assert result.stats["ways_kept"] == 1


def test_a_segment_crossing_the_area_without_a_node_inside_keeps_its_way() -> None:
    area = box(LON0 + 1.2 * STEP, LAT0 - STEP, LON0 + 1.8 * STEP, LAT0 + STEP)  # between 101/102
    result = build([([100, 101, 102], {"highway": "residential"})], grid_nodes(), clip_area=area)
    assert result.graph.n_nodes == 3


def test_nothing_inside_the_clip_area_is_an_error() -> None:
    far = box(120.0, 30.0, 120.1, 30.1)
    with pytest.raises(InvalidInputError, match=r"roads\.pbf: no road segments inside the clip"):
        build([([100, 101], {"highway": "residential"})], clip_area=far, source="roads.pbf")


def test_no_roads_at_all_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="no road segments"):
        build([([100, 101], {"highway": "steps"})])


def test_buffered_clip_grows_the_area_by_metres() -> None:
    district = box(116.0, 39.9, 116.1, 40.0)
    grown = buffered_clip(district, 2000.0)
    # 1.5 km east of the edge is inside, 2.5 km is not (1° lon ≈ 85.4 km at 39.95°N).
    assert grown.contains(Point(116.1 + 1.5 / 85.4, 39.95))
    assert not grown.contains(Point(116.1 + 2.5 / 85.4, 39.95))
    assert buffered_clip(district, 0.0).equals(district)
    # Outside China the UTM zone is used; the buffer is still in metres.
    andorra = box(1.5, 42.5, 1.55, 42.55)
    assert buffered_clip(andorra, 1000.0).contains(Point(1.55 + 0.8 / 82.0, 42.525))


@pytest.mark.parametrize(
    ("clip", "buffer_m", "message"),
    [
        (Point(116.0, 39.9), 100.0, "Polygon, got Point"),
        (LineString([(116.0, 39.9), (116.1, 39.9)]), 100.0, "got LineString"),
        (box(116.0, 39.9, 116.1, 40.0), -1.0, "buffer_m"),
        (box(116.0, 39.9, 116.1, 40.0), float("nan"), "buffer_m"),
    ],
)
def test_buffered_clip_refuses_bad_input(clip: BaseGeometry, buffer_m: float, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        buffered_clip(clip, buffer_m)


def test_node_table_must_be_sorted() -> None:
    with pytest.raises(InvalidInputError, match="sorted"):
        NodeTable(
            ids=np.array([2, 1], dtype=np.int64),
            lon=np.zeros(2),
            lat=np.zeros(2),
        )


def test_collector_records_the_profile_and_rejects_unknown_variants() -> None:
    result = build([([100, 101], {"highway": "residential"})])
    assert (result.stats["profile_id"], result.stats["profile_version"]) == (
        PROFILE.id,
        PROFILE.version,
    )
    assert result.stats["variant"] == "urban"
    with pytest.raises(InvalidInputError, match="unknown speed variant"):
        WayCollector(PROFILE, "rural")
