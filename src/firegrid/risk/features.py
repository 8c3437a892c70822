"""Cell × month feature panel for fire-risk prediction, strictly time-ordered.

Pure kernel: numpy and pandas in, arrays out; no files, no database, no clock.

The panel has one row per (cell, month) and answers "will this cell have at least one fire in
this month?" (``y``), from features that use **only data from months strictly before** the
row's month:

=============================  ==============================================================
``count_lag1``                 fires in the cell last month
``count_last3``/``_last12``    fires in the last 3 / 12 months
``count_same_month_ly``        fires in the same month last year
``trend_3_vs_12``              monthly rate of the last 3 months − that of the last 12
``months_since_fire``          months since the cell's last fire (capped at the history)
``fire_month_rate``            share of past months with ≥ 1 fire (the historical-frequency
                               baseline's prediction)
``long_run_rate``              fires per month over all past months
``ewm_rate_<h>m``              exponentially weighted fires per month, half-life *h* months
                               (6, 12, 24, 36, 60)
``ewm_any_<h>m``               the same for "month with ≥ 1 fire" (36, 60)
``nbr_lag1``/``nbr_last12``    fires in the neighbouring cells last month / last 12 months
``nbr_rate``                   neighbours' long-run fires per month (summed)
``city_lag1``/``city_last12``  fires in all cells of the panel last month / last 12 months
``kde_<b>m_rate``              spatially smoothed past fires: Gaussian kernel (bandwidth *b* =
                               250, 500, 1000 m) of every past fire's distance to the cell
                               centre, summed, per past month (needs point coordinates)
``nbr_fire_month_rate_<r>km``  kernel-weighted (Gaussian, *r* = 1, 2 km) mean of the other
                               cells' ``fire_month_rate`` (needs cell centres)
``eb_fire_month_rate``         empirical-Bayes shrinkage of ``fire_month_rate`` toward
                               ``nbr_fire_month_rate_1km`` with a prior worth
                               :data:`EB_PRIOR_MONTHS` months
``month_sin``/``month_cos``    season of the row's month
weather (``temp_mean`` …)      monthly weather, see ``weather_mode`` below
``share_<use>``                property-use mix of the cell's past fires (residential,
                               commercial, …); 0 when the cell had none
``population``/``coverage``    per-cell values when supplied (static)
=============================  ==============================================================

"Past" is **expanding**: a row for month *t* sees every month from the start of the data up to
*t − 1*, including months after a model's training cut-off. That is the one-month-ahead setting
of monthly inspection planning (last month's fires are known when next month's list is drawn);
it never looks at month *t* or later, and :func:`build_panel` is tested for exactly that.

``weather_mode``
    ``"lagged"`` (default, always safe): the weather features of month *t* are those of month
    *t − 1*. ``"observed"``: the weather of month *t* itself, which stands for a *forecast* of
    that month; use it only when a forecast really is available at prediction time, because an
    evaluation with observed weather is optimistic compared with a real forecast.

Cells are indices ``0..n_cells-1`` here (see :mod:`firegrid.risk.cells`); months are integers,
months since 1970-01 (``numpy.datetime64(..., "M").astype(int)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from firegrid.errors import InvalidInputError

__all__ = [
    "EB_PRIOR_MONTHS",
    "EWM_ANY_HALF_LIVES",
    "EWM_HALF_LIVES",
    "KDE_BANDWIDTHS_M",
    "NBR_BANDWIDTHS_M",
    "USE_CLASSES",
    "WEATHER_FEATURES",
    "IncidentPoints",
    "Panel",
    "WeatherMode",
    "build_panel",
    "month_index",
    "month_label",
    "monthly_weather",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
WeatherMode = Literal["lagged", "observed"]

#: Property-use classes of past fires (index = code in :attr:`IncidentPoints.use_class`).
USE_CLASSES: Final = ("residential", "assembly_institutional", "commercial", "industrial_storage")
#: Monthly weather features, in order; ``wind_mean``/``humidity_mean`` only when supplied.
WEATHER_FEATURES: Final = (
    "temp_mean",
    "temp_max",
    "temp_min",
    "precip_mm",
    "snow_cm",
    "days_below_0",
)
_OPTIONAL_WEATHER: Final = ("wind_mean", "humidity_mean")
#: Half-lives (months) of the exponentially weighted fire rates (counts).
EWM_HALF_LIVES: Final = (6, 12, 24, 36, 60)
#: Half-lives (months) of the exponentially weighted share of months with a fire.
EWM_ANY_HALF_LIVES: Final = (36, 60)
#: Gaussian kernel bandwidths (m) of the point-based smoothed fire rates.
KDE_BANDWIDTHS_M: Final = (250.0, 500.0, 1000.0)
#: Gaussian kernel bandwidths (m) of the neighbourhood fire-month rate (cell centres).
NBR_BANDWIDTHS_M: Final = (1000.0, 2000.0)
#: Weight, in months, of the neighbourhood prior in ``eb_fire_month_rate``.
EB_PRIOR_MONTHS: Final = 12.0
# Kernels are cut at this many bandwidths (weight e^-4.5 ≈ 0.011 there).
_KERNEL_CUTOFF: Final = 3.0


def month_index(values: npt.ArrayLike) -> I64:
    """Months since 1970-01 of dates, datetimes or ``"YYYY-MM[-DD]"`` texts."""
    arr = np.asarray(values, dtype="datetime64[M]")
    return arr.astype(np.int64)


def month_label(month: int) -> str:
    """``"YYYY-MM"`` of a month index."""
    return str(np.datetime64(int(month), "M"))


@dataclass(frozen=True)
class IncidentPoints:
    """Fires as arrays: WGS84 position, month (index) and property-use class (``-1`` unknown).

    ``use_class`` indexes :data:`USE_CLASSES`; any other value (``-1``, or ``len(USE_CLASSES)``
    for "other") counts as a fire of no listed class.
    """

    lon: F64
    lat: F64
    month: I64
    use_class: npt.NDArray[np.int8]

    def __post_init__(self) -> None:
        n = self.lon.shape[0]
        if not (self.lat.shape[0] == self.month.shape[0] == self.use_class.shape[0] == n):
            raise InvalidInputError(
                f"lon, lat, month and use_class must have the same length "
                f"({n}, {self.lat.shape[0]}, {self.month.shape[0]}, {self.use_class.shape[0]})"
            )

    def __len__(self) -> int:
        return int(self.lon.shape[0])

    def subset(self, mask: npt.NDArray[np.bool_]) -> IncidentPoints:
        return IncidentPoints(
            self.lon[mask], self.lat[mask], self.month[mask], self.use_class[mask]
        )


@dataclass(frozen=True)
class Panel:
    """The cell × month design matrix, row-ordered by month then cell.

    ``X[r]`` are the features of cell ``cell[r]`` in month ``month[r]``; ``y[r]`` is 1 when the
    cell had at least one fire that month (``count[r]`` fires).
    """

    X: F64
    y: npt.NDArray[np.int8]
    count: I64
    cell: I64
    month: I64
    feature_names: tuple[str, ...]
    weather_mode: WeatherMode

    def rows(self, first_month: int, last_month: int) -> npt.NDArray[np.bool_]:
        """Mask of the rows whose month lies in ``[first_month, last_month]``."""
        return (self.month >= first_month) & (self.month <= last_month)

    def column(self, name: str) -> F64:
        try:
            return self.X[:, self.feature_names.index(name)]
        except ValueError:
            raise InvalidInputError(f"no feature {name!r} in the panel") from None


def monthly_weather(daily: pd.DataFrame) -> pd.DataFrame:
    """Monthly weather from a daily table.

    Parameters
    ----------
    daily : pandas.DataFrame
        Columns ``date`` (datetime64), ``temp_mean``, ``temp_max``, ``temp_min`` (°C),
        ``precip_mm``, ``snow_cm``, optionally ``wind`` (km/h or m/s, as given) and
        ``humidity`` (%). Missing values are allowed (skipped).

    Returns
    -------
    pandas.DataFrame
        Indexed by month index; columns :data:`WEATHER_FEATURES` (mean of daily mean
        temperature, highest maximum, lowest minimum, total precipitation and snow, days whose
        minimum fell below 0 °C) plus ``wind_mean``/``humidity_mean`` when supplied. A month
        with no temperature readings has NaN temperatures.
    """
    need = ("date", "temp_mean", "temp_max", "temp_min", "precip_mm", "snow_cm")
    missing = [c for c in need if c not in daily.columns]
    if missing:
        raise InvalidInputError(f"daily weather lacks column(s) {', '.join(missing)}")
    d = daily.copy()
    d["month"] = month_index(d["date"].to_numpy(dtype="datetime64[D]"))
    g = d.groupby("month", sort=True)
    out = pd.DataFrame(
        {
            "temp_mean": g["temp_mean"].mean(),
            "temp_max": g["temp_max"].max(),
            "temp_min": g["temp_min"].min(),
            "precip_mm": g["precip_mm"].sum(min_count=1),
            "snow_cm": g["snow_cm"].sum(min_count=1),
            "days_below_0": g["temp_min"].agg(lambda s: float((s < 0).sum())),
        }
    )
    if "wind" in d.columns:
        out["wind_mean"] = g["wind"].mean()
    if "humidity" in d.columns:
        out["humidity_mean"] = g["humidity"].mean()
    return out.astype(np.float64)


def _ewm(counts: F64, half_life: int) -> F64:
    """Exponentially weighted mean of months strictly before each column (index t = before t).

    Column 0 (no history) is 0; weights halve every ``half_life`` months.
    """
    n_cells, n_t = counts.shape
    decay = 0.5 ** (1.0 / half_life)
    out = np.zeros((n_cells, n_t + 1), dtype=np.float64)
    acc = np.zeros(n_cells, dtype=np.float64)
    norm = 0.0
    for j in range(n_t):
        acc = decay * acc + counts[:, j]
        norm = decay * norm + 1.0
        out[:, j + 1] = acc / norm
    return out


def _kernel_matrix(centre_xy: F64, point_xy: F64, bandwidth_m: float) -> sparse.csr_matrix:
    """Sparse Gaussian weights ``exp(-d² / 2b²)`` of each point (columns) for each centre (rows).

    Pairs farther apart than :data:`_KERNEL_CUTOFF` bandwidths get 0.
    """
    tree_c = cKDTree(centre_xy)
    tree_p = cKDTree(point_xy)
    dist = tree_c.sparse_distance_matrix(
        tree_p, _KERNEL_CUTOFF * bandwidth_m, output_type="coo_matrix"
    )
    w = np.exp(-0.5 * (np.asarray(dist.data, dtype=np.float64) / bandwidth_m) ** 2)
    return sparse.csr_matrix(
        (w, (dist.row, dist.col)), shape=(centre_xy.shape[0], point_xy.shape[0])
    )


def _xy(value: tuple[npt.ArrayLike, npt.ArrayLike], n: int, label: str) -> F64:
    x = np.asarray(value[0], dtype=np.float64).ravel()
    y = np.asarray(value[1], dtype=np.float64).ravel()
    if x.shape != (n,) or y.shape != (n,):
        raise InvalidInputError(f"{label} must hold {n} x and {n} y coordinates")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InvalidInputError(f"{label} holds a coordinate that is not finite")
    return np.column_stack([x, y])


def _window_sum(cum: F64, t: I64, width: int) -> F64:
    """Sum of months ``t-width .. t-1`` per row from a cumulative table (index ``t`` = before t)."""
    lo = np.maximum(t - width, 0)
    return cum[:, t] - cum[:, lo]


def build_panel(
    points_cell: npt.ArrayLike,
    points_month: npt.ArrayLike,
    *,
    n_cells: int,
    first_month: int,
    last_month: int,
    history_start: int,
    neighbours: Sequence[npt.NDArray[np.int64]] | None = None,
    use_class: npt.ArrayLike | None = None,
    weather: pd.DataFrame | None = None,
    weather_mode: WeatherMode = "lagged",
    population: npt.ArrayLike | None = None,
    coverage: npt.ArrayLike | None = None,
    point_xy_m: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    cell_xy_m: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
) -> Panel:
    """Build the cell × month panel for months ``first_month..last_month`` (inclusive).

    Parameters
    ----------
    points_cell : array_like of int
        Cell index (``0..n_cells-1``) of each fire; ``-1`` (outside the cell set) is ignored.
    points_month : array_like of int
        Month index of each fire. Fires before ``history_start`` or after ``last_month`` are
        ignored (the latter can only be targets of later rows, never features).
    n_cells : int
        Number of cells.
    first_month, last_month : int
        Months to produce rows for; ``first_month`` must be after ``history_start``.
    history_start : int
        First month of the fire record: counts and rates are taken from here on (a rate's
        denominator is the number of months since ``history_start``).
    neighbours : sequence of int arrays, optional
        Neighbour indices of each cell (:func:`firegrid.risk.cells.neighbour_index`).
    use_class : array_like of int, optional
        Property-use class of each fire (index into :data:`USE_CLASSES`, other values = none).
    weather : pandas.DataFrame, optional
        :func:`monthly_weather` output; months it lacks get NaN.
    weather_mode : {"lagged", "observed"}
        Weather of month *t − 1* (default) or of month *t* (a stand-in for a forecast).
    population, coverage : array_like of float, optional
        Per-cell values (e.g. residents, share covered within the response standard).
    point_xy_m, cell_xy_m : (x, y) arrays, optional
        Metric coordinates (one projected CRS, metres) of every fire (same order as
        ``points_cell``) and of every cell's centre. With ``cell_xy_m`` the panel gains the
        neighbourhood rates ``nbr_fire_month_rate_*`` and ``eb_fire_month_rate``; with both,
        the point-based ``kde_*_rate`` too. Fires outside the cell set count in the kernels
        (they are past fires near the cell), but only those before the row's month.

    Returns
    -------
    Panel
    """
    if weather_mode not in ("lagged", "observed"):
        raise InvalidInputError(
            f"weather_mode must be 'lagged' or 'observed', got {weather_mode!r}"
        )
    if n_cells <= 0:
        raise InvalidInputError("the panel needs at least one cell")
    if not history_start < first_month <= last_month:
        raise InvalidInputError(
            f"need history_start < first_month <= last_month, got {month_label(history_start)}, "
            f"{month_label(first_month)}, {month_label(last_month)}"
        )
    pc = np.asarray(points_cell, dtype=np.int64).ravel()
    pm = np.asarray(points_month, dtype=np.int64).ravel()
    if pc.shape != pm.shape:
        raise InvalidInputError("points_cell and points_month must have the same length")
    n_t = last_month - history_start + 1
    keep = (pc >= 0) & (pc < n_cells) & (pm >= history_start) & (pm <= last_month)
    ti = pm[keep] - history_start
    counts = np.zeros((n_cells, n_t), dtype=np.float64)
    np.add.at(counts, (pc[keep], ti), 1.0)
    # cum[:, j] = fires in months history_start .. history_start + j - 1 (strictly before j).
    cum = np.zeros((n_cells, n_t + 1), dtype=np.float64)
    np.cumsum(counts, axis=1, out=cum[:, 1:])
    any_fire = (counts > 0).astype(np.float64)
    cum_any = np.zeros_like(cum)
    np.cumsum(any_fire, axis=1, out=cum_any[:, 1:])

    months = np.arange(first_month, last_month + 1, dtype=np.int64)
    t_rel = months - history_start  # column of the row's own month; features use < t_rel
    n_m = months.size
    # Row layout: month-major. Build (n_cells, n_m) blocks and flatten in Fortran order.
    cols: dict[str, F64] = {}
    cols["count_lag1"] = counts[:, t_rel - 1]
    cols["count_last3"] = _window_sum(cum, t_rel, 3)
    cols["count_last12"] = _window_sum(cum, t_rel, 12)
    same = np.where(t_rel >= 12, t_rel - 12, 0)
    cols["count_same_month_ly"] = np.where(t_rel >= 12, counts[:, same], 0.0)
    cols["trend_3_vs_12"] = cols["count_last3"] / 3.0 - cols["count_last12"] / np.minimum(t_rel, 12)
    # Months since the last fire: index of the last month with a fire before t.
    last_seen = np.full((n_cells, n_t + 1), -1.0)
    idx = np.where(counts > 0, np.arange(n_t, dtype=np.float64)[None, :], -1.0)
    last_seen[:, 1:] = np.maximum.accumulate(idx, axis=1)
    ls = last_seen[:, t_rel]
    cols["months_since_fire"] = np.where(ls >= 0, t_rel[None, :] - ls, t_rel[None, :] + 1.0)
    cols["count_last24"] = _window_sum(cum, t_rel, 24)
    cols["fire_months_last12"] = _window_sum(cum_any, t_rel, 12)
    cols["fire_months_last36"] = _window_sum(cum_any, t_rel, 36)
    cols["fire_month_rate"] = cum_any[:, t_rel] / t_rel
    cols["long_run_rate"] = cum[:, t_rel] / t_rel
    for half_life in EWM_HALF_LIVES:
        cols[f"ewm_rate_{half_life}m"] = _ewm(counts, half_life)[:, t_rel]
    for half_life in EWM_ANY_HALF_LIVES:
        cols[f"ewm_any_{half_life}m"] = _ewm(any_fire, half_life)[:, t_rel]
    if cell_xy_m is not None:
        cxy = _xy(cell_xy_m, n_cells, "cell_xy_m")
        if point_xy_m is not None:
            pxy = _xy(point_xy_m, pc.size, "point_xy_m")
            in_time = (pm >= history_start) & (pm <= last_month)
            # point × month indicator, then kernel-weighted fires per cell and month
            onehot = sparse.csr_matrix(
                (
                    np.ones(int(in_time.sum())),
                    (np.arange(int(in_time.sum())), pm[in_time] - history_start),
                ),
                shape=(int(in_time.sum()), n_t),
            )
            for bw in KDE_BANDWIDTHS_M:
                kde = np.asarray((_kernel_matrix(cxy, pxy[in_time], bw) @ onehot).todense())
                kcum = np.zeros((n_cells, n_t + 1), dtype=np.float64)
                np.cumsum(kde, axis=1, out=kcum[:, 1:])
                cols[f"kde_{bw:g}m_rate"] = kcum[:, t_rel] / t_rel
        fmr = cum_any[:, t_rel] / t_rel
        for bw in NBR_BANDWIDTHS_M:
            w = _kernel_matrix(cxy, cxy, bw).tolil()
            w.setdiag(0.0)
            wc = w.tocsr()
            total = np.asarray(wc.sum(axis=1)).ravel()
            nbr = np.asarray(wc @ fmr)
            nbr = np.divide(nbr, total[:, None], out=np.zeros_like(nbr), where=total[:, None] > 0)
            cols[f"nbr_fire_month_rate_{bw / 1000:g}km"] = nbr
            if bw == NBR_BANDWIDTHS_M[0]:
                cols["eb_fire_month_rate"] = (cum_any[:, t_rel] + EB_PRIOR_MONTHS * nbr) / (
                    t_rel + EB_PRIOR_MONTHS
                )
    if neighbours is not None:
        if len(neighbours) != n_cells:
            raise InvalidInputError(f"neighbours has {len(neighbours)} entries for {n_cells} cells")
        rows = np.repeat(np.arange(n_cells), [len(nb) for nb in neighbours])
        cols_nb = np.concatenate(
            [np.asarray(nb, dtype=np.int64) for nb in neighbours] + [np.zeros(0, dtype=np.int64)]
        )
        adj = sparse.csr_matrix((np.ones(rows.size), (rows, cols_nb)), shape=(n_cells, n_cells))
        nb_counts = np.asarray(adj @ counts)
        nb_cum = np.asarray(adj @ cum)
        cols["nbr_lag1"] = nb_counts[:, t_rel - 1]
        cols["nbr_last12"] = _window_sum(nb_cum, t_rel, 12)
        cols["nbr_rate"] = nb_cum[:, t_rel] / t_rel
    city = counts.sum(axis=0)
    city_cum = np.concatenate([[0.0], np.cumsum(city)])
    cols["city_lag1"] = np.broadcast_to(city[t_rel - 1], (n_cells, n_m))
    cols["city_last12"] = np.broadcast_to(
        city_cum[t_rel] - city_cum[np.maximum(t_rel - 12, 0)], (n_cells, n_m)
    )
    moy = (months % 12).astype(np.float64)  # 0 = January
    cols["month_sin"] = np.broadcast_to(np.sin(2 * np.pi * moy / 12), (n_cells, n_m))
    cols["month_cos"] = np.broadcast_to(np.cos(2 * np.pi * moy / 12), (n_cells, n_m))
    if weather is not None:
        wmonths = months - 1 if weather_mode == "lagged" else months
        wcols = list(WEATHER_FEATURES) + [c for c in _OPTIONAL_WEATHER if c in weather.columns]
        missing = [c for c in WEATHER_FEATURES if c not in weather.columns]
        if missing:
            raise InvalidInputError(f"monthly weather lacks column(s) {', '.join(missing)}")
        w = weather.reindex(wmonths)
        for c in wcols:
            cols[c] = np.broadcast_to(w[c].to_numpy(dtype=np.float64), (n_cells, n_m))
    if use_class is not None:
        uc = np.asarray(use_class, dtype=np.int64).ravel()
        if uc.shape != pc.shape:
            raise InvalidInputError("use_class must have one entry per fire")
        uck = uc[keep]
        total_past = cum[:, t_rel]
        for k, name in enumerate(USE_CLASSES):
            sel = uck == k
            ck = np.zeros((n_cells, n_t), dtype=np.float64)
            np.add.at(ck, (pc[keep][sel], ti[sel]), 1.0)
            cumk = np.concatenate([np.zeros((n_cells, 1)), np.cumsum(ck, axis=1)], axis=1)
            past = cumk[:, t_rel]
            cols[f"share_{name}"] = np.divide(
                past, total_past, out=np.zeros_like(past), where=total_past > 0
            )
    for label, values in (("population", population), ("coverage", coverage)):
        if values is not None:
            v = np.asarray(values, dtype=np.float64).ravel()
            if v.shape != (n_cells,):
                raise InvalidInputError(f"{label} must have one value per cell ({n_cells})")
            cols[label] = np.broadcast_to(v[:, None], (n_cells, n_m))

    names = tuple(cols)
    X = np.column_stack([np.asarray(cols[n]).ravel(order="F") for n in names])
    y_counts = counts[:, t_rel]
    return Panel(
        X=np.ascontiguousarray(X, dtype=np.float64),
        y=(y_counts.ravel(order="F") > 0).astype(np.int8),
        count=y_counts.ravel(order="F").astype(np.int64),
        cell=np.tile(np.arange(n_cells, dtype=np.int64), n_m),
        month=np.repeat(months, n_cells),
        feature_names=names,
        weather_mode=weather_mode,
    )
