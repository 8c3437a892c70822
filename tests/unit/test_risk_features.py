"""Risk cells and the cell × month panel: ids, neighbours, and no look-ahead."""

from __future__ import annotations

from typing import Any

import h3
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from firegrid.errors import InvalidInputError
from firegrid.risk.cells import (
    H3Grid,
    SquareGrid,
    grid_from_spec,
    index_cells,
    neighbour_index,
)
from firegrid.risk.features import Panel, build_panel, month_index, monthly_weather

M0 = int(month_index(["2015-01"])[0])


# --------------------------------------------------------------------------- cells


def test_square_cells_from_metric_coordinates() -> None:
    grid = SquareGrid(cell_m=1000.0, crs="EPSG:32617")
    from firegrid.geo.crs import to_wgs84

    # Two points 300 m apart inside one cell, a third 1.2 km east: two different ids.
    lon, lat = to_wgs84([630_100.0, 630_400.0, 631_300.0], [4_840_500.0] * 3, crs="EPSG:32617")
    ids = grid.assign(lon, lat)
    assert ids.tolist() == ["630_4840", "630_4840", "631_4840"]
    assert grid.spec == "square:1000m@EPSG:32617"
    assert grid_from_spec(grid.spec) == grid
    centre_lon, centre_lat = grid.centre("630_4840")
    assert grid.assign([centre_lon], [centre_lat]).tolist() == ["630_4840"]


def test_square_grid_picks_the_local_metric_crs() -> None:
    grid = SquareGrid.for_points([-79.4, -79.3], [43.7, 43.65], cell_km=0.5)
    assert grid.crs == "EPSG:32617"
    assert grid.cell_m == 500.0


def test_square_neighbours_are_the_eight_around() -> None:
    grid = SquareGrid(cell_m=1000.0, crs="EPSG:32617")
    nb = grid.neighbours("10_-3")
    assert len(nb) == 8
    assert set(nb) == {f"{a}_{b}" for a in (9, 10, 11) for b in (-4, -3, -2)} - {"10_-3"}
    with pytest.raises(InvalidInputError, match="not a square cell id"):
        grid.neighbours("abc")


def test_h3_cells_round_trip_and_ring() -> None:
    grid = H3Grid(resolution=8)
    lon, lat = np.array([116.1, 116.2]), np.array([39.9, 39.95])
    ids = grid.assign(lon, lat)
    for cid, x, y in zip(ids.tolist(), lon, lat, strict=True):
        assert h3.get_resolution(cid) == 8
        # the point lies in its cell: the cell's centre maps back to the same cell
        cx, cy = grid.centre(cid)
        assert grid.assign([cx], [cy]).tolist() == [cid]
        assert h3.latlng_to_cell(y, x, 8) == cid
    ring = grid.neighbours(ids[0])
    assert len(ring) == 6 and ids[0] not in ring
    assert all(h3.grid_distance(ids[0], c) == 1 for c in ring)
    assert grid_from_spec("h3:8") == grid
    with pytest.raises(InvalidInputError, match="resolution"):
        H3Grid(resolution=16)


def test_index_and_neighbour_index_stay_inside_the_universe() -> None:
    grid = SquareGrid(cell_m=1000.0, crs="EPSG:32617")
    universe = ["0_0", "1_0", "5_5"]
    assert index_cells(["1_0", "9_9", "0_0"], universe).tolist() == [1, -1, 0]
    nb = neighbour_index(grid, universe)
    assert [n.tolist() for n in nb] == [[1], [0], []]


def test_unknown_spec_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="unknown cell spec"):
        grid_from_spec("hex:3")


# --------------------------------------------------------------------------- panel


def _panel(cells: list[int], months: list[int], **kw: Any) -> Panel:
    args: dict[str, Any] = {
        "n_cells": 3,
        "first_month": M0 + 12,
        "last_month": M0 + 23,
        "history_start": M0,
    }
    args.update(kw)
    return build_panel(np.array(cells), np.array(months) + M0, **args)


