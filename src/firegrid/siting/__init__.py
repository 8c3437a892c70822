"""Station siting: facility-location models solved to proven optimality with HiGHS.

* :mod:`firegrid.siting.problems` — LSCP, MCLP, p-median, p-center and backup coverage on a
  demands × candidates cost matrix (pure kernels, ``from_cost_matrix(...)``);
* :mod:`firegrid.siting.pmedian` — the fast exact p-median for large plain instances;
* :mod:`firegrid.siting.solve` — the thin HiGHS wrapper every model uses;
* :mod:`firegrid.siting.inputs` and :mod:`firegrid.siting.orlib` — file readers (ids at the
  edge, indices inside);
* :mod:`firegrid.siting.service` — siting on a district's records: best new sites, the plan
  against the optimum, what-if (network or approximate);
* :mod:`firegrid.siting.router`, :mod:`~firegrid.siting.schemas`, :mod:`~firegrid.siting.export`
  — the HTTP routes, their models, and the map layers with the result cache.
"""

from firegrid.siting.problems import LSCP, MCLP, BackupCoverage, PCenter, PMedian, explain
from firegrid.siting.result import SitingResult, SolveStatus
from firegrid.siting.solve import SolverError, SolverOptions

__all__ = [
    "LSCP",
    "MCLP",
    "BackupCoverage",
    "PCenter",
    "PMedian",
    "SitingResult",
    "SolveStatus",
    "SolverError",
    "SolverOptions",
    "explain",
]
