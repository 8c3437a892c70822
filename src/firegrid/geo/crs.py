"""Coordinate reference systems: WGS84, CGCS2000, GCJ-02, BD-09 and EPSG CRSs.

Pure kernel: numpy, pyproj and shapely in, arrays and geometries out; no files, no frameworks.

firegrid stores WGS84 longitude/latitude and computes lengths and areas in a metric CRS. Chinese
web maps publish *shifted* coordinates that no EPSG code describes:

``gcj02``
    GCJ-02 ("Mars coordinates"), used by AMap/Gaode, Tencent and Google Maps China. A
    deliberately obfuscating, non-linear offset of roughly 100–700 m applied to WGS84 inside a
    rectangle around China ("out of China" points are left unshifted).
``bd09``
    BD-09, Baidu Maps: a further rotation-and-shift applied on top of GCJ-02.
``cgcs2000``
    CGCS2000 geographic (EPSG:4490), the national datum. Its ellipsoid and frame agree with
    WGS84 to a few centimetres, far below the accuracy of any fire-service data, so firegrid
    treats CGCS2000 longitude/latitude as *equal* to WGS84 (PROJ does the same: it only offers a
    "ballpark", zero-shift transformation between the two).

Any ``"EPSG:n"`` naming a two-dimensional geographic or projected CRS that pyproj knows is also
accepted (e.g. CGCS2000 3-degree Gauss–Krüger ``EPSG:4548``, UTM ``EPSG:32650``), as is a WKT
definition read from a file (``.prj``, GeoPackage), so that data with a custom local projection
can still be converted.

Coordinates are always passed longitude first (x, y), whatever the axis order an EPSG
definition declares.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Final, TypeVar

import numpy as np
import numpy.typing as npt
import pyproj
import shapely
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from firegrid.errors import InvalidInputError

__all__ = [
    "CRS_ALIASES",
    "area_km2",
    "from_wgs84",
    "geodesic_distance_m",
    "length_m",
    "local_metric_crs",
    "metric_crs_for",
    "parse_crs",
    "to_wgs84",
    "transform_geometry",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike
_G = TypeVar("_G", bound=BaseGeometry)

CRS_ALIASES: Final[dict[str, str]] = {
    "wgs84": "WGS84 longitude/latitude (EPSG:4326)",
    "gcj02": "GCJ-02 shifted longitude/latitude (AMap/Gaode, Tencent, Google Maps China)",
    "bd09": "BD-09 shifted longitude/latitude (Baidu Maps)",
    "cgcs2000": "CGCS2000 longitude/latitude (EPSG:4490), treated as equal to WGS84",
}
"""Accepted CRS names (canonical form) and what they mean; ``"EPSG:n"`` is accepted too."""

# Spellings people type for the four aliases, after lower-casing and dropping " -_/".
_ALIAS_SPELLINGS: Final[dict[str, str]] = {
    "wgs84": "wgs84",
    "epsg4326": "wgs84",
    "crs84": "wgs84",
    "ogccrs84": "wgs84",
    "gcj02": "gcj02",
    "gcj": "gcj02",
    "mars": "gcj02",
    "amap": "gcj02",
    "gaode": "gcj02",
    "bd09": "bd09",
    "bd09ll": "bd09",
    "baidu": "bd09",
    "cgcs2000": "cgcs2000",
    "epsg4490": "cgcs2000",
}
_EPSG_RE: Final = re.compile(r"^\s*epsg\s*:\s*(\d+)\s*$", re.IGNORECASE)
_WKT_START_RE: Final = re.compile(
    r"^\s*(PROJCS|GEOGCS|PROJCRS|GEOGCRS|GEODCRS|PROJECTEDCRS|GEOGRAPHICCRS|BOUNDCRS)\s*\[",
    re.IGNORECASE,
)
_ACCEPTED_FORMS: Final = (
    "wgs84, gcj02, bd09, cgcs2000, 'EPSG:<code>' of a 2D geographic or projected CRS "
    "(e.g. EPSG:4548, EPSG:32650), or a WKT definition"
)
# Names that are plain WGS84 longitude/latitude for the purpose of converting coordinates.
_WGS84_LIKE: Final = frozenset({"wgs84", "cgcs2000"})

# GCJ-02 constants: the Krasovsky 1940 ellipsoid the published algorithm is built on.
_KRASOVSKY_A: Final = 6378245.0
_KRASOVSKY_EE: Final = 0.00669342162296594323
# The rectangle inside which GCJ-02 shifts points (the widely used "out of China" rule).
_CHINA_LON: Final = (72.004, 137.8347)
_CHINA_LAT: Final = (0.8293, 55.8271)
_BD_X_PI: Final = math.pi * 3000.0 / 180.0
# Inverse iterations stop below this change (degrees, ~0.1 µm) or after this many rounds; the
# shift's derivative is ~1e-3 so each round gains ~3 digits and 5–6 rounds suffice.
_INVERSE_TOL_DEG: Final = 1e-12
_INVERSE_MAX_ITER: Final = 30

# CGCS2000 3-degree Gauss-Krüger zones without zone-number prefix: EPSG:4534 (CM 75°E) up to
# EPSG:4554 (CM 135°E), 3° apart; zone n spans CM ± 1.5°.
_GK3_FIRST_EPSG: Final = 4534
_GK3_FIRST_CM: Final = 75
_GK3_LAST_CM: Final = 135
_METRIC_KINDS: Final = ("cgcs2000_gk3", "utm")

_GEOD: Final = pyproj.Geod(ellps="WGS84")


# --------------------------------------------------------------------------- names


def parse_crs(name: str) -> str:
    """Normalise and validate a CRS name.

    Parameters
    ----------
    name : str
        ``"wgs84"``, ``"gcj02"``, ``"bd09"``, ``"cgcs2000"`` (case, ``-`` and ``_`` ignored, so
        ``"GCJ-02"`` works), ``"EPSG:n"`` for a 2D geographic or projected CRS pyproj knows, or a
        WKT definition (as found in a ``.prj`` file).

    Returns
    -------
    str
        The canonical form: one of the :data:`CRS_ALIASES` keys, ``"EPSG:n"``, or the WKT as
        given. ``"EPSG:4326"`` becomes ``"wgs84"`` and ``"EPSG:4490"`` ``"cgcs2000"``.

    Raises
    ------
    InvalidInputError
        If the name is not one of the accepted forms; the message names the value and lists the
        accepted forms.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(f"unknown CRS {name!r}; accepted: {_ACCEPTED_FORMS}")
    squashed = re.sub(r"[\s\-_/:.]", "", name.lower())
    if squashed in _ALIAS_SPELLINGS:
        return _ALIAS_SPELLINGS[squashed]
    match = _EPSG_RE.match(name)
    if match:
        code = int(match.group(1))
        if code == 4326:
            return "wgs84"
        if code == 4490:
            return "cgcs2000"
        canonical = f"EPSG:{code}"
        _check_usable(canonical, name)
        return canonical
    if _WKT_START_RE.match(name):
        _check_usable(name, "the WKT definition")
        return name.strip()
    raise InvalidInputError(f"unknown CRS {name!r}; accepted: {_ACCEPTED_FORMS}")


