"""Grid cells for risk prediction: square cells in a metric CRS, or H3 hexagons.

Pure kernel: numpy, pyproj (through :mod:`firegrid.geo.crs`) and h3 in, arrays of string cell ids
out; no files, no database.

Two grids share one small interface (:class:`SquareGrid`, :class:`H3Grid`):

``assign(lon, lat)``
    The cell id (``str``) of each WGS84 point.
``neighbours(cell_id)``
    The ids of the cells touching it: the 8-neighbourhood (rook + bishop) of a square cell, the
    ring of 6 around a hexagon (``h3.grid_disk(cell, 1)`` without the cell itself).
``spec``
    A short text naming the grid (``"square:1000m@EPSG:32617"``, ``"h3:8"``) that
    :func:`grid_from_spec` turns back into the same grid, so a stored model can be scored on the
    cells it was trained on.

Square cells are anchored at the CRS origin, so a cell's id ``"<ix>_<iy>"`` (``ix = floor(x /
cell_m)``) is stable across data sets as long as the CRS is the same: the CRS is part of the spec
for that reason.

:func:`metric_coordinates` gives the cell centres and the fires in one metric CRS (the square
grid's own, the local UTM zone of the cell centres for H3) for the distance-based features.

Inside the analysis, cells are indices ``0..n-1`` (:func:`index_cells`, :func:`neighbour_index`);
the string ids stay at the edge.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

import h3
import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError
from firegrid.geo.crs import from_wgs84, local_metric_crs, parse_crs, to_wgs84

__all__ = [
    "CellGrid",
    "H3Grid",
    "SquareGrid",
    "grid_from_spec",
    "index_cells",
    "metric_coordinates",
    "neighbour_index",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
StrArray = npt.NDArray[np.str_]

_SQUARE_RE: Final = re.compile(r"^square:(\d+(?:\.\d+)?)m@(.+)$")
_H3_RE: Final = re.compile(r"^h3:(\d{1,2})$")


class CellGrid(Protocol):
    """What the feature builder needs from a grid."""

    @property
    def spec(self) -> str: ...

    def assign(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> StrArray: ...

    def neighbours(self, cell_id: str) -> list[str]: ...

    def centre(self, cell_id: str) -> tuple[float, float]: ...


@dataclass(frozen=True)
class SquareGrid:
    """Square cells of ``cell_m`` metres in the projected CRS ``crs`` (anchored at its origin).

    Use :meth:`for_points` to pick the local metric CRS of the data (e.g. EPSG:32617 for
    Toronto) the way the rest of firegrid does.
    """

    cell_m: float
    crs: str

    def __post_init__(self) -> None:
        if not (math.isfinite(self.cell_m) and self.cell_m > 0):
            raise InvalidInputError(f"cell size must be > 0 m, got {self.cell_m!r}")
        parse_crs(self.crs)

    @classmethod
    def for_points(cls, lon: npt.ArrayLike, lat: npt.ArrayLike, *, cell_km: float) -> SquareGrid:
        """A grid of ``cell_km`` squares in the local metric CRS of these WGS84 points."""
        if not (math.isfinite(cell_km) and cell_km > 0):
            raise InvalidInputError(f"cell_km must be > 0, got {cell_km!r}")
        return cls(cell_m=float(cell_km) * 1000.0, crs=local_metric_crs(lon, lat))

    @property
    def spec(self) -> str:
        return f"square:{self.cell_m:g}m@{self.crs}"

    def assign(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> StrArray:
        lon_a = np.asarray(lon, dtype=np.float64).ravel()
        lat_a = np.asarray(lat, dtype=np.float64).ravel()
        if lon_a.size == 0:
            return np.array([], dtype=np.str_)
        x, y = from_wgs84(lon_a, lat_a, crs=self.crs)
        ix = np.floor(x / self.cell_m).astype(np.int64)
        iy = np.floor(y / self.cell_m).astype(np.int64)
        return np.array([f"{a}_{b}" for a, b in zip(ix.tolist(), iy.tolist(), strict=True)])

    @staticmethod
    def _parse(cell_id: str) -> tuple[int, int]:
        try:
            a, b = cell_id.split("_")
            return int(a), int(b)
        except ValueError:
            raise InvalidInputError(
                f"not a square cell id: {cell_id!r} (expected 'ix_iy')"
            ) from None

    def neighbours(self, cell_id: str) -> list[str]:
        ix, iy = self._parse(cell_id)
        return [
            f"{ix + dx}_{iy + dy}" for dx in (-1, 0, 1) for dy in (-1, 0, 1) if (dx, dy) != (0, 0)
        ]

    def centre(self, cell_id: str) -> tuple[float, float]:
        """WGS84 (lon, lat) of the cell's centre."""
        ix, iy = self._parse(cell_id)
        lon, lat = to_wgs84([(ix + 0.5) * self.cell_m], [(iy + 0.5) * self.cell_m], crs=self.crs)
        return float(lon[0]), float(lat[0])


