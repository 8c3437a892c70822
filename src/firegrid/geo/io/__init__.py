"""Read and write geodata files: GeoJSON, GeoPackage, Shapefile (via pyogrio) and CSV points.

A thin adapter around :mod:`firegrid.geo.crs`: everything read comes back as :class:`Feature`
objects in WGS84, everything written is converted from WGS84 on the way out.

Vector files (GeoJSON, GeoPackage, Shapefile), the suffix dispatch of :func:`read_features`
and :func:`write_features`, and the rules for which CRS a file is read in live in
:mod:`~firegrid.geo.io._vector`; CSV points and tables in :mod:`~firegrid.geo.io._csv`.
"""

from firegrid.geo.io._common import Feature, existing_file
from firegrid.geo.io._csv import (
    CsvPoints,
    CsvTable,
    parse_csv_points,
    read_csv_points,
    read_csv_table,
)
from firegrid.geo.io._vector import read_features, write_features

__all__ = [
    "CsvPoints",
    "CsvTable",
    "Feature",
    "existing_file",
    "parse_csv_points",
    "read_csv_points",
    "read_csv_table",
    "read_features",
    "write_features",
]
