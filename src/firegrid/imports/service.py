"""Run an import: read, validate every row, then write all of it — or nothing.

Tables come as CSV or as an Excel workbook (.xlsx, the first sheet or the one named; see
:mod:`firegrid.imports.excel`); row numbers in errors are the data row of a CSV (header
excluded, as a spreadsheet program shows it after the header) and the sheet's own row number
for a workbook (the header usually row 1), so each points at the row the user sees.

Without ``keep_valid`` any bad row refuses the whole file and the database is left exactly as
it was (no batch record either). With ``keep_valid`` the valid rows are written and the bad ones
are kept in ``import_rejected_row`` for review. Re-importing a file is idempotent: rows are
matched on their natural key and only changed fields are updated.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from firegrid.accounts import audit
from firegrid.db.session import Database
from firegrid.db.upsert import upsert_rows
from firegrid.districts.models import District, Township
from firegrid.districts.repository import get_district, townships
from firegrid.errors import InvalidInputError, RowError
from firegrid.geo.crs import parse_crs
from firegrid.geo.io import Feature, parse_csv_points, read_csv_table, read_features
from firegrid.imports.excel import read_xlsx_table
from firegrid.imports.fields import Field, is_blank
from firegrid.imports.kinds import KINDS, BuildContext, ImportKind
from firegrid.imports.models import ImportBatch, RejectedRow
from firegrid.stations.models import Station

__all__ = ["ImportReport", "run_import"]

LON_HEADERS = ("lon", "lng", "longitude", "经度", "x")
LAT_HEADERS = ("lat", "latitude", "纬度", "y")
#: Points farther than this outside the district boundary are refused (wrong CRS, swapped
#: coordinates, another district's file).
MAX_OUTSIDE_KM = 5.0

Progress = Callable[[str], None]


@dataclass
class ImportReport:
    kind: str
    source: str
    district: str
    rows: int
    accepted: int
    rejected: int
    errors: list[RowError]
    written: bool
    batch_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "district": self.district,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "written": self.written,
            "batch_id": self.batch_id,
            "counts": self.counts,
            "ignored_columns": self.ignored_columns,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass
class _Row:
    row: int
    cells: dict[str, Any]
    geometry: BaseGeometry | None
    errors: list[RowError] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)


def _pick(fields: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {f.lower(): f for f in fields}
    for c in candidates:
        if c.lower() in lowered:
            return lowered[c.lower()]
    return None


TABLE_SUFFIXES = (".csv", ".xlsx")


def _table(
    path: Path, data: bytes, sheet: str | None
) -> tuple[list[str], list[tuple[int, dict[str, str]]], bytes, list[int] | None]:
    """Header and numbered rows of a CSV or a workbook sheet, plus the CSV text the point
    columns are parsed from and, for a workbook, the sheet row of each of its data rows."""
    if path.suffix.lower() == ".csv":
        if sheet is not None:
            raise InvalidInputError(f"{path}: --sheet is for Excel workbooks (.xlsx), not a CSV")
        table = read_csv_table(data, source=str(path))
        return table.fields, table.rows, data, None
    book = read_xlsx_table(data, source=str(path), sheet=sheet)
    # The sheet's cells written out as CSV go through the very same coordinate parsing as a
    # CSV file; CSV data row i is the i-th record row of the sheet.
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(book.fields)
    for _n, cells in book.rows:
        writer.writerow([cells.get(f, "") for f in book.fields])
    return book.fields, book.rows, buf.getvalue().encode(), [n for n, _c in book.rows]


def _read(
    kind: ImportKind,
    path: Path,
    data: bytes,
    crs: str | None,
    layer: str | None,
    sheet: str | None = None,
) -> tuple[list[str], list[_Row], list[RowError]]:
    """Cells and WGS84 geometry per row, plus row errors found while reading."""
    suffix = path.suffix.lower()
    if suffix in (".xls", ".xlsm", ".xlsb", ".et", ".ods"):
        raise InvalidInputError(f"{path}: save the workbook as .xlsx (got {suffix})")
    if suffix in TABLE_SUFFIXES:
        fields, table_rows, csv_data, sheet_rows = _table(path, data, sheet)
        rows = {n: _Row(n, cells, None) for n, cells in table_rows}
        errors: list[RowError] = []

        def row_at(n: int) -> int:
            return n if sheet_rows is None or not 1 <= n <= len(sheet_rows) else sheet_rows[n - 1]

        def at(e: RowError) -> RowError:
            return RowError(row_at(e.row), e.field, e.reason)

        if kind.geometry in ("point", "optional_point"):
            lon_f, lat_f = _pick(fields, LON_HEADERS), _pick(fields, LAT_HEADERS)
            if lon_f is None or lat_f is None:
                if kind.geometry == "point":
                    for name, heads in (("lon", LON_HEADERS), ("lat", LAT_HEADERS)):
                        if _pick(fields, heads) is None:
                            errors.append(
                                RowError(
                                    0,
                                    name,
                                    "missing column (accepted headers: " + ", ".join(heads) + ")",
                                )
                            )
            else:
                if crs is None:
                    raise InvalidInputError(
                        f"{path}: a CSV or Excel table carries no coordinate system; declare it "
                        "with --crs (wgs84, gcj02, bd09, cgcs2000 or EPSG:n)"
                    )
                pts = parse_csv_points(
                    csv_data,
                    crs=crs,
                    lon_field=lon_f,
                    lat_field=lat_f,
                    source=str(path),
                    allow_missing=kind.geometry == "optional_point",
                )
                for f in pts.features:
                    rows[row_at(f.row)].geometry = f.geometry
                for e in map(at, pts.errors):
                    if e.row in rows:
                        rows[e.row].errors.append(e)
                    else:
                        errors.append(e)
        elif kind.geometry == "polygon":
            raise InvalidInputError(f"{path}: {kind.name} need polygons: use GeoJSON, GPKG or SHP")
        return fields, list(rows.values()), errors
    if sheet is not None:
        raise InvalidInputError(f"{path}: --sheet is for Excel workbooks (.xlsx)")
    if kind.geometry == "none":
        raise InvalidInputError(
            f"{path}: {kind.name} are read from CSV or Excel (.xlsx) (got {path.suffix})"
        )
    features: list[Feature] = read_features(path, crs=crs, layer=layer)
    fields = sorted({k for f in features for k in f.properties})
    return fields, [_Row(f.row, dict(f.properties), f.geometry) for f in features], []


def _header_errors(
    kind_fields: tuple[Field, ...], columns: list[str]
) -> tuple[dict[str, str], list[RowError], list[str]]:
    """Map each field to the column that carries it; missing required columns are errors."""
    mapping: dict[str, str] = {}
    errors: list[RowError] = []
    for f in kind_fields:
        col = _pick(columns, f.headers())
        if col is not None:
            mapping[f.name] = col
        elif f.required:
            errors.append(
                RowError(
                    0, f.name, "missing column (accepted headers: " + ", ".join(f.headers()) + ")"
                )
            )
    used = set(mapping.values()) | {c for c in columns if c.lower() in LON_HEADERS + LAT_HEADERS}
    ignored = [c for c in columns if c not in used and c != "*"]
    return mapping, errors, ignored


def _distance_outside_km(boundary: BaseGeometry, geom: BaseGeometry) -> float:
    d_deg = float(boundary.distance(geom))
    if d_deg == 0:
        return 0.0
    lat = geom.representative_point().y
    # Degrees to km, conservative (the smaller of the two axes' scales).
    return d_deg * 111.32 * max(math.cos(math.radians(lat)), 0.2)


def _validate(
    kind: ImportKind,
    district: District,
    rows: list[_Row],
    mapping: dict[str, str],
    ctx: BuildContext,
) -> None:
    fields = kind.fields(district.timezone)
    boundary = shape(json.loads(district.boundary_geojson)) if district.boundary_geojson else None
    if boundary is not None:
        shapely.prepare(boundary)
    seen: dict[tuple[Any, ...], int] = {}
    for r in rows:
        if "*" in r.cells:
            r.errors.append(RowError(r.row, "*", "more cells than the header has columns"))
        for f in fields:
            col = mapping.get(f.name)
            cell = r.cells.get(col) if col else None
            if is_blank(cell):
                if f.required:
                    r.errors.append(RowError(r.row, col or f.name, "required, but empty"))
                continue
            try:
                r.values[f.name] = f.parse(cell)
            except ValueError as exc:
                r.errors.append(RowError(r.row, col or f.name, str(exc)))
        if kind.geometry in ("point", "polygon") and r.geometry is None and not r.errors:
            r.errors.append(RowError(r.row, "geometry", "no location"))
        if r.geometry is not None:
            want = (
                (Point,)
                if kind.geometry in ("point", "optional_point")
                else (Polygon, MultiPolygon)
            )
            if not isinstance(r.geometry, want):
                r.errors.append(
                    RowError(
                        r.row,
                        "geometry",
                        f"{r.geometry.geom_type} where a "
                        f"{'point' if want == (Point,) else 'polygon'} is needed",
                    )
                )
            elif boundary is not None:
                km = _distance_outside_km(boundary, r.geometry)
                if km > MAX_OUTSIDE_KM:
                    r.errors.append(
                        RowError(
                            r.row,
                            "lon/lat",
                            f"{km:.1f} km outside district "
                            f"{district.code} (check the CRS and the column "
                            f"order)",
                        )
                    )
        for fname, reason in kind.check(r.values) if not r.errors else []:
            r.errors.append(RowError(r.row, mapping.get(fname, fname), reason))
        if r.errors:
            continue
        try:
            built = kind.build(r.values, r.geometry, ctx)
        except ValueError as exc:
            fname, _, reason = str(exc).partition(": ")
            r.errors.append(RowError(r.row, mapping.get(fname, fname), reason or str(exc)))
            continue
        key = tuple(built[k] for k in kind.key)
        if key in seen:
            r.errors.append(
                RowError(
                    r.row,
                    ",".join(mapping.get(k, k) for k in kind.key_fields or kind.key),
                    f"duplicate of row {seen[key]} ({', '.join(map(str, key))})",
                )
            )
            continue
        seen[key] = r.row
        r.values = built
    if kind.cross_check is not None:
        by_row = {r.row: r for r in rows}
        for n, fname, reason in kind.cross_check([(r.row, r.values) for r in rows if not r.errors]):
            by_row[n].errors.append(RowError(n, mapping.get(fname, fname), reason))


def _jsonable_cells(cells: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, str | int | float | bool) or v is None else str(v))
        for k, v in cells.items()
    }


def run_import(
    db: Database,
    kind_name: str,
    path: str | Path,
    *,
    district_code: str,
    actor: str,
    crs: str | None = None,
    layer: str | None = None,
    sheet: str | None = None,
    keep_valid: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Import ``path`` as ``kind_name`` records of a district (see the module docstring).

    ``sheet`` names the worksheet of an .xlsx file (default: the first); ``layer`` the layer of
    a GeoPackage.
    """
    say = progress or (lambda _m: None)
    if kind_name not in KINDS:
        raise InvalidInputError(
            f"unknown import kind {kind_name!r}; kinds: {', '.join(sorted(KINDS))}"
        )
    kind = KINDS[kind_name]
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"{p}: no such file")
    if crs is not None:
        crs = parse_crs(crs)
    data = p.read_bytes()
    say(f"reading {p.name}")
    columns, rows, read_errors = _read(kind, p, data, crs, layer, sheet)
    mapping, header_errors, ignored = _header_errors(kind.fields("UTC"), columns)
    report = ImportReport(
        kind=kind.name,
        source=str(p),
        district=district_code,
        rows=len(rows),
        accepted=0,
        rejected=len(rows),
        errors=[],
        written=False,
        ignored_columns=ignored,
    )
    with db.session(actor=actor) as session:
        district = get_district(session, district_code)
        if header_errors or read_errors:
            report.errors = header_errors + read_errors
            return report
        towns = townships(session, district.id)
        by_name = {t.name_zh: t for t in towns}
        geoms = [(t, shape(json.loads(t.boundary_geojson))) for t in towns if t.boundary_geojson]

        def township_at(lon: float, lat: float) -> Township | None:
            for t, g in geoms:
                if g.contains(Point(lon, lat)):
                    return t
            return None

        stations: dict[str, Station] | None = None

        def station_by_name(name: str) -> Station | None:
            # Loaded on first use: only incident rows naming a station ask.
            nonlocal stations
            if stations is None:
                query = select(Station).where(Station.district_id == district.id)
                stations = {st.name: st for st in session.scalars(query)}
            return stations.get(name)

        ctx = BuildContext(
            timezone=district.timezone,
            township_by_name=by_name.get,
            township_at=township_at,
            station_by_name=station_by_name,
            session=session,
            district_id=district.id,
        )
        say(f"validating {len(rows)} rows")
        _validate(kind, district, rows, mapping, ctx)
        good = [r for r in rows if not r.errors]
        bad = [r for r in rows if r.errors]
        report.errors = [e for r in bad for e in r.errors]
        report.accepted, report.rejected = len(good), len(bad)
        if bad and not keep_valid:
            report.accepted = 0
            return report
        say(f"writing {len(good)} rows")
        if kind.write is not None:
            counts = kind.write(session, district.id, [r.values for r in good])
        else:
            counts, _ = upsert_rows(
                session,
                kind.model,
                [r.values for r in good],
                key=kind.key,
                scope={"district_id": district.id},
            )
        batch = ImportBatch(
            district_id=district.id,
            kind=kind.name,
            source_name=p.name,
            source_sha256=hashlib.sha256(data).hexdigest(),
            declared_crs=crs,
            actor=actor,
            accepted=len(good),
            rejected=len(bad),
            **counts.as_dict(),
        )
        session.add(batch)
        session.flush()
        session.add_all(
            RejectedRow(
                batch_id=batch.id,
                row=r.row,
                data=_jsonable_cells(r.cells),
                errors=[e.as_dict() for e in r.errors],
            )
            for r in bad
        )
        audit.record(
            session,
            action="import",
            entity=kind.model.__tablename__,
            entity_id=str(batch.id),
            detail=json.dumps(
                {"source": p.name, "accepted": len(good), "rejected": len(bad), **counts.as_dict()}
            ),
        )
        session.commit()
        report.written = True
        report.batch_id = batch.id
        report.counts = counts.as_dict()
        return report
