"""Straight-line approximation of travel times, for districts without a road network yet.

Model
-----
The response time from station ``i`` to point ``j`` is

.. math::  t_{ij} = \\text{turnout}_i + \\text{delay} + d_{ij} \\cdot c / v

with :math:`d_{ij}` the straight-line distance, :math:`c` the circuity factor (road distance ÷
straight-line distance) and :math:`v` the driving speed. Only the ratio :math:`c/v` (seconds per
straight-line metre) can be fitted from observed times and straight-line distances
(:mod:`firegrid.coverage.calibrate`); ``delay`` absorbs fixed costs a road network would not show
either (leaving the station, parking, getting to the door).

The functions below return the same per-point arrays as the network kernels — ``time_s``
(``inf`` = beyond the cutoff) and ``origin`` (index of the first-due station, ``-1`` none) — so the
coverage kernels run unchanged on either. Every result carries ``approximate = True``: pass
``standards.provenance(approximate=True)`` to the coverage kernels so their output says so.

Distances
---------
Distances are planar in a local metric CRS (:func:`firegrid.geo.crs.local_metric_crs`: the
CGCS2000 3-degree Gauss–Krüger zone of the data's centre inside China, the UTM zone elsewhere)
rather than geodesic:
for a district inside one zone the scale error is below 0.1 %, two orders of magnitude below the
uncertainty of the circuity factor, and it is ~30 times faster than ellipsoidal geodesics for the
million station–cell pairs a district raster needs.

Pure kernel: numpy, scipy and pyproj in, arrays out; no files, no database, no web framework.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError
from firegrid.geo.crs import from_wgs84, local_metric_crs

__all__ = [
    "ApproxTimes",
    "StraightLineModel",
    "first_due_times",
    "station_time_matrix",
    "straight_line_distance_m",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

# Central meridians 75°E–135°E of the CGCS2000 3-degree zones, each ±1.5°.
# Station × point pairs evaluated at once: bounds the temporary matrices to ~32 MB.
_BLOCK_PAIRS = 4_000_000


@dataclass(frozen=True)
class StraightLineModel:
    """Drive time from straight-line distance: ``delay_s + distance_m × circuity ÷ speed``.

    Parameters
    ----------
    circuity : float
        Road distance ÷ straight-line distance (≥ 1 on real roads; 1.4 is the uncalibrated
        default).
    speed_kmh : float
        Average driving speed along the road.
    delay_s : float
        Fixed time added to every trip (not the turn-out, which is per station class).
    """

    circuity: float = 1.4
    speed_kmh: float = 30.0
    delay_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("circuity", "speed_kmh"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidInputError(f"{name} must be a positive number, got {value!r}")
        if not (math.isfinite(self.delay_s) and self.delay_s >= 0):
            raise InvalidInputError(f"delay_s must be a non-negative number, got {self.delay_s!r}")

    @property
    def seconds_per_m(self) -> float:
        """Seconds per metre of straight-line distance (``circuity / speed``)."""
        return self.circuity / (self.speed_kmh / 3.6)

    def drive_time_s(self, distance_m: npt.ArrayLike) -> F64:
        """Drive time (s) for straight-line distances (m); turn-out not included."""
        d = np.asarray(distance_m, dtype=np.float64)
        return self.delay_s + d * self.seconds_per_m


@dataclass(frozen=True, eq=False)
class ApproxTimes:
    """Per-point response times of the straight-line model (first-due station).

    Attributes
    ----------
    time_s : numpy.ndarray
        Response time (turn-out + delay + drive), ``inf`` beyond the cutoff.
    origin : numpy.ndarray
        Index of the first-due station, ``-1`` where no station is within the cutoff.
    distance_m : numpy.ndarray
        Straight-line distance to that station (``inf`` where ``origin`` is -1).
    approximate : bool
        Always True: these are not network times.
    """

    time_s: F64 = field(repr=False)
    origin: I64 = field(repr=False)
    distance_m: F64 = field(repr=False)
    crs: str
    approximate: bool = True


def _project(lon: npt.ArrayLike, lat: npt.ArrayLike, crs: str, what: str) -> F64:
    x = np.asarray(lon, dtype=np.float64).ravel()
    y = np.asarray(lat, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise InvalidInputError(f"{what}: lon has {x.size} values, lat {y.size}")
    if x.size == 0:
        return np.empty((0, 2))
    px, py = from_wgs84(x, y, crs=crs)
    return np.column_stack([px, py])


def _setup(
    station_lon: npt.ArrayLike,
    station_lat: npt.ArrayLike,
    point_lon: npt.ArrayLike,
    point_lat: npt.ArrayLike,
    crs: str | None,
) -> tuple[F64, F64, str]:
    s_lon = np.asarray(station_lon, dtype=np.float64).ravel()
    s_lat = np.asarray(station_lat, dtype=np.float64).ravel()
    p_lon = np.asarray(point_lon, dtype=np.float64).ravel()
    p_lat = np.asarray(point_lat, dtype=np.float64).ravel()
    if crs is None:
        both_lon, both_lat = np.r_[s_lon, p_lon], np.r_[s_lat, p_lat]
        ok = np.isfinite(both_lon) & np.isfinite(both_lat)
        crs = local_metric_crs(both_lon[ok], both_lat[ok]) if ok.any() else "EPSG:32650"
    return _project(s_lon, s_lat, crs, "stations"), _project(p_lon, p_lat, crs, "points"), crs


def _turnout(turnout_s: npt.ArrayLike, n_stations: int) -> F64:
    t = np.broadcast_to(np.asarray(turnout_s, dtype=np.float64), (n_stations,)).copy()
    if not (np.isfinite(t).all() and (t >= 0).all()):
        raise InvalidInputError(f"turnout_s must be finite and non-negative, got {turnout_s!r}")
    return t


def straight_line_distance_m(
    lon1: npt.ArrayLike,
    lat1: npt.ArrayLike,
    lon2: npt.ArrayLike,
    lat2: npt.ArrayLike,
    *,
    crs: str | None = None,
) -> F64:
    """Matrix of straight-line distances (m) from each point of set 1 to each of set 2.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        WGS84 degrees; set 1 has ``n1`` points, set 2 ``n2``.
    crs : str, optional
        Metric CRS to measure in; default :func:`local_metric_crs` of all points.

    Returns
    -------
    numpy.ndarray
        Shape ``(n1, n2)``.
    """
    a, b, _ = _setup(lon1, lat1, lon2, lat2, crs)
    return np.hypot(a[:, 0, None] - b[None, :, 0], a[:, 1, None] - b[None, :, 1])


def station_time_matrix(
    station_lon: npt.ArrayLike,
    station_lat: npt.ArrayLike,
    point_lon: npt.ArrayLike,
    point_lat: npt.ArrayLike,
    *,
    model: StraightLineModel,
    turnout_s: npt.ArrayLike = 0.0,
    cutoff_s: float = math.inf,
    crs: str | None = None,
) -> F64:
    """Response time from every station to every point (for N-unit coverage).

    Parameters
    ----------
    station_lon, station_lat : array_like
        WGS84 positions of the ``n_stations`` stations.
    point_lon, point_lat : array_like
        WGS84 positions of the ``n_points`` points (demand points or raster cell centres).
    model : StraightLineModel
        Circuity, speed and delay.
    turnout_s : float or array_like
        Turn-out time, one value or one per station.
    cutoff_s : float
        Times above it become ``inf``.
    crs : str, optional
        Metric CRS for distances; default :func:`local_metric_crs`.

    Returns
    -------
    numpy.ndarray
        ``(n_stations, n_points)`` times in seconds, ``inf`` beyond ``cutoff_s``.
    """
    s, p, _ = _setup(station_lon, station_lat, point_lon, point_lat, crs)
    turnout = _turnout(turnout_s, len(s))
    d = np.hypot(s[:, 0, None] - p[None, :, 0], s[:, 1, None] - p[None, :, 1])
    t = turnout[:, None] + model.drive_time_s(d)
    t[t > cutoff_s] = np.inf
    return t


def first_due_times(
    station_lon: npt.ArrayLike,
    station_lat: npt.ArrayLike,
    point_lon: npt.ArrayLike,
    point_lat: npt.ArrayLike,
    *,
    model: StraightLineModel,
    turnout_s: npt.ArrayLike = 0.0,
    cutoff_s: float = math.inf,
    crs: str | None = None,
) -> ApproxTimes:
    """Fastest station and its response time for each point (the straight-line analogue of a
    multi-source network search).

    Parameters
    ----------
    station_lon, station_lat, point_lon, point_lat, model, turnout_s, cutoff_s, crs
        As in :func:`station_time_matrix`. With per-station turn-out times the fastest station
        need not be the nearest one.

    Returns
    -------
    ApproxTimes
        ``time_s`` and ``origin`` per point (``inf``/``-1`` beyond the cutoff or without
        stations), the straight-line distance to the chosen station, and the CRS used.

    Notes
    -----
    Evaluated in blocks of points so memory stays bounded for large rasters; ties go to the
    lower station index.
    """
    s, p, used_crs = _setup(station_lon, station_lat, point_lon, point_lat, crs)
    turnout = _turnout(turnout_s, len(s))
    n = len(p)
    time_s = np.full(n, np.inf)
    origin = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    if len(s) and n:
        block = max(1, _BLOCK_PAIRS // len(s))
        for start in range(0, n, block):
            q = p[start : start + block]
            d = np.hypot(s[:, 0, None] - q[None, :, 0], s[:, 1, None] - q[None, :, 1])
            t = turnout[:, None] + model.drive_time_s(d)
            best = np.argmin(t, axis=0)
            cols = np.arange(len(q))
            time_s[start : start + len(q)] = t[best, cols]
            origin[start : start + len(q)] = best
            dist[start : start + len(q)] = d[best, cols]
        beyond = time_s > cutoff_s
        time_s[beyond], origin[beyond], dist[beyond] = np.inf, -1, np.inf
    return ApproxTimes(time_s=time_s, origin=origin, distance_m=dist, crs=used_crs)
