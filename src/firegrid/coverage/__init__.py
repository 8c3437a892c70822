"""Coverage analysis: road, demand, area and N-unit coverage, first-due districts, isochrones
and hydrant coverage, under versioned response standards.

Pure kernels (:mod:`~firegrid.coverage.kernels`) work on travel-time arrays from the road network
or from the straight-line approximation alike; results (:mod:`~firegrid.coverage.result`) record
the standards version and whether they are approximate.
"""

from firegrid.coverage.config import ResponseStandards, load_standards, load_standards_file
from firegrid.coverage.kernels import (
    CellGrid,
    DemandPoints,
    StationRef,
    area_coverage,
    compare_vehicles,
    demand_coverage,
    first_due_districts,
    grid_time_matrix_from_nodes,
    grid_times_from_nodes,
    hydrant_coverage,
    isochrones,
    make_grid,
    n_unit_coverage,
    road_coverage,
    street_covered_fraction,
)
from firegrid.coverage.result import Provenance

__all__ = [
    "CellGrid",
    "DemandPoints",
    "Provenance",
    "ResponseStandards",
    "StationRef",
    "area_coverage",
    "compare_vehicles",
    "demand_coverage",
    "first_due_districts",
    "grid_time_matrix_from_nodes",
    "grid_times_from_nodes",
    "hydrant_coverage",
    "isochrones",
    "load_standards",
    "load_standards_file",
    "make_grid",
    "n_unit_coverage",
    "road_coverage",
    "street_covered_fraction",
]
