"""Geodata: coordinate reference systems (WGS84, CGCS2000, GCJ-02, BD-09, EPSG) and file I/O.

:mod:`firegrid.geo.crs` is a pure kernel; :mod:`firegrid.geo.io` reads and writes GeoJSON,
GeoPackage, Shapefile and CSV, always handing WGS84 to the rest of firegrid.
"""

from firegrid.geo.crs import (
    CRS_ALIASES,
    area_km2,
    from_wgs84,
    geodesic_distance_m,
    length_m,
    metric_crs_for,
    parse_crs,
    to_wgs84,
    transform_geometry,
)
from firegrid.geo.io import (
    CsvPoints,
    Feature,
    parse_csv_points,
    read_csv_points,
    read_features,
    write_features,
)

__all__ = [
    "CRS_ALIASES",
    "CsvPoints",
    "Feature",
    "area_km2",
    "from_wgs84",
    "geodesic_distance_m",
    "length_m",
    "metric_crs_for",
    "parse_crs",
    "parse_csv_points",
    "read_csv_points",
    "read_features",
    "to_wgs84",
    "transform_geometry",
    "write_features",
]
