"""Response-time metrics of a district's incidents over a local date window.

Reads incidents and their assignments, turns them into duration arrays and hands them to the
pure kernel :mod:`firegrid.dispatch.metrics`. Definitions used for every incident:

* **total response** = first arrival − alarm received. The first arrival is the incident's
  ``first_arrival_at`` (set live by the command centre, or imported); when that is empty, the
  earliest ``on_scene_at`` of its assignments.
* **turn-out** = ``en_route_at − dispatched_at`` and **travel** = ``on_scene_at − en_route_at``
  of the incident's *first assignment* (earliest ``dispatched_at``, then lowest id). Imported
  history carries no unit records, so these are missing for it.
* **station**: the incident's ``first_station_id``; else the station of the first unit on
  scene (assignments); else the nearest existing station by straight line from the incident's
  position — labelled so in the output, because it is an attribution, not a record.
* **window and months** are local to the district's time zone: ``date_from`` 00:00 to the end of
  ``date_to``, months as the district's calendar has them.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.dispatch import metrics as kernel
from firegrid.dispatch.models import Assignment
from firegrid.districts.models import Township
from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError
from firegrid.incidents.models import Incident
from firegrid.network.approx import straight_line_distance_m
from firegrid.stations.models import Station
from firegrid.types import StationStatus

__all__ = [
    "ATTRIBUTION_NEAREST",
    "ATTRIBUTION_RECORDED",
    "ATTRIBUTION_UNITS",
    "GROUPS",
    "response_metrics",
]

ATTRIBUTION_RECORDED = "recorded (first station on the incident record)"
ATTRIBUTION_UNITS = "first unit on scene (unit records)"
ATTRIBUTION_NEAREST = "nearest station by straight line (no unit records)"
ATTRIBUTION_NONE = "none (no station recorded and no position)"
GROUPS = ("station", "township", "month")


@dataclass
class _Incident:
    received_s: float
    arrival_s: float
    turnout_s: float
    travel_s: float
    station_id: int | None
    attribution: str
    township_id: int | None
    month: str
    lon: float | None
    lat: float | None
    synthetic: bool


def _as_date(value: date | str, name: str) -> date:
    if isinstance(value, datetime):
        raise InvalidInputError(f"{name} must be a date, got the date-time {value.isoformat()}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInputError(f"{name}: not a date: {value!r} (use e.g. 2025-01-31)") from None


def _seconds(dt: datetime | None) -> float:
    return math.nan if dt is None else dt.timestamp()


def _months(first: date, last: date) -> list[str]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _attribution_label(counts: Counter[str]) -> str:
    if len(counts) == 1:
        return next(iter(counts))
    return "; ".join(f"{label}: {n}" for label, n in sorted(counts.items()))


def response_metrics(
    session: Session,
    district_code: str,
    date_from: date | str,
    date_to: date | str,
    *,
    limit_s: float = kernel.DEFAULT_LIMIT_S,
    group_by: Sequence[str] = GROUPS,
) -> dict[str, Any]:
    """Compute turn-out, travel and total response and the share within ``limit_s``."""
    first, last = _as_date(date_from, "date_from"), _as_date(date_to, "date_to")
    if last < first:
        raise InvalidInputError(f"date_to {last} is before date_from {first}")
    unknown = [g for g in group_by if g not in GROUPS]
    if unknown:
        raise InvalidInputError(f"unknown group_by {unknown}; choose from {', '.join(GROUPS)}")
    if not math.isfinite(limit_s) or limit_s <= 0:
        raise InvalidInputError(f"limit_s must be a positive number of seconds, got {limit_s!r}")
    district = get_district(session, district_code)
    tz = ZoneInfo(district.timezone)
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    in_window = (
        Incident.district_id == district.id,
        Incident.received_at >= start,
        Incident.received_at < end,
    )

    assignments: dict[int, list[Assignment]] = {}
    for a in session.scalars(
        select(Assignment)
        .join(Incident, Incident.id == Assignment.incident_id)
        .where(*in_window)
        .order_by(Assignment.incident_id, Assignment.dispatched_at, Assignment.id)
    ):
        assignments.setdefault(a.incident_id, []).append(a)

    rows: list[_Incident] = []
    for inc in session.scalars(select(Incident).where(*in_window).order_by(Incident.received_at)):
        units = assignments.get(inc.id, [])
        lead = units[0] if units else None
        on_scene = [a for a in units if a.on_scene_at is not None]
        first_on_scene = min(on_scene, key=lambda a: (a.on_scene_at, a.id)) if on_scene else None
        arrival = inc.first_arrival_at or (first_on_scene.on_scene_at if first_on_scene else None)
        if inc.first_station_id is not None:
            station_id, how = inc.first_station_id, ATTRIBUTION_RECORDED
        elif first_on_scene is not None and first_on_scene.station_id is not None:
            station_id, how = first_on_scene.station_id, ATTRIBUTION_UNITS
        else:
            station_id, how = None, ATTRIBUTION_NONE  # nearest station filled in below
        rows.append(
            _Incident(
                received_s=_seconds(inc.received_at),
                arrival_s=_seconds(arrival),
                turnout_s=(
                    _seconds(lead.en_route_at) - _seconds(lead.dispatched_at) if lead else math.nan
                ),
                travel_s=(
                    _seconds(lead.on_scene_at) - _seconds(lead.en_route_at) if lead else math.nan
                ),
                station_id=station_id,
                attribution=how,
                township_id=inc.township_id,
                month=inc.received_at.astimezone(tz).strftime("%Y-%m"),
                lon=inc.lon,
                lat=inc.lat,
                synthetic=inc.synthetic,
            )
        )

    stations = {
        s.id: s for s in session.scalars(select(Station).where(Station.district_id == district.id))
    }
    notes: list[str] = []
    _attribute_nearest(rows, stations, notes)

    turnout = np.array([r.turnout_s for r in rows], dtype=np.float64)
    travel = np.array([r.travel_s for r in rows], dtype=np.float64)
    total = kernel.interval_s(
        np.array([r.received_s for r in rows], dtype=np.float64),
        np.array([r.arrival_s for r in rows], dtype=np.float64),
    )
    overall = kernel.response_metrics(turnout, travel, total, limit_s=limit_s)

    out: dict[str, Any] = {
        "district": district.code,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": district.timezone,
        "limit_s": float(limit_s),
        "percentile_method": f"numpy {kernel.PERCENTILE_METHOD}",
        "overall": {
            **overall.as_dict(),
            "station_attribution": _attribution_label(Counter(r.attribution for r in rows))
            if rows
            else None,
        },
    }

    def grouped(keys: list[Any], order: list[Any]) -> list[kernel.ResponseMetrics]:
        index = {k: i for i, k in enumerate(order)}
        return kernel.grouped_response_metrics(
            np.array([index[k] for k in keys], dtype=np.int64),
            turnout,
            travel,
            total,
            n_groups=len(order),
            limit_s=limit_s,
        )

    if "station" in group_by:
        keys = [r.station_id for r in rows]
        present = set(keys)
        order: list[Any] = sorted(
            (k for k in present if k is not None), key=lambda k: (stations[k].name, k)
        ) + ([None] if None in present else [])
        per = {k: Counter(r.attribution for r in rows if r.station_id == k) for k in order}
        out["by_station"] = [
            {
                "station_id": k,
                "station": stations[k].name if k is not None else None,
                "station_attribution": _attribution_label(per[k]),
                "n_nearest_station": per[k].get(ATTRIBUTION_NEAREST, 0),
                **m.as_dict(),
            }
            for k, m in zip(order, grouped(keys, order), strict=True)
        ]
    if "township" in group_by:
        keys = [r.township_id for r in rows]
        present = set(keys)
        towns = {
            t.id: t
            for t in session.scalars(select(Township).where(Township.district_id == district.id))
        }
        order = sorted(
            (k for k in present if k is not None), key=lambda k: (towns[k].name_zh, k)
        ) + ([None] if None in present else [])
        out["by_township"] = [
            {
                "township_id": k,
                "township": towns[k].name_zh if k is not None else None,
                **m.as_dict(),
            }
            for k, m in zip(order, grouped(keys, order), strict=True)
        ]
    if "month" in group_by:
        order = _months(first, last)
        out["by_month"] = [
            {"month": k, **m.as_dict()}
            for k, m in zip(order, grouped([r.month for r in rows], order), strict=True)
        ]

    notes[:0] = [
        "total response = first arrival − alarm received; turn-out (dispatch → en route) and "
        "travel (en route → on scene) are those of the first unit dispatched.",
        f"Medians and 90th percentiles use numpy's '{kernel.PERCENTILE_METHOD}' method; the "
        f"share within {limit_s:g} s counts valid total responses only.",
    ]
    if overall.total.n_missing:
        notes.append(f"{overall.total.n_missing} incident(s) have no arrival time (missing).")
    invalid = {
        name: m.n_invalid
        for name, m in (
            ("turn-out", overall.turnout),
            ("travel", overall.travel),
            ("total", overall.total),
        )
        if m.n_invalid
    }
    if invalid:
        notes.append(
            "Negative durations (data errors, excluded): "
            + ", ".join(f"{k} {n}" for k, n in invalid.items())
            + "."
        )
    n_synthetic = sum(r.synthetic for r in rows)
    if n_synthetic:
        notes.append(f"{n_synthetic} incident(s) are synthetic (demo) records, not real calls.")
    out["notes"] = notes
    return out


def _attribute_nearest(
    rows: list[_Incident], stations: dict[int, Station], notes: list[str]
) -> None:
    """Give incidents without a station the nearest existing station (straight line)."""
    need = [
        r
        for r in rows
        if r.station_id is None
        and r.lon is not None
        and r.lat is not None
        and math.isfinite(r.lon)
        and math.isfinite(r.lat)
    ]
    existing = [
        s
        for s in stations.values()
        if s.status == StationStatus.EXISTING and s.lon is not None and s.lat is not None
    ]
    unplaced = sum(r.station_id is None for r in rows) - len(need)
    if need and existing:
        d = straight_line_distance_m(
            np.array([r.lon for r in need], dtype=np.float64),
            np.array([r.lat for r in need], dtype=np.float64),
            np.array([s.lon for s in existing], dtype=np.float64),
            np.array([s.lat for s in existing], dtype=np.float64),
        )
        nearest = np.argmin(d, axis=1)
        for r, j in zip(need, nearest, strict=True):
            r.station_id, r.attribution = existing[int(j)].id, ATTRIBUTION_NEAREST
        notes.append(
            f"{len(need)} incident(s) name no station and have no unit records: attributed to "
            f"the {ATTRIBUTION_NEAREST}."
        )
    elif need:
        unplaced += len(need)
        notes.append("The district has no existing station with a position to attribute to.")
    if unplaced:
        notes.append(f"{unplaced} incident(s) could not be attributed to any station.")
