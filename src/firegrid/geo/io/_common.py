"""What the vector and the CSV readers and writers share: the :class:`Feature` record, the
CRS names stored under a WGS84 label, and small file and property helpers."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from shapely.geometry.base import BaseGeometry

from firegrid.errors import InvalidInputError

_WGS84_LABELS: Final = frozenset({"wgs84", "cgcs2000"})
# Geographic names whose coordinates must be stored under a WGS84 label (no EPSG code exists).
_SHIFTED: Final = frozenset({"gcj02", "bd09"})


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


def existing_file(path: str | Path) -> Path:
    """``path`` as a Path if it is a non-empty, readable file; InvalidInputError naming it."""
    p = Path(path)
    if not p.exists():
        raise InvalidInputError(f"{p}: no such file")
    if not p.is_file():
        raise InvalidInputError(f"{p}: is not a file")
    if p.stat().st_size == 0:
        raise InvalidInputError(f"{p}: file is empty")
    if not os.access(p, os.R_OK):
        raise InvalidInputError(f"{p}: file is not readable")
    return p


def _field_names(features: Iterable[Feature]) -> list[str]:
    names: dict[str, None] = {}
    for f in features:
        for k in f.properties:
            names.setdefault(str(k), None)
    return list(names)


def _text(v: Any) -> str:
    if hasattr(v, "isoformat"):
        return str(v.isoformat())
    return str(v)
