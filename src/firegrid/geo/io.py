"""Read and write geodata files: GeoJSON, GeoPackage, Shapefile (via pyogrio) and CSV points.

A thin adapter around :mod:`firegrid.geo.crs`: everything read comes back as :class:`Feature`
objects in WGS84, everything written is converted from WGS84 on the way out.

Which CRS a file is read in
---------------------------
* Nothing declared (``crs=None``): the file's own CRS. GeoJSON without a ``crs`` member is WGS84
  (RFC 7946). A Shapefile without ``.prj`` or a layer without a spatial reference is refused:
  guessing would silently misplace everything.
* A CRS declared (``crs="gcj02"``, ``"EPSG:4548"`` …) *overrides* the file's label when that
  label is WGS84 or CGCS2000 longitude/latitude, or absent. This is the case for GCJ-02 and BD-09
  data, which no EPSG code describes and which tools therefore store labelled as WGS84, and for
  GeoJSON exported without a ``crs`` member (which GDAL reports as WGS84 whatever the numbers
  are). If the file carries any *other* CRS (e.g. a ``.prj`` saying Gauss–Krüger CM 117°E), the
  declared CRS must be that same CRS; a disagreement is refused rather than guessed at — fix
  or remove the wrong ``.prj`` instead.

CSV files carry no CRS, so :func:`read_csv_points` always needs one declared.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyogrio
import pyproj
import shapely
from pyogrio import raw
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from firegrid.errors import ImportValidationError, InvalidInputError, RowError
from firegrid.geo.crs import from_wgs84, parse_crs, to_wgs84, transform_geometry

__all__ = [
    "CsvPoints",
    "CsvTable",
    "Feature",
    "parse_csv_points",
    "read_csv_points",
    "read_csv_table",
    "read_features",
    "write_features",
]

_VECTOR_SUFFIXES: Final[dict[str, str]] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
}
_SUPPORTED: Final = ".geojson, .json, .gpkg, .shp, .csv"
_WGS84_LABELS: Final = frozenset({"wgs84", "cgcs2000"})
# Geographic names whose coordinates must be stored under a WGS84 label (no EPSG code exists).
_SHIFTED: Final = frozenset({"gcj02", "bd09"})
_PYOGRIO_ERRORS: Final = (DataSourceError, DataLayerError, FieldError, GeometryError, RuntimeError)
_SHP_FIELD_BYTES: Final = 10


@dataclass(frozen=True, slots=True)
class Feature:
    """One record of a geodata file.

    Attributes
    ----------
    geometry : shapely geometry
        In WGS84 longitude/latitude, two-dimensional.
    properties : dict
        Attribute values (``None`` for nulls); CSV values stay strings.
    row : int
        1-based record number in the file (for CSV: data row, header excluded), for messages
        that point a user at the offending record.
    """

    geometry: BaseGeometry
    properties: dict[str, Any]
    row: int


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


def read_features(
    path: str | Path,
    *,
    crs: str | None = None,
    layer: str | None = None,
    lon_field: str = "lon",
    lat_field: str = "lat",
) -> list[Feature]:
    """Read every feature of a GeoJSON, GeoPackage, Shapefile or CSV file into WGS84.

    Parameters
    ----------
    path : str or Path
        The file; the format follows the suffix (``.geojson``/``.json``, ``.gpkg``, ``.shp``,
        ``.csv``).
    crs : str, optional
        Source CRS (any name :func:`firegrid.geo.crs.parse_crs` accepts). Optional when the file
        declares its CRS; required for GCJ-02/BD-09 data and for CSV. See the module docstring
        for how a declared CRS and the file's own interact.
    layer : str, optional
        Layer to read; required when a GeoPackage holds more than one.
    lon_field, lat_field : str
        Coordinate columns, for CSV only.

    Returns
    -------
    list of Feature
        In file order, geometries in WGS84 (Z values dropped).

    Raises
    ------
    InvalidInputError
        Missing, empty or unreadable file; unsupported suffix; unknown or ambiguous layer; no
        features; no usable CRS; a declared CRS that contradicts the file's. The message names
        the path.
    ImportValidationError
        Some records have no geometry or coordinates that cannot be valid WGS84; it lists every
        such record (1-based row, field, reason).
    """
    p = _existing_file(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        if crs is None:
            raise InvalidInputError(
                f"{p}: a CSV file carries no CRS; declare it (e.g. crs='wgs84')"
            )
        result = read_csv_points(p, crs=crs, lon_field=lon_field, lat_field=lat_field)
        if result.errors:
            raise ImportValidationError(result.errors, source=str(p))
        return result.features
    if suffix not in _VECTOR_SUFFIXES:
        raise InvalidInputError(f"{p}: unsupported format {p.suffix!r}; supported: {_SUPPORTED}")
    chosen_layer = _choose_layer(p, layer)
    try:
        meta, _, wkb, field_data = raw.read(p, layer=chosen_layer, force_2d=True)
    except _PYOGRIO_ERRORS as exc:
        raise InvalidInputError(f"{p}: cannot read as {_VECTOR_SUFFIXES[suffix]}: {exc}") from exc
    if len(wkb) == 0:
        raise InvalidInputError(f"{p}: contains no features")
    src = _resolve_source_crs(p, meta.get("crs"), crs)
    names = [str(n) for n in meta["fields"]]
    columns = [
        _python_values(arr, str(dtype))
        for arr, dtype in zip(field_data, meta["dtypes"], strict=True)
    ]
    geoms = shapely.from_wkb(wkb)
    errors: list[RowError] = []
    rows: list[int] = []
    present: list[BaseGeometry] = []
    for i, geom in enumerate(geoms):
        if geom is None:
            errors.append(RowError(i + 1, "geometry", "missing geometry"))
        else:
            rows.append(i + 1)
            present.append(geom)
    converted, convert_errors = _geometries_to_wgs84(present, rows, src)
    errors.extend(convert_errors)
    if errors:
        raise ImportValidationError(sorted(errors, key=lambda e: e.row), source=str(p))
    return [
        Feature(
            geometry=g,
            properties={n: col[r - 1] for n, col in zip(names, columns, strict=True)},
            row=r,
        )
        for g, r in zip(converted, rows, strict=True)
    ]


def _existing_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InvalidInputError(f"{p}: no such file")
    if not p.is_file():
        raise InvalidInputError(f"{p}: is not a file")
    if p.stat().st_size == 0:
        raise InvalidInputError(f"{p}: file is empty")
    return p


def _choose_layer(p: Path, layer: str | None) -> str | None:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(p)]
    except _PYOGRIO_ERRORS as exc:
        raise InvalidInputError(
            f"{p}: cannot read as {_VECTOR_SUFFIXES[p.suffix.lower()]}: {exc}"
        ) from exc
    if layer is not None:
        if layer not in layers:
            raise InvalidInputError(
                f"{p}: no layer {layer!r}; layers: {', '.join(layers) or 'none'}"
            )
        return layer
    if len(layers) > 1:
        # Reading "the first" layer of a multi-layer GeoPackage would be a silent guess.
        raise InvalidInputError(
            f"{p}: holds {len(layers)} layers; choose one of: {', '.join(layers)}"
        )
    return None


def _file_crs(p: Path, label: str | None) -> str | None:
    """The file's CRS label in canonical form, or None if it has none."""
    if not label:
        return None
    if ":" in label and "[" not in label:  # "EPSG:4548", "OGC:CRS84"
        try:
            return parse_crs(label)
        except InvalidInputError:
            pass
    # A WKT without authority code (Shapefile .prj): identify it when PROJ can, keep it if not.
    try:
        crs = pyproj.CRS.from_user_input(label)
    except pyproj.exceptions.CRSError as exc:
        raise InvalidInputError(f"{p}: the file's CRS cannot be understood: {exc}") from exc
    code = crs.to_epsg(min_confidence=90)
    try:
        return parse_crs(f"EPSG:{code}" if code is not None else crs.to_wkt())
    except InvalidInputError as exc:
        raise InvalidInputError(f"{p}: the file's CRS is not usable: {exc}") from exc


