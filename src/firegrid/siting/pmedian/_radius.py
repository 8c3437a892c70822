"""The radius formulation of the p-median problem, reduced, solved by HiGHS.

For client ``i`` let ``D_i^0 < D_i^1 < … < D_i^{K_i−1}`` be the distinct costs ``c_ij`` of the
sites still allowed, up to the client's proven radius (``_lagrangian.client_radii``), and let
``z_i^k = 1`` mean "no open site costs ``≤ D_i^k`` for ``i``". Then the cost of client ``i`` is
``D_i^0 + Σ_k (D_i^{k+1} − D_i^k) z_i^k`` (Elloumi 2010; García, Labbé & Marín 2011). The
constraints are written as a chain (one entry per site and client, instead of Elloumi's
cumulative rows with ``O(K²)`` entries)::

    z_i^0                + Σ_{j: c_ij = D_i^0} y_j ≥ 1
    z_i^k − z_i^{k−1}    + Σ_{j: c_ij = D_i^k} y_j ≥ 0        k = 1 … K_i − 2
          − z_i^{K_i−2}  + Σ_{j: c_ij = D_i^{K_i−1}} y_j ≥ 0  (the radius row: no z_i^{K_i−1})
    Σ_j y_j = p,   y_j ∈ {0, 1} (locked sites y_j = 1),   z ≥ 0 continuous

Summing a client's rows up to ``k`` gives ``z_i^k ≥ 1 − Σ_{j: c_ij ≤ D_i^k} y_j`` — Elloumi's
constraint — and the minimal ``z`` meeting the chain is exactly ``max(0, 1 − Σ…)``, so both
forms have the same LP bound and, for 0/1 ``y``, ``z_i^k ∈ {0, 1}`` and the objective equals
the true cost. The last row says some site within ``D_i^{K_i−1}`` is open: redundant when the
radius comes from a locked site or from counting (any ``n_free − p' + 1`` free sites contain
an open one), a proven cut when it comes from the Lagrangian test; either way no level above
it is needed. HiGHS gets the prune level as its objective cutoff, so it only looks for
solutions that beat the incumbent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

# ``highspy.Highs()`` prints HiGHS's banner on stdout before any option can be set (it would
# corrupt ``--json`` output); the private core class is the same solver without that side
# effect (the same choice as ``firegrid.siting.solve``).
from highspy import _core as _hs

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

__all__ = ["RadiusModel", "RadiusOutcome", "build_radius_model", "solve_radius_model"]


@dataclass(frozen=True, eq=False)
class RadiusModel:
    """Column-wise arrays of the reduced radius MIP (columns: ``y`` then ``z``)."""

    n_sites: int
    matrix: sp.csc_array
    cost: FloatArray
    offset: float
    row_lower: FloatArray
    row_upper: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray

    @property
    def n_rows(self) -> int:
        return int(self.row_lower.size)

    @property
    def n_cols(self) -> int:
        return int(self.cost.size)


def build_radius_model(c: FloatArray, locked: BoolArray, p: int, radius: FloatArray) -> RadiusModel:
    """Build the chain radius model for costs ``c`` (clients × allowed sites).

    ``radius[i]`` must be one of the costs in row ``i`` (``client_radii`` guarantees it: a
    locked site's cost or a free site's cost level) or ``+∞``.
    """
    n, m = c.shape
    # Costs above the radius are never a client's level: mask them to +inf, then number the
    # distinct finite costs of each row in ascending order (the level of each entry).
    cm = np.where(c <= radius[:, None], c, np.inf)
    order = np.argsort(cm, axis=1, kind="stable")
    s = np.take_along_axis(cm, order, axis=1)
    finite = np.isfinite(s)
    new = np.zeros((n, m), dtype=bool)
    new[:, 0] = True
    new[:, 1:] = s[:, 1:] != s[:, :-1]
    new &= finite
    lev_sorted = np.cumsum(new, axis=1) - 1
    levels = np.empty((n, m), dtype=np.int64)
    np.put_along_axis(levels, order, lev_sorted, axis=1)
    k_rows = new.sum(axis=1)  # K_i: rows of client i (levels 0..K_i-1)
    row_off = np.concatenate([[0], np.cumsum(k_rows)])
    n_rows = int(row_off[-1])
    k_z = np.maximum(k_rows - 1, 0)
    z_off = np.concatenate([[0], np.cumsum(k_z)])
    n_z = int(z_off[-1])
    level_values = s[new]  # row-major: client by client, ascending
    # y entries: site j in client i's row of level c_ij (when within the radius)
    ii, jj = np.nonzero(np.isfinite(cm))
    y_rows = row_off[ii] + levels[ii, jj]
    # z_i^k: +1 in row k, -1 in row k+1 (always exists: the radius row has no z of its own)
    z_client = np.repeat(np.arange(n), k_z)
    z_k = np.arange(n_z) - z_off[z_client]
    z_cols = m + np.arange(n_z)
    z_row = row_off[z_client] + z_k
    first_level = row_off[:-1]  # index into level_values of D_i^0 equals row_off
    z_cost = level_values[z_row + 1] - level_values[z_row]
    offset = float(level_values[first_level].sum()) if n else 0.0
    rows = np.concatenate([y_rows, z_row, z_row + 1, np.full(m, n_rows)])
    cols = np.concatenate([jj, z_cols, z_cols, np.arange(m)])
    vals = np.concatenate([np.ones(y_rows.size), np.ones(n_z), -np.ones(n_z), np.ones(m)])
    matrix = sp.csc_array((vals, (rows, cols)), shape=(n_rows + 1, m + n_z))
    row_lower = np.zeros(n_rows + 1)
    row_lower[first_level] = 1.0
    row_lower[n_rows] = p
    row_upper = np.full(n_rows + 1, np.inf)
    row_upper[n_rows] = p
    col_lower = np.zeros(m + n_z)
    col_lower[:m][locked] = 1.0
    col_upper = np.full(m + n_z, np.inf)
    col_upper[:m] = 1.0
    return RadiusModel(
        m,
        matrix,
        np.concatenate([np.zeros(m), z_cost]),
        offset,
        row_lower,
        row_upper,
        col_lower,
        col_upper,
    )


@dataclass(frozen=True, eq=False)
class RadiusOutcome:
    """What HiGHS proved about the reduced model under the cutoff.

    ``sites``: the best solution HiGHS holds (indices into the model's sites), or None.
    ``complete``: the search finished, so no solution of the reduced model has a value below
    ``min(cutoff, value of sites)``. ``bound``: HiGHS's proven dual bound (−∞ if none).
    """

    sites: IntArray | None
    complete: bool
    bound: float
    status: str
    nodes: int
    seconds: float


def solve_radius_model(
    model: RadiusModel,
    *,
    cutoff: float,
    time_limit_s: float,
    abs_gap: float,
    seed: int = 0,
) -> RadiusOutcome:
    """Solve the model with HiGHS, looking only for solutions with value below ``cutoff``.

    HiGHS's own primal heuristics are off (the incumbent comes from our heuristics, and they
    cost more time than they save here) and so is presolve (the model is already reduced).
    ``abs_gap`` is HiGHS's absolute optimality gap (just under 1 for integer costs, where a
    gap below 1 proves optimality).
    """
    h = _hs._Highs()
    h.setOptionValue("output_flag", False)
    for name, value in (
        ("presolve", "off"),
        ("mip_rel_gap", 0.0),
        ("mip_abs_gap", float(abs_gap)),
        ("random_seed", int(seed)),
        ("mip_heuristic_effort", 0.0),
        ("mip_heuristic_run_rins", False),
        ("mip_heuristic_run_rens", False),
        ("mip_heuristic_run_root_reduced_cost", False),
        ("mip_heuristic_run_feasibility_jump", False),
        ("objective_bound", float(cutoff)),
        ("time_limit", max(float(time_limit_s), 1e-3)),
    ):
        h.setOptionValue(name, value)
    lp = _hs.HighsLp()
    a = model.matrix
    lp.num_col_ = model.n_cols
    lp.num_row_ = model.n_rows
    lp.col_cost_ = model.cost
    lp.col_lower_ = model.col_lower
    lp.col_upper_ = model.col_upper
    lp.row_lower_ = model.row_lower
    lp.row_upper_ = model.row_upper
    lp.offset_ = model.offset
    lp.a_matrix_.format_ = _hs.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = model.n_cols
    lp.a_matrix_.num_row_ = model.n_rows
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    lp.integrality_ = [_hs.HighsVarType.kInteger] * model.n_sites + [
        _hs.HighsVarType.kContinuous
    ] * (model.n_cols - model.n_sites)
    if h.passModel(lp) not in (_hs.HighsStatus.kOk, _hs.HighsStatus.kWarning):
        raise RuntimeError(f"HiGHS refused the radius model ({model.n_rows} rows)")
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    sites: IntArray | None = None
    if int(info.primal_solution_status) == int(_hs.kSolutionStatusFeasible):
        y = np.asarray(h.getSolution().col_value[: model.n_sites])
        sites = np.flatnonzero(y > 0.5).astype(np.int64)
    complete = status in (_hs.HighsModelStatus.kOptimal, _hs.HighsModelStatus.kInfeasible)
    bound = float(info.mip_dual_bound)
    if status == _hs.HighsModelStatus.kInfeasible or math.isnan(bound):
        bound = -math.inf if not complete else math.inf
    return RadiusOutcome(
        sites=sites,
        complete=complete,
        bound=bound,
        status=h.modelStatusToString(status),
        nodes=max(int(info.mip_node_count), 0),
        seconds=float(h.getRunTime()),
    )
