"""Argument checks shared by the coverage kernels."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def _times(time_s: npt.ArrayLike, n: int, what: str) -> F64:
    t = np.asarray(time_s, dtype=np.float64)
    if t.shape != (n,):
        raise InvalidInputError(f"{what} has shape {t.shape}, expected ({n},)")
    if np.isnan(t).any() or (t < 0).any():
        i = int(np.flatnonzero(np.isnan(t) | (t < 0))[0])
        raise InvalidInputError(f"{what}[{i}] = {t[i]!r}; need >= 0 (inf = not reached)")
    return t


def _origin(origin: npt.ArrayLike, n: int, n_stations: int | None, what: str) -> I64:
    o = np.asarray(origin)
    if o.shape != (n,) or (o.size and not np.issubdtype(o.dtype, np.integer)):
        raise InvalidInputError(f"{what} must be {n} integer station indices, got {o.shape}")
    o = o.astype(np.int64)
    hi = n_stations if n_stations is not None else np.iinfo(np.int64).max
    if o.size and (o.min() < -1 or o.max() >= hi):
        raise InvalidInputError(f"{what} must be in [-1, {hi}); got {o.min()}..{o.max()}")
    return o


def _limit(limit_s: float, what: str = "limit_s") -> float:
    if not (math.isfinite(limit_s) and limit_s >= 0):
        raise InvalidInputError(f"{what} must be a finite non-negative number, got {limit_s!r}")
    return float(limit_s)
