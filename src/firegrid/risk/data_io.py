"""Read fires and daily weather for risk prediction from CSV files (the adapter layer).

Two incident layouts are recognised by their header:

``toronto``
    Toronto Fire Services' ``fire_incidents_2011-2018.csv``: ``latitude``, ``longitude``,
    ``tfs_alarm_time``, optional ``property_use`` (``"301 - Detached Dwelling"``). The alarm
    times say ``+00:00`` but are local wall-clock time (see :mod:`firegrid.dispatch.toronto`);
    months are taken from the time as written.
``firegrid``
    firegrid's ``incidents`` import layout (:mod:`firegrid.imports.kinds`; also what
    :func:`firegrid.dispatch.toronto.toronto_incidents_csv` writes): ``received_at`` and a
    longitude/latitude pair under any header the importer accepts (``lon``/``lng``/
    ``longitude``/``x`` …), WGS84. When a ``category`` column is present only fires are kept;
    ``occupancy`` gives the property-use class when present. Times are read as written (the
    district's local time; an offset, if any, is ignored so months stay local).

Anything else is refused with an error naming the missing columns. Rows without a readable
position or time are dropped and counted (:attr:`IncidentData.dropped`).
"""

from __future__ import annotations

import hashlib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from firegrid.coverage.calibrate import read_csv_columns
from firegrid.dispatch.toronto import toronto_local_time
from firegrid.errors import InvalidInputError
from firegrid.imports.service import LAT_HEADERS, LON_HEADERS
from firegrid.risk.features import USE_CLASSES, IncidentPoints, month_index
from firegrid.types import IncidentCategory

__all__ = ["IncidentData", "file_sha256", "read_incidents_csv", "read_weather_csv"]

_TORONTO: Final = ("latitude", "longitude", "tfs_alarm_time")
_FIREGRID_TIME: Final = ("received_at", "alarm_time", "接警时间")
_OTHER: Final = len(USE_CLASSES)
# Ontario Fire Marshal property-use groups by first digit: 1 assembly, 2 care/detention,
# 3 residential, 4 business services, 5 mercantile, 6 industrial, 7 storage.
_TORONTO_USE: Final = {"1": 1, "2": 1, "3": 0, "4": 2, "5": 2, "6": 3, "7": 3}
_OCCUPANCY_WORDS: Final = (
    (0, ("住宅", "居民", "宿舍", "公寓", "resid", "dwelling", "apartment", "house")),
    (
        1,
        ("学校", "医院", "养老", "宾馆", "酒店", "娱乐", "school", "hospital", "hotel", "assembly"),
    ),
    (2, ("商", "市场", "餐", "办公", "shop", "store", "restaurant", "office", "commerc")),
    (3, ("厂", "仓", "工业", "factory", "warehouse", "industr", "storage")),
)
_WEATHER_COLUMNS: Final = {
    "date": ("date",),
    "temp_mean": ("mean_temp", "temp_mean", "tavg"),
    "temp_max": ("max_temp", "temp_max", "tmax"),
    "temp_min": ("min_temp", "temp_min", "tmin"),
    "precip_mm": ("precip_mm", "total_precip_mm", "prcp"),
    "snow_cm": ("snow_cm", "total_snow_cm", "snow"),
    "wind": ("wind", "wind_kmh", "wind_speed", "spd_max_gust", "wspd"),
    "humidity": ("humidity", "rel_hum", "rhum"),
}
_WEATHER_REQUIRED: Final = ("date", "temp_mean", "temp_max", "temp_min", "precip_mm")


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class IncidentData:
    """Fires read from a file, with where they came from."""

    points: IncidentPoints
    layout: str
    source: str
    sha256: str
    rows: int
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def data_source(self) -> str:
        return f"{self.source} ({self.layout} layout) sha256:{self.sha256}"


def _float(text: str | None) -> float | None:
    try:
        x = float(text or "")
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _month(text: str | None) -> int | None:
    s = toronto_local_time(text or "")
    if len(s) < 7 or not (s[:4].isdigit() and s[5:7].isdigit()):
        return None
    try:
        return int(month_index([s[:7]])[0])
    except ValueError:
        return None


def _header(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig") as fh:
            first = fh.readline()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc}") from exc
    return [h.strip().strip('"') for h in first.strip().split(",")]


def _pick(header: list[str], names: tuple[str, ...]) -> str | None:
    lower = {h.lower(): h for h in header}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None


def _occupancy_class(text: str) -> int:
    s = text.strip().lower()
    if not s:
        return -1
    for code, words in _OCCUPANCY_WORDS:
        if any(w in s for w in words):
            return code
    return _OTHER