def _same_crs(a: str, b: str) -> bool:
    if a == b:
        return True
    if a in _WGS84_LABELS | _SHIFTED or b in _WGS84_LABELS | _SHIFTED:
        return False
    return bool(
        pyproj.CRS.from_user_input(a).equals(pyproj.CRS.from_user_input(b), ignore_axis_order=True)
    )


def _resolve_source_crs(p: Path, label: str | None, declared: str | None) -> str:
    file_crs = _file_crs(p, label)
    if declared is None:
        if file_crs is None:
            raise InvalidInputError(
                f"{p}: the file has no CRS (no .prj / spatial reference); declare it, "
                "e.g. crs='EPSG:4548' or --from EPSG:4548"
            )
        return file_crs
    wanted = parse_crs(declared)
    if file_crs is None or file_crs in _WGS84_LABELS or _same_crs(file_crs, wanted):
        return wanted
    raise InvalidInputError(
        f"{p}: declared CRS {declared!r} contradicts the file's own CRS "
        f"({_crs_display(file_crs)}); omit the declaration or fix the file's CRS"
    )


def _crs_display(canonical: str) -> str:
    if canonical.startswith("EPSG:") or canonical in _WGS84_LABELS | _SHIFTED:
        return canonical
    return str(pyproj.CRS.from_user_input(canonical).name)