def test_lags_counts_and_rates_by_hand() -> None:
    # cell 0: fires in months 0, 11, 11, 12; cell 1: month 1; cell 2: none.
    p = build_panel(
        np.array([0, 0, 0, 0, 1]),
        np.array([0, 11, 11, 12, 1]) + M0,
        n_cells=3,
        first_month=M0 + 12,
        last_month=M0 + 13,
        history_start=M0,
        neighbours=[np.array([1]), np.array([0, 2]), np.array([1])],
    )
    row = {(c, m - M0): i for i, (c, m) in enumerate(zip(p.cell, p.month, strict=True))}
    r12, r13 = row[(0, 12)], row[(0, 13)]
    assert p.column("count_lag1")[r12] == 2  # month 11
    assert p.column("count_last12")[r12] == 3  # months 0..11
    assert p.column("count_same_month_ly")[r12] == 1  # month 0
    assert p.column("count_lag1")[r13] == 1  # month 12
    assert p.column("count_last12")[r13] == 3  # months 1..12
    assert_allclose(p.column("fire_month_rate")[r12], 2 / 12)  # months 0 and 11 of 12
    assert_allclose(p.column("long_run_rate")[r12], 3 / 12)
    assert p.column("months_since_fire")[r12] == 1
    assert p.column("nbr_last12")[row[(1, 12)]] == 3  # cell 0's fires seen by cell 1
    assert p.column("city_lag1")[row[(2, 12)]] == 2
    # targets: cell 0 burned in month 12, nobody in 13
    assert p.y[r12] == 1 and p.count[r12] == 1 and p.y[r13] == 0
    assert p.y.sum() == 1


CELL_XY = (np.array([0.0, 800.0, 3000.0]), np.array([0.0, 0.0, 500.0]))


