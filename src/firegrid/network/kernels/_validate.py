"""Argument checks shared by the travel-time kernels."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError
from firegrid.network.graph import RoadGraph, Vehicle

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def _vehicle(vehicle: Vehicle | str) -> Vehicle:
    return Vehicle.parse(vehicle)


def _limit(cutoff_s: float | None) -> float:
    if cutoff_s is None:
        return math.inf
    c = float(cutoff_s)
    if not c >= 0:
        raise InvalidInputError(f"cutoff_s must be >= 0 (or None), got {cutoff_s!r}")
    return c


def _nodes(graph: RoadGraph, nodes: npt.ArrayLike, what: str) -> I64:
    arr = np.asarray(nodes)
    if arr.ndim != 1 or not (arr.dtype.kind in "iu" or arr.size == 0):
        raise InvalidInputError(f"{what} must be a 1-d array of node indices, got {arr!r}")
    out = arr.astype(np.int64)
    bad = (out < 0) | (out >= graph.n_nodes)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"{what} {i} is node {int(out[i])}, outside the graph's nodes [0, {graph.n_nodes})"
        )
    return out


def _node(graph: RoadGraph, node: int, what: str) -> int:
    if not isinstance(node, int | np.integer) or isinstance(node, bool):
        raise InvalidInputError(f"{what} must be a node index (int), got {node!r}")
    if not 0 <= int(node) < graph.n_nodes:
        raise InvalidInputError(
            f"{what} is node {int(node)}, outside the graph's nodes [0, {graph.n_nodes})"
        )
    return int(node)


def _offsets(offsets_s: npt.ArrayLike | None, k: int) -> F64:
    if offsets_s is None:
        return np.zeros(k, dtype=np.float64)
    off = np.asarray(offsets_s, dtype=np.float64)
    if off.ndim == 0:
        off = np.full(k, float(off))
    if off.shape != (k,):
        raise InvalidInputError(f"offsets_s has shape {off.shape}, expected ({k},)")
    bad = np.isnan(off) | (off < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(
            f"offset {i} is {float(off[i])!r}; offsets must be >= 0 (inf disables a source)"
        )
    return off