def _check_usable(definition: str, shown: str) -> None:
    try:
        crs = _pyproj_crs(definition)
    except CRSError as exc:
        raise InvalidInputError(
            f"unknown CRS {shown!r} (pyproj: {exc}); accepted: {_ACCEPTED_FORMS}"
        ) from exc
    if crs.is_vertical or crs.is_geocentric or len(crs.axis_info) != 2:
        raise InvalidInputError(
            f"CRS {shown!r} ({crs.name}) is not a 2D geographic or projected CRS; "
            f"accepted: {_ACCEPTED_FORMS}"
        )


@lru_cache(maxsize=256)
def _pyproj_crs(definition: str) -> pyproj.CRS:
    return pyproj.CRS.from_user_input(definition)


@lru_cache(maxsize=256)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    # pyproj >= 3.1 transformers are thread-safe, so one cached instance serves every thread.
    return pyproj.Transformer.from_crs(_pyproj_crs(src), _pyproj_crs(dst), always_xy=True)


def _is_geographic(canonical: str) -> bool:
    if canonical in CRS_ALIASES:
        return True
    return bool(_pyproj_crs(canonical).is_geographic)


# --------------------------------------------------------------------------- GCJ-02 / BD-09


def _in_china(lon: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (
        (lon >= _CHINA_LON[0])
        & (lon <= _CHINA_LON[1])
        & (lat >= _CHINA_LAT[0])
        & (lat <= _CHINA_LAT[1])
    )


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 shift (degrees) to add to WGS84 lon/lat, ignoring the out-of-China rule."""
    x = lon - 105.0
    y = lat - 35.0
    # Periodic terms shared by both components, then per-axis ones, all in pseudo-metres.
    common = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    d_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (
            common
            + 20.0 * np.sin(y * np.pi)
            + 40.0 * np.sin(y * np.pi / 3.0)
            + 160.0 * np.sin(y * np.pi / 12.0)
            + 320.0 * np.sin(y * np.pi / 30.0)
        )
        * (2.0 / 3.0)
    )
    d_lon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (
            common
            + 20.0 * np.sin(x * np.pi)
            + 40.0 * np.sin(x * np.pi / 3.0)
            + 150.0 * np.sin(x * np.pi / 12.0)
            + 300.0 * np.sin(x * np.pi / 30.0)
        )
        * (2.0 / 3.0)
    )
    # Pseudo-metres to degrees with the Krasovsky meridian and prime-vertical radii.
    rad_lat = np.radians(lat)
    w = 1.0 - _KRASOVSKY_EE * np.sin(rad_lat) ** 2
    meridian_r = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (w * np.sqrt(w))
    normal_r = _KRASOVSKY_A / np.sqrt(w)
    return (
        np.degrees(d_lon / (normal_r * np.cos(rad_lat))),
        np.degrees(d_lat / meridian_r),
    )


def _wgs84_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    inside = _in_china(lon, lat)
    d_lon, d_lat = _gcj_offset(lon, lat)
    return np.where(inside, lon + d_lon, lon), np.where(inside, lat + d_lat, lat)


def _gcj02_to_wgs84(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Exact inverse by fixed-point iteration: find w with forward(w) == g.

    The one-step approximation ``g - offset(g)`` is off by up to ~1-2 m; iterating
    ``w <- w - (forward(w) - g)`` converges because the offset varies slowly.
    """
    return _invert(_wgs84_to_gcj02, lon, lat, lon, lat, fixed=~_in_china(lon, lat))


def _gcj02_to_bd09(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    # The usual closed-form inverse is only good to ~1e-6°; use it as the start of the exact
    # iteration so that BD-09 round trips are as tight as GCJ-02 ones.
    x = lon - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _BD_X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _BD_X_PI)
    start_lon, start_lat = z * np.cos(theta), z * np.sin(theta)
    return _invert(_gcj02_to_bd09, lon, lat, start_lon, start_lat, fixed=None)


def _invert(
    forward: Callable[[FloatArray, FloatArray], tuple[FloatArray, FloatArray]],
    target_lon: FloatArray,
    target_lat: FloatArray,
    lon: FloatArray,
    lat: FloatArray,
    *,
    fixed: npt.NDArray[np.bool_] | None,
) -> tuple[FloatArray, FloatArray]:
    """Solve ``forward(lon, lat) == target`` by fixed-point iteration from a start value.

    ``fixed`` marks points the forward map leaves unchanged; they are returned as given.
    """
    lon = lon.copy()
    lat = lat.copy()
    active = np.isfinite(target_lon) & np.isfinite(target_lat)
    if fixed is not None:
        active &= ~fixed
    for _ in range(_INVERSE_MAX_ITER):
        if not active.any():
            break
        f_lon, f_lat = forward(lon[active], lat[active])
        d_lon = f_lon - target_lon[active]
        d_lat = f_lat - target_lat[active]
        lon[active] -= d_lon
        lat[active] -= d_lat
        still = np.maximum(np.abs(d_lon), np.abs(d_lat)) > _INVERSE_TOL_DEG
        idx = np.flatnonzero(active)
        active[idx[~still]] = False
    if fixed is not None:
        lon[fixed] = target_lon[fixed]
        lat[fixed] = target_lat[fixed]
    return lon, lat


# --------------------------------------------------------------------------- validation


def _as_arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray, tuple[int, ...]]:
    try:
        x = np.asarray(lon, dtype=np.float64)
        y = np.asarray(lat, dtype=np.float64)
        x, y = np.broadcast_arrays(x, y)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"coordinates must be numeric arrays of equal shape: {exc}"
        ) from exc
    return x.ravel().copy(), y.ravel().copy(), x.shape