def read_incidents_csv(path: str | os.PathLike[str]) -> IncidentData:
    """Read fires (position, month, property-use class) from a Toronto or firegrid CSV."""
    p = Path(path)
    header = _header(p)
    if all(c in header for c in _TORONTO):
        layout = "toronto"
        rows = read_csv_columns(p, _TORONTO)
        lon_c, lat_c, time_c = "longitude", "latitude", "tfs_alarm_time"
        use_c: str | None = "property_use" if "property_use" in header else None
        cat_c: str | None = None
    else:
        time_h = _pick(header, _FIREGRID_TIME)
        lon_h = _pick(header, LON_HEADERS)
        lat_h = _pick(header, LAT_HEADERS)
        if time_h is None or lon_h is None or lat_h is None:
            missing = [
                n for n, h in (("received_at", time_h), ("lon", lon_h), ("lat", lat_h)) if h is None
            ]
            raise InvalidInputError(
                f"{p}: not a known incident layout. Toronto layout needs columns "
                f"{', '.join(_TORONTO)} (missing: "
                f"{', '.join(c for c in _TORONTO if c not in header)}); firegrid layout needs "
                f"received_at, lon, lat (missing: {', '.join(missing)}); found {header}"
            )
        layout = "firegrid"
        rows = read_csv_columns(p, (time_h, lon_h, lat_h))
        lon_c, lat_c, time_c = lon_h, lat_h, time_h
        use_c = _pick(header, ("occupancy", "起火场所"))
        cat_c = _pick(header, ("category", "类别", "警情类别"))
    lon: list[float] = []
    lat: list[float] = []
    month: list[int] = []
    use: list[int] = []
    dropped = {"no_position": 0, "no_time": 0, "not_fire": 0}
    for r in rows:
        if cat_c is not None:
            try:
                fire = IncidentCategory.parse(str(r.get(cat_c) or "")) == IncidentCategory.FIRE
            except ValueError:
                fire = False
            if not fire:
                dropped["not_fire"] += 1
                continue
        x, y = _float(r.get(lon_c)), _float(r.get(lat_c))
        if x is None or y is None or not (-180 <= x <= 180 and -90 <= y <= 90) or (x == y == 0):
            dropped["no_position"] += 1
            continue
        m = _month(r.get(time_c))
        if m is None:
            dropped["no_time"] += 1
            continue
        lon.append(x)
        lat.append(y)
        month.append(m)
        if use_c is None:
            use.append(-1)
        elif layout == "toronto":
            code = (r.get(use_c) or "").strip()[:1]
            use.append(_TORONTO_USE.get(code, _OTHER) if code else -1)
        else:
            use.append(_occupancy_class(r.get(use_c) or ""))
    points = IncidentPoints(
        lon=np.array(lon, dtype=np.float64),
        lat=np.array(lat, dtype=np.float64),
        month=np.array(month, dtype=np.int64),
        use_class=np.array(use, dtype=np.int8),
    )
    if len(points) == 0:
        raise InvalidInputError(f"{p}: no fire with a readable position and time")
    return IncidentData(
        points=points,
        layout=layout,
        source=p.name,
        sha256=file_sha256(p),
        rows=len(rows),
        dropped={k: v for k, v in dropped.items() if v},
    )


def read_weather_csv(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str]:
    """Daily weather (``date``, temperatures °C, ``precip_mm``, ``snow_cm`` …) and its sha256.

    Headers are matched case-insensitively (``DATE, MAX_TEMP, MIN_TEMP, MEAN_TEMP, PRECIP_MM,
    SNOW_CM`` as Environment Canada's daily extracts; ``wind``/``humidity`` when present).
    """
    p = Path(path)
    try:
        raw = pd.read_csv(p, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot read weather file {p}: {exc}") from exc
    header = [str(c) for c in raw.columns]
    out = pd.DataFrame()
    for name, aliases in _WEATHER_COLUMNS.items():
        col = _pick(header, aliases)
        if col is None:
            if name in _WEATHER_REQUIRED:
                continue
            if name == "snow_cm":
                out[name] = 0.0
            continue
        if name == "date":
            out[name] = pd.to_datetime(raw[col], errors="coerce")
        else:
            out[name] = pd.to_numeric(raw[col], errors="coerce")
    missing = [n for n in _WEATHER_REQUIRED if n not in out.columns]
    if missing:
        want = ", ".join(_WEATHER_COLUMNS[n][0].upper() for n in missing)
        raise InvalidInputError(f"{p}: weather file lacks column(s) {want}; found {header}")
    if out["date"].isna().any():
        bad = int(np.flatnonzero(out["date"].isna().to_numpy())[0])
        raise InvalidInputError(f"{p}: unreadable date in data row {bad + 1}")
    return out, file_sha256(p)
