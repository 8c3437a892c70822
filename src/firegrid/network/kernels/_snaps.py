"""Snapped points as search sources, and arrival times at snapped points from node times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

import numpy as np
import numpy.typing as npt

from firegrid.errors import InvalidInputError
from firegrid.network.graph import RoadGraph, Vehicle
from firegrid.network.kernels._validate import _offsets, _vehicle
from firegrid.network.snap import Snap, SnapResult, fastest_edge

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class SnapSources:
    """Snapped points as search sources: ``node[k]`` is entered at time ``offset_s[k]``.

    Each point yields up to two pairs, one per end of its edge that ``vehicle`` can drive to
    from the point (one on a one-way street); ``owner[k]`` is the index of the point.
    """

    node: I64
    offset_s: F64
    owner: I64


def sources_from_snaps(
    graph: RoadGraph,
    snaps: SnapResult | Sequence[Snap] | Snap,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
    offsets_s: npt.ArrayLike | None = None,
) -> SnapSources:
    """Turn snapped points into (node, start offset) pairs for the search kernels.

    Parameters
    ----------
    graph : RoadGraph
        The graph the points were snapped to.
    snaps : SnapResult or sequence of Snap or Snap
        Snapped points.
    vehicle : {"light", "heavy"}
        Whose travel times are used along the partial edge.
    offsets_s : array_like, optional
        Per-point start delay added on top (e.g. a station's turn-out time).

    Returns
    -------
    SnapSources
        For a point at fraction ``f`` of edge ``u -> v`` with off-network cost ``leg``:
        ``(v, offset + leg + (1 - f) * t(u -> v))`` and, where the street is two-way for
        ``vehicle``, ``(u, offset + leg + f * t(v -> u))``. ``t`` is the fastest passable edge
        between the two nodes in that direction; a direction with none gives no pair.
    """
    s = _as_snaps(snaps)
    veh = _vehicle(vehicle)
    base = _offsets(offsets_s, len(s)) + s.off_network_s
    t_fwd, t_rev = _segment_times(graph, s, veh)
    to_head = base + _partial(1.0 - s.fraction, t_fwd)
    to_tail = base + _partial(s.fraction, t_rev)
    has_f, has_r = np.isfinite(to_head), np.isfinite(to_tail)
    idx = np.arange(len(s), dtype=np.int64)
    node = np.concatenate([s.head[has_f], s.tail[has_r]])
    off = np.concatenate([to_head[has_f], to_tail[has_r]])
    owner = np.concatenate([idx[has_f], idx[has_r]])
    return SnapSources(node=node.astype(np.int64), offset_s=off, owner=owner)


def times_to_snaps(
    graph: RoadGraph,
    node_times_s: npt.ArrayLike,
    snaps: SnapResult | Sequence[Snap] | Snap,
    *,
    vehicle: Vehicle | str = Vehicle.LIGHT,
) -> F64:
    """Arrival times at snapped points, given arrival times at every node.

    Parameters
    ----------
    graph : RoadGraph
    node_times_s : array_like, shape (n_nodes,) or (k, n_nodes)
        E.g. the output of :func:`one_to_all`, :func:`multi_source` or rows of
        :func:`many_to_many` with ``targets`` = all nodes.
    snaps : SnapResult or sequence of Snap or Snap
    vehicle : {"light", "heavy"}

    Returns
    -------
    numpy.ndarray
        Shape (len(snaps),) or (k, len(snaps)): the best of entering the point's edge at its
        tail (``t_u + f * t(u -> v)``) or, on a two-way street, at its head
        (``t_v + (1 - f) * t(v -> u)``), plus the point's off-network leg.

    Notes
    -----
    A source lying on the same segment as the point could reach it directly along the segment
    without passing a node; that shortcut is not seen here (:func:`route` handles it).
    """
    s = _as_snaps(snaps)
    veh = _vehicle(vehicle)
    t = np.asarray(node_times_s, dtype=np.float64)
    if t.shape[-1:] != (graph.n_nodes,) or t.ndim > 2:
        raise InvalidInputError(
            f"node_times_s has shape {t.shape}, expected ({graph.n_nodes},) or (k, {graph.n_nodes})"
        )
    t_fwd, t_rev = _segment_times(graph, s, veh)
    via_tail = t[..., s.tail] + _partial(s.fraction, t_fwd)
    via_head = t[..., s.head] + _partial(1.0 - s.fraction, t_rev)
    out: F64 = np.minimum(via_tail, via_head) + s.off_network_s
    return out


def _segment_times(graph: RoadGraph, s: SnapResult, vehicle: Vehicle) -> tuple[F64, F64]:
    """Fastest time along each snap's segment tail -> head and head -> tail (inf: none)."""
    time_s = graph.travel_time_s(vehicle)
    e = fastest_edge(
        graph, np.concatenate([s.tail, s.head]), np.concatenate([s.head, s.tail]), vehicle=vehicle
    )
    t = np.where(e >= 0, time_s[np.maximum(e, 0)], np.inf) if len(e) else np.zeros(0)
    return t[: len(s)], t[len(s) :]


def _partial(fraction: F64, time_s: F64) -> F64:
    """``fraction * time_s``, but 0 for a zero fraction even when the edge is impassable (the
    point is then at the node itself)."""
    with np.errstate(invalid="ignore"):
        out: F64 = np.where(fraction > 0, fraction * time_s, 0.0)
    return out


def _as_snaps(snaps: SnapResult | Sequence[Snap] | Snap) -> SnapResult:
    if isinstance(snaps, SnapResult):
        return snaps
    if isinstance(snaps, Snap):
        return SnapResult.from_snaps([snaps])
    return SnapResult.from_snaps(list(snaps))


def _is_snaps(x: object) -> TypeGuard[SnapResult | Sequence[Snap] | Snap]:
    return isinstance(x, SnapResult | Snap) or (
        isinstance(x, Sequence) and len(x) > 0 and all(isinstance(s, Snap) for s in x)
    )
