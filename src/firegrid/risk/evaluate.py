"""Evaluate fire-risk predictions strictly by time, against the historical-frequency baseline.

Pure kernel: numpy, pandas, scikit-learn in, frozen dataclasses out; no files, no database.

Metrics (all from predicted probabilities of "≥ 1 fire in the cell in the month"):

``auc``
    ROC-AUC over every test cell-month (``sklearn.metrics.roc_auc_score``).
``pr_auc``
    Average precision (``sklearn.metrics.average_precision_score``), the area under the
    precision–recall curve without interpolation.
``brier``
    Mean squared error of the probability (lower is better).
``precision_at_k`` / ``recall_at_k``
    Inspection capacity: each month the ``k`` cells with the highest probability are "visited"
    (ties broken by cell order). Precision = share of those cells that had a fire; recall =
    share of that month's fire cells among them. Both are computed **per month and then
    averaged** over the test months (months without any fire cell are left out of the recall
    mean), so every month weighs the same, as an inspection plan does.
``calibration``
    Deciles of the predicted probability: rows, mean predicted and observed rate per decile.

The experiment (:func:`run_experiment`) builds one panel over the whole record, trains on the
months up to ``train_until`` and tests on ``test_from..test_until``; features only ever use
months before the row's own (see :mod:`firegrid.risk.features`). The cell set is the cells
with at least one fire up to ``train_until``: a cell that never burned in the training years
cannot be told apart from empty land and would only inflate the AUC with easy negatives.

Toronto 2011–2018, 1 km cell-months, 632 cells (what was tried, and how it was chosen)
-------------------------------------------------------------------------------------
Every choice was made on two validation years inside the training window
(:func:`validate_models`: fit ≤ 2015 → validate 2016, fit ≤ 2014 → validate 2015), never on
2017–2018. Figures: ROC-AUC / PR-AUC / Brier / precision@50, 2016 | 2015.

==================================  ===========================  ===========================
model                               2016                         2015
==================================  ===========================  ===========================
frequency baseline                  .735 / .361 / .1087 / .443   .739 / .374 / .1057 / .470
LightGBM, old features              .738 / .372 / .1081 / .450   .739 / .378 / .1056 / .480
LightGBM, + new rate features       .739 / .373 / .1081 / .448   .742 / .377 / .1057 / .473
logistic, all features              .733 / .371 / .1084 / .447   .728 / .375 / .1059 / .485
logistic on log rate features       .737 / .371 / .1081 / .448   .744 / .383 / .1051 / .485
**blend** (0.5 LightGBM + 0.5 ↑)    .740 / .376 / .1078 / .447   .745 / .383 / .1051 / .478
==================================  ===========================  ===========================

What helped (kept): long-memory rates (exponentially weighted counts and fire-months with
half-lives 12–60 months), point-based Gaussian kernel densities of past fires (250/500/1000 m),
a kernel-weighted neighbourhood fire-month rate and empirical-Bayes shrinkage of the cell's
rate toward it (alone it beats the baseline in both years: 0.735/0.742 AUC), and above all
blending LightGBM with a logistic regression on the logs of those rates. Blend weights 0.25–0.6
were within 0.001 AUC of each other; 0.5 was kept. What did not help (dropped): kernel
bandwidths of 2–4 km (no ranking signal at 1 km cells), a shrunk cell × month-of-year profile,
kernel-density EWMs on top of the rates, monotone constraints and stronger regularisation of
LightGBM (better AUC in 2015, worse precision@50 in 2016), bagging five seeds (±0.0005),
more LightGBM features without the blend. Smoke-alarm and cause mixes were not tried in time.

On the test years 2017–2018 the blend beats the baseline on every metric, by small margins:
ROC-AUC 0.7501 vs 0.7475, PR-AUC 0.3826 vs 0.3753, Brier 0.10522 vs 0.10561, precision@50
0.4733 vs 0.4683 (LightGBM alone: 0.7476 / 0.3806 / 0.10538 / 0.4633). The 0.77 ROC-AUC aim is
**not** reached: one validation year's AUC has a standard error near 0.008, the gains are a
few thousandths, and an oracle with constant per-cell rates reaches only ≈ 0.765 on this cell
set — at 1 km × month, fires alone carry little more than each cell's long-run rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import product
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from firegrid.errors import InvalidInputError
from firegrid.risk.cells import (
    H3Grid,
    SquareGrid,
    index_cells,
    metric_coordinates,
    neighbour_index,
)
from firegrid.risk.features import (
    IncidentPoints,
    Panel,
    WeatherMode,
    build_panel,
    month_index,
    month_label,
)
from firegrid.risk.model import MODEL_KINDS, RiskModel, fit_model

__all__ = [
    "DEFAULT_K",
    "TUNING_GRID",
    "CalibrationBin",
    "Experiment",
    "Metrics",
    "TuningResult",
    "calibration_table",
    "evaluate_probabilities",
    "precision_recall_at_k",
    "prepare_experiment",
    "run_experiment",
    "tune_lightgbm",
    "validate_models",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Progress = Callable[[str], None]

#: Cells visited per month by default (inspection capacity).
DEFAULT_K: Final = 50
#: Months of history every training row has (lags of up to 12 months).
HISTORY_MONTHS: Final = 12
#: The LightGBM grid searched on the validation year.
TUNING_GRID: Final[dict[str, Sequence[Any]]] = {
    "num_leaves": (7, 15, 31),
    "min_data_in_leaf": (50, 200),
    "learning_rate": (0.03,),
    "num_boost_round": (150, 300, 600),
    "lambda_l2": (10.0,),
}


@dataclass(frozen=True)
class CalibrationBin:
    decile: int
    n: int
    p_min: float
    p_max: float
    mean_predicted: float
    observed_rate: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "decile": self.decile,
            "n": self.n,
            "p_min": self.p_min,
            "p_max": self.p_max,
            "mean_predicted": self.mean_predicted,
            "observed_rate": self.observed_rate,
        }


@dataclass(frozen=True)
class Metrics:
    auc: float
    pr_auc: float
    brier: float
    precision_at_k: float
    recall_at_k: float
    k: int
    n: int
    positive_rate: float
    calibration: tuple[CalibrationBin, ...]

    def as_dict(self, *, calibration: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "auc": self.auc,
            "pr_auc": self.pr_auc,
            "brier": self.brier,
            "precision_at_k": self.precision_at_k,
            "recall_at_k": self.recall_at_k,
            "k": self.k,
            "n": self.n,
            "positive_rate": self.positive_rate,
        }
        if calibration:
            d["calibration"] = [b.as_dict() for b in self.calibration]
        return d


def _check(y: npt.ArrayLike, p: npt.ArrayLike) -> tuple[I64, F64]:
    ya = np.asarray(y).astype(np.int64).ravel()
    pa = np.asarray(p, dtype=np.float64).ravel()
    if ya.shape != pa.shape:
        raise InvalidInputError(f"{ya.size} outcomes but {pa.size} probabilities")
    if ya.size == 0:
        raise InvalidInputError("nothing to evaluate: no rows")
    if not np.isin(ya, (0, 1)).all():
        raise InvalidInputError("outcomes must be 0 or 1")
    if not (np.isfinite(pa).all() and (pa >= 0).all() and (pa <= 1).all()):
        raise InvalidInputError("probabilities must be finite and within [0, 1]")
    return ya, pa


def precision_recall_at_k(
    y: npt.ArrayLike, p: npt.ArrayLike, group: npt.ArrayLike, *, k: int
) -> tuple[float, float]:
    """Precision and recall of the top ``k`` rows of each group (month), averaged over groups.

    Ties are broken by row order (stable sort). A group with fewer than ``k`` rows takes all
    of them. Groups without positives are left out of the recall mean.
    """
    if k < 1:
        raise InvalidInputError(f"k must be at least 1, got {k}")
    ya, pa = _check(y, p)
    g = np.asarray(group).ravel()
    if g.shape != ya.shape:
        raise InvalidInputError("group must have one entry per row")
    precisions: list[float] = []
    recalls: list[float] = []
    for value in np.unique(g):
        idx = np.flatnonzero(g == value)
        order = idx[np.argsort(-pa[idx], kind="stable")]
        top = order[:k]
        hits = int(ya[top].sum())
        precisions.append(hits / top.size)
        total = int(ya[idx].sum())
        if total > 0:
            recalls.append(hits / total)
    return float(np.mean(precisions)), float(np.mean(recalls)) if recalls else float("nan")


def calibration_table(
    y: npt.ArrayLike, p: npt.ArrayLike, *, bins: int = 10
) -> tuple[CalibrationBin, ...]:
    """Mean predicted vs observed rate in ``bins`` equal-count bins of the prediction.

    Rows are sorted by probability (stable) and split into ``bins`` nearly equal parts, so
    every row lands in exactly one bin even when many probabilities tie.
    """
    ya, pa = _check(y, p)
    order = np.argsort(pa, kind="stable")
    out: list[CalibrationBin] = []
    for i, part in enumerate(np.array_split(order, min(bins, ya.size))):
        out.append(
            CalibrationBin(
                decile=i + 1,
                n=int(part.size),
                p_min=float(pa[part].min()),
                p_max=float(pa[part].max()),
                mean_predicted=float(pa[part].mean()),
                observed_rate=float(ya[part].mean()),
            )
        )
    return tuple(out)


def evaluate_probabilities(
    y: npt.ArrayLike, p: npt.ArrayLike, group: npt.ArrayLike, *, k: int = DEFAULT_K
) -> Metrics:
    """All metrics of the module docstring for one model's test predictions."""
    ya, pa = _check(y, p)
    if np.unique(ya).size < 2:
        raise InvalidInputError("the test rows hold one class only: AUC is undefined")
    prec, rec = precision_recall_at_k(ya, pa, group, k=k)
    return Metrics(
        auc=float(roc_auc_score(ya, pa)),
        pr_auc=float(average_precision_score(ya, pa)),
        brier=float(brier_score_loss(ya, pa)),
        precision_at_k=prec,
        recall_at_k=rec,
        k=k,
        n=int(ya.size),
        positive_rate=float(ya.mean()),
        calibration=calibration_table(ya, pa),
    )