def _python_values(arr: npt.NDArray[Any], declared_dtype: str) -> list[Any]:
    """Field values as plain Python objects; nulls (NaN, NaT) become None."""
    values: list[Any] = arr.tolist()
    # pyogrio widens integer and boolean columns with nulls to float64 + NaN; undo that.
    is_int = declared_dtype.startswith(("int", "uint"))
    is_bool = declared_dtype == "bool"
    out: list[Any] = []
    for v in values:
        if isinstance(v, float) and math.isnan(v):
            out.append(None)
        elif is_bool and v is not None:
            out.append(bool(v))
        elif is_int and isinstance(v, float):
            out.append(int(v))
        else:
            out.append(v)
    return out


def _geometries_to_wgs84(
    geoms: list[BaseGeometry], rows: list[int], src: str
) -> tuple[list[BaseGeometry], list[RowError]]:
    if not geoms:
        return [], []
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    try:
        # One vectorised call for the whole layer; only on failure go record by record.
        return list(_transform_array(arr, src)), []
    except InvalidInputError:
        pass
    out: list[BaseGeometry] = []
    errors: list[RowError] = []
    for geom, row in zip(geoms, rows, strict=True):
        try:
            out.append(transform_geometry(geom, src=src, dst="wgs84"))
        except InvalidInputError as exc:
            errors.append(RowError(row, "geometry", str(exc)))
    return out, errors