def _index(flat: int, shape: tuple[int, ...]) -> str:
    if len(shape) <= 1:
        return str(flat)
    return str(tuple(int(i) for i in np.unravel_index(flat, shape)))


def _check_finite(x: FloatArray, y: FloatArray, shape: tuple[int, ...], what: str) -> None:
    bad = ~(np.isfinite(x) & np.isfinite(y))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        xi, yi = float(x[i]), float(y[i])
        raise InvalidInputError(
            f"{what} at index {_index(i, shape)} is not finite (x={xi!r}, y={yi!r})" + _more(bad)
        )


def _check_lonlat(lon: FloatArray, lat: FloatArray, shape: tuple[int, ...], what: str) -> None:
    _check_finite(lon, lat, shape, what)
    bad = (np.abs(lon) > 180.0) | (np.abs(lat) > 90.0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        xi, yi = float(lon[i]), float(lat[i])
        raise InvalidInputError(
            f"{what} at index {_index(i, shape)} is out of range (lon={xi!r}, lat={yi!r}; "
            "need |lon| <= 180 and |lat| <= 90)" + _more(bad)
        )


def _more(bad: npt.NDArray[np.bool_]) -> str:
    n = int(bad.sum())
    return f" (+{n - 1} more)" if n > 1 else ""


# --------------------------------------------------------------------------- conversion


def _to_wgs84_flat(x: FloatArray, y: FloatArray, crs: str) -> tuple[FloatArray, FloatArray]:
    if crs in _WGS84_LIKE:
        return x, y
    if crs == "gcj02":
        return _gcj02_to_wgs84(x, y)
    if crs == "bd09":
        return _gcj02_to_wgs84(*_bd09_to_gcj02(x, y))
    lon, lat = _transformer(crs, "EPSG:4326").transform(x, y, errcheck=False)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _from_wgs84_flat(lon: FloatArray, lat: FloatArray, crs: str) -> tuple[FloatArray, FloatArray]:
    if crs in _WGS84_LIKE:
        return lon, lat
    if crs == "gcj02":
        return _wgs84_to_gcj02(lon, lat)
    if crs == "bd09":
        return _gcj02_to_bd09(*_wgs84_to_gcj02(lon, lat))
    x, y = _transformer("EPSG:4326", crs).transform(lon, lat, errcheck=False)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, *, crs: str) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates in ``crs`` to WGS84 longitude/latitude.

    Parameters
    ----------
    lon, lat : array_like
        x and y in the source CRS (longitude/latitude in degrees, or easting/northing in metres
        for projected CRSs). Scalars, lists and arrays of any equal (broadcastable) shape.
    crs : str
        Source CRS, any form :func:`parse_crs` accepts.

    Returns
    -------
    lon, lat : numpy.ndarray
        WGS84 degrees, float64, in the broadcast shape of the inputs (0-d for scalars).

    Raises
    ------
    InvalidInputError
        For an unknown CRS, a non-finite input, a geographic input outside ±180/±90, or a result
        that is not a valid longitude/latitude; the message names the first offending index.

    Notes
    -----
    GCJ-02 and BD-09 are inverted exactly (fixed-point iteration to 1e-12°), not with the
    common one-step approximation that is off by up to ~2 m. Points outside the GCJ-02
    rectangle around China are returned unshifted.
    """
    canonical = parse_crs(crs)
    x, y, shape = _as_arrays(lon, lat)
    if _is_geographic(canonical):
        _check_lonlat(x, y, shape, f"input coordinate ({canonical})")
    else:
        _check_finite(x, y, shape, f"input coordinate ({canonical})")
    out_lon, out_lat = _to_wgs84_flat(x, y, canonical)
    _check_lonlat(out_lon, out_lat, shape, f"coordinate converted from {canonical} to WGS84")
    return out_lon.reshape(shape), out_lat.reshape(shape)


def from_wgs84(lon: ArrayLike, lat: ArrayLike, *, crs: str) -> tuple[FloatArray, FloatArray]:
    """Convert WGS84 longitude/latitude to ``crs``.

    Parameters
    ----------
    lon, lat : array_like
        WGS84 degrees; scalars or arrays of equal (broadcastable) shape.
    crs : str
        Target CRS, any form :func:`parse_crs` accepts.

    Returns
    -------
    x, y : numpy.ndarray
        Coordinates in ``crs`` (degrees or metres), float64, in the broadcast input shape.

    Raises
    ------
    InvalidInputError
        For an unknown CRS, an input that is not a finite longitude/latitude, or a result that
        is not finite (or not a valid longitude/latitude for a geographic target); the message
        names the first offending index.
    """
    canonical = parse_crs(crs)
    lon_a, lat_a, shape = _as_arrays(lon, lat)
    _check_lonlat(lon_a, lat_a, shape, "input WGS84 coordinate")
    x, y = _from_wgs84_flat(lon_a, lat_a, canonical)
    what = f"coordinate converted from WGS84 to {canonical}"
    if _is_geographic(canonical):
        _check_lonlat(x, y, shape, what)
    else:
        _check_finite(x, y, shape, what)
    return x.reshape(shape), y.reshape(shape)


def transform_geometry(geom: _G, *, src: str, dst: str) -> _G:
    """Convert a shapely geometry (any type, including collections) from ``src`` to ``dst``.

    Parameters
    ----------
    geom : shapely geometry
        Geometry with coordinates in ``src``. Z values, if any, are dropped (except when
        ``src`` and ``dst`` are the same and ``geom`` is returned as is).
    src, dst : str
        CRS names as accepted by :func:`parse_crs`; GCJ-02 and BD-09 work like EPSG CRSs.

    Returns
    -------
    shapely geometry
        A new geometry of the same type; ``geom`` itself (after checking its coordinates) if
        both CRSs are the same.

    Raises
    ------
    InvalidInputError
        As :func:`to_wgs84` / :func:`from_wgs84`; the index is the vertex number within
        ``geom``.

    Notes
    -----
    Vertices are converted one by one, edges are not densified: a straight edge stays straight
    in the target CRS. For district-scale data with vertices every few hundred metres the
    difference is negligible.
    """
    src_c = parse_crs(src)
    dst_c = parse_crs(dst)
    if src_c == dst_c or {src_c, dst_c} <= _WGS84_LIKE:
        # Nothing to convert, but still refuse coordinates that cannot be in ``src`` (e.g.
        # Gauss-Krüger metres labelled as degrees), as a real conversion would.
        coords = shapely.get_coordinates(geom)
        x, y = coords[:, 0].copy(), coords[:, 1].copy()
        if _is_geographic(src_c):
            _check_lonlat(x, y, x.shape, f"coordinate ({src_c})")
        else:
            _check_finite(x, y, x.shape, f"coordinate ({src_c})")
        return geom

    def _convert(coords: FloatArray) -> FloatArray:
        if coords.shape[0] == 0:
            return coords
        lon, lat = to_wgs84(coords[:, 0], coords[:, 1], crs=src_c)
        x, y = from_wgs84(lon, lat, crs=dst_c)
        return np.column_stack([x, y])

    result: _G = shapely.transform(geom, _convert, include_z=False)
    return result


# --------------------------------------------------------------------------- metric


def metric_crs_for(lon: float, lat: float, *, kind: str = "cgcs2000_gk3") -> str:
    """Choose a metric (projected) CRS suited to a location.

    Parameters
    ----------
    lon, lat : float
        WGS84 degrees of the place (e.g. a district's centroid).
    kind : {"cgcs2000_gk3", "utm"}
        ``"cgcs2000_gk3"``: the CGCS2000 3-degree Gauss–Krüger zone whose central meridian is
        nearest (``EPSG:4534`` = CM 75°E … ``EPSG:4554`` = CM 135°E; zone CM ± 1.5°, a longitude
        on a boundary belongs to the eastern zone), the projection Chinese surveying offices
        deliver. ``"utm"``: the WGS84 UTM zone (``EPSG:326zz`` north of the equator,
        ``EPSG:327zz`` south; the Norway/Svalbard exceptions are not applied).

    Returns
    -------
    str
        ``"EPSG:n"``.

    Raises
    ------
    InvalidInputError
        For an unknown ``kind``, a non-finite or out-of-range position, or a longitude outside
        the CGCS2000 Gauss–Krüger zones (73.5°E–136.5°E); use ``kind="utm"`` there.
    """
    x = float(lon)
    y = float(lat)
    if not (math.isfinite(x) and math.isfinite(y)) or abs(x) > 180.0 or abs(y) > 90.0:
        raise InvalidInputError(f"position lon={lon!r}, lat={lat!r} is not a valid WGS84 point")
    if kind == "cgcs2000_gk3":
        cm = 3 * math.floor((x + 1.5) / 3.0)
        if not _GK3_FIRST_CM <= cm <= _GK3_LAST_CM:
            raise InvalidInputError(
                f"longitude {x} is outside the CGCS2000 3-degree Gauss-Kruger zones "
                f"({_GK3_FIRST_CM - 1.5}°E to {_GK3_LAST_CM + 1.5}°E); use kind='utm'"
            )
        return f"EPSG:{_GK3_FIRST_EPSG + (cm - _GK3_FIRST_CM) // 3}"
    if kind == "utm":
        zone = min(math.floor((x + 180.0) / 6.0) + 1, 60)
        return f"EPSG:{(32600 if y >= 0.0 else 32700) + zone}"
    raise InvalidInputError(
        f"unknown metric CRS kind {kind!r}; accepted: {', '.join(_METRIC_KINDS)}"
    )


def local_metric_crs(lon: npt.ArrayLike, lat: npt.ArrayLike) -> str:
    """The metric CRS firegrid computes in for data around these WGS84 points.

    The CGCS2000 3-degree Gauss–Krüger zone of the points' centre when it lies between 73.5°E and
    136.5°E (the national convention), otherwise the WGS84 UTM zone (e.g. Toronto: EPSG:32617).

    Raises
    ------
    InvalidInputError
        If there are no points or the centre is not a valid WGS84 position.
    """
    x = np.asarray(lon, dtype=np.float64).ravel()
    y = np.asarray(lat, dtype=np.float64).ravel()
    if x.size == 0 or x.shape != y.shape:
        raise InvalidInputError("need at least one point (lon and lat of equal length)")
    cx, cy = float(np.mean(x)), float(np.mean(y))
    kind = "cgcs2000_gk3" if _GK3_FIRST_CM - 1.5 <= cx < _GK3_LAST_CM + 1.5 else "utm"
    return metric_crs_for(cx, cy, kind=kind)


def _metric_crs_at_centroid(geom: BaseGeometry) -> str:
    c = geom.centroid
    return local_metric_crs([c.x], [c.y])


def area_km2(geom_wgs84: BaseGeometry) -> float:
    """Area of a WGS84 geometry in square kilometres.

    Parameters
    ----------
    geom_wgs84 : shapely geometry
        Longitude/latitude in WGS84 (points and lines have zero area).

    Returns
    -------
    float
        Planar area in the metric CRS chosen at the geometry's centroid.

    Notes
    -----
    The metric CRS is the CGCS2000 3-degree Gauss–Krüger zone of the centroid when it lies
    between 73.5°E and 136.5°E (the national convention, so figures match surveying offices'),
    otherwise the WGS84 UTM zone. Both are conformal, not equal-area: within a 3° zone the
    area scale error is below 0.07 % (below 0.3 % within a 6° UTM zone), growing with the
    square of the distance from the central meridian for geometries that extend beyond it.
    """
    if geom_wgs84.is_empty:
        return 0.0
    metric = transform_geometry(geom_wgs84, src="wgs84", dst=_metric_crs_at_centroid(geom_wgs84))
    return float(metric.area) / 1e6


def length_m(geom_wgs84: BaseGeometry) -> float:
    """Geodesic length of a WGS84 geometry in metres.

    Parameters
    ----------
    geom_wgs84 : shapely geometry
        Longitude/latitude in WGS84.

    Returns
    -------
    float
        Sum of the geodesic (WGS84 ellipsoid) lengths of its segments: the length of lines, the
        perimeter (exterior and interior rings) of polygons, 0 for points.

    Notes
    -----
    Computed on the ellipsoid with :class:`pyproj.Geod` rather than in a projected CRS, so it is
    exact everywhere, including for long lines that span several projection zones.
    """
    if geom_wgs84.is_empty:
        return 0.0
    return float(_GEOD.geometry_length(geom_wgs84))


def geodesic_distance_m(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> FloatArray:
    """Geodesic distance between WGS84 points on the WGS84 ellipsoid, in metres.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        WGS84 degrees; broadcast against each other (one point against many works).

    Returns
    -------
    numpy.ndarray
        Distances in metres in the broadcast shape (0-d for scalars).

    Raises
    ------
    InvalidInputError
        If a coordinate is not finite or out of range; the message names the index.
    """
    try:
        arrays = np.broadcast_arrays(
            *(np.asarray(a, dtype=np.float64) for a in (lon1, lat1, lon2, lat2))
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"coordinates must be numeric arrays of equal shape: {exc}"
        ) from exc
    shape = arrays[0].shape
    a_lon, a_lat, b_lon, b_lat = (np.ascontiguousarray(a.ravel()) for a in arrays)
    _check_lonlat(a_lon, a_lat, shape, "first point")
    _check_lonlat(b_lon, b_lat, shape, "second point")
    _, _, dist = _GEOD.inv(a_lon, a_lat, b_lon, b_lat)
    return np.asarray(dist, dtype=np.float64).reshape(shape)
