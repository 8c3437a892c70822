"""p-median (minisum) station siting, solved to proven optimality.

``solve_pmedian(cost, p, ...)`` is the kernel (pure: arrays in, a
:class:`~firegrid.siting.result.SitingResult` out; no files, database or web framework). See
its docstring for the formulation and the method, and the private modules for the proofs:

* ``_heuristic`` — greedy + fast vertex substitution (the incumbent);
* ``_lagrangian`` — the Lagrangian bound, subgradient optimisation, and the bound-based
  reductions (sites closed/opened, client radii);
* ``_radius`` — the reduced radius formulation, solved by HiGHS under an objective cutoff.
"""

from firegrid.siting.pmedian._solver import solve_pmedian

__all__ = ["solve_pmedian"]
