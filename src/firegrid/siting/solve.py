"""A thin, reusable HiGHS wrapper: one sparse MIP in, one plain result out.

Every siting model builds a :class:`MipProblem` (column costs, a scipy sparse constraint
matrix, row and column bounds, which columns are integer) and calls :func:`solve_mip`. The
wrapper passes the whole model to HiGHS in one call (``passModel`` with a column-wise
``HighsLp``), sets the options that make a result trustworthy and repeatable (MIP gap 0 for
proven optimality, a fixed random seed, a thread count, output off), optionally hands HiGHS a
starting solution, and maps HiGHS's model status to :class:`~firegrid.siting.result.SolveStatus`:

============================  ===========================================================
HiGHS model status            SolveStatus
============================  ===========================================================
optimal                       ``OPTIMAL``
time/iteration/node limit,    ``FEASIBLE`` when HiGHS holds a feasible solution (objective,
interrupt, objective bound    proven bound and gap are reported), else ``NO_SOLUTION``
infeasible                    ``INFEASIBLE``
unbounded or infeasible       ``INFEASIBLE`` — every siting column is bounded, so an
                              unbounded ray cannot exist
unbounded, errors             :class:`SolverError` (a bug in the model, said in plain words)
============================  ===========================================================

No HiGHS log line or HiGHS exception ever reaches the caller: output is switched off before
the first call, and failures are raised as :class:`SolverError` with firegrid's own message.
Pure: numpy/scipy in, a frozen dataclass out; no files, no database.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

# The private ``_Highs`` class is used on purpose: the public ``highspy.Highs`` constructor
# registers callbacks before any option can be set, and HiGHS prints its banner on stdout at
# that moment — which would corrupt ``--json`` output. ``_Highs`` is the same C++ object
# without that constructor side effect.
from highspy import _core as _hs

from firegrid.errors import FiregridError
from firegrid.siting.result import SolveStatus

__all__ = ["MipProblem", "MipResult", "SolverError", "SolverOptions", "solve_mip"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INF = math.inf


class SolverError(FiregridError, RuntimeError):
    """HiGHS could not solve a model that should be solvable (a modelling bug, not bad input)."""


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """How to run HiGHS.

    Parameters
    ----------
    time_limit_s : float or None
        Wall-clock limit for one solve; on reaching it the best solution found is returned
        with its proven bound and gap (status ``FEASIBLE``), or ``NO_SOLUTION``.
    mip_rel_gap : float
        Relative gap at which HiGHS may stop. 0 (the default) asks for proven optimality.
    threads : int or None
        Threads for HiGHS (None: HiGHS's default). HiGHS keeps one process-wide thread pool;
        changing the count resets it between solves (never during one).
    random_seed : int
        HiGHS's random seed; fixed so the same instance gives the same answer every run.
    presolve : bool
        Let HiGHS presolve the model (on by default).
    first_solution : bool
        Stop at the first feasible solution (a feasibility check, e.g. p-center's radius
        test, needs no more); the status is then ``FEASIBLE``.
    clock : callable
        Seconds counter the models use to report elapsed time and to share one time limit
        among several solves (injectable for tests; HiGHS keeps its own timer for one solve).
    """

    time_limit_s: float | None = None
    mip_rel_gap: float = 0.0
    threads: int | None = None
    random_seed: int = 0
    presolve: bool = True
    first_solution: bool = False
    clock: Callable[[], float] = time.perf_counter

    def remaining(self, spent_s: float) -> SolverOptions:
        """The same options with the time limit reduced by ``spent_s`` (for multi-solve models)."""
        if self.time_limit_s is None:
            return self
        return replace(self, time_limit_s=max(self.time_limit_s - spent_s, 0.0))


@dataclass(frozen=True, eq=False)
class MipProblem:
    """``min/max cost·x + offset`` s.t. ``row_lower ≤ A x ≤ row_upper``, bounds on ``x``.

    Column bounds are ``col_lower ≤ x ≤ col_upper``.

    ``integer`` marks integer columns (None: a pure LP). Infinite bounds are ``±math.inf``.
    """

    cost: FloatArray
    matrix: sp.csc_array | sp.csr_array | sp.coo_array
    row_lower: FloatArray
    row_upper: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integer: BoolArray | None = None
    maximize: bool = False
    offset: float = 0.0

    @property
    def num_col(self) -> int:
        return int(self.cost.shape[0])

    @property
    def num_row(self) -> int:
        return int(self.row_lower.shape[0])

    def check(self) -> None:
        """Raise :class:`SolverError` when the arrays disagree in size (a modelling bug)."""
        n, m = self.num_col, self.num_row
        shapes = {
            "matrix": self.matrix.shape == (m, n),
            "row_upper": self.row_upper.shape == (m,),
            "col_lower": self.col_lower.shape == (n,),
            "col_upper": self.col_upper.shape == (n,),
            "integer": self.integer is None or self.integer.shape == (n,),
        }
        bad = [k for k, ok in shapes.items() if not ok]
        if bad:
            raise SolverError(
                f"inconsistent model: {', '.join(bad)} do not match {m} rows × {n} cols"
            )


@dataclass(frozen=True, eq=False)
class MipResult:
    """What HiGHS found. ``objective`` and ``bound`` include the problem's offset.

    ``gap`` is ``|objective − bound| / max(|objective|, 1e-9)`` (0 when optimal; None without a
    solution). ``seconds`` is HiGHS's own run time; ``nodes`` the branch-and-bound node count
    (0 for an LP). ``highs_status`` is HiGHS's model-status name, for statistics only.
    """

    status: SolveStatus
    objective: float | None
    bound: float | None
    gap: float | None
    x: FloatArray | None = field(repr=False)
    seconds: float
    nodes: int
    highs_status: str

    @property
    def has_solution(self) -> bool:
        return self.x is not None


_OK = (_hs.HighsStatus.kOk, _hs.HighsStatus.kWarning)
_LIMITS = {
    _hs.HighsModelStatus.kTimeLimit,
    _hs.HighsModelStatus.kIterationLimit,
    _hs.HighsModelStatus.kSolutionLimit,
    _hs.HighsModelStatus.kInterrupt,
    _hs.HighsModelStatus.kMemoryLimit,
    _hs.HighsModelStatus.kObjectiveBound,
    _hs.HighsModelStatus.kObjectiveTarget,
}
_STATUS_WORDS = {
    _hs.HighsModelStatus.kOptimal: "optimal",
    _hs.HighsModelStatus.kInfeasible: "infeasible",
    _hs.HighsModelStatus.kUnboundedOrInfeasible: "unbounded or infeasible",
    _hs.HighsModelStatus.kUnbounded: "unbounded",
    _hs.HighsModelStatus.kTimeLimit: "time limit",
    _hs.HighsModelStatus.kIterationLimit: "iteration limit",
    _hs.HighsModelStatus.kSolutionLimit: "solution/node limit",
    _hs.HighsModelStatus.kInterrupt: "interrupted",
    _hs.HighsModelStatus.kMemoryLimit: "memory limit",
    _hs.HighsModelStatus.kObjectiveBound: "objective bound reached",
    _hs.HighsModelStatus.kObjectiveTarget: "objective target reached",
    _hs.HighsModelStatus.kModelEmpty: "empty model",
}

# HiGHS runs MIPs on one process-wide task scheduler whose size is fixed when first used; a
# later solve asking for a different thread count fails unless the scheduler is reset first.
_scheduler_lock = threading.Lock()
_scheduler_threads: int | None = None


def _set_threads(threads: int | None) -> None:
    """Resize HiGHS's process-wide scheduler when an explicit, different count is asked for.

    A solve with the default count runs on whatever scheduler exists; an explicit count must
    match it, so the scheduler is reset first (never while a solve is running: concurrent
    callers that pass ``threads`` should agree on it).
    """
    global _scheduler_threads
    if threads is None:
        return
    with _scheduler_lock:
        if _scheduler_threads != threads:
            _hs._Highs.resetGlobalScheduler(True)
            _scheduler_threads = threads


def _highs_lp(problem: MipProblem) -> _hs.HighsLp:
    a = sp.csc_array(problem.matrix, dtype=np.float64)
    a.sum_duplicates()
    a.sort_indices()
    lp = _hs.HighsLp()
    lp.num_col_ = problem.num_col
    lp.num_row_ = problem.num_row
    lp.col_cost_ = np.ascontiguousarray(problem.cost, dtype=np.float64)
    lp.col_lower_ = np.ascontiguousarray(problem.col_lower, dtype=np.float64)
    lp.col_upper_ = np.ascontiguousarray(problem.col_upper, dtype=np.float64)
    lp.row_lower_ = np.ascontiguousarray(problem.row_lower, dtype=np.float64)
    lp.row_upper_ = np.ascontiguousarray(problem.row_upper, dtype=np.float64)
    lp.offset_ = float(problem.offset)
    lp.sense_ = _hs.ObjSense.kMaximize if problem.maximize else _hs.ObjSense.kMinimize
    lp.a_matrix_.format_ = _hs.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = problem.num_col
    lp.a_matrix_.num_row_ = problem.num_row
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data
    if problem.integer is not None and bool(problem.integer.any()):
        lp.integrality_ = [
            _hs.HighsVarType.kInteger if v else _hs.HighsVarType.kContinuous
            for v in problem.integer.tolist()
        ]
    return lp


def _gap(objective: float | None, bound: float | None, optimal: bool) -> float | None:
    if objective is None:
        return None
    if optimal:
        return 0.0
    if bound is None or not math.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _agrees(problem: MipProblem, x: FloatArray, objective: float | None) -> bool:
    """Is ``x`` feasible (within 1e-6) and, when given, worth ``objective``?"""
    tol = 1e-6
    if x.shape != (problem.num_col,):
        return False
    if objective is not None:
        value = float(problem.cost @ x + problem.offset)
        if abs(value - objective) > tol * max(1.0, abs(objective)):
            return False
    if (x < problem.col_lower - tol).any() or (x > problem.col_upper + tol).any():
        return False
    if problem.integer is not None and (np.abs(x - np.round(x))[problem.integer] > tol).any():
        return False
    act = sp.csr_array(problem.matrix) @ x
    with np.errstate(invalid="ignore"):  # inf - inf on free rows compares False: fine
        low = act < problem.row_lower - tol * (1.0 + np.abs(problem.row_lower))
        high = act > problem.row_upper + tol * (1.0 + np.abs(problem.row_upper))
    return not (low.any() or high.any())


def _feasible_ignoring_objective(problem: MipProblem, opts: SolverOptions) -> bool:
    zero = MipProblem(
        np.zeros(problem.num_col),
        problem.matrix,
        problem.row_lower,
        problem.row_upper,
        problem.col_lower,
        problem.col_upper,
        problem.integer,
    )
    return solve_mip(zero, options=opts).status is not SolveStatus.INFEASIBLE


def solve_mip(
    problem: MipProblem,
    *,
    options: SolverOptions | None = None,
    initial: FloatArray | None = None,
) -> MipResult:
    """Solve ``problem`` with HiGHS and report status, objective, proven bound, gap and x.

    Parameters
    ----------
    problem : MipProblem
        The model (sparse matrix in any scipy format; converted to CSC once).
    options : SolverOptions, optional
        Time limit, gap, threads, seed.
    initial : array of float, optional
        A starting solution (one value per column). HiGHS checks it and uses it as the first
        incumbent when it is feasible; an infeasible start is ignored.

    Raises
    ------
    SolverError
        The model is malformed, unbounded, or HiGHS failed — a bug, never a user's mistake.
    """
    problem.check()
    opts = options or SolverOptions()
    if initial is not None and initial.shape != (problem.num_col,):
        raise SolverError(
            f"initial solution has {initial.shape} values for {problem.num_col} columns"
        )
    _set_threads(opts.threads)

    h = _hs._Highs()
    h.setOptionValue("output_flag", False)  # before anything else: no banner, no log
    h.setOptionValue("mip_rel_gap", float(opts.mip_rel_gap))
    h.setOptionValue("random_seed", int(opts.random_seed))
    h.setOptionValue("presolve", "on" if opts.presolve else "off")
    if opts.threads is not None:
        h.setOptionValue("threads", int(opts.threads))
    if opts.time_limit_s is not None:
        h.setOptionValue("time_limit", max(float(opts.time_limit_s), 0.0))
    if opts.first_solution:
        h.setOptionValue("mip_max_improving_sols", 1)

    if h.passModel(_highs_lp(problem)) not in _OK:
        raise SolverError(
            f"the solver refused a model of {problem.num_row} rows × {problem.num_col} columns"
        )
    if initial is not None:
        start = _hs.HighsSolution()
        start.col_value = np.ascontiguousarray(initial, dtype=np.float64)
        h.setSolution(start)  # HiGHS validates the start itself; a bad one is just ignored

    run_status = h.run()
    model_status = h.getModelStatus()
    info = h.getInfo()
    seconds = float(h.getRunTime())
    words = _STATUS_WORDS.get(model_status, "solver error")
    is_mip = problem.integer is not None and bool(problem.integer.any())
    nodes = max(int(info.mip_node_count), 0) if is_mip else 0
    has_x = int(info.primal_solution_status) == int(_hs.kSolutionStatusFeasible)

    if run_status not in _OK and model_status not in _LIMITS:
        raise SolverError(
            f"the solver failed ({words}) on a model of {problem.num_row} rows × "
            f"{problem.num_col} columns"
        )
    if model_status == _hs.HighsModelStatus.kUnboundedOrInfeasible:
        # Presolve may not tell the two apart. With every column bounded the model cannot be
        # unbounded; otherwise the constant-objective version decides.
        bounded = np.isfinite(problem.col_lower).all() and np.isfinite(problem.col_upper).all()
        if not bounded and _feasible_ignoring_objective(problem, opts):
            model_status = _hs.HighsModelStatus.kUnbounded
        else:
            model_status = _hs.HighsModelStatus.kInfeasible
    if model_status == _hs.HighsModelStatus.kInfeasible:
        return MipResult(SolveStatus.INFEASIBLE, None, None, None, None, seconds, nodes, words)
    if model_status == _hs.HighsModelStatus.kUnbounded:
        raise SolverError(
            "the model is unbounded: a modelling bug (every siting variable is bounded)"
        )
    if model_status == _hs.HighsModelStatus.kModelEmpty:
        x = np.zeros(0)
        return MipResult(
            SolveStatus.OPTIMAL, problem.offset, problem.offset, 0.0, x, seconds, 0, words
        )
    if model_status == _hs.HighsModelStatus.kOptimal:
        status = SolveStatus.OPTIMAL
    elif model_status in _LIMITS:
        status = SolveStatus.FEASIBLE if has_x else SolveStatus.NO_SOLUTION
    else:
        raise SolverError(f"the solver stopped without an answer ({words})")

    if not has_x:
        return MipResult(status, None, None, None, None, seconds, nodes, words)
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)
    objective = float(info.objective_function_value)
    if initial is not None and not _agrees(problem, x, objective):
        # HiGHS 1.16 can hand back the *start* as the solution after presolve found a better
        # one (its objective is the better one's). Never report a mismatched pair: re-solve
        # without the start, or — on a time limit — fall back to the start itself.
        if model_status != _hs.HighsModelStatus.kTimeLimit:
            again = solve_mip(problem, options=opts.remaining(seconds))
            return MipResult(
                again.status,
                again.objective,
                again.bound,
                again.gap,
                again.x,
                seconds + again.seconds,
                nodes + again.nodes,
                again.highs_status,
            )
        x = np.asarray(initial, dtype=np.float64)
        if not _agrees(problem, x, None):
            return MipResult(SolveStatus.NO_SOLUTION, None, None, None, None, seconds, nodes, words)
        objective = float(problem.cost @ x + problem.offset)
    if is_mip:
        bound_raw = float(info.mip_dual_bound)
        bound: float | None = bound_raw if math.isfinite(bound_raw) else None
    else:
        bound = objective if status is SolveStatus.OPTIMAL else None
    if status is SolveStatus.OPTIMAL:
        # Report the proven bound as HiGHS closed it; with gap 0 requested it equals the
        # objective up to HiGHS's tolerances.
        bound = objective if bound is None else bound
    return MipResult(
        status,
        objective,
        bound,
        _gap(objective, bound, status is SolveStatus.OPTIMAL),
        x,
        seconds,
        nodes,
        words,
    )
