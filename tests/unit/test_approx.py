"""Straight-line approximation: known distance → known time, first-due choice, cutoff, fit."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from numpy.testing import assert_allclose

from firegrid.coverage import (
    DemandPoints,
    area_coverage,
    demand_coverage,
    load_standards,
    make_grid,
)
from firegrid.coverage.calibrate import fit_lad
from firegrid.errors import InvalidInputError
from firegrid.geo.crs import geodesic_distance_m, local_metric_crs
from firegrid.network.approx import (
    StraightLineModel,
    first_due_times,
    station_time_matrix,
    straight_line_distance_m,
)

GEOD = pyproj.Geod(ellps="WGS84")
STD = load_standards()


def _east(lon: float, lat: float, metres: list[float]) -> tuple[np.ndarray, np.ndarray]:
    n = len(metres)
    x, y, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), np.full(n, 90.0), metres)
    return np.asarray(x), np.asarray(y)


def test_known_distance_gives_known_time() -> None:
    model = StraightLineModel(circuity=1.4, speed_kmh=30.0)
    # 1 km straight line = 1.4 km of road at 30 km/h = 168 s.
    assert model.drive_time_s(1000.0) == pytest.approx(168.0)
    assert StraightLineModel(circuity=1.2, speed_kmh=36.0, delay_s=30.0).drive_time_s(
        [0.0, 3000.0]
    ).tolist() == pytest.approx([30.0, 390.0])
    assert STD.approx.model() == model  # the shipped defaults


def test_first_due_times_on_points_at_known_geodesic_distances() -> None:
    s_lon, s_lat = _east(116.1, 39.95, [0.0, 5000.0])
    p_lon, p_lat = _east(116.1, 39.95, [1000.0, 3000.0, 4800.0])
    res = first_due_times(s_lon, s_lat, p_lon, p_lat, model=StraightLineModel(), turnout_s=60.0)
    assert res.approximate is True
    assert res.origin.tolist() == [0, 1, 1]
    assert_allclose(res.distance_m, [1000.0, 2000.0, 200.0], rtol=1e-3)
    assert_allclose(res.time_s, 60.0 + np.array([1000.0, 2000.0, 200.0]) * 0.168, rtol=1e-3)


def test_per_station_turnout_can_make_a_farther_station_first_due() -> None:
    s_lon, s_lat = _east(116.1, 39.95, [0.0, 2000.0])
    p_lon, p_lat = _east(116.1, 39.95, [900.0])
    # Station 0 is 900 m away but a volunteer team (300 s); station 1 is 1100 m away (60 s).
    res = first_due_times(
        s_lon, s_lat, p_lon, p_lat, model=StraightLineModel(), turnout_s=[300.0, 60.0]
    )
    assert res.origin.tolist() == [1]
    assert res.time_s[0] == pytest.approx(60.0 + 1100.0 * 0.168, rel=1e-3)


def test_cutoff_marks_points_unreached() -> None:
    s_lon, s_lat = _east(116.1, 39.95, [0.0])
    p_lon, p_lat = _east(116.1, 39.95, [500.0, 5000.0])
    res = first_due_times(
        s_lon, s_lat, p_lon, p_lat, model=StraightLineModel(), turnout_s=60.0, cutoff_s=300.0
    )
    assert res.origin.tolist() == [0, -1]
    assert np.isinf(res.time_s[1]) and np.isinf(res.distance_m[1])
    none = first_due_times([], [], p_lon, p_lat, model=StraightLineModel())
    assert none.origin.tolist() == [-1, -1]


def test_time_matrix_agrees_with_first_due_and_respects_the_cutoff() -> None:
    rng = np.random.default_rng(7)
    s_lon, s_lat = 116.0 + rng.random(5) * 0.3, 39.9 + rng.random(5) * 0.2
    p_lon, p_lat = 116.0 + rng.random(300) * 0.3, 39.9 + rng.random(300) * 0.2
    turnout = [60.0, 60.0, 120.0, 300.0, 60.0]
    m = station_time_matrix(
        s_lon, s_lat, p_lon, p_lat, model=StraightLineModel(), turnout_s=turnout, cutoff_s=900.0
    )
    fd = first_due_times(
        s_lon, s_lat, p_lon, p_lat, model=StraightLineModel(), turnout_s=turnout, cutoff_s=900.0
    )
    assert m.shape == (5, 300)
    assert_allclose(m.min(axis=0), fd.time_s)
    assert (m[np.isfinite(m)] <= 900.0).all()


def test_planar_distances_stay_within_0_1_percent_of_geodesics_over_a_district() -> None:
    rng = np.random.default_rng(3)
    # Mentougou-sized spread (~60 km × 40 km) west of Beijing.
    lon1, lat1 = 115.4 + rng.random(50) * 0.7, 39.8 + rng.random(50) * 0.35
    lon2, lat2 = 115.4 + rng.random(80) * 0.7, 39.8 + rng.random(80) * 0.35
    planar = straight_line_distance_m(lon1, lat1, lon2, lat2)
    geodesic = geodesic_distance_m(lon1[:, None], lat1[:, None], lon2[None, :], lat2[None, :])
    assert_allclose(planar, geodesic, rtol=1e-3)


def test_local_metric_crs_uses_gauss_kruger_in_china_and_utm_elsewhere() -> None:
    assert local_metric_crs([116.1], [39.9]) == "EPSG:4548"
    assert local_metric_crs([-79.4], [43.7]) == "EPSG:32617"  # Toronto
    with pytest.raises(InvalidInputError):
        local_metric_crs([], [])


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="speed_kmh"):
        StraightLineModel(speed_kmh=0.0)
    with pytest.raises(InvalidInputError, match="delay_s"):
        StraightLineModel(delay_s=-1.0)
    with pytest.raises(InvalidInputError, match="turnout_s"):
        first_due_times([116.0], [40.0], [116.1], [40.0], model=StraightLineModel(), turnout_s=-5.0)


def test_coverage_kernels_run_unchanged_on_approximate_times() -> None:
    s_lon, s_lat = _east(116.1, 39.95, [0.0])
    p_lon, p_lat = _east(116.1, 39.95, [500.0, 1500.0, 3000.0])
    pts = DemandPoints.from_arrays(p_lon, p_lat, weight=[10.0, 20.0, 30.0])
    t = first_due_times(
        s_lon,
        s_lat,
        pts.lon,
        pts.lat,
        model=STD.approx.model(),
        turnout_s=STD.turnout_for("level1"),
    )
    res = demand_coverage(
        pts,
        t.time_s,
        limit_s=STD.coverage_limit_s,
        provenance=STD.provenance(approximate=t.approximate),
    )
    # 60 s + 0.168 s/m: 500 m → 144 s, 1500 m → 312 s, 3000 m → 564 s.
    assert res.covered.tolist() == [True, False, False]
    assert res.as_dict()["approximate"] is True
    grid = make_grid(shapely.box(116.06, 39.92, 116.14, 39.98), cell_m=100.0)
    cells = first_due_times(
        s_lon, s_lat, grid.lon, grid.lat, model=STD.approx.model(), turnout_s=60.0
    )
    ac = area_coverage(
        grid, cells.time_s, limit_s=300.0, provenance=STD.provenance(approximate=True)
    )
    # Reached within 300 s: a disc of 240 s / 0.168 s/m ≈ 1429 m radius, all inside the box.
    assert ac.covered_km2 == pytest.approx(np.pi * (240.0 / 0.168) ** 2 / 1e6, rel=0.02)


def test_lad_fit_recovers_a_line_despite_outliers() -> None:
    rng = np.random.default_rng(11)
    d = rng.uniform(100.0, 3000.0, 2000)
    y = 150.0 + 0.09 * d
    y[:100] += rng.uniform(300.0, 900.0, 100)  # 5 % busy-company outliers, all one-sided
    a, b = fit_lad(d, y)
    assert a == pytest.approx(150.0, abs=0.5)
    assert b == pytest.approx(0.09, abs=1e-4)
    a0, b0 = fit_lad(d, y, fixed_s=150.0)
    assert a0 == 150.0
    assert b0 == pytest.approx(0.09, abs=1e-5)
    a_flat, b_flat = fit_lad(d, np.full(2000, 300.0))
    assert (a_flat, b_flat) == (300.0, 0.0)