@dataclass(frozen=True)
class H3Grid:
    """H3 hexagons at ``resolution`` (0–15; resolution 8 ≈ 0.74 km², 7 ≈ 5.2 km²)."""

    resolution: int

    def __post_init__(self) -> None:
        if not 0 <= int(self.resolution) <= 15:
            raise InvalidInputError(f"H3 resolution must be 0..15, got {self.resolution!r}")

    @property
    def spec(self) -> str:
        return f"h3:{self.resolution}"

    def assign(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> StrArray:
        lon_a = np.asarray(lon, dtype=np.float64).ravel()
        lat_a = np.asarray(lat, dtype=np.float64).ravel()
        if lon_a.shape != lat_a.shape:
            raise InvalidInputError("lon and lat must have the same length")
        bad = (
            ~(np.isfinite(lon_a) & np.isfinite(lat_a))
            | (np.abs(lon_a) > 180)
            | (np.abs(lat_a) > 90)
        )
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                f"point {i} (lon={lon_a[i]!r}, lat={lat_a[i]!r}) is not a WGS84 position"
            )
        r = int(self.resolution)
        return np.array(
            [
                h3.latlng_to_cell(b, a, r)
                for a, b in zip(lon_a.tolist(), lat_a.tolist(), strict=True)
            ],
            dtype=np.str_,
        )

    def neighbours(self, cell_id: str) -> list[str]:
        if not h3.is_valid_cell(cell_id):
            raise InvalidInputError(f"not an H3 cell id: {cell_id!r}")
        return sorted(c for c in h3.grid_disk(cell_id, 1) if c != cell_id)

    def centre(self, cell_id: str) -> tuple[float, float]:
        if not h3.is_valid_cell(cell_id):
            raise InvalidInputError(f"not an H3 cell id: {cell_id!r}")
        lat, lon = h3.cell_to_latlng(cell_id)
        return float(lon), float(lat)


def grid_from_spec(spec: str) -> SquareGrid | H3Grid:
    """The grid a :attr:`spec` text names (``"square:1000m@EPSG:32617"`` or ``"h3:8"``)."""
    m = _SQUARE_RE.match(spec.strip())
    if m:
        return SquareGrid(cell_m=float(m.group(1)), crs=m.group(2))
    m = _H3_RE.match(spec.strip())
    if m:
        return H3Grid(resolution=int(m.group(1)))
    raise InvalidInputError(
        f"unknown cell spec {spec!r}; expected 'square:<metres>m@<CRS>' or 'h3:<resolution>'"
    )


def index_cells(cell_ids: Sequence[str] | StrArray, universe: Sequence[str]) -> I64:
    """Index of each id in ``universe`` (0..n-1), ``-1`` for ids outside it."""
    lookup = {c: i for i, c in enumerate(universe)}
    return np.fromiter(
        (lookup.get(str(c), -1) for c in cell_ids), dtype=np.int64, count=len(cell_ids)
    )


def neighbour_index(grid: CellGrid, universe: Sequence[str]) -> list[I64]:
    """For each cell of ``universe``, the indices of its neighbours that are also in it."""
    lookup = {c: i for i, c in enumerate(universe)}
    out: list[I64] = []
    for c in universe:
        idx = [lookup[n] for n in grid.neighbours(c) if n in lookup]
        out.append(np.array(sorted(idx), dtype=np.int64))
    return out


def metric_coordinates(
    grid: SquareGrid | H3Grid,
    cells: Sequence[str],
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
) -> tuple[tuple[F64, F64], tuple[F64, F64]]:
    """Cell centres and WGS84 points in one metric CRS: ``((cell_x, cell_y), (x, y))`` in m.

    The CRS is the square grid's own; for H3 it is the local metric CRS of the cell centres, so
    it depends on the cell set only (a model scores with the same CRS it was trained with).
    """
    if not cells:
        raise InvalidInputError("no cells")
    if isinstance(grid, SquareGrid):
        crs = grid.crs
        ij = np.array([grid._parse(c) for c in cells], dtype=np.float64)
        cx, cy = (ij[:, 0] + 0.5) * grid.cell_m, (ij[:, 1] + 0.5) * grid.cell_m
    else:
        centres = np.array([grid.centre(c) for c in cells], dtype=np.float64)
        crs = local_metric_crs(centres[:, 0], centres[:, 1])
        cx, cy = from_wgs84(centres[:, 0], centres[:, 1], crs=crs)
    lon_a = np.asarray(lon, dtype=np.float64).ravel()
    lat_a = np.asarray(lat, dtype=np.float64).ravel()
    if lon_a.size:
        px, py = from_wgs84(lon_a, lat_a, crs=crs)
    else:
        px, py = np.zeros(0), np.zeros(0)
    f64 = np.float64
    return (
        (np.asarray(cx, dtype=f64), np.asarray(cy, dtype=f64)),
        (np.asarray(px, dtype=f64), np.asarray(py, dtype=f64)),
    )
