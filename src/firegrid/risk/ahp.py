"""Analytic Hierarchy Process: weights and consistency of pairwise comparison matrices.

Method
------
A judgement matrix :math:`A` (``a_ij`` = how many times more important element ``i`` is than
element ``j`` on Saaty's 1–9 scale) must be square, positive, with a unit diagonal and reciprocal
(``a_ji = 1 / a_ij``). Its weights are the principal (Perron) eigenvector :math:`w` normalised to
sum 1, with eigenvalue :math:`\\lambda_{max} \\ge n`. Then

.. math::  CI = (\\lambda_{max} - n) / (n - 1), \\qquad CR = CI / RI(n)

and the judgements are accepted only when :math:`CR < 0.1` (Saaty 1980). Matrices of order 1
and 2 are always consistent (``RI = 0``, ``CR = 0``). The geometric mean of the rows (the
logarithmic least-squares solution) is computed as well, as a check: for an acceptable matrix it
lies close to the eigenvector.

When a matrix is refused, :class:`InconsistentMatrixError` names the matrix (its path in the
hierarchy, e.g. ``criteria`` or ``indicators.hazard``), its CR and λmax, and the most
inconsistent judgement: the pair whose ``a_ij`` deviates most from the ratio ``w_i / w_j`` the
weights imply (measured as ``|ln(a_ij · w_j / w_i)|``) — the judgement to revisit first.

Random index
------------
:data:`RANDOM_INDEX` is Saaty's table for n = 1…15 as printed in T. L. Saaty, *Theory and
Applications of the Analytic Network Process*, RWS Publications, Pittsburgh, 2005, p. 31
(also used by Saaty, "Decision making with the analytic hierarchy process", *Int. J. Services
Sciences* 1(1), 2008, 83–98): 0, 0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54,
1.56, 1.58, 1.59. (The older 1980 table — 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49 for
n = 3…10 — is common in Chinese textbooks; it changes a CR by a few per cent at most.)

Pure kernel: numpy in, frozen dataclasses out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError

__all__ = [
    "CR_LIMIT",
    "RANDOM_INDEX",
    "AhpResult",
    "InconsistentMatrixError",
    "Judgement",
    "ahp_weights",
    "geometric_mean_weights",
    "parse_judgement",
    "random_index",
    "validate_matrix",
]

F64 = npt.NDArray[np.float64]

#: Consistency ratio at or above which judgements are refused (Saaty 1980).
CR_LIMIT = 0.1

#: Saaty's random index RI(n), n = 1…15 (Saaty 2005, p. 31; see the module docstring).
RANDOM_INDEX: Mapping[int, float] = MappingProxyType(
    {
        1: 0.0,
        2: 0.0,
        3: 0.52,
        4: 0.89,
        5: 1.11,
        6: 1.25,
        7: 1.35,
        8: 1.40,
        9: 1.45,
        10: 1.49,
        11: 1.52,
        12: 1.54,
        13: 1.56,
        14: 1.58,
        15: 1.59,
    }
)

#: Relative tolerance of the reciprocity check: ``a_ij · a_ji`` must be 1 within it (so a TOML
#: ``0.333`` for 1/3 passes, ``0.3`` for 1/3 does not).
RECIPROCITY_RTOL = 5e-3


def random_index(n: int) -> float:
    """Saaty's random index for a matrix of order ``n`` (1 ≤ n ≤ 15)."""
    if n not in RANDOM_INDEX:
        raise InvalidInputError(
            f"no published random index for a {n}×{n} matrix (Saaty's table covers n = 1…15): "
            "split the level into sub-criteria"
        )
    return RANDOM_INDEX[n]


