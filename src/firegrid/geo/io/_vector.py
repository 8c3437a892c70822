"""GeoJSON, GeoPackage and Shapefile via pyogrio, and the two entry points that pick the
format from the file's suffix (CSV goes to :mod:`~firegrid.geo.io._csv`).

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
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyogrio
import pyproj
import shapely
from pyogrio import raw
from pyogrio.errors import DataLayerError, DataSourceError, FieldError, GeometryError
from shapely.geometry.base import BaseGeometry

from firegrid.errors import ImportValidationError, InvalidInputError, RowError
from firegrid.geo.crs import parse_crs, to_wgs84, transform_geometry
from firegrid.geo.io._common import (
    _SHIFTED,
    _WGS84_LABELS,
    Feature,
    _field_names,
    _text,
    existing_file,
)
from firegrid.geo.io._csv import _write_csv, read_csv_points

_VECTOR_SUFFIXES: Final[dict[str, str]] = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
}
_SUPPORTED: Final = ".geojson, .json, .gpkg, .shp, .csv"
_PYOGRIO_ERRORS: Final = (DataSourceError, DataLayerError, FieldError, GeometryError, RuntimeError)
_SHP_FIELD_BYTES: Final = 10


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
    p = existing_file(path)
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


def _geometry_type(features: Sequence[Feature]) -> tuple[str, bool]:
    kinds = {f.geometry.geom_type for f in features}
    if len(kinds) == 1:
        return kinds.pop(), False
    for single in ("Point", "LineString", "Polygon"):
        if kinds == {single, f"Multi{single}"}:
            return f"Multi{single}", True
    return "Unknown", False
