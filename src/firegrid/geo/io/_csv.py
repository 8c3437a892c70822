"""CSV points and tables: decoding (UTF-8 with or without BOM, else GB18030), per-row
coordinate errors collected rather than raised, and points written back as CSV.

CSV files carry no CRS, so :func:`read_csv_points` always needs one declared.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyproj
from shapely.geometry import Point

from firegrid.errors import InvalidInputError, RowError
from firegrid.geo.crs import from_wgs84, parse_crs, to_wgs84
from firegrid.geo.io._common import (
    _SHIFTED,
    _WGS84_LABELS,
    Feature,
    _field_names,
    _text,
    existing_file,
)


@dataclass(frozen=True, slots=True)
class CsvPoints:
    """The outcome of reading a CSV of points: good rows as features, bad rows as errors.

    Nothing is raised for bad rows, so an importer can show every problem at once (or raise
    ``ImportValidationError(result.errors)``) instead of stopping at the first.

    Attributes
    ----------
    features : list of Feature
        Rows with valid coordinates, as WGS84 points; ``properties`` holds every column
        (including the coordinate columns, as written in the file) as strings.
    errors : list of firegrid.errors.RowError
        One entry per bad coordinate: data row number (header excluded), field, reason.
    fields : list of str
        The header.
    encoding : str
        The encoding the file was decoded with (``"utf-8"``, ``"utf-8-sig"`` or ``"gb18030"``).
    """

    features: list[Feature]
    errors: list[RowError]
    fields: list[str]
    encoding: str


# --------------------------------------------------------------------------- reading


def read_csv_points(
    path: str | Path, *, crs: str, lon_field: str = "lon", lat_field: str = "lat"
) -> CsvPoints:
    """Read a CSV of points, collecting every bad coordinate instead of stopping at the first.

    Parameters
    ----------
    path : str or Path
        Comma-separated file with a header row. UTF-8 with or without BOM; GB18030 (the
        encoding Chinese Excel and office software export) is tried when UTF-8 fails.
    crs : str
        CRS of the coordinate columns (CSV cannot say), any name ``parse_crs`` accepts.
    lon_field, lat_field : str
        Header names of the x/longitude and y/latitude columns (easting/northing for a
        projected CRS).

    Returns
    -------
    CsvPoints
        Valid rows as WGS84 point features and one :class:`~firegrid.errors.RowError` per
        unparsable, non-finite or out-of-range coordinate.

    Raises
    ------
    InvalidInputError
        Missing or empty file, undecodable text, no data rows, duplicate header names, or a
        coordinate column missing from the header (whole-file problems; the message names the
        path).
    """
    p = existing_file(path)
    return parse_csv_points(
        p.read_bytes(), crs=crs, lon_field=lon_field, lat_field=lat_field, source=str(p)
    )


def parse_csv_points(
    data: bytes,
    *,
    crs: str,
    lon_field: str = "lon",
    lat_field: str = "lat",
    source: str = "CSV",
    allow_missing: bool = False,
) -> CsvPoints:
    """Parse CSV bytes (e.g. an upload) into points; see :func:`read_csv_points`.

    With ``allow_missing`` a row whose two coordinate cells are both blank is not an error: it
    simply yields no feature (records whose location is unknown, e.g. old incident logs).

    Parameters
    ----------
    data : bytes
        The raw file content.
    crs, lon_field, lat_field
        As for :func:`read_csv_points`.
    source : str
        How to name the input in error messages (a path or an upload's file name).

    Returns
    -------
    CsvPoints
        Valid rows and per-row errors.

    Raises
    ------
    InvalidInputError
        As for :func:`read_csv_points`.
    """
    src = parse_crs(crs)
    reader, fields, encoding = _csv_reader(data, source)
    missing = [f for f in (lon_field, lat_field) if f not in fields]
    if missing:
        wanted = ", ".join(repr(m) for m in missing)
        raise InvalidInputError(f"{source}: no column {wanted}; columns: {', '.join(fields)}")
    lon_i, lat_i = fields.index(lon_field), fields.index(lat_field)
    geographic = src in _WGS84_LABELS | _SHIFTED or bool(
        pyproj.CRS.from_user_input(src).is_geographic
    )

    errors: list[RowError] = []
    records: list[tuple[int, dict[str, str], float, float]] = []
    n_rows = 0
    for row_no, cells in enumerate(reader, start=1):
        n_rows = row_no
        if not any(c.strip() for c in cells):
            continue  # blank line: keep the numbering (it matches the spreadsheet), skip it
        if len(cells) > len(fields) and any(c.strip() for c in cells[len(fields) :]):
            errors.append(
                RowError(
                    row_no, "*", f"{len(cells)} cells but the header has {len(fields)} columns"
                )
            )
            continue
        cells = cells + [""] * (len(fields) - len(cells))
        if allow_missing and not cells[lon_i].strip() and not cells[lat_i].strip():
            continue
        x, x_err = _parse_coord(cells[lon_i])
        y, y_err = _parse_coord(cells[lat_i])
        row_errors = []
        if x_err:
            row_errors.append(RowError(row_no, lon_field, x_err))
        if y_err:
            row_errors.append(RowError(row_no, lat_field, y_err))
        if not row_errors and geographic:
            row_errors = _range_errors(row_no, x, y, lon_field, lat_field)
        if row_errors:
            errors.extend(row_errors)
            continue
        records.append((row_no, dict(zip(fields, cells[: len(fields)], strict=True)), x, y))
    if n_rows == 0:
        raise InvalidInputError(f"{source}: no data rows below the header")

    features, convert_errors = _csv_points_to_wgs84(records, src, lon_field, lat_field)
    errors.extend(convert_errors)
    errors.sort(key=lambda e: e.row)
    return CsvPoints(features=features, errors=errors, fields=fields, encoding=encoding)


@dataclass(frozen=True, slots=True)
class CsvTable:
    """A CSV file as text cells: the header and ``(data row number, {column: cell})`` pairs."""

    fields: list[str]
    rows: list[tuple[int, dict[str, str]]]
    encoding: str


def read_csv_table(data: bytes, *, source: str = "CSV") -> CsvTable:
    """Decode (UTF-8 with or without BOM, else GB18030) and split a CSV with a header row.

    Blank lines are skipped but keep their number, so row numbers match the spreadsheet's
    data rows (header excluded). Rows longer than the header keep their extra cells under
    ``"*"`` so a validator can report them.
    """
    reader, fields, encoding = _csv_reader(data, source)
    rows: list[tuple[int, dict[str, str]]] = []
    for row_no, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        record = dict(zip(fields, cells + [""] * (len(fields) - len(cells)), strict=False))
        extra = [c for c in cells[len(fields) :] if c.strip()]
        if extra:
            record["*"] = ",".join(extra)
        rows.append((row_no, record))
    if not rows:
        raise InvalidInputError(f"{source}: no data rows below the header")
    return CsvTable(fields=fields, rows=rows, encoding=encoding)


def _csv_reader(data: bytes, source: str) -> tuple[Iterator[list[str]], list[str], str]:
    """Decode, read the header (stripped, unique, non-empty) and return the row iterator."""
    text, encoding = _decode(data, source)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InvalidInputError(f"{source}: file is empty (no header row)")
    fields = [h.strip() for h in header]
    duplicates = sorted({f for f in fields if fields.count(f) > 1})
    if duplicates:
        raise InvalidInputError(f"{source}: duplicate column name(s): {', '.join(duplicates)}")
    return reader, fields, encoding


def _decode(data: bytes, source: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    if not data.strip():
        raise InvalidInputError(f"{source}: file is empty")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK/GB2312, so it also reads older Chinese exports.
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{source}: text is neither UTF-8 nor GB18030 (undecodable byte at offset {exc.start})"
        ) from exc


def _parse_coord(cell: str) -> tuple[float, str | None]:
    s = cell.strip()
    if not s:
        return math.nan, "empty"
    try:
        v = float(s)
    except ValueError:
        return math.nan, f"not a number: {s!r}"
    if not math.isfinite(v):
        return math.nan, f"not a finite number: {s!r}"
    return v, None


def _range_errors(
    row: int, lon: float, lat: float, lon_field: str, lat_field: str
) -> list[RowError]:
    errors = []
    # Latitude beyond 90 with a longitude that would be a valid latitude: the columns are
    # probably swapped, the commonest mistake with spreadsheets of Chinese coordinates.
    hint = " (lon/lat columns swapped?)" if abs(lat) > 90.0 and abs(lon) <= 90.0 else ""
    if abs(lon) > 180.0:
        errors.append(RowError(row, lon_field, f"longitude {lon:g} out of range [-180, 180]"))
    if abs(lat) > 90.0:
        errors.append(RowError(row, lat_field, f"latitude {lat:g} out of range [-90, 90]{hint}"))
    return errors


def _csv_points_to_wgs84(
    records: list[tuple[int, dict[str, str], float, float]],
    src: str,
    lon_field: str,
    lat_field: str,
) -> tuple[list[Feature], list[RowError]]:
    if not records:
        return [], []
    x = np.array([r[2] for r in records])
    y = np.array([r[3] for r in records])
    try:
        lon, lat = to_wgs84(x, y, crs=src)
    except InvalidInputError:
        # Some row converts to an impossible position (e.g. a northing in a projected CRS that
        # falls off the zone); find them one by one so every bad row is reported.
        return _csv_points_one_by_one(records, src, lon_field, lat_field)
    features = [
        Feature(geometry=Point(float(a), float(b)), properties=props, row=row)
        for (row, props, _, _), a, b in zip(records, lon, lat, strict=True)
    ]
    return features, []


def _csv_points_one_by_one(
    records: list[tuple[int, dict[str, str], float, float]],
    src: str,
    lon_field: str,
    lat_field: str,
) -> tuple[list[Feature], list[RowError]]:
    features: list[Feature] = []
    errors: list[RowError] = []
    for row, props, x, y in records:
        try:
            lon, lat = to_wgs84(x, y, crs=src)
        except InvalidInputError:
            errors.append(
                RowError(
                    row,
                    f"{lon_field}/{lat_field}",
                    f"({x:g}, {y:g}) is not a valid position in {src}",
                )
            )
            continue
        features.append(Feature(geometry=Point(float(lon), float(lat)), properties=props, row=row))
    return features, errors


# --------------------------------------------------------------------------- writing


def _write_csv(
    p: Path, features: Sequence[Feature], dst: str, lon_field: str, lat_field: str
) -> int:
    not_points = [
        f.row for f in features if not isinstance(f.geometry, Point) or f.geometry.is_empty
    ]
    if not_points:
        raise InvalidInputError(
            f"{p}: CSV holds points only; record(s) {', '.join(map(str, not_points[:10]))} "
            f"{'are' if len(not_points) > 1 else 'is'} not a point"
        )
    lon = np.array([f.geometry.x for f in features], dtype=np.float64)
    lat = np.array([f.geometry.y for f in features], dtype=np.float64)
    x, y = from_wgs84(lon, lat, crs=dst)
    names = _field_names(features)
    header = list(names)
    if lat_field not in header:
        header.insert(header.index(lon_field) + 1 if lon_field in header else 0, lat_field)
    if lon_field not in header:
        header.insert(header.index(lat_field), lon_field)
    try:
        with p.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            for f, xi, yi in zip(features, x, y, strict=True):
                values = {k: ("" if v is None else _text(v)) for k, v in f.properties.items()}
                values[lon_field] = repr(float(xi))
                values[lat_field] = repr(float(yi))
                writer.writerow([values.get(h, "") for h in header])
    except OSError as exc:
        raise InvalidInputError(f"{p}: cannot write CSV: {exc}") from exc
    return len(features)