def parse_judgement(value: object, *, where: str = "") -> float:
    """A judgement from configuration: a number, or a fraction string such as ``"1/3"``."""
    at = f"{where}: " if where else ""
    if isinstance(value, bool):
        raise InvalidInputError(f"{at}judgement must be a number or 'a/b', got {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            if "/" in text:
                num, den = text.split("/", 1)
                return float(num) / float(den)
            return float(text)
        except (ValueError, ZeroDivisionError):
            pass
    raise InvalidInputError(f"{at}judgement must be a number or 'a/b', got {value!r}")


def _name(labels: Sequence[str] | None, i: int) -> str:
    return f"{labels[i]!r}" if labels is not None else f"#{i + 1}"


def validate_matrix(
    matrix: npt.ArrayLike,
    *,
    path: str = "matrix",
    labels: Sequence[str] | None = None,
) -> F64:
    """Check a judgement matrix and return it as floats.

    Raises
    ------
    InvalidInputError
        Not square (or not matching ``labels``), a non-finite or non-positive entry, a diagonal
        entry other than 1, or a pair that is not reciprocal — the message names the matrix
        ``path`` and the row and column (by label where given).
    """
    try:
        a = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{path}: not a numeric matrix: {exc}") from exc
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise InvalidInputError(f"{path}: must be a non-empty square matrix, got shape {a.shape}")
    n = a.shape[0]
    if labels is not None and len(labels) != n:
        raise InvalidInputError(
            f"{path}: {n}×{n} matrix for {len(labels)} elements ({', '.join(labels)})"
        )
    for i in range(n):
        for j in range(n):
            v = a[i, j]
            cell = f"{path}: row {_name(labels, i)}, column {_name(labels, j)}"
            if not math.isfinite(v) or v <= 0:
                raise InvalidInputError(f"{cell}: judgements must be positive numbers, got {v!r}")
    for i in range(n):
        if not math.isclose(a[i, i], 1.0, rel_tol=1e-9):
            raise InvalidInputError(
                f"{path}: diagonal entry of {_name(labels, i)} must be 1, got {a[i, i]:g}"
            )
    for i in range(n):
        for j in range(i + 1, n):
            if not math.isclose(a[i, j] * a[j, i], 1.0, rel_tol=RECIPROCITY_RTOL):
                raise InvalidInputError(
                    f"{path}: not reciprocal at row {_name(labels, i)}, column "
                    f"{_name(labels, j)}: a_ij = {a[i, j]:g} but a_ji = {a[j, i]:g} "
                    f"(should be {1 / a[i, j]:.4g})"
                )
    return a


def geometric_mean_weights(matrix: npt.ArrayLike) -> F64:
    """Weights by the row geometric mean (logarithmic least squares), normalised to sum 1."""
    a = np.asarray(matrix, dtype=np.float64)
    g = np.exp(np.log(a).mean(axis=1))
    return np.asarray(g / g.sum(), dtype=np.float64)


def _principal(a: F64) -> tuple[F64, float]:
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    return np.asarray(w, dtype=np.float64), float(values[k].real)


@dataclass(frozen=True)
class Judgement:
    """One judgement ``a_ij`` and the ratio ``w_i / w_j`` the weights imply."""

    row: str
    column: str
    given: float
    implied: float

    @property
    def deviation(self) -> float:
        """``|ln(a_ij / (w_i / w_j))|`` — 0 for a judgement the weights reproduce exactly."""
        return abs(math.log(self.given / self.implied))

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "given": round(self.given, 4),
            "implied": round(self.implied, 4),
        }


