"""Coverage kernels: pure functions over travel-time arrays and WGS84 geometries.

Inputs are what a network search (or the straight-line approximation,
:mod:`firegrid.network.approx`) produces, so every kernel runs unchanged in both modes:

* ``time_s`` — per node, per cell or per demand point: total response time in seconds, turn-out
  included; ``inf`` = not reached.
* ``origin`` — index of the first-due station, ``-1`` = none.

Each kernel takes the limit explicitly and a :class:`~firegrid.coverage.result.Provenance`
(``standards.provenance(approximate=..., vehicle=...)``) that its result records.

The rules the kernels follow are stated next to the code that applies them: the covered part
of a road edge in :mod:`~firegrid.coverage.kernels._roads` (road and hydrant coverage), raster
cells and polygons from cells in :mod:`~firegrid.coverage.kernels._raster` (area coverage,
first-due districts, isochrones). Demand points and their coverage are in
:mod:`~firegrid.coverage.kernels._demand`; the argument checks all kernels share in
:mod:`~firegrid.coverage.kernels._validate`.

No database, no web framework, no files.
"""

from firegrid.coverage.kernels._demand import (
    DemandPoints,
    compare_vehicles,
    demand_coverage,
    n_unit_coverage,
)
from firegrid.coverage.kernels._raster import MAX_GRID_CELLS as MAX_GRID_CELLS
from firegrid.coverage.kernels._raster import (
    CellGrid,
    StationRef,
    area_coverage,
    first_due_districts,
    grid_time_matrix_from_nodes,
    grid_times_from_nodes,
    isochrones,
    make_grid,
)
from firegrid.coverage.kernels._roads import (
    hydrant_coverage,
    road_coverage,
    street_covered_fraction,
)

__all__ = [
    "CellGrid",
    "DemandPoints",
    "StationRef",
    "area_coverage",
    "compare_vehicles",
    "demand_coverage",
    "first_due_districts",
    "grid_time_matrix_from_nodes",
    "grid_times_from_nodes",
    "hydrant_coverage",
    "isochrones",
    "make_grid",
    "n_unit_coverage",
    "road_coverage",
    "street_covered_fraction",
]