# --------------------------------------------------------------------------- experiment


@dataclass(frozen=True)
class Experiment:
    """The panel and the split of one time-ordered evaluation."""

    panel: Panel
    cells: tuple[str, ...]
    grid: SquareGrid | H3Grid
    history_start: int
    train_first: int
    train_last: int
    test_first: int
    test_last: int

    @property
    def train(self) -> npt.NDArray[np.bool_]:
        return self.panel.rows(self.train_first, self.train_last)

    @property
    def test(self) -> npt.NDArray[np.bool_]:
        return self.panel.rows(self.test_first, self.test_last)

    def window(self) -> dict[str, str]:
        return {
            "history_start": month_label(self.history_start),
            "train_first": month_label(self.train_first),
            "train_last": month_label(self.train_last),
            "test_first": month_label(self.test_first),
            "test_last": month_label(self.test_last),
        }


@dataclass(frozen=True)
class ExperimentResult:
    experiment: Experiment
    models: dict[str, RiskModel]
    metrics: dict[str, Metrics]
    seed: int
    timings_s: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        e = self.experiment
        return {
            "cell": e.grid.spec,
            "n_cells": len(e.cells),
            "n_train": int(e.train.sum()),
            "n_test": int(e.test.sum()),
            "window": e.window(),
            "seed": self.seed,
            "metrics": {k: m.as_dict() for k, m in self.metrics.items()},
        }


