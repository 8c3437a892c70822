"""Coverage kernels: covered road length, demand, area, first-due districts, N-unit, hydrants."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import numpy as np
import pyproj
import pytest
import shapely
from numpy.testing import assert_allclose
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Point, box

from firegrid.coverage import (
    DemandPoints,
    StationRef,
    area_coverage,
    compare_vehicles,
    demand_coverage,
    first_due_districts,
    grid_time_matrix_from_nodes,
    grid_times_from_nodes,
    hydrant_coverage,
    isochrones,
    load_standards,
    make_grid,
    n_unit_coverage,
    road_coverage,
    street_covered_fraction,
)
from firegrid.coverage.config import parse_standards
from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.geo.crs import area_km2, length_m, to_wgs84, transform_geometry
from firegrid.network.graph import RoadGraph
from firegrid.types import StationClass

STD = load_standards()
PROV = STD.provenance(vehicle="light")
GEOD = pyproj.Geod(ellps="WGS84")
# A metric CRS near Beijing (CGCS2000 GK zone CM 117°E) for hand-made layouts.
GK = "EPSG:4548"
X0, Y0 = 500_000.0, 4_420_000.0


def _line_nodes(n: int, spacing_m: float) -> tuple[np.ndarray, np.ndarray]:
    """n WGS84 points due east of (116.2°E, 39.9°N), ``spacing_m`` apart along the geodesic."""
    lon, lat, _ = GEOD.fwd(
        np.full(n, 116.2), np.full(n, 39.9), np.full(n, 90.0), np.arange(n) * spacing_m
    )
    return np.asarray(lon), np.asarray(lat)


def _graph(
    tail: list[int],
    head: list[int],
    *,
    length_m: list[float],
    time_s: list[float],
    lon: np.ndarray,
    lat: np.ndarray,
    time_heavy_s: list[float] | None = None,
) -> RoadGraph:
    return RoadGraph.from_edges(
        tail,
        head,
        length_m=length_m,
        time_light_s=time_s,
        time_heavy_s=time_s if time_heavy_s is None else time_heavy_s,
        road_class=np.zeros(len(tail)),
        lon=lon,
        lat=lat,
    )


# --------------------------------------------------------------------------- road coverage


def test_fraction_rule_matches_the_documented_example() -> None:
    covered, a, b = street_covered_fraction([250.0], [280.0], [100.0], [100.0], limit=300.0)
    assert_allclose(a, [0.5])
    assert_allclose(b, [0.2])
    assert_allclose(covered, [0.7])


def test_two_way_street_is_covered_from_both_ends_and_counted_once() -> None:
    lon, lat = _line_nodes(2, 1000.0)
    g = _graph([0, 1], [1, 0], length_m=[1000.0] * 2, time_s=[100.0] * 2, lon=lon, lat=lat)
    rc = road_coverage(g, [250.0, 280.0], limit_s=300.0, vehicle="light", provenance=PROV)
    assert rc.total_km == pytest.approx(1.0)
    assert rc.covered_km == pytest.approx(0.7)
    assert rc.share == pytest.approx(0.7)
    # The gap is the middle 300 m (50 %..80 % of the street), drawn where it is.
    assert length_m(rc.gaps) == pytest.approx(300.0, abs=0.5)
    assert_allclose(rc.edge_fraction, [0.7, 0.7])


def test_one_way_street_is_covered_only_in_the_driving_direction() -> None:
    lon, lat = _line_nodes(2, 1000.0)
    g = _graph([0], [1], length_m=[1000.0], time_s=[100.0], lon=lon, lat=lat)
    rc = road_coverage(g, [250.0, 280.0], limit_s=300.0, vehicle="light", provenance=PROV)
    assert rc.covered_km == pytest.approx(0.5)


def test_long_street_with_both_ends_inside_keeps_its_unreached_middle() -> None:
    lon, lat = _line_nodes(2, 1000.0)
    g = _graph([0, 1], [1, 0], length_m=[1000.0] * 2, time_s=[100.0] * 2, lon=lon, lat=lat)
    rc = road_coverage(g, [290.0, 290.0], limit_s=300.0, vehicle="light", provenance=PROV)
    assert rc.covered_km == pytest.approx(0.2)


def test_fully_reached_and_unreached_streets() -> None:
    lon, lat = _line_nodes(3, 500.0)
    # 0-1 two-way, 1-2 two-way; node 2 unreached (disconnected in this run).
    g = _graph(
        [0, 1, 1, 2], [1, 0, 2, 1], length_m=[500.0] * 4, time_s=[40.0] * 4, lon=lon, lat=lat
    )
    rc = road_coverage(g, [100.0, 140.0, np.inf], limit_s=300.0, vehicle="light", provenance=PROV)
    # 0-1 fully covered; 1-2 covered from node 1 only: (300-140)/40 ≥ 1 → whole street.
    assert rc.covered_km == pytest.approx(1.0)
    rc2 = road_coverage(g, [100.0, np.inf, np.inf], limit_s=300.0, vehicle="light", provenance=PROV)
    assert rc2.covered_km == pytest.approx(0.5)
    assert rc2.share == pytest.approx(0.5)


def test_heavy_appliances_do_not_cover_streets_they_may_not_use() -> None:
    lon, lat = _line_nodes(2, 200.0)
    g = _graph(
        [0, 1],
        [1, 0],
        length_m=[200.0] * 2,
        time_s=[20.0] * 2,
        time_heavy_s=[np.inf, np.inf],
        lon=lon,
        lat=lat,
    )
    light = road_coverage(g, [60.0, np.inf], limit_s=300.0, vehicle="light", provenance=PROV)
    heavy = road_coverage(
        g, [60.0, np.inf], limit_s=300.0, vehicle="heavy", provenance=STD.provenance()
    )
    assert light.covered_km == pytest.approx(0.2)
    assert heavy.covered_km == 0.0
    assert heavy.total_km == pytest.approx(0.2)
    assert heavy.as_dict()["vehicle"] == "heavy"  # filled in from the times' vehicle
    with pytest.raises(InvalidInputError, match="vehicle"):
        road_coverage(g, [60.0, np.inf], limit_s=300.0, vehicle="heavy", provenance=PROV)


def test_road_coverage_rejects_wrong_shapes_and_nan() -> None:
    lon, lat = _line_nodes(2, 100.0)
    g = _graph([0], [1], length_m=[100.0], time_s=[10.0], lon=lon, lat=lat)
    with pytest.raises(InvalidInputError, match="shape"):
        road_coverage(g, [1.0], limit_s=300.0, vehicle="light", provenance=PROV)
    with pytest.raises(InvalidInputError, match="time_s"):
        road_coverage(g, [1.0, np.nan], limit_s=300.0, vehicle="light", provenance=PROV)


# --------------------------------------------------------------------------- demand points


def _points() -> DemandPoints:
    lon, lat = _line_nodes(4, 300.0)
    return DemandPoints.from_arrays(
        lon, lat, weight=[100.0, 50.0, 300.0, 10.0], label=["A村", "B村", "C村", "D村"]
    )


def test_demand_coverage_weights_and_lists_uncovered_heaviest_first() -> None:
    res = demand_coverage(_points(), [200.0, 400.0, np.inf, 299.0], limit_s=300.0, provenance=PROV)
    assert res.covered_weight == 110.0
    assert res.share == pytest.approx(110.0 / 460.0)
    assert [p.label for p in res.uncovered] == ["C村", "B村"]
    out = json.loads(json.dumps(res.as_dict(), allow_nan=False))
    assert out["uncovered"][0]["time_s"] is None  # unreached → null, not Infinity
    assert out["uncovered"][1]["time_s"] == 400.0
    assert out["standards"] == {"id": STD.id, "version": STD.version}
    assert out["approximate"] is False


def test_heavy_versus_light_lists_places_only_light_vehicles_reach() -> None:
    pts = _points()
    light = demand_coverage(pts, [200.0, 250.0, 280.0, 900.0], limit_s=300.0, provenance=PROV)
    heavy = demand_coverage(
        pts,
        [220.0, np.inf, 420.0, 950.0],
        limit_s=300.0,
        provenance=STD.provenance(vehicle="heavy"),
    )
    cmp = compare_vehicles(pts, light=light, heavy=heavy)
    assert [p.label for p in cmp.light_only] == ["C村", "B村"]
    assert cmp.light_only[0].time_s == 420.0
    d = cmp.as_dict()
    assert d["share_demand_light"] == pytest.approx(450.0 / 460.0)
    assert d["share_demand_heavy"] == pytest.approx(100.0 / 460.0)


def test_demand_points_are_validated() -> None:
    with pytest.raises(InvalidInputError, match="weight"):
        DemandPoints.from_arrays([116.0], [40.0], weight=[-1.0])
    with pytest.raises(InvalidInputError, match="position"):
        DemandPoints.from_arrays([116.0, np.nan], [40.0, 40.0])


# --------------------------------------------------------------------------- N-unit


def test_n_unit_coverage_counts_distinct_stations_within_the_limit() -> None:
    times = np.array(
        [
            [100.0, 200.0, 400.0, np.inf],
            [250.0, 310.0, 300.0, np.inf],
            [290.0, 100.0, np.inf, 500.0],
        ]
    )
    res = n_unit_coverage(times, limit_s=300.0, weight=[1.0, 2.0, 3.0, 4.0], provenance=PROV)
    assert res.count.tolist() == [3, 2, 1, 0]
    assert res.weight_at_least == (6.0, 3.0, 1.0)
    assert res.share(1) == pytest.approx(0.6)
    assert res.share(2) == pytest.approx(0.3)
    assert res.share(3) == pytest.approx(0.1)
    # Per-station arrays work the same as a matrix.
    same = n_unit_coverage(list(times), limit_s=300.0, provenance=PROV)
    assert same.count.tolist() == [3, 2, 1, 0]
    assert [r["n"] for r in same.as_dict()["n_unit"]] == [1, 2, 3]


# --------------------------------------------------------------------------- hydrants


def test_hydrants_400m_apart_leave_exactly_the_middle_160m_uncovered() -> None:
    lon, lat = _line_nodes(5, 100.0)
    tail = [0, 1, 1, 2, 2, 3, 3, 4]
    head = [1, 0, 2, 1, 3, 2, 4, 3]
    g = _graph(tail, head, length_m=[100.0] * 8, time_s=[12.0] * 8, lon=lon, lat=lat)
    # Distances along the road from the hydrants at node 0 (0 m) and node 4 (400 m).
    dist = np.array([0.0, 100.0, 200.0, 100.0, 0.0])
    plon, plat, _ = GEOD.fwd([lon[0], lon[2]], [lat[0], lat[2]], [0.0, 0.0], [100.0, 50.0])
    pts = DemandPoints.from_arrays(plon, plat, label=["near", "between"])
    res = hydrant_coverage(
        g,
        dist,
        hydrant_lon=lon[[0, 4]],
        hydrant_lat=lat[[0, 4]],
        points=pts,
        road_distance_m=STD.hydrant.road_distance_m,
        radius_m=STD.hydrant.radius_m,
        provenance=STD.provenance(),
    )
    assert res.total_km == pytest.approx(0.4)
    assert res.gap_km == pytest.approx(0.160)
    assert res.share_road == pytest.approx(0.6)
    assert length_m(res.gaps) == pytest.approx(160.0, abs=0.2)
    assert res.gaps.centroid.distance(Point(lon[2], lat[2])) < 1e-6  # centred on 200 m
    # "near" is 100 m from hydrant 0; "between" is ~206 m from both.
    assert [p.label for p in res.uncovered] == ["between"]
    assert res.uncovered[0].hydrant_distance_m == pytest.approx(206.2, abs=0.5)
    assert res.share_demand == pytest.approx(0.5)
    json.dumps(res.as_dict(), allow_nan=False)


def test_no_hydrant_at_all_leaves_everything_uncovered() -> None:
    lon, lat = _line_nodes(2, 100.0)
    g = _graph([0, 1], [1, 0], length_m=[100.0] * 2, time_s=[12.0] * 2, lon=lon, lat=lat)
    pts = DemandPoints.from_arrays(lon, lat)
    res = hydrant_coverage(
        g,
        [np.inf, np.inf],
        hydrant_lon=[],
        hydrant_lat=[],
        points=pts,
        road_distance_m=120.0,
        radius_m=150.0,
        provenance=PROV,
    )
    assert res.gap_km == pytest.approx(0.1)
    assert len(res.uncovered) == 2
    assert res.as_dict()["uncovered"][0]["hydrant_distance_m"] is None


# --------------------------------------------------------------------------- raster, districts


def _rect_wgs84(w_m: float, h_m: float) -> shapely.Polygon:
    return transform_geometry(box(X0, Y0, X0 + w_m, Y0 + h_m), src=GK, dst="wgs84")


def _corridor(stations: list[int]) -> tuple[RoadGraph, np.ndarray, np.ndarray]:
    """A 4 km two-way road along the middle of a 4 km × 2 km district, nodes every 100 m
    (12 s per edge = 30 km/h), with stations at the given nodes; turn-out 60 s."""
    xs = X0 + np.arange(41) * 100.0
    lon, lat = to_wgs84(xs, np.full(41, Y0 + 1000.0), crs=GK)
    tail = list(range(40)) + list(range(1, 41))
    head = list(range(1, 41)) + list(range(40))
    g = _graph(tail, head, length_m=[100.0] * 80, time_s=[12.0] * 80, lon=lon, lat=lat)
    dist, _, src = dijkstra(g.csr(), indices=stations, min_only=True, return_predecessors=True)
    origin = np.array([stations.index(s) if s >= 0 else -1 for s in src])
    return g, dist + 60.0, origin


def test_grid_cells_partition_the_boundary_exactly() -> None:
    boundary = _rect_wgs84(4000.0, 2000.0).buffer(0.001)  # rounded corners, off-grid edges
    grid = make_grid(boundary, cell_m=100)
    assert grid.total_km2 == pytest.approx(area_km2(boundary), rel=1e-9)
    assert (grid.area_m2 <= 100.0 * 100.0 + 1e-6).all()


def test_grid_rejects_non_polygons_and_huge_rasters() -> None:
    with pytest.raises(InvalidInputError, match="Polygon"):
        make_grid(Point(116.0, 40.0), cell_m=100.0)
    with pytest.raises(InvalidInputError, match="larger cell"):
        make_grid(box(110.0, 30.0, 120.0, 40.0), cell_m=10.0)


def test_two_station_districts_split_the_area_and_flag_the_small_station() -> None:
    boundary = _rect_wgs84(4000.0, 2000.0)
    g, time_s, origin = _corridor([0, 30])
    grid = make_grid(boundary, cell_m=100.0)
    cell_t, cell_o = grid_times_from_nodes(
        grid, g.lon, g.lat, time_s, origin, off_network_speed_kmh=5.0
    )
    stations = [
        StationRef("小型站 A", STD.district_limit_for(StationClass.SMALL)),
        StationRef("一级站 B", STD.district_limit_for(StationClass.LEVEL1)),
    ]
    res = first_due_districts(
        grid, cell_o, stations=stations, provenance=PROV, time_s=cell_t, limit_s=300.0
    )
    a, b = res.districts
    # Equal turn-out: the split is half-way between the stations (x = 1500 m) → 3 and 5 km².
    assert a.area_km2 == pytest.approx(3.0, abs=0.2)
    assert b.area_km2 == pytest.approx(5.0, abs=0.2)
    assert a.area_km2 + b.area_km2 + res.unassigned_km2 == pytest.approx(
        area_km2(boundary), rel=1e-9
    )
    assert res.unassigned_km2 == 0.0
    assert [d.label for d in res.over_limit] == ["小型站 A"]  # 3 km² > 2; 5 km² ≤ 7
    # The outlines are where the areas say (simplification changes them only a little).
    assert area_km2(a.geometry) == pytest.approx(a.area_km2, rel=0.02)
    assert a.geometry.intersection(b.geometry).area < 1e-9
    out = json.loads(json.dumps(res.as_dict(), allow_nan=False))
    assert out["over_limit"] == ["小型站 A"]
    assert out["districts"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # Coverage: district covered areas add up to the area coverage's.
    ac = area_coverage(grid, cell_t, limit_s=300.0, provenance=PROV)
    assert ac.share is not None and 0.0 < ac.share < 1.0
    assert a.covered_km2 is not None and b.covered_km2 is not None
    assert a.covered_km2 + b.covered_km2 == pytest.approx(ac.covered_km2)
    assert area_km2(ac.uncovered) == pytest.approx(ac.total_km2 - ac.covered_km2, rel=0.05)


def test_cells_far_from_the_road_are_covered_only_within_the_off_network_leg() -> None:
    boundary = _rect_wgs84(4000.0, 2000.0)
    g, time_s, origin = _corridor([20])
    grid = make_grid(boundary, cell_m=100.0)
    cell_t, _ = grid_times_from_nodes(grid, g.lon, g.lat, time_s, origin, off_network_speed_kmh=5.0)
    # The cell centred 50 m from the station node: 60 s turn-out + 50 m on foot at 5 km/h.
    at_station = np.argmin(np.hypot(grid.x - (X0 + 2050.0), grid.y - (Y0 + 1050.0)))
    assert cell_t[at_station] == pytest.approx(60.0 + np.hypot(50.0, 50.0) / (5.0 / 3.6))
    # Cells 950 m from the road need ≥ 684 s on foot: never within 5 minutes.
    far = np.abs(grid.y - (Y0 + 1000.0)) > 900.0
    assert (cell_t[far] > 300.0).all()


def test_districts_report_the_area_no_station_reaches() -> None:
    grid = make_grid(_rect_wgs84(1000.0, 1000.0), cell_m=100.0)
    origin = np.where(grid.x < X0 + 500.0, 0, -1)
    res = first_due_districts(grid, origin, stations=[StationRef("A", None)], provenance=PROV)
    assert res.districts[0].area_km2 == pytest.approx(0.5)
    assert res.unassigned_km2 == pytest.approx(0.5)
    assert not res.districts[0].over_limit  # no limit: never flagged
    assert area_km2(res.unassigned) == pytest.approx(0.5, rel=1e-6)
    with pytest.raises(InvalidInputError, match="origin"):
        first_due_districts(grid, origin + 1, stations=[StationRef("A")], provenance=PROV)


def test_isochrones_first_due_match_districts_and_full_ones_may_overlap() -> None:
    boundary = _rect_wgs84(4000.0, 2000.0)
    stations = [0, 30]
    g, time_s, origin = _corridor(stations)
    grid = make_grid(boundary, cell_m=100.0)
    cell_t, cell_o = grid_times_from_nodes(
        grid, g.lon, g.lat, time_s, origin, off_network_speed_kmh=5.0
    )
    labels = ["A", "B"]
    first = isochrones(grid, cell_t, origin=cell_o, limit_s=300.0, labels=labels, provenance=PROV)
    dres = first_due_districts(
        grid,
        cell_o,
        stations=[StationRef(x) for x in labels],
        provenance=PROV,
        time_s=cell_t,
        limit_s=300.0,
    )
    for iso, d in zip(first.isochrones, dres.districts, strict=True):
        assert iso.area_km2 == pytest.approx(d.covered_km2)
    per_station = dijkstra(g.csr(), indices=stations) + 60.0
    matrix = grid_time_matrix_from_nodes(grid, g.lon, g.lat, per_station, off_network_speed_kmh=5.0)
    assert_allclose(matrix.min(axis=0), cell_t)
    full = isochrones(grid, matrix, limit_s=600.0, labels=labels, provenance=PROV)
    assert not full.first_due
    a, b = (i.geometry for i in full.isochrones)
    assert area_km2(a.intersection(b)) > 0.1
    assert json.loads(json.dumps(full.as_dict()))["method"] == "cells"


# --------------------------------------------------------------------------- standards


def test_bundled_standards_carry_the_domain_figures() -> None:
    assert STD.coverage_limit_s == 300.0
    assert STD.coverage_limit_for("micro") == 180.0
    assert STD.turnout_for(StationClass.LEVEL1) == 60.0
    assert all(STD.turnout_for(c) > 0 for c in StationClass)
    for c in StationClass:  # the standards file and the enum must not drift apart
        assert STD.district_limit_for(c) == c.district_limit_km2
    assert STD.district_limit_for("level2", suburban=True) == 15.0
    assert STD.district_limit_for("special", suburban=True) == 7.0
    assert (STD.hydrant.road_distance_m, STD.hydrant.radius_m) == (120.0, 150.0)
    assert "turnout_s" in STD.confirm
    assert STD.approx.model().drive_time_s(1000.0) == pytest.approx(168.0)
    assert STD.provenance(approximate=True).as_dict()["approximate"] is True
    from firegrid.coverage.config import load_standards as again

    assert again(date(2020, 1, 1)).id == STD.id
    with pytest.raises(ConfigurationError, match="no response standards"):
        again(date(2000, 1, 1))


def test_standards_errors_name_the_field() -> None:
    text = (
        resources.files("firegrid.coverage")
        .joinpath("data", "response_standards.toml")
        .read_text("utf-8")
    )
    assert parse_standards(text)[0].version == STD.version
    with pytest.raises(ConfigurationError, match=r"turnout_s.*no turn-out time for: volunteer"):
        parse_standards(text.replace("volunteer = 300.0", ""))
    with pytest.raises(ConfigurationError, match=r"'coverage_limit_s'.*positive"):
        parse_standards(text.replace("coverage_limit_s = 300.0", "coverage_limit_s = -5.0"))
    with pytest.raises(
        ConfigurationError, match=r"district_limit_km2: field 'flagship': is not a station class"
    ):
        parse_standards(text.replace("level1 = 7.0", "flagship = 7.0"))
