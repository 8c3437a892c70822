"""Import Toronto Fire Services' published fires into a district, through the import service.

The City of Toronto publishes every fire TFS attended in 2011–2018 (alarm time, first arrival
time, position) and its 84 stations (Open Government Licence – Toronto). This module rewrites
both files into firegrid's ``stations`` and ``incidents`` import formats and runs
:func:`firegrid.imports.service.run_import` on them, so every bad-input rule applies exactly as
for a district's own files (all-or-nothing unless ``keep_valid``; every bad row reported).

Choices made for this data, each visible in what it writes:

* **Time zone.** The timestamps are written ``…+00:00`` but follow the daily rhythm of local
  time (fewest fires at 05 h, most at 18 h as written; see :mod:`firegrid.coverage.calibrate`).
  The ``+00:00`` label is dropped and the times are read as local wall-clock time of the
  district, whose time zone is ``America/Toronto``; local months are then the months as written.
* **external_id** is ``TFS-<row>``, the 1-based data row of the source file (the published
  extract carries no incident number); a year filter keeps the ids of the full file.
* **Stations** are imported as class ``level1``, status ``existing``: firegrid's classes follow
  建标152-2017 and Toronto's full-time stations have no exact equivalent.
* Only what the response metrics use is imported (times, position, category ``fire``); cause
  and property use exceed firegrid's 64-character columns and dollar losses are not yuan.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from firegrid.coverage.calibrate import read_csv_columns
from firegrid.db.session import Database
from firegrid.districts.models import District
from firegrid.errors import InvalidInputError
from firegrid.imports.service import ImportReport, run_import

__all__ = [
    "TORONTO_SOURCE",
    "TORONTO_TIMEZONE",
    "TorontoImport",
    "import_toronto",
    "toronto_incidents_csv",
    "toronto_local_time",
    "toronto_stations_csv",
]

TORONTO_TIMEZONE = "America/Toronto"
TORONTO_SOURCE = (
    "City of Toronto Open Data, Toronto Fire Services (Open Government Licence – Toronto)"
)

_INCIDENT_COLUMNS = ("latitude", "longitude", "tfs_alarm_time", "tfs_arrival_time")
_STATION_COLUMNS = ("NAME", "LATITUDE", "LONGITUDE")
_BOGUS_UTC_SUFFIXES = ("+00:00", "Z")


@dataclass(frozen=True)
class TorontoImport:
    """The two import reports and whether the district was created by this call."""

    district: str
    district_created: bool
    stations: ImportReport
    incidents: ImportReport

    def as_dict(self) -> dict[str, Any]:
        return {
            "district": self.district,
            "district_created": self.district_created,
            "stations": self.stations.as_dict(),
            "incidents": self.incidents.as_dict(),
        }


def toronto_local_time(text: str) -> str:
    """The wall-clock time as written, without the misleading ``+00:00`` label."""
    s = text.strip()
    for suffix in _BOGUS_UTC_SUFFIXES:
        if s.endswith(suffix):
            return s[: -len(suffix)]
    return s


def _csv_text(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def toronto_incidents_csv(
    incidents_csv: str | os.PathLike[str], *, years: tuple[int, int] | None = None
) -> str:
    """The fires of ``fire_incidents_2011-2018.csv`` as an ``incidents`` import CSV (WGS84).

    ``years`` (inclusive) filters on the alarm year as written; rows whose alarm time has no
    readable year are kept, so the import reports them instead of this function hiding them.
    """
    rows = read_csv_columns(Path(incidents_csv), _INCIDENT_COLUMNS)
    out: list[tuple[str, ...]] = []
    for i, r in enumerate(rows, start=1):
        alarm = toronto_local_time(r["tfs_alarm_time"])
        year = int(alarm[:4]) if alarm[:4].isdigit() else None
        if years is not None and year is not None and not years[0] <= year <= years[1]:
            continue
        out.append(
            (
                f"TFS-{i:05d}",
                alarm,
                toronto_local_time(r["tfs_arrival_time"]),
                "fire",
                r["longitude"].strip(),
                r["latitude"].strip(),
            )
        )
    header = ("external_id", "received_at", "arrival_time", "category", "lon", "lat")
    return _csv_text(header, out)


def toronto_stations_csv(stations_csv: str | os.PathLike[str]) -> str:
    """The stations of ``fire_stations.csv`` as a ``stations`` import CSV (WGS84)."""
    rows = read_csv_columns(Path(stations_csv), _STATION_COLUMNS)
    out = [
        (
            r["NAME"].strip(),
            "level1",
            "existing",
            r["LONGITUDE"].strip(),
            r["LATITUDE"].strip(),
            TORONTO_SOURCE,
            "Toronto Fire Services station; class level1 stands in for a full-time station.",
        )
        for r in rows
    ]
    return _csv_text(("name", "class", "status", "lon", "lat", "source", "note"), out)


def _ensure_district(db: Database, code: str, actor: str) -> bool:
    with db.session(actor=actor) as s:
        district = s.scalar(select(District).where(District.code == code))
        if district is not None:
            if district.timezone != TORONTO_TIMEZONE:
                raise InvalidInputError(
                    f"district {code!r} has time zone {district.timezone}; Toronto's local times "
                    f"need {TORONTO_TIMEZONE}"
                )
            return False
        s.add(
            District(
                code=code,
                name_zh="多伦多",
                name_en="Toronto",
                province="Ontario, Canada",
                timezone=TORONTO_TIMEZONE,
                source=TORONTO_SOURCE,
            )
        )
        s.commit()
        return True


def import_toronto(
    db: Database,
    incidents_csv: str | os.PathLike[str],
    stations_csv: str | os.PathLike[str],
    *,
    district_code: str = "toronto",
    years: tuple[int, int] | None = None,
    actor: str = "import:toronto",
    keep_valid: bool = False,
) -> TorontoImport:
    """Create the district if needed, then import Toronto's stations and fires into it."""
    created = _ensure_district(db, district_code, actor)
    with tempfile.TemporaryDirectory(prefix="firegrid-toronto-") as tmp:
        st_path = Path(tmp) / "toronto_stations.csv"
        st_path.write_text(toronto_stations_csv(stations_csv), encoding="utf-8")
        inc_path = Path(tmp) / "toronto_incidents.csv"
        inc_path.write_text(toronto_incidents_csv(incidents_csv, years=years), encoding="utf-8")
        stations = run_import(
            db,
            "stations",
            st_path,
            district_code=district_code,
            actor=actor,
            crs="wgs84",
            keep_valid=keep_valid,
        )
        incidents = run_import(
            db,
            "incidents",
            inc_path,
            district_code=district_code,
            actor=actor,
            crs="wgs84",
            keep_valid=keep_valid,
        )
    return TorontoImport(district_code, created, stations, incidents)