@dataclass(frozen=True)
class AhpResult:
    """Weights and consistency of one judgement matrix.

    Attributes
    ----------
    path : str
        Where the matrix sits in the hierarchy (e.g. ``criteria``, ``indicators.hazard``).
    labels : tuple of str
        Element names, in matrix order.
    weights : numpy.ndarray
        Principal-eigenvector weights (sum 1).
    weights_gm : numpy.ndarray
        Geometric-mean weights (sum 1), the check.
    lambda_max, ci, ri, cr : float
        Principal eigenvalue, consistency index, random index, consistency ratio.
    worst : Judgement or None
        The judgement farthest from what the weights imply (None for n ≤ 2).
    """

    path: str
    labels: tuple[str, ...]
    weights: F64 = field(repr=False)
    weights_gm: F64 = field(repr=False)
    lambda_max: float
    ci: float
    ri: float
    cr: float
    worst: Judgement | None

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def consistent(self) -> bool:
        return self.cr < CR_LIMIT

    def weight_of(self) -> dict[str, float]:
        """``{label: weight}``."""
        return {k: float(w) for k, w in zip(self.labels, self.weights, strict=True)}

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "elements": list(self.labels),
            "weights": {k: round(v, 4) for k, v in self.weight_of().items()},
            "weights_geometric_mean": {
                k: round(float(w), 4) for k, w in zip(self.labels, self.weights_gm, strict=True)
            },
            "lambda_max": round(self.lambda_max, 4),
            "ci": round(self.ci, 4),
            "ri": self.ri,
            "cr": round(self.cr, 4),
            "consistent": self.consistent,
            "worst_judgement": None if self.worst is None else self.worst.as_dict(),
        }


class InconsistentMatrixError(InvalidInputError):
    """A judgement matrix has CR ≥ 0.1: the message says which matrix, its CR and λmax, and
    the most inconsistent judgement."""

    def __init__(self, result: AhpResult, *, limit: float = CR_LIMIT) -> None:
        self.result = result
        self.path = result.path
        self.cr = result.cr
        self.lambda_max = result.lambda_max
        self.worst = result.worst
        worst = ""
        if result.worst is not None:
            w = result.worst
            worst = (
                f"; most inconsistent judgement: {w.row} vs {w.column} = {w.given:.4g} while "
                f"the weights imply {w.implied:.3g}"
            )
        super().__init__(
            f"judgement matrix {result.path!r} is inconsistent: CR = {result.cr:.3f} "
            f"(must be < {limit:g}), λmax = {result.lambda_max:.3f} for n = {result.n}{worst}"
        )


def _worst(a: F64, w: F64, labels: Sequence[str]) -> Judgement | None:
    n = len(w)
    best: Judgement | None = None
    for i in range(n):
        for j in range(i + 1, n):
            cand = Judgement(labels[i], labels[j], float(a[i, j]), float(w[i] / w[j]))
            if best is None or cand.deviation > best.deviation + 1e-12:
                best = cand
    return best


def ahp_weights(
    matrix: npt.ArrayLike,
    *,
    path: str = "matrix",
    labels: Sequence[str] | None = None,
    cr_limit: float | None = CR_LIMIT,
) -> AhpResult:
    """Weights of a judgement matrix by the principal eigenvector, with its consistency.

    Parameters
    ----------
    matrix : array_like
        Square positive reciprocal matrix with a unit diagonal (1 ≤ n ≤ 15).
    path : str
        Names the matrix in results and errors (its place in the hierarchy).
    labels : sequence of str, optional
        Element names (default ``#1``, ``#2`` …).
    cr_limit : float or None
        Refuse matrices with ``CR >= cr_limit`` (default 0.1); ``None`` only reports.

    Returns
    -------
    AhpResult

    Raises
    ------
    InvalidInputError
        An invalid matrix (see :func:`validate_matrix`) or n > 15.
    InconsistentMatrixError
        ``CR >= cr_limit``.
    """
    a = validate_matrix(matrix, path=path, labels=labels)
    n = a.shape[0]
    names = tuple(labels) if labels is not None else tuple(f"#{i + 1}" for i in range(n))
    ri = random_index(n)
    if n <= 2:
        # Any reciprocal 2×2 matrix is consistent; its eigenvector is exact.
        w = geometric_mean_weights(a)
        lam = float(n)
    else:
        w, lam = _principal(a)
    ci = max(0.0, (lam - n) / (n - 1)) if n > 1 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    result = AhpResult(
        path=path,
        labels=names,
        weights=w,
        weights_gm=geometric_mean_weights(a),
        lambda_max=lam,
        ci=ci,
        ri=ri,
        cr=cr,
        worst=_worst(a, w, names) if n > 2 else None,
    )
    if cr_limit is not None and cr >= cr_limit:
        raise InconsistentMatrixError(result, limit=cr_limit)
    return result