def _month_of(d: date) -> int:
    return int(month_index([d.isoformat()])[0])


def _split_months(train_until: date, test_from: date, test_until: date) -> tuple[int, int, int]:
    """Last training month, first and last test month (whole months only)."""
    if test_from <= train_until:
        raise InvalidInputError(
            f"test_from ({test_from}) must be after train_until ({train_until})"
        )
    if test_until < test_from:
        raise InvalidInputError(f"test_until ({test_until}) is before test_from ({test_from})")
    # A training month counts only when it is complete by train_until.
    train_last = _month_of(train_until)
    next_day = np.datetime64(train_until.isoformat(), "D") + np.timedelta64(1, "D")
    if next_day.astype("datetime64[M]").astype(np.int64) == train_last:
        train_last -= 1
    # A test month counts when it starts within [test_from, test_until].
    test_first = _month_of(test_from)
    if test_from.day != 1:
        test_first += 1
    test_last = _month_of(test_until)
    if test_first > test_last:
        raise InvalidInputError(
            f"the test window {test_from}..{test_until} contains no month starting in it"
        )
    if test_first <= train_last:
        raise InvalidInputError("the test months overlap the training months")
    return train_last, test_first, test_last


def prepare_experiment(
    points: IncidentPoints,
    *,
    grid: SquareGrid | H3Grid,
    train_until: date,
    test_from: date,
    test_until: date,
    weather: pd.DataFrame | None = None,
    weather_mode: WeatherMode = "lagged",
    cells: Sequence[str] | None = None,
) -> Experiment:
    """Assign fires to cells and build the panel covering training and test months.

    ``cells`` defaults to the cells with at least one fire up to ``train_until``; fires outside
    the cell set are dropped (they cannot be features or targets of any row).
    """
    if len(points) == 0:
        raise InvalidInputError("no fires given")
    train_last, test_first, test_last = _split_months(train_until, test_from, test_until)
    history_start = int(points.month.min())
    train_first = history_start + HISTORY_MONTHS
    if train_first > train_last:
        raise InvalidInputError(
            f"the training window needs more than {HISTORY_MONTHS} months of history: the "
            f"data start in {month_label(history_start)} and training ends in "
            f"{month_label(train_last)}"
        )
    if int(points.month.max()) < test_first:
        raise InvalidInputError(
            f"no fire in or after the test window (data end in "
            f"{month_label(int(points.month.max()))}, test starts {month_label(test_first)})"
        )
    ids = grid.assign(points.lon, points.lat)
    if cells is None:
        cells = sorted(set(ids[points.month <= train_last].tolist()))
    universe = tuple(str(c) for c in cells)
    if not universe:
        raise InvalidInputError("no cell had a fire in the training window")
    cell_idx = index_cells(ids, universe)
    cell_xy, point_xy = metric_coordinates(grid, universe, points.lon, points.lat)
    panel = build_panel(
        cell_idx,
        points.month,
        n_cells=len(universe),
        first_month=train_first,
        last_month=test_last,
        history_start=history_start,
        neighbours=neighbour_index(grid, universe),
        use_class=points.use_class,
        weather=weather,
        weather_mode=weather_mode,
        point_xy_m=point_xy,
        cell_xy_m=cell_xy,
    )
    return Experiment(
        panel=panel,
        cells=universe,
        grid=grid,
        history_start=history_start,
        train_first=train_first,
        train_last=train_last,
        test_first=test_first,
        test_last=test_last,
    )