def _xy_of(cells: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fire positions: the cell centre plus up to ±400 m."""
    x = CELL_XY[0][cells] + rng.uniform(-400, 400, cells.size)
    y = CELL_XY[1][cells] + rng.uniform(-400, 400, cells.size)
    return x, y


def test_features_of_a_month_ignore_that_months_fires() -> None:
    rng = np.random.default_rng(1)
    cells = rng.integers(0, 3, size=200)
    months = rng.integers(0, 24, size=200)
    uses = rng.integers(-1, 4, size=200)
    xy = _xy_of(cells, rng)
    base = _panel(cells.tolist(), months.tolist(), use_class=uses, point_xy_m=xy, cell_xy_m=CELL_XY)
    # every kind of feature is covered, the spatial ones included
    for name in ("kde_500m_rate", "nbr_fire_month_rate_1km", "eb_fire_month_rate", "ewm_any_36m"):
        assert name in base.feature_names
    # Change only the fires of month 18: move them to another cell and add three more (one of
    # them outside the cell set, which still counts in the kernels of later months).
    c2 = np.where(months == 18, (cells + 1) % 3, cells)
    c3 = np.concatenate([c2, [0, 0, -1]])
    m3 = np.concatenate([months, [18, 18, 18]])
    u3 = np.concatenate([uses, [0, 1, 2]])
    x2, y2 = _xy_of(np.maximum(c3, 0), rng)
    keep = np.concatenate([months != 18, [False] * 3])
    x2[keep], y2[keep] = xy[0][months != 18], xy[1][months != 18]
    moved = _panel(c3.tolist(), m3.tolist(), use_class=u3, point_xy_m=(x2, y2), cell_xy_m=CELL_XY)
    t18 = base.month == M0 + 18
    upto = base.month <= M0 + 18
    assert_array_equal(base.X[upto], moved.X[upto])
    assert not np.array_equal(base.count[t18], moved.count[t18])
    # ... while later months do see them (the test can fail).
    later = base.month == M0 + 19
    assert not np.array_equal(base.X[later], moved.X[later])


def test_training_features_do_not_change_with_the_test_window() -> None:
    rng = np.random.default_rng(2)
    cells = rng.integers(0, 3, size=300)
    months = rng.integers(0, 24, size=300)
    x, y = _xy_of(cells, rng)
    a = _panel(cells.tolist(), months.tolist(), point_xy_m=(x, y), cell_xy_m=CELL_XY)
    test = months >= 18
    b = _panel(  # test window emptied
        cells[~test].tolist(),
        months[~test].tolist(),
        point_xy_m=(x[~test], y[~test]),
        cell_xy_m=CELL_XY,
    )
    train = a.month < M0 + 18
    assert_array_equal(a.X[train], b.X[train])
    assert_array_equal(a.y[train], b.y[train])


def _daily() -> pd.DataFrame:
    days = pd.date_range("2014-12-01", "2016-12-31", freq="D")
    n = len(days)
    rng = np.random.default_rng(3)
    t = rng.normal(5, 10, n)
    return pd.DataFrame(
        {
            "date": days,
            "temp_mean": t,
            "temp_max": t + 5,
            "temp_min": t - 5,
            "precip_mm": rng.random(n),
            "snow_cm": np.zeros(n),
        }
    )


def test_monthly_weather_aggregates() -> None:
    d = _daily()
    w = monthly_weather(d)
    jan = d[(d.date >= "2015-01-01") & (d.date < "2015-02-01")]
    row = w.loc[M0]
    assert_allclose(row["temp_mean"], jan.temp_mean.mean())
    assert_allclose(row["temp_max"], jan.temp_max.max())
    assert_allclose(row["precip_mm"], jan.precip_mm.sum())
    assert row["days_below_0"] == (jan.temp_min < 0).sum()


def test_weather_is_lagged_unless_observed_is_asked_for() -> None:
    w = monthly_weather(_daily())
    lagged = _panel([0, 1], [0, 5], weather=w)
    observed = _panel([0, 1], [0, 5], weather=w, weather_mode="observed")
    rows = lagged.month == M0 + 15
    assert_allclose(lagged.column("temp_mean")[rows], w.loc[M0 + 14, "temp_mean"])
    assert_allclose(observed.column("temp_mean")[rows], w.loc[M0 + 15, "temp_mean"])
    assert lagged.weather_mode == "lagged"
    with pytest.raises(InvalidInputError, match="weather_mode"):
        _panel([0], [0], weather=w, weather_mode="forecast")


def test_use_mix_counts_only_past_fires() -> None:
    # cell 0: a residential fire in month 0, a commercial one in month 12 (the row's month).
    p = build_panel(
        np.array([0, 0]),
        np.array([0, 12]) + M0,
        n_cells=1,
        first_month=M0 + 12,
        last_month=M0 + 13,
        history_start=M0,
        use_class=np.array([0, 2]),
    )
    assert_allclose(p.column("share_residential"), [1.0, 0.5])
    assert_allclose(p.column("share_commercial"), [0.0, 0.5])


def test_spatial_rates_by_hand() -> None:
    # One fire in month 0, 500 m from cell 0's centre and 300 m from cell 1's; the row's own
    # month (12) has a fire at cell 2's centre that no feature of month 12 may see.
    p = build_panel(
        np.array([1, 2]),
        np.array([0, 12]) + M0,
        n_cells=3,
        first_month=M0 + 12,
        last_month=M0 + 13,
        history_start=M0,
        point_xy_m=(np.array([500.0, 3000.0]), np.array([0.0, 500.0])),
        cell_xy_m=CELL_XY,
    )
    r = {(c, m - M0): i for i, (c, m) in enumerate(zip(p.cell, p.month, strict=True))}
    kde = p.column("kde_500m_rate")
    assert_allclose(kde[r[(0, 12)]], np.exp(-0.5) / 12)  # d = 500 m = 1 bandwidth
    assert_allclose(kde[r[(1, 12)]], np.exp(-0.5 * 0.6**2) / 12)
    assert kde[r[(2, 12)]] == 0.0  # cell 2's own fire is in month 12
    assert_allclose(kde[r[(2, 13)]], 1.0 / 13)  # ... and month 13 does (d = 0)
    # Neighbourhood rate, 2 km kernel: cell 0 sees cells 1 (800 m, rate 1/12) and 2
    # (≈ 3041 m, rate 0); with the 1 km kernel cell 2 lies beyond the 3-bandwidth cut-off.
    w1 = np.exp(-0.5 * 0.4**2)
    w2 = np.exp(-0.5 * (np.hypot(3000.0, 500.0) / 2000.0) ** 2)
    assert_allclose(p.column("nbr_fire_month_rate_2km")[r[(0, 12)]], w1 * (1 / 12) / (w1 + w2))
    assert_allclose(p.column("nbr_fire_month_rate_1km")[r[(0, 12)]], 1 / 12)
    # shrinkage: cell 0 never burned; its 12 months of zeros meet a prior worth 12 months
    assert_allclose(p.column("eb_fire_month_rate")[r[(0, 12)]], (0 + 12 * (1 / 12)) / 24)


def test_bad_windows_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="history_start < first_month"):
        _panel([0], [0], first_month=M0)
    with pytest.raises(InvalidInputError, match="population"):
        _panel([0], [0], population=[1.0, 2.0])
    with pytest.raises(InvalidInputError, match="point_xy_m"):
        _panel([0], [0], cell_xy_m=CELL_XY, point_xy_m=([0.0, 1.0], [0.0, 1.0]))
