"""The double-random draw (双随机) kernel — pure: arrays and a numpy Generator in, indices out.

Inspectees
    Weighted sampling without replacement by the Efraimidis–Spirakis method (A-ES, 2006): each
    candidate *i* with weight :math:`w_i > 0` gets the key :math:`k_i = \\log(u_i) / w_i` with
    :math:`u_i \\sim U(0, 1)` from the generator, and the ``count`` largest keys are drawn. This
    is exactly successive sampling — pick one with probability :math:`w_i / \\sum w`, remove it,
    repeat — in one vectorised pass; with ``count = 1`` a unit's chance is its weight share.
    The order of the drawn units is by key (the order successive sampling would give).

Inspectors
    For each drawn unit in draw order, two inspectors from the eligible register, never one with a
    conflict of interest for that unit: the ones with the fewest assignments so far in this draw,
    ties broken at random (so work spreads evenly and who goes where stays random).

The same inputs and the same generator state give the same result, which is what lets a stored
draw be replayed.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError

__all__ = [
    "DrawResult",
    "NotEnoughInspectorsError",
    "assign_pairs",
    "draw",
    "sample_weighted",
]

F64 = npt.NDArray[np.float64]


class NotEnoughInspectorsError(InvalidInputError):
    """Fewer than two eligible inspectors for a drawn unit (``unit_index`` says which)."""

    def __init__(self, unit_index: int, eligible: int) -> None:
        self.unit_index = unit_index
        self.eligible = eligible
        super().__init__(
            f"unit #{unit_index}: only {eligible} eligible inspector(s) without a conflict of "
            "interest; a pair needs two"
        )


@dataclass(frozen=True)
class DrawResult:
    """Indices into the candidate and inspector arrays given to :func:`draw`."""

    units: tuple[int, ...]
    pairs: tuple[tuple[int, int], ...]


def sample_weighted(weights: npt.ArrayLike, count: int, rng: np.random.Generator) -> list[int]:
    """Draw ``count`` distinct indices with probability ∝ weight (Efraimidis–Spirakis keys)."""
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 1:
        raise InvalidInputError("weights must be one-dimensional")
    if not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise InvalidInputError("every weight must be a finite number > 0")
    if not 0 <= count <= len(w):
        raise InvalidInputError(f"count {count} must be between 0 and the {len(w)} candidates")
    u = rng.random(len(w))
    # log(u)/w: monotone in u**(1/w) and free of underflow for small weights; u == 0 → -inf.
    with np.errstate(divide="ignore"):
        keys = np.log(u) / w
    order = np.argsort(-keys, kind="stable")
    return [int(i) for i in order[:count]]


def assign_pairs(
    units: list[int],
    n_inspectors: int,
    conflicts: Collection[tuple[int, int]],
    rng: np.random.Generator,
) -> list[tuple[int, int]]:
    """A pair of inspector indices per unit, least-loaded first, ties at random, no conflicts."""
    blocked = set(conflicts)
    load = np.zeros(n_inspectors, dtype=np.int64)
    out: list[tuple[int, int]] = []
    for u in units:
        tie = rng.random(n_inspectors)
        eligible = [j for j in range(n_inspectors) if (u, j) not in blocked]
        if len(eligible) < 2:
            raise NotEnoughInspectorsError(u, len(eligible))
        eligible.sort(key=lambda j: (int(load[j]), float(tie[j])))
        a, b = sorted(eligible[:2])
        load[a] += 1
        load[b] += 1
        out.append((a, b))
    return out


def draw(
    weights: npt.ArrayLike,
    n_inspectors: int,
    *,
    count: int,
    rng: np.random.Generator,
    conflicts: Collection[tuple[int, int]] = (),
) -> DrawResult:
    """Draw ``count`` units with probability ∝ weight and an inspector pair for each.

    Parameters
    ----------
    weights
        Draw weight per candidate unit (risk weight × credit weight), all > 0.
    n_inspectors
        Number of eligible inspectors (indices 0..n-1).
    count
        Units to draw; more than the candidates is refused.
    rng
        The generator (seeded from the draw's stored seed).
    conflicts
        ``(unit index, inspector index)`` pairs that must never meet.
    """
    units = sample_weighted(weights, count, rng)
    pairs = assign_pairs(units, n_inspectors, conflicts, rng)
    return DrawResult(tuple(units), tuple(pairs))
