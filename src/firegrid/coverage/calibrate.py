"""Calibrate the straight-line travel-time model on real alarm and arrival times (Toronto).

Toronto Fire Services publish every fire they attended in 2011–2018 with the alarm time, the
first unit's arrival time and the incident position, and the positions of their 84 stations
(City of Toronto Open Data, Open Government Licence – Toronto). That is enough to fit the model of
:mod:`firegrid.network.approx`,

.. math::  \\text{observed} = a + b \\cdot d,

where ``observed`` is arrival − alarm (s) and ``d`` the straight-line distance (m) from the
nearest station, by least absolute deviations (robust: the median, not the mean, of the
errors is what it targets, and a few absurd records cannot drag it) on the training years, and
to measure its errors on the test years.

What can and cannot be fitted
-----------------------------
* ``b`` is circuity ÷ speed (s per straight-line metre). Straight-line data cannot tell a winding
  road at high speed from a straight one at low speed, so the circuity is held at the standards'
  default and the speed reported is the one *implied* at that circuity.
* ``a`` collects everything that does not grow with distance: call processing (the alarm time is
  when the service was notified), turn-out, getting up to speed, parking and reaching the
  address. firegrid's 5-minute rule starts at the turn-out order, so ``a`` is *not* a turn-out
  time to copy into the standards.
* The data name no responding station: the distance is to the nearest one. When that company was
  busy, a farther one arrived; the fit's robustness absorbs these.

Models compared (each evaluated on the training and the test years)
-------------------------------------------------------------------
``default``
    The uncalibrated standards: class-1 turn-out + distance × circuity ÷ speed.
``speed_only``
    ``a`` held at the default turn-out, ``b`` fitted.
``calibrated``
    ``a`` and ``b`` fitted.
``constant``
    The training median, ignoring distance: the yardstick for how much distance explains.

Cleaning rules, applied in this order, each with the number of rows it drops:
rows without a parseable alarm time, arrival time or position; duplicates (same alarm time and
position); incidents more than 5 km from every station (outside the city or mis-geocoded);
intervals ≤ 0 s or > 30 min (clock or entry errors; no fire is reached that late by the first
unit); straight-line speed from the nearest station above 100 km/h (no appliance drives through a
city that fast: the unit was not at its station, or the record is wrong).

This module reads CSV files; the fitting itself is pure numpy/scipy.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar

from firegrid.coverage.config import load_standards
from firegrid.errors import InvalidInputError
from firegrid.geo.crs import local_metric_crs
from firegrid.network.approx import (
    StraightLineModel,
    straight_line_distance_m,
)

__all__ = [
    "CalibrationResult",
    "CleaningRule",
    "ErrorStats",
    "FittedModel",
    "ModelEvaluation",
    "calibrate_toronto",
    "fit_lad",
    "read_csv_columns",
]

F64 = npt.NDArray[np.float64]

#: Cleaning thresholds (see the module docstring).
MAX_STATION_DISTANCE_M = 5_000.0
MAX_INTERVAL_S = 1_800.0
MAX_STRAIGHT_SPEED_KMH = 100.0

_INCIDENT_COLUMNS = ("latitude", "longitude", "tfs_alarm_time", "tfs_arrival_time")
_STATION_COLUMNS = ("NAME", "LATITUDE", "LONGITUDE")
# Upper bound on b searched by the fit: 1 s per metre is 3.6 km/h straight-line.
_MAX_SLOPE_S_PER_M = 1.0


@dataclass(frozen=True)
class CleaningRule:
    """One cleaning rule and how many rows it dropped."""

    rule: str
    dropped: int

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "dropped": self.dropped}


@dataclass(frozen=True)
class FittedModel:
    """A straight-line model: ``predicted = fixed_s + distance_m × seconds_per_km / 1000``.

    ``speed_kmh`` is the speed implied at the assumed ``circuity`` (only their ratio is
    identifiable from straight-line data).
    """

    name: str
    description: str
    fixed_s: float
    seconds_per_km: float
    circuity: float
    fitted: tuple[str, ...]

    @property
    def speed_kmh(self) -> float | None:
        if self.seconds_per_km <= 0:
            return None
        return self.circuity / (self.seconds_per_km / 1000.0) * 3.6

    def predict_s(self, distance_m: npt.ArrayLike) -> F64:
        return self.fixed_s + np.asarray(distance_m, dtype=np.float64) * (
            self.seconds_per_km / 1000.0
        )

    def straight_line_model(self, *, turnout_s: float) -> StraightLineModel:
        """As a :class:`StraightLineModel` next to a separate turn-out time: the delay is the
        fixed part beyond ``turnout_s`` (floored at zero)."""
        speed = self.speed_kmh
        if speed is None:
            raise InvalidInputError(f"model {self.name!r} does not depend on distance")
        return StraightLineModel(
            circuity=self.circuity, speed_kmh=speed, delay_s=max(0.0, self.fixed_s - turnout_s)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "fixed_s": self.fixed_s,
            "seconds_per_km": self.seconds_per_km,
            "circuity": self.circuity,
            "speed_kmh": self.speed_kmh,
            "fitted": list(self.fitted),
        }


@dataclass(frozen=True)
class ErrorStats:
    """Errors of predictions against observations; residual = observed − predicted."""

    n: int
    median_abs_error_s: float
    mean_abs_error_s: float
    p90_abs_error_s: float
    rmse_s: float
    #: Median residual: positive = the model is too fast (predicts too little time).
    median_residual_s: float
    share_within_60s: float

    @classmethod
    def of(cls, observed: F64, predicted: F64) -> ErrorStats:
        if len(observed) == 0:
            raise InvalidInputError("no observations to evaluate")
        r = observed - predicted
        a = np.abs(r)
        return cls(
            n=len(r),
            median_abs_error_s=float(np.median(a)),
            mean_abs_error_s=float(a.mean()),
            p90_abs_error_s=float(np.quantile(a, 0.9)),
            rmse_s=float(np.sqrt(np.mean(r * r))),
            median_residual_s=float(np.median(r)),
            share_within_60s=float(np.mean(a <= 60.0)),
        )

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ModelEvaluation:
    model: FittedModel
    train: ErrorStats
    test: ErrorStats

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.as_dict(),
            "train": self.train.as_dict(),
            "test": self.test.as_dict(),
        }


@dataclass(frozen=True)
class CalibrationResult:
    """Fitted straight-line models and their errors on held-out years."""

    incidents_file: str
    stations_file: str
    n_rows: int
    n_stations: int
    crs: str
    cleaning: tuple[CleaningRule, ...]
    train_years: tuple[int, int]
    test_years: tuple[int, int]
    n_train: int
    n_test: int
    #: Clean rows in neither period.
    n_other_years: int
    evaluations: tuple[ModelEvaluation, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def n_dropped(self) -> int:
        return sum(c.dropped for c in self.cleaning)

    def evaluation(self, name: str) -> ModelEvaluation:
        for e in self.evaluations:
            if e.model.name == name:
                return e
        raise KeyError(name)

    @property
    def calibrated(self) -> ModelEvaluation:
        return self.evaluation("calibrated")

    @property
    def default(self) -> ModelEvaluation:
        return self.evaluation("default")

    def as_dict(self) -> dict[str, Any]:
        return {
            "incidents_file": self.incidents_file,
            "stations_file": self.stations_file,
            "n_rows": self.n_rows,
            "n_stations": self.n_stations,
            "crs": self.crs,
            "cleaning": [c.as_dict() for c in self.cleaning],
            "n_dropped": self.n_dropped,
            "train_years": list(self.train_years),
            "test_years": list(self.test_years),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_other_years": self.n_other_years,
            "models": [e.as_dict() for e in self.evaluations],
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- fitting


def fit_lad(
    distance_m: npt.ArrayLike, observed_s: npt.ArrayLike, *, fixed_s: float | None = None
) -> tuple[float, float]:
    """Least-absolute-deviations fit of ``observed = a + b · distance`` with ``b ≥ 0``.

    Parameters
    ----------
    distance_m, observed_s : array_like
        Equal-length samples.
    fixed_s : float, optional
        Hold ``a`` at this value and fit ``b`` only.

    Returns
    -------
    a, b : float
        Intercept (s) and slope (s per metre).

    Notes
    -----
    For a given ``b`` the best ``a`` is the median of ``observed − b·distance``, and the
    remaining objective is convex in ``b`` (a partial minimum of a jointly convex function), so a
    bounded scalar search over ``b`` finds the optimum in a few dozen O(n) evaluations — much
    faster than the equivalent linear programme with 2n variables.
    """
    d = np.asarray(distance_m, dtype=np.float64).ravel()
    y = np.asarray(observed_s, dtype=np.float64).ravel()
    if d.shape != y.shape or d.size == 0:
        raise InvalidInputError("need equal, non-zero numbers of distances and observations")

    def intercept(b: float) -> float:
        return float(np.median(y - b * d)) if fixed_s is None else float(fixed_s)

    def loss(b: float) -> float:
        return float(np.abs(y - intercept(b) - b * d).sum())

    res = minimize_scalar(
        loss, bounds=(0.0, _MAX_SLOPE_S_PER_M), method="bounded", options={"xatol": 1e-9}
    )
    b = float(res.x)
    # The bounded search never evaluates the bound itself; b = 0 is a legitimate optimum.
    if loss(0.0) <= loss(b):
        b = 0.0
    return intercept(b), b


# --------------------------------------------------------------------------- reading


def read_csv_columns(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInputError(
                    f"{path}: missing column(s) {', '.join(missing)}; found {reader.fieldnames}"
                )
            return list(reader)
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc}") from exc


def _parse_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _parse_float(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _read_stations(path: Path) -> tuple[F64, F64]:
    rows = read_csv_columns(path, _STATION_COLUMNS)
    lon, lat = [], []
    for i, r in enumerate(rows, start=1):
        x, y = _parse_float(r["LONGITUDE"]), _parse_float(r["LATITUDE"])
        if x is None or y is None or abs(x) > 180 or abs(y) > 90:
            raise InvalidInputError(f"{path}: row {i} ({r['NAME']!r}) has no valid position")
        lon.append(x)
        lat.append(y)
    if not lon:
        raise InvalidInputError(f"{path}: no stations")
    return np.array(lon), np.array(lat)


# --------------------------------------------------------------------------- calibration


def calibrate_toronto(
    incidents_csv: str | os.PathLike[str],
    stations_csv: str | os.PathLike[str],
    *,
    train_years: tuple[int, int] = (2011, 2016),
    test_years: tuple[int, int] = (2017, 2018),
    circuity: float | None = None,
    default_model: StraightLineModel | None = None,
    default_turnout_s: float | None = None,
) -> CalibrationResult:
    """Fit the straight-line model on Toronto's fires and measure it on held-out years.

    Parameters
    ----------
    incidents_csv : path
        ``fire_incidents_2011-2018.csv`` (columns ``latitude``, ``longitude``,
        ``tfs_alarm_time``, ``tfs_arrival_time``; ISO 8601 times).
    stations_csv : path
        ``fire_stations.csv`` (``NAME``, ``LATITUDE``, ``LONGITUDE``).
    train_years, test_years : (int, int)
        Inclusive ranges of alarm years.
    circuity : float, optional
        Circuity held fixed when converting the fitted slope to a speed; default the
        standards' default.
    default_model, default_turnout_s : optional
        The uncalibrated model to compare with; default the bundled standards' approximation
        defaults and class-1 turn-out.

    Returns
    -------
    CalibrationResult
        Cleaning counts, the four models of the module docstring with train and test errors,
        and notes on what the data showed.

    Raises
    ------
    InvalidInputError
        Unreadable files, missing columns, invalid stations, or a period without data.
    """
    std = load_standards()
    base = default_model or std.approx.model()
    turnout = std.turnout_for("level1") if default_turnout_s is None else default_turnout_s
    circ = base.circuity if circuity is None else float(circuity)

    inc_path, st_path = Path(incidents_csv), Path(stations_csv)
    s_lon, s_lat = _read_stations(st_path)
    rows = read_csv_columns(inc_path, _INCIDENT_COLUMNS)
    cleaning: list[CleaningRule] = []

    # 1. Parse; anything unparseable (or naive mixed with aware times) is dropped.
    lon, lat, interval, year, hour, keys = [], [], [], [], [], []
    unparsed = 0
    for r in rows:
        a, b = _parse_time(r["tfs_alarm_time"]), _parse_time(r["tfs_arrival_time"])
        x, y = _parse_float(r["longitude"]), _parse_float(r["latitude"])
        if (
            a is None
            or b is None
            or x is None
            or y is None
            or abs(x) > 180
            or abs(y) > 90
            or (a.tzinfo is None) != (b.tzinfo is None)
        ):
            unparsed += 1
            continue
        lon.append(x)
        lat.append(y)
        interval.append((b - a).total_seconds())
        # Years and hours as written: see the time-zone note in the result.
        year.append(a.year)
        hour.append(a.hour)
        keys.append((r["tfs_alarm_time"].strip(), round(x, 7), round(y, 7)))
    cleaning.append(
        CleaningRule("alarm time, arrival time or position missing/unparseable", unparsed)
    )
    lon_a, lat_a = np.array(lon), np.array(lat)
    obs, yr, hr = np.array(interval), np.array(year, dtype=np.int64), np.array(hour)

    # 2. Duplicates: the same alarm at the same position recorded twice.
    seen: set[tuple[str, float, float]] = set()
    dup = np.zeros(len(keys), dtype=bool)
    for i, k in enumerate(keys):
        dup[i] = k in seen
        seen.add(k)
    keep = ~dup
    cleaning.append(CleaningRule("duplicate (same alarm time and position)", int(dup.sum())))

    crs = local_metric_crs(s_lon, s_lat)
    dist = np.full(len(lon_a), np.inf)
    if len(lon_a):
        dist = straight_line_distance_m(s_lon, s_lat, lon_a, lat_a, crs=crs).min(axis=0)

    def drop(rule: str, bad: npt.NDArray[np.bool_]) -> None:
        nonlocal keep
        cleaning.append(CleaningRule(rule, int((keep & bad).sum())))
        keep = keep & ~bad

    drop(
        f"more than {MAX_STATION_DISTANCE_M / 1000:g} km from every station",
        dist > MAX_STATION_DISTANCE_M,
    )
    drop(
        f"arrival − alarm ≤ 0 s or > {MAX_INTERVAL_S / 60:g} min",
        (obs <= 0) | (obs > MAX_INTERVAL_S),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        speed_kmh = np.where(obs > 0, dist / obs * 3.6, np.inf)
    drop(
        f"straight-line speed from the nearest station > {MAX_STRAIGHT_SPEED_KMH:g} km/h",
        speed_kmh > MAX_STRAIGHT_SPEED_KMH,
    )

    train = keep & (yr >= train_years[0]) & (yr <= train_years[1])
    test = keep & (yr >= test_years[0]) & (yr <= test_years[1])
    if not train.any() or not test.any():
        raise InvalidInputError(
            f"no clean incidents in the training years {train_years} or test years {test_years}"
        )
    d_tr, y_tr, d_te, y_te = dist[train], obs[train], dist[test], obs[test]

    default = FittedModel(
        name="default",
        description="uncalibrated standards: class-1 turn-out + distance × circuity ÷ speed",
        fixed_s=turnout + base.delay_s,
        seconds_per_km=base.seconds_per_m * 1000.0,
        circuity=base.circuity,
        fitted=(),
    )
    a1, b1 = fit_lad(d_tr, y_tr, fixed_s=default.fixed_s)
    a2, b2 = fit_lad(d_tr, y_tr)
    models = (
        default,
        FittedModel(
            name="speed_only",
            description="fixed part held at the default turn-out, speed fitted",
            fixed_s=a1,
            seconds_per_km=b1 * 1000.0,
            circuity=circ,
            fitted=("seconds_per_km",),
        ),
        FittedModel(
            name="calibrated",
            description="fixed part and speed fitted (least absolute deviations)",
            fixed_s=a2,
            seconds_per_km=b2 * 1000.0,
            circuity=circ,
            fitted=("fixed_s", "seconds_per_km"),
        ),
        FittedModel(
            name="constant",
            description="training median, ignoring distance (yardstick)",
            fixed_s=float(np.median(y_tr)),
            seconds_per_km=0.0,
            circuity=circ,
            fitted=("fixed_s",),
        ),
    )
    evaluations = tuple(
        ModelEvaluation(
            model=m,
            train=ErrorStats.of(y_tr, m.predict_s(d_tr)),
            test=ErrorStats.of(y_te, m.predict_s(d_te)),
        )
        for m in models
    )
    return CalibrationResult(
        incidents_file=inc_path.name,
        stations_file=st_path.name,
        n_rows=len(rows),
        n_stations=len(s_lon),
        crs=crs,
        cleaning=tuple(cleaning),
        train_years=train_years,
        test_years=test_years,
        n_train=int(train.sum()),
        n_test=int(test.sum()),
        n_other_years=int((keep & ~train & ~test).sum()),
        evaluations=evaluations,
        notes=_notes(lon_a[keep], lat_a[keep], hr[keep], circ),
    )


def _notes(lon: F64, lat: F64, hour: npt.NDArray[np.int64], circuity: float) -> tuple[str, ...]:
    """What the data showed that a reader of the figures should know."""
    notes = [
        "No column names the responding station: distances are to the nearest station.",
        f"Only circuity ÷ speed is identifiable; speeds are implied at circuity {circuity:g}.",
        "fixed_s includes call processing and turn-out (the alarm time is when the service was "
        "notified); firegrid's 5-minute rule starts at the turn-out order.",
    ]
    if len(hour):
        counts = np.bincount(hour, minlength=24)
        notes.append(
            f"Alarm hour of day as written: fewest at {int(counts.argmin()):02d} h, most at "
            f"{int(counts.argmax()):02d} h — the daily rhythm of local time, although the "
            "timestamps say +00:00; intervals are unaffected and years are taken as written."
        )
        pos = np.round(np.column_stack([lon, lat]), 6)
        _, inverse, n_at = np.unique(pos, axis=0, return_inverse=True, return_counts=True)
        shared = float(np.mean(n_at[inverse.ravel()] > 1))
        notes.append(
            f"{shared:.0%} of incidents share their position with another: positions are "
            "generalised (e.g. to intersections), adding location noise of up to a block."
        )
    return tuple(notes)