def _transform_array(arr: npt.NDArray[np.object_], src: str) -> npt.NDArray[np.object_]:
    def _convert(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lon, lat = to_wgs84(coords[:, 0], coords[:, 1], crs=src)
        return np.column_stack([lon, lat])

    result: npt.NDArray[np.object_] = shapely.transform(arr, _convert, include_z=False)
    return result


# --------------------------------------------------------------------------- CSV


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
    p = _existing_file(path)
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


def write_features(
    path: str | Path,
    features: Sequence[Feature],
    *,
    crs: str = "wgs84",
    layer: str | None = None,
    lon_field: str = "lon",
    lat_field: str = "lat",
) -> int:
    """Write WGS84 features to a file, converting them to ``crs``; the suffix picks the format.

    Parameters
    ----------
    path : str or Path
        ``.geojson``/``.json``, ``.gpkg``, ``.shp`` or ``.csv``. An existing file (for a
        GeoPackage: the layer) is replaced.
    features : sequence of Feature
        Geometries in WGS84.
    crs : str
        Target CRS. The file is labelled with it; GCJ-02 and BD-09 have no EPSG code, so their
        files carry the WGS84 label (as every tool writes them) and must be read back with the
        CRS declared.
    layer : str, optional
        Layer name (GeoPackage; default: the file name without suffix).
    lon_field, lat_field : str
        CSV only: coordinate column names. The columns keep their place if the properties
        already have them (a CSV read by :func:`read_csv_points`), else they come first.

    Returns
    -------
    int
        Number of features written.

    Raises
    ------
    InvalidInputError
        Unsupported suffix, non-point geometry for CSV, geometry types a Shapefile cannot mix,
        or a write failure; the message names the path.

    Notes
    -----
    CSV is written as UTF-8 with BOM so that Excel shows Chinese text correctly. Shapefile
    field names are cut to 10 bytes (the DBF limit) and made unique.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    dst = parse_crs(crs)
    if suffix not in _VECTOR_SUFFIXES and suffix != ".csv":
        raise InvalidInputError(f"{p}: unsupported format {p.suffix!r}; supported: {_SUPPORTED}")
    if suffix == ".csv":
        return _write_csv(p, features, dst, lon_field, lat_field)
    geoms = np.empty(len(features), dtype=object)
    geoms[:] = [transform_geometry(f.geometry, src="wgs84", dst=dst) for f in features]
    names = _field_names(features)
    out_names = _shapefile_names(names) if suffix == ".shp" else names
    columns = [_column([f.properties.get(n) for f in features]) for n in names]
    geometry_type, promote = _geometry_type(features)
    if suffix == ".shp" and geometry_type == "Unknown":
        kinds = sorted({f.geometry.geom_type for f in features})
        raise InvalidInputError(f"{p}: a Shapefile holds one geometry type; got {', '.join(kinds)}")
    label = "EPSG:4490" if dst == "cgcs2000" else _pyproj_label(dst)
    try:
        raw.write(
            p,
            shapely.to_wkb(geoms),
            [values for values, _ in columns],
            out_names,
            field_mask=[mask for _, mask in columns],
            layer=layer or p.stem,
            driver=_VECTOR_SUFFIXES[suffix],
            geometry_type=geometry_type,
            crs=label,
            encoding="UTF-8" if suffix == ".shp" else None,
            promote_to_multi=promote,
        )
    except _PYOGRIO_ERRORS as exc:
        raise InvalidInputError(f"{p}: cannot write {_VECTOR_SUFFIXES[suffix]}: {exc}") from exc
    return len(features)


def _pyproj_label(dst: str) -> str:
    if dst in _WGS84_LABELS | _SHIFTED:
        # GCJ-02/BD-09 have no code of their own: they travel under the WGS84 label.
        return "EPSG:4326"
    # Prefer the authority code (short, recognised everywhere); a custom WKT is written as is.
    return dst if dst.startswith("EPSG:") else str(pyproj.CRS.from_user_input(dst).to_wkt())


def _field_names(features: Iterable[Feature]) -> list[str]:
    names: dict[str, None] = {}
    for f in features:
        for k in f.properties:
            names.setdefault(str(k), None)
    return list(names)


def _shapefile_names(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        base = _cut_bytes(name, _SHP_FIELD_BYTES)
        candidate, n = base, 1
        while candidate in out:
            suffix = f"_{n}"
            candidate = _cut_bytes(name, _SHP_FIELD_BYTES - len(suffix)) + suffix
            n += 1
        out.append(candidate)
    return out


def _cut_bytes(name: str, limit: int) -> str:
    encoded = name.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore")


def _column(values: list[Any]) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
    """A typed column and its null mask: bool, int64, float64, or text for anything else."""
    mask = np.array(
        [v is None or (isinstance(v, float) and math.isnan(v)) for v in values], dtype=bool
    )
    present = [v for v, m in zip(values, mask, strict=True) if not m]
    if present and all(isinstance(v, bool | np.bool_) for v in present):
        return np.array(
            [bool(v) if not m else False for v, m in zip(values, mask, strict=True)]
        ), mask
    if present and all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in present
    ):
        return np.array(
            [int(v) if not m else 0 for v, m in zip(values, mask, strict=True)], dtype=np.int64
        ), mask
    if present and all(
        isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in present
    ):
        return np.array(
            [float(v) if not m else 0.0 for v, m in zip(values, mask, strict=True)],
            dtype=np.float64,
        ), mask
    text = np.empty(len(values), dtype=object)
    text[:] = [None if m else _text(v) for v, m in zip(values, mask, strict=True)]
    return text, mask


def _text(v: Any) -> str:
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)


def _geometry_type(features: Sequence[Feature]) -> tuple[str, bool]:
    kinds = {f.geometry.geom_type for f in features}
    if len(kinds) == 1:
        return kinds.pop(), False
    for single in ("Point", "LineString", "Polygon"):
        if kinds == {single, f"Multi{single}"}:
            return f"Multi{single}", True
    return "Unknown", False


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
