"""Response-time metrics from arrays of durations (pure: numpy in, frozen dataclasses out).

Three measures per incident, in seconds, each ``NaN`` when a time is missing:

``turnout_s``
    dispatch order → unit en route (出动时间), of the incident's first assignment;
``travel_s``
    en route → on scene (行车时间), of the same assignment;
``total_s``
    alarm received → first unit on scene (响应时间). The 5-minute rule (``limit_s`` = 300 s)
    is judged on this measure.

Missing and invalid values
--------------------------
A ``NaN`` is *missing* (the time was not recorded) and counted in ``n_missing``. A negative
duration — an arrival before the alarm, a clock error — is *invalid*: imported data has them,
so they are counted in ``n_invalid`` and excluded rather than refused. Neither enters the
median, mean, 90th percentile or the share within the limit, whose denominator is ``n`` (the
valid values of that measure). Zero is valid.

Percentiles
-----------
``numpy.percentile(..., method=PERCENTILE_METHOD)`` (Hyndman & Fan type 7, the numpy, pandas and R
default): for sorted values ``x[0..n-1]`` the ``q``-th percentile is the linear interpolation
at position ``(n - 1) q / 100``. The median is the 50th percentile of that definition (the mean of
the two middle values when ``n`` is even).

Groups are indices ``0..n_groups-1`` (station, township or month indices made by the caller);
ids and labels stay outside this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError

__all__ = [
    "DEFAULT_LIMIT_S",
    "PERCENTILE_METHOD",
    "MeasureStats",
    "ResponseMetrics",
    "grouped_response_metrics",
    "interval_s",
    "measure_stats",
    "response_metrics",
]

F64 = npt.NDArray[np.float64]

#: The 5-minute rule: first unit on scene within 300 s of the alarm.
DEFAULT_LIMIT_S = 300.0
#: ``numpy.percentile`` method used for the median and the 90th percentile.
PERCENTILE_METHOD: Final = "linear"


@dataclass(frozen=True)
class MeasureStats:
    """Summary of one duration measure over a group (seconds; ``None`` when ``n`` is 0)."""

    n: int
    n_missing: int
    n_invalid: int
    median_s: float | None
    mean_s: float | None
    p90_s: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "n_missing": self.n_missing,
            "n_invalid": self.n_invalid,
            "median_s": self.median_s,
            "mean_s": self.mean_s,
            "p90_s": self.p90_s,
        }


@dataclass(frozen=True)
class ResponseMetrics:
    """Turn-out, travel and total response of a group, and the share within ``limit_s``.

    ``share_within_limit`` is ``n_within_limit / total.n`` (valid total responses only);
    ``None`` when there is none.
    """

    count: int
    turnout: MeasureStats
    travel: MeasureStats
    total: MeasureStats
    limit_s: float
    n_within_limit: int
    share_within_limit: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "turnout": self.turnout.as_dict(),
            "travel": self.travel.as_dict(),
            "total": self.total.as_dict(),
            "limit_s": self.limit_s,
            "n_within_limit": self.n_within_limit,
            "share_within_limit": self.share_within_limit,
        }


def _as_f64(values: npt.ArrayLike, name: str) -> F64:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise InvalidInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if np.isinf(arr).any():
        raise InvalidInputError(f"{name} holds an infinite duration")
    return arr


def interval_s(start_s: npt.ArrayLike, end_s: npt.ArrayLike) -> F64:
    """Durations ``end − start`` (s) from two arrays of epoch seconds; ``NaN`` stays missing.

    Parameters
    ----------
    start_s, end_s : array_like
        Equal-length float arrays of seconds since any common epoch, ``NaN`` where unknown.

    Returns
    -------
    numpy.ndarray
        ``end_s − start_s``; ``NaN`` wherever either is ``NaN``. Negative values are returned
        as they are (the statistics count them as invalid).
    """
    a, b = _as_f64(start_s, "start_s"), _as_f64(end_s, "end_s")
    if a.shape != b.shape:
        raise InvalidInputError(f"start_s and end_s differ in length: {a.size} and {b.size}")
    return b - a


def measure_stats(durations_s: npt.ArrayLike) -> MeasureStats:
    """Median, mean and 90th percentile of the valid durations; missing and invalid counted.

    Parameters
    ----------
    durations_s : array_like
        Seconds; ``NaN`` = missing, negative = invalid (both excluded, see the module docstring).

    Returns
    -------
    MeasureStats
    """
    x = _as_f64(durations_s, "durations_s")
    missing = np.isnan(x)
    invalid = ~missing & (x < 0)
    valid = x[~missing & ~invalid]
    n = int(valid.size)
    if n == 0:
        return MeasureStats(0, int(missing.sum()), int(invalid.sum()), None, None, None)
    med = float(np.percentile(valid, 50.0, method=PERCENTILE_METHOD))
    p90 = float(np.percentile(valid, 90.0, method=PERCENTILE_METHOD))
    return MeasureStats(
        n=n,
        n_missing=int(missing.sum()),
        n_invalid=int(invalid.sum()),
        median_s=med,
        mean_s=float(valid.mean()),
        p90_s=p90,
    )


def response_metrics(
    turnout_s: npt.ArrayLike,
    travel_s: npt.ArrayLike,
    total_s: npt.ArrayLike,
    *,
    limit_s: float = DEFAULT_LIMIT_S,
) -> ResponseMetrics:
    """Metrics of one group of incidents (one element per incident in each array).

    Parameters
    ----------
    turnout_s, travel_s, total_s : array_like
        Equal-length durations (s) per incident; ``NaN`` missing, negative invalid.
    limit_s : float, keyword-only
        Response-time limit for the share within it (default 300 s, the 5-minute rule).

    Returns
    -------
    ResponseMetrics
    """
    t, v, tot = (
        _as_f64(turnout_s, "turnout_s"),
        _as_f64(travel_s, "travel_s"),
        _as_f64(total_s, "total_s"),
    )
    if not (t.size == v.size == tot.size):
        raise InvalidInputError(
            f"turnout_s, travel_s and total_s differ in length: {t.size}, {v.size}, {tot.size}"
        )
    if not np.isfinite(limit_s) or limit_s <= 0:
        raise InvalidInputError(f"limit_s must be a positive number of seconds, got {limit_s!r}")
    total = measure_stats(tot)
    valid = tot[~np.isnan(tot) & (tot >= 0)]
    within = int(np.count_nonzero(valid <= limit_s))
    return ResponseMetrics(
        count=int(tot.size),
        turnout=measure_stats(t),
        travel=measure_stats(v),
        total=total,
        limit_s=float(limit_s),
        n_within_limit=within,
        share_within_limit=within / total.n if total.n else None,
    )


def grouped_response_metrics(
    groups: npt.ArrayLike,
    turnout_s: npt.ArrayLike,
    travel_s: npt.ArrayLike,
    total_s: npt.ArrayLike,
    *,
    n_groups: int,
    limit_s: float = DEFAULT_LIMIT_S,
) -> list[ResponseMetrics]:
    """:func:`response_metrics` of each group ``0..n_groups-1`` (empty groups have count 0).

    Parameters
    ----------
    groups : array_like of int
        Group index of each incident, in ``0..n_groups-1``.
    turnout_s, travel_s, total_s : array_like
        As for :func:`response_metrics`.
    n_groups : int, keyword-only
        Number of groups; the result has this length, in index order.
    limit_s : float, keyword-only
        As for :func:`response_metrics`.

    Returns
    -------
    list of ResponseMetrics
    """
    g = np.asarray(groups)
    if g.ndim != 1 or (g.size and not np.issubdtype(g.dtype, np.integer)):
        raise InvalidInputError("groups must be a one-dimensional array of integer indices")
    g = g.astype(np.int64)
    if g.size and (g.min() < 0 or g.max() >= n_groups):
        raise InvalidInputError(
            f"group indices must lie in 0..{n_groups - 1}, got {int(g.min())}..{int(g.max())}"
        )
    t, v, tot = (
        _as_f64(turnout_s, "turnout_s"),
        _as_f64(travel_s, "travel_s"),
        _as_f64(total_s, "total_s"),
    )
    if not (g.size == t.size == v.size == tot.size):
        raise InvalidInputError(
            f"groups and durations differ in length: {g.size}, {t.size}, {v.size}, {tot.size}"
        )
    return [
        response_metrics(t[g == k], v[g == k], tot[g == k], limit_s=limit_s)
        for k in range(n_groups)
    ]
