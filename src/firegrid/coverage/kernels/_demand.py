"""Demand points (places, buildings) and their coverage: weighted share reached, effective
response force (N units), light vehicles versus heavy appliances (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from firegrid.coverage.kernels._validate import _limit, _times
from firegrid.coverage.result import (
    DemandCoverage,
    NUnitCoverage,
    PointRef,
    Provenance,
    VehicleComparison,
)
from firegrid.errors import InvalidInputError

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class DemandPoints:
    """Demand points (places, buildings) with weights, e.g. population.

    Build with :meth:`from_arrays`, which validates. ``label`` names points in results (ids stay
    at the edge: the caller maps indices back).
    """

    lon: F64 = field(repr=False)
    lat: F64 = field(repr=False)
    weight: F64 = field(repr=False)
    label: tuple[str, ...] = field(repr=False)

    @classmethod
    def from_arrays(
        cls,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        *,
        weight: npt.ArrayLike | None = None,
        label: Sequence[str] | None = None,
    ) -> DemandPoints:
        """Validate WGS84 positions, non-negative weights (default 1) and labels (default the
        index)."""
        x = np.asarray(lon, dtype=np.float64).ravel()
        y = np.asarray(lat, dtype=np.float64).ravel()
        n = len(x)
        if y.shape != (n,):
            raise InvalidInputError(f"demand points: lon has {n} values, lat {y.size}")
        bad = ~(np.isfinite(x) & np.isfinite(y)) | (np.abs(x) > 180) | (np.abs(y) > 90)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidInputError(
                f"demand point {i} has no valid WGS84 position (lon={x[i]!r}, lat={y[i]!r})"
            )
        w = np.ones(n) if weight is None else np.asarray(weight, dtype=np.float64).ravel()
        if w.shape != (n,):
            raise InvalidInputError(f"demand points: {n} positions but {w.size} weights")
        if not (np.isfinite(w).all() and (w >= 0).all()):
            i = int(np.flatnonzero(~(np.isfinite(w) & (w >= 0)))[0])
            raise InvalidInputError(f"demand point {i} has weight {w[i]!r}; need >= 0")
        labels = tuple(str(i) for i in range(n)) if label is None else tuple(label)
        if len(labels) != n:
            raise InvalidInputError(f"demand points: {n} positions but {len(labels)} labels")
        return cls(lon=x, lat=y, weight=w, label=labels)

    def __len__(self) -> int:
        return len(self.lon)

    def ref(
        self, i: int, *, time_s: float | None = None, hydrant_distance_m: float | None = None
    ) -> PointRef:
        """Point ``i`` as it is named in results."""
        return PointRef(
            index=i,
            label=self.label[i],
            weight=float(self.weight[i]),
            lon=float(self.lon[i]),
            lat=float(self.lat[i]),
            time_s=time_s,
            hydrant_distance_m=hydrant_distance_m,
        )


def demand_coverage(
    points: DemandPoints,
    time_s: npt.ArrayLike,
    *,
    limit_s: float,
    provenance: Provenance,
) -> DemandCoverage:
    """Weighted share of demand points reached within the standard.

    Parameters
    ----------
    points : DemandPoints
        Positions, weights and labels.
    time_s : array_like
        Per point: response time including the off-network leg (``inf`` = not reached).
    limit_s : float
        Coverage standard.
    provenance : Provenance
        Recorded in the result.

    Returns
    -------
    DemandCoverage
        Shares and the uncovered points, heaviest first (ties by index).
    """
    t = _times(time_s, len(points), "time_s")
    limit = _limit(limit_s)
    covered = t <= limit
    miss = np.flatnonzero(~covered)
    miss = miss[np.lexsort((miss, -points.weight[miss]))]
    return DemandCoverage(
        provenance=provenance,
        limit_s=limit,
        total_weight=float(points.weight.sum()),
        covered_weight=float(points.weight[covered].sum()),
        covered=covered,
        time_s=t,
        uncovered=tuple(points.ref(int(i), time_s=float(t[i])) for i in miss),
    )


def n_unit_coverage(
    station_times_s: npt.ArrayLike | Sequence[npt.ArrayLike],
    *,
    limit_s: float,
    weight: npt.ArrayLike | None = None,
    n_max: int = 3,
    provenance: Provenance,
) -> NUnitCoverage:
    """Effective response force: weighted share reached by at least N distinct stations.

    Parameters
    ----------
    station_times_s : array_like
        ``(n_stations, n_points)`` response times, one row per station (or a sequence of
        per-station arrays); ``inf`` = not reached.
    limit_s : float
        Coverage standard.
    weight : array_like, optional
        Per-point weight (population, cell area); default 1.
    n_max : int
        Report N = 1 .. n_max.
    provenance : Provenance
        Recorded in the result.

    Returns
    -------
    NUnitCoverage
        ``weight_at_least[N-1]`` and ``share(N)`` for each N, and the per-point station count.
    """
    times = np.asarray(
        np.vstack(station_times_s) if isinstance(station_times_s, Sequence) else station_times_s,
        dtype=np.float64,
    )
    if times.ndim == 1:
        times = times[None, :]
    if times.ndim != 2:
        raise InvalidInputError(f"station_times_s must be 2-D, got shape {times.shape}")
    if np.isnan(times).any():
        raise InvalidInputError("station_times_s contains NaN")
    if n_max < 1:
        raise InvalidInputError(f"n_max must be >= 1, got {n_max}")
    n_points = times.shape[1]
    w = np.ones(n_points) if weight is None else np.asarray(weight, dtype=np.float64).ravel()
    if w.shape != (n_points,) or not (np.isfinite(w).all() and (w >= 0).all()):
        raise InvalidInputError(f"weight must be {n_points} finite non-negative values")
    count = (times <= _limit(limit_s)).sum(axis=0).astype(np.int64)
    return NUnitCoverage(
        provenance=provenance,
        limit_s=float(limit_s),
        total_weight=float(w.sum()),
        weight_at_least=tuple(float(w[count >= n].sum()) for n in range(1, n_max + 1)),
        count=count,
    )


def compare_vehicles(
    points: DemandPoints, *, light: DemandCoverage, heavy: DemandCoverage
) -> VehicleComparison:
    """Places light vehicles reach within the standard and heavy appliances do not.

    Parameters
    ----------
    points : DemandPoints
        The points both coverages were computed for.
    light, heavy : DemandCoverage
        :func:`demand_coverage` on light-vehicle and on heavy-appliance times.

    Returns
    -------
    VehicleComparison
        Both shares and the light-only points (heaviest first), each with the heavy time.
    """
    if light.n_points != len(points) or heavy.n_points != len(points):
        raise InvalidInputError(
            f"coverages are for {light.n_points} and {heavy.n_points} points, "
            f"not the {len(points)} given"
        )
    if light.limit_s != heavy.limit_s:
        raise InvalidInputError(
            f"light and heavy coverage use different limits ({light.limit_s} s, {heavy.limit_s} s)"
        )
    only = np.flatnonzero(light.covered & ~heavy.covered)
    only = only[np.lexsort((only, -points.weight[only]))]
    return VehicleComparison(
        light=light,
        heavy=heavy,
        light_only=tuple(points.ref(int(i), time_s=float(heavy.time_s[i])) for i in only),
    )