def run_experiment(
    experiment: Experiment,
    *,
    seed: int = 0,
    k: int = DEFAULT_K,
    kinds: Sequence[str] = MODEL_KINDS,
    params: dict[str, dict[str, Any]] | None = None,
    progress: Progress | None = None,
) -> ExperimentResult:
    """Train each model kind on the training months and evaluate it on the test months."""
    import time

    panel = experiment.panel
    tr, te = experiment.train, experiment.test
    if not te.any():
        raise InvalidInputError("no test rows")
    models: dict[str, RiskModel] = {}
    metrics: dict[str, Metrics] = {}
    timings: dict[str, float] = {}
    for kind in kinds:
        if progress is not None:
            progress(f"training {kind}")
        t0 = time.perf_counter()
        model = fit_model(
            kind,
            panel.X[tr],
            panel.y[tr],
            feature_names=panel.feature_names,
            seed=seed,
            params=(params or {}).get(kind),
        )
        timings[kind] = time.perf_counter() - t0
        models[kind] = model
        p = model.predict_proba(panel.X[te])
        metrics[kind] = evaluate_probabilities(panel.y[te], p, panel.month[te], k=k)
    return ExperimentResult(
        experiment=experiment, models=models, metrics=metrics, seed=seed, timings_s=timings
    )


