"""Calibrating the straight-line model on Toronto's real alarm and arrival times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyproj
import pytest

from firegrid.coverage.calibrate import calibrate_toronto
from firegrid.errors import InvalidInputError

GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def toronto(shared_data: Path) -> tuple[Path, Path]:
    folder = shared_data / "toronto"
    incidents = folder / "fire_incidents_2011-2018.csv"
    stations = folder / "fire_stations.csv"
    if not (incidents.is_file() and stations.is_file()):
        pytest.skip(f"Toronto fire data not found in {folder}")
    return incidents, stations


def test_calibration_beats_the_uncalibrated_default_on_held_out_years(
    toronto: tuple[Path, Path],
) -> None:
    res = calibrate_toronto(*toronto)
    assert (res.n_rows, res.n_stations) == (10_540, 84)
    # Exact counts: a change in the cleaning rules must be noticed here.
    assert [(c.rule, c.dropped) for c in res.cleaning] == [
        ("alarm time, arrival time or position missing/unparseable", 0),
        ("duplicate (same alarm time and position)", 0),
        ("more than 5 km from every station", 0),
        ("arrival − alarm ≤ 0 s or > 30 min", 0),
        ("straight-line speed from the nearest station > 100 km/h", 4),
    ]
    assert (res.n_train, res.n_test, res.n_other_years) == (7_939, 2_597, 0)
    cal, default = res.calibrated, res.default
    assert cal.test.median_abs_error_s < default.test.median_abs_error_s
    assert cal.test.mean_abs_error_s < default.test.mean_abs_error_s
    # Distance explains something: better than a constant (the training median).
    assert cal.test.median_abs_error_s < res.evaluation("constant").test.median_abs_error_s
    # The fixed part carries call processing and turn-out: minutes, not seconds.
    assert 120.0 < cal.model.fixed_s < 300.0
    assert cal.model.fitted == ("fixed_s", "seconds_per_km")
    out = json.loads(json.dumps(res.as_dict(), allow_nan=False))
    assert [m["model"]["name"] for m in out["models"]] == [
        "default",
        "speed_only",
        "calibrated",
        "constant",
    ]
    assert any("+00:00" in n for n in out["notes"])


def _write(tmp_path: Path, rows: list[tuple[str, str, float, float]]) -> tuple[Path, Path]:
    stations = tmp_path / "stations.csv"
    stations.write_text(
        "INDEX,NAME,ADDRESS,LATITUDE,LONGITUDE\n1,FIRE STATION 1,x,43.70,-79.40\n",
        encoding="utf-8",
    )
    incidents = tmp_path / "incidents.csv"
    lines = ["latitude,longitude,tfs_alarm_time,tfs_arrival_time"]
    lines += [f"{lat},{lon},{a},{b}" for a, b, lat, lon in rows]
    incidents.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return incidents, stations


def _at(metres: float) -> tuple[float, float]:
    lon, lat, _ = GEOD.fwd(-79.40, 43.70, 90.0, metres)
    return lat, lon


def test_each_cleaning_rule_drops_what_it_says(tmp_path: Path) -> None:
    def t(year: int, s: int) -> str:
        return (datetime(year, 3, 1, 12, tzinfo=UTC) + timedelta(seconds=s)).isoformat(" ")

    good = [(t(y, 0), t(y, 60 + 100 * k), *_at(500.0 * k)) for y in (2012, 2017) for k in (1, 2, 3)]
    bad = [
        ("not a time", t(2012, 200), *_at(500.0)),  # unparseable
        (t(2012, 0), t(2012, 160), *_at(500.0)),  # duplicate of the first good row
        (t(2012, 5), t(2012, 300), *_at(9000.0)),  # 9 km from the only station
        (t(2012, 7), t(2012, 7), *_at(700.0)),  # zero interval
        (t(2012, 9), t(2012, 9 + 3600), *_at(700.0)),  # an hour
        (t(2012, 11), t(2012, 21), *_at(2000.0)),  # 2 km in 10 s = 720 km/h
        (t(2014, 0), t(2014, 200), *_at(800.0)),  # clean, but in neither period
    ]
    res = calibrate_toronto(
        *_write(tmp_path, good + bad), train_years=(2011, 2012), test_years=(2017, 2017)
    )
    assert [c.dropped for c in res.cleaning] == [1, 1, 1, 2, 1]
    assert (res.n_train, res.n_test, res.n_other_years) == (3, 3, 1)
    # The clean rows lie exactly on 60 s + 0.2 s/m: the fit finds it and errs by nothing.
    assert res.calibrated.model.fixed_s == pytest.approx(60.0, abs=0.5)
    assert res.calibrated.model.seconds_per_km == pytest.approx(200.0, abs=0.5)
    assert res.calibrated.test.median_abs_error_s == pytest.approx(0.0, abs=0.5)


def test_missing_columns_and_empty_periods_are_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("lat,lon\n1,2\n", encoding="utf-8")
    _, stations = _write(tmp_path, [])
    with pytest.raises(InvalidInputError, match="missing column"):
        calibrate_toronto(bad, stations)
    incidents, stations = _write(
        tmp_path, [("2012-01-01 00:00:00+00:00", "2012-01-01 00:04:00+00:00", *_at(500.0))]
    )
    with pytest.raises(InvalidInputError, match="test years"):
        calibrate_toronto(incidents, stations)
