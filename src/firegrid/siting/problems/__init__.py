"""Siting models on a demands × candidates cost matrix, solved exactly with HiGHS.

Pure kernels (numpy/scipy in, :class:`~firegrid.siting.result.SitingResult` out; no files, no
database). Each model follows spopt's two-constructor pattern — ``from_cost_matrix(cost, *, …)``
is the kernel; adapters that start from geodata convert and delegate to it — and states its
formulation in its class docstring.

=====================  ====================================================================
:class:`LSCP`          fewest sites covering every demand within a radius
:class:`MCLP`          ``p`` sites covering the most demand weight within a radius
:class:`PMedian`       ``p`` sites minimising total weighted distance (generic fallback)
:class:`PCenter`       at most ``p`` sites minimising the largest distance
:class:`BackupCoverage` cover everyone once with ``p`` sites, as many as possible twice
=====================  ====================================================================

Options shared where meaningful: ``fixed`` (existing stations kept open), ``closable``
(existing stations the model may close, with ``max_closed``), ``forbidden`` (indices or a
boolean mask — excluded zones turned into a candidate mask by the caller), ``min_spacing``
with ``candidate_cost`` (no two chosen sites closer), ``capacity`` (workload caps in the units
of ``weights``, for the models that assign demand: p-median and p-center), and ``reduce``
(exact instance reductions, on by default; counts in ``stats``).

Indices are 0-based everywhere; callers map them to ids. An impossible request returns a
result with status ``infeasible`` whose ``reason`` says why; :func:`explain` re-renders that
reason with the caller's names.
"""

from firegrid.siting.problems._base import explain
from firegrid.siting.problems._center import PCenter
from firegrid.siting.problems._covering import LSCP, MCLP, BackupCoverage
from firegrid.siting.problems._median import PMedian

__all__ = ["LSCP", "MCLP", "BackupCoverage", "PCenter", "PMedian", "explain"]
