"""The result every siting model returns (pure data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SitingResult", "SolveStatus"]


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"
    #: A feasible solution with a gap (time limit reached).
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    #: No feasible solution found within the limits (not proven infeasible).
    NO_SOLUTION = "no_solution"


@dataclass(frozen=True, eq=False)
class SitingResult:
    """A solved siting model.

    ``sites`` are candidate indices (0-based, into the instance's candidate list; callers map
    them to ids/names). ``objective`` is in the model's own units (total weighted distance for
    p-median, covered weight for MCLP, number of sites for LSCP, the maximum distance for
    p-center …); ``bound`` is the proven best bound, so ``gap`` = |objective − bound| / |objective|
    (0 when optimal). ``assignment`` gives each demand's serving candidate where the model has
    one (-1 unassigned/uncovered).
    """

    model: str
    status: SolveStatus
    objective: float | None
    bound: float | None
    gap: float | None
    sites: tuple[int, ...]
    seconds: float
    assignment: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    #: Model-specific figures (covered weight, coverage share, backup coverage …).
    detail: dict[str, Any] = field(default_factory=dict)
    #: Reductions and solver statistics (candidates/demands removed, nodes, iterations …).
    stats: dict[str, Any] = field(default_factory=dict)
    #: Why the request is infeasible (or what stopped the solver), in plain words; None when
    #: there is nothing to explain. Indices in it are 0-based; callers that know ids re-render
    #: it from ``detail["infeasible"]`` (see :func:`firegrid.siting.problems.explain`).
    reason: str | None = None

    @property
    def optimal(self) -> bool:
        return self.status is SolveStatus.OPTIMAL

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "status": self.status.value,
            "optimal": self.optimal,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "sites": list(self.sites),
            "seconds": round(self.seconds, 4),
            "detail": self.detail,
            "stats": self.stats,
            "reason": self.reason,
        }
