"""Snapping points to road segments: exact projections, distances, the prefer rule, errors."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from firegrid.errors import InvalidInputError
from firegrid.geo.crs import from_wgs84, to_wgs84
from firegrid.network.graph import RoadGraph
from firegrid.network.kernels import one_to_all, route
from firegrid.network.snap import (
    SnapResult,
    fastest_edge,
    largest_component_mask,
    snap_points,
    twin_edges,
)

CRS = "EPSG:4548"  # CGCS2000 Gauss-Krüger, CM 117°E: the zone snapping picks at Beijing
X0, Y0 = 448_000.0, 4_418_000.0


def metric_graph() -> RoadGraph:
    """Nodes laid out in metres (then stored as WGS84):

    ``D(0,100) -> E(200,100)``   one-way street, 20 m/s
    ``A(0,0) - B(100,0) - C(200,0)``   two-way street, 10 m/s
    ``F(50,-30) - G(150,-30)``   a mapped fragment connected to nothing; heavy appliances may
    not use it.
    """
    xy = np.array([[0, 0], [100, 0], [200, 0], [0, 100], [200, 100], [50, -30], [150, -30]], float)
    lon, lat = to_wgs84(X0 + xy[:, 0], Y0 + xy[:, 1], crs=CRS)
    a, b, c, d, e, f, g = range(7)
    tail = [a, b, b, c, d, f, g]
    head = [b, a, c, b, e, g, f]
    length = np.array([100, 100, 100, 100, 200, 100, 100], float)
    light = np.array([10, 10, 10, 10, 10, 10, 10], float)
    heavy = np.array([10, 10, 10, 10, 10, np.inf, np.inf])
    return RoadGraph.from_edges(
        tail, head, length_m=length, time_light_s=light, time_heavy_s=heavy,
        road_class=np.zeros(7), lon=lon, lat=lat,
    )  # fmt: skip


def at(x: float, y: float) -> tuple[float, float]:
    lon, lat = to_wgs84(X0 + x, Y0 + y, crs=CRS)
    return float(lon), float(lat)


def metric(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x, y = from_wgs84(lon, lat, crs=CRS)
    return np.column_stack([x - X0, y - Y0])


def snap_xy(graph: RoadGraph, xy: list[tuple[float, float]], **kw: object) -> SnapResult:
    lonlat = np.array([at(x, y) for x, y in xy])
    return snap_points(graph, lonlat[:, 0], lonlat[:, 1], **kw)  # type: ignore[arg-type]


def segment(graph: RoadGraph, snaps: SnapResult) -> list[set[int]]:
    return [{int(t), int(h)} for t, h in zip(snaps.tail, snaps.head, strict=True)]


# --------------------------------------------------------------------------- geometry


def test_projection_onto_a_segment_is_exact() -> None:
    graph = metric_graph()
    s = snap_xy(graph, [(30.0, 20.0), (170.0, 30.0)])
    assert segment(graph, s) == [{0, 1}, {1, 2}]
    assert_allclose(metric(s.lon, s.lat), [[30.0, 0.0], [170.0, 0.0]], atol=1e-6)
    assert_allclose(s.off_network_m, [20.0, 30.0], atol=1e-6)
    # 10 km/h by default: 20 m take 7.2 s.
    assert_allclose(s.off_network_s, [7.2, 10.8], atol=1e-6)
    # The fraction is measured from the snapped edge's tail, whichever direction it names.
    xy = metric(graph.lon, graph.lat)
    pos = xy[s.tail] + s.fraction[:, None] * (xy[s.head] - xy[s.tail])
    assert_allclose(pos, [[30.0, 0.0], [170.0, 0.0]], atol=1e-6)


def test_points_beyond_the_end_snap_to_the_end_node() -> None:
    graph = metric_graph()
    s = snap_xy(graph, [(-40.0, 0.0), (260.0, 110.0)])
    assert_allclose(s.off_network_m, [40.0, np.hypot(60.0, 10.0)], atol=1e-6)
    ends = np.where(s.fraction == 0.0, s.tail, s.head)
    assert set(s.fraction.tolist()) <= {0.0, 1.0}
    assert_array_equal(ends, [0, 4])


def test_fractions_stay_in_the_unit_interval() -> None:
    graph = metric_graph()
    rng = np.random.default_rng(7)
    xy = rng.uniform(-300.0, 500.0, (200, 2))
    s = snap_xy(graph, [(float(x), float(y)) for x, y in xy])
    assert ((s.fraction >= 0.0) & (s.fraction <= 1.0)).all()
    # No segment is closer than the one chosen.
    nodes = metric(graph.lon, graph.lat)
    a, b = nodes[graph.tail], nodes[graph.head]
    d = b - a
    t = np.clip(((xy[:, None, :] - a) * d).sum(-1) / (d * d).sum(-1), 0, 1)
    brute = np.linalg.norm(xy[:, None, :] - (a + t[..., None] * d), axis=-1).min(axis=1)
    assert_allclose(s.off_network_m, brute, atol=1e-6)


def test_off_network_speed_sets_the_leg_cost() -> None:
    graph = metric_graph()
    s = snap_xy(graph, [(30.0, 20.0)], off_network_speed_kph=36.0)
    assert s.off_network_s[0] == pytest.approx(2.0)


# --------------------------------------------------------------------------- rules


def test_a_point_too_far_from_any_road_names_its_index_and_distance() -> None:
    graph = metric_graph()
    pts = [(10.0, 5.0), (20.0, 5.0), (30.0, 5.0), (100.0, 12_500.0), (0.0, 900.0)]
    with pytest.raises(InvalidInputError, match=r"point 3 is 12\.4 km from the nearest road"):
        snap_xy(graph, pts, max_distance_m=500.0)
    with pytest.raises(InvalidInputError, match=r"\(\+1 more beyond 500 m\)"):
        snap_xy(graph, pts, max_distance_m=500.0)
    assert len(snap_xy(graph, pts[:3], max_distance_m=500.0)) == 3


def test_prefer_avoids_a_disconnected_fragment_that_is_only_slightly_closer() -> None:
    graph = metric_graph()
    main = largest_component_mask(graph)
    assert_array_equal(np.flatnonzero(main), [0, 1, 2])
    # 10 m from the fragment, 20 m from the street.
    plain = snap_xy(graph, [(100.0, -20.0)])
    assert segment(graph, plain) == [{5, 6}]
    preferred = snap_xy(graph, [(100.0, -20.0)], prefer=main)
    assert segment(graph, preferred) == [{0, 1}] or segment(graph, preferred) == [{1, 2}]
    assert preferred.off_network_m[0] == pytest.approx(20.0)
    # Unless the connected street is more than prefer_within_m farther away.
    strict = snap_xy(graph, [(100.0, -20.0)], prefer=main, prefer_within_m=5.0)
    assert segment(graph, strict) == [{5, 6}]
    # A snapped point on the fragment cannot reach the street; the preferred one can.
    assert np.isinf(one_to_all(graph, plain[0])[:3]).all()
    assert np.isfinite(one_to_all(graph, preferred[0])[:3]).all()


def test_heavy_appliances_snap_only_onto_roads_they_can_use() -> None:
    graph = metric_graph()
    s = snap_xy(graph, [(100.0, -20.0)], vehicle="heavy")
    assert segment(graph, s) in ([{0, 1}], [{1, 2}])


def test_twin_edges_find_the_other_direction_of_two_way_streets() -> None:
    graph = metric_graph()
    twins = twin_edges(graph)
    for e in range(graph.n_edges):
        t, h = int(graph.tail[e]), int(graph.head[e])
        if (t, h) == (3, 4):
            assert twins[e] == -1  # the one-way street
        else:
            assert (graph.tail[twins[e]], graph.head[twins[e]]) == (h, t)
    # The fragment is two-way for light vehicles and closed to heavy ones.
    frag = int(fastest_edge(graph, 5, 6)[()])
    assert twin_edges(graph, [frag], vehicle="heavy")[0] == -1
    assert fastest_edge(graph, 5, 6, vehicle="heavy")[()] == -1


def test_routes_between_snapped_points_follow_the_street() -> None:
    graph = metric_graph()
    s = snap_xy(graph, [(30.0, 20.0), (170.0, -5.0), (50.0, 110.0), (150.0, 90.0)])
    r = route(graph, s[0], s[1])
    # 140 m along the street at 10 m/s, plus 25 m of off-network legs at 10 km/h.
    assert r.travel_time_s == pytest.approx(14.0 + 25.0 / (10.0 / 3.6))
    assert r.distance_m == pytest.approx(140.0 + 25.0)
    assert_array_equal(r.nodes, [1])
    # Along the one-way street: with the flow it is direct, against it impossible.
    assert route(graph, s[2], s[3]).travel_time_s == pytest.approx(5.0 + 20.0 / (10.0 / 3.6))
    assert route(graph, s[3], s[2]).travel_time_s == np.inf


# --------------------------------------------------------------------------- results, errors


def test_snap_result_indexes_and_iterates() -> None:
    graph = metric_graph()
    s = snap_xy(graph, [(30.0, 20.0), (170.0, 30.0), (100.0, 130.0)])
    assert [snap.edge for snap in s] == s.edge.tolist()
    assert s[1].off_network_m == pytest.approx(30.0)
    sub = s[[2, 0]]
    assert isinstance(sub, SnapResult) and sub.edge.tolist() == [s.edge[2], s.edge[0]]
    assert SnapResult.from_snaps(list(s)).fraction.tolist() == s.fraction.tolist()
    empty = snap_points(graph, [], [])
    assert len(empty) == 0


def test_bad_input_is_refused_with_the_offending_value() -> None:
    graph = metric_graph()
    with pytest.raises(InvalidInputError, match="index 1 is not finite"):
        snap_points(graph, [116.4, float("nan")], [39.9, 39.9])
    with pytest.raises(
        InvalidInputError, match=r"prefer must be a boolean node mask of shape \(7,\)"
    ):
        snap_points(graph, [116.4], [39.9], prefer=np.ones(3, dtype=bool))
    with pytest.raises(InvalidInputError, match="off_network_speed_kph must be a positive"):
        snap_points(graph, [116.4], [39.9], off_network_speed_kph=0.0)
    with pytest.raises(InvalidInputError, match="unknown vehicle 'tank'"):
        snap_points(graph, [116.4], [39.9], vehicle="tank")
    with pytest.raises(InvalidInputError, match="same length"):
        snap_points(graph, [116.4, 116.5], [39.9])
    no_roads = RoadGraph.from_edges(
        [], [], length_m=[], time_light_s=[], time_heavy_s=[], road_class=[], lon=[116.4],
        lat=[39.9],
    )  # fmt: skip
    with pytest.raises(InvalidInputError, match="no edges"):
        snap_points(no_roads, [116.4], [39.9])