@dataclass(frozen=True)
class TuningResult:
    best: dict[str, Any]
    validation_month_first: str
    validation_month_last: str
    trials: tuple[tuple[dict[str, Any], float], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "validation": [self.validation_month_first, self.validation_month_last],
            "trials": [{"params": p, "auc": a} for p, a in self.trials],
        }


def tune_lightgbm(
    experiment: Experiment,
    *,
    validation_months: int = 12,
    seed: int = 0,
    grid: dict[str, Sequence[Any]] | None = None,
    progress: Progress | None = None,
) -> TuningResult:
    """Choose LightGBM settings by validation ROC-AUC on the **last training months**.

    Trains on the training months minus the last ``validation_months`` and validates on those
    (e.g. train ≤ 2015, validate 2016); the test window is never looked at.
    """
    panel = experiment.panel
    val_first = experiment.train_last - validation_months + 1
    if val_first <= experiment.train_first:
        raise InvalidInputError("the training window is too short for a validation split")
    fit_rows = panel.rows(experiment.train_first, val_first - 1)
    val_rows = panel.rows(val_first, experiment.train_last)
    space = grid or TUNING_GRID
    keys = sorted(space)
    trials: list[tuple[dict[str, Any], float]] = []
    for values in product(*(space[k] for k in keys)):
        params = dict(zip(keys, values, strict=True))
        if progress is not None:
            progress(f"validating {params}")
        model = fit_model(
            "lightgbm",
            panel.X[fit_rows],
            panel.y[fit_rows],
            feature_names=panel.feature_names,
            seed=seed,
            params=params,
        )
        auc = float(roc_auc_score(panel.y[val_rows], model.predict_proba(panel.X[val_rows])))
        trials.append((params, auc))
    best = max(trials, key=lambda t: t[1])[0]
    return TuningResult(
        best=best,
        validation_month_first=month_label(val_first),
        validation_month_last=month_label(experiment.train_last),
        trials=tuple(trials),
    )


def validate_models(
    experiment: Experiment,
    *,
    folds: int = 2,
    seed: int = 0,
    k: int = DEFAULT_K,
    kinds: Sequence[str] = MODEL_KINDS,
    params: dict[str, dict[str, Any]] | None = None,
) -> dict[str, dict[str, Metrics]]:
    """Metrics of each model kind on the last ``folds`` **training** years, one fold per year.

    Fold *i* trains on the training months before validation year *i* and scores that year
    (e.g. train ≤ 2015 → validate 2016; train ≤ 2014 → validate 2015). The test window is
    never looked at: this is how the model settings of :mod:`firegrid.risk.model` were chosen.
    Returns ``{"YYYY-MM..YYYY-MM": {kind: Metrics}}``.
    """
    panel = experiment.panel
    out: dict[str, dict[str, Metrics]] = {}
    for i in range(folds):
        last = experiment.train_last - 12 * i
        first = last - 11
        if first <= experiment.train_first:
            raise InvalidInputError(
                f"the training window is too short for {folds} validation years"
            )
        fit_rows = panel.rows(experiment.train_first, first - 1)
        val_rows = panel.rows(first, last)
        fold: dict[str, Metrics] = {}
        for kind in kinds:
            model = fit_model(
                kind,
                panel.X[fit_rows],
                panel.y[fit_rows],
                feature_names=panel.feature_names,
                seed=seed,
                params=(params or {}).get(kind),
            )
            p = model.predict_proba(panel.X[val_rows])
            fold[kind] = evaluate_probabilities(panel.y[val_rows], p, panel.month[val_rows], k=k)
        out[f"{month_label(first)}..{month_label(last)}"] = fold
    return out
