"""Risk models and metrics: sklearn agreement, precision@k by hand, calibration, determinism."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from firegrid.errors import InvalidInputError
from firegrid.risk.cells import SquareGrid
from firegrid.risk.evaluate import (
    calibration_table,
    evaluate_probabilities,
    precision_recall_at_k,
    prepare_experiment,
    run_experiment,
)
from firegrid.risk.features import IncidentPoints, month_index
from firegrid.risk.model import (
    BLEND_RATE_FEATURES,
    BlendModel,
    fit_model,
    load_model_artifact,
)


def test_metrics_agree_with_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    p = np.clip(0.3 * y + rng.random(400) * 0.7, 0, 1)
    g = np.repeat(np.arange(4), 100)
    m = evaluate_probabilities(y, p, g, k=10)
    assert_allclose(m.auc, roc_auc_score(y, p))
    assert_allclose(m.pr_auc, average_precision_score(y, p))
    assert_allclose(m.brier, brier_score_loss(y, p))
    assert m.auc > 0.7


def test_precision_and_recall_at_k_by_hand() -> None:
    # month 0: top-2 by p are rows 0 (y=1) and 1 (y=0): precision 1/2, recall 1/2 (2 fires).
    # month 1: top-2 are rows 5 (y=1) and 4 (y=1): precision 1, recall 1.
    y = np.array([1, 0, 1, 0, 1, 1])
    p = np.array([0.9, 0.8, 0.1, 0.2, 0.5, 0.6])
    g = np.array([0, 0, 0, 1, 1, 1])
    prec, rec = precision_recall_at_k(y, p, g, k=2)
    assert_allclose(prec, (0.5 + 1.0) / 2)
    assert_allclose(rec, (0.5 + 1.0) / 2)
    with pytest.raises(InvalidInputError, match="k must be"):
        precision_recall_at_k(y, p, g, k=0)


def test_calibration_table_covers_every_row() -> None:
    rng = np.random.default_rng(1)
    p = rng.random(1003)
    y = (rng.random(1003) < p).astype(int)
    table = calibration_table(y, p)
    assert len(table) == 10
    assert sum(b.n for b in table) == 1003
    assert_allclose(sum(b.n * b.mean_predicted for b in table), p.sum())
    assert_allclose(sum(b.n * b.observed_rate for b in table), y.sum())
    means = [b.mean_predicted for b in table]
    assert means == sorted(means)
    # y drawn from p: the top decile burns far more often than the bottom one
    assert table[-1].observed_rate > table[0].observed_rate + 0.5


def test_metrics_refuse_bad_probabilities() -> None:
    with pytest.raises(InvalidInputError, match="within"):
        evaluate_probabilities([0, 1], [0.5, 1.5], [0, 0])


def _synthetic_points(seed: int) -> IncidentPoints:
    """Fires over 4 years in 20 cells along a street; the east end burns more."""
    rng = np.random.default_rng(seed)
    start = int(month_index(["2014-01"])[0])
    lon: list[float] = []
    lat: list[float] = []
    month: list[int] = []
    for cell in range(20):
        rate = 0.05 + 0.04 * cell
        for m in range(48):
            for _ in range(rng.poisson(rate)):
                lon.append(-79.40 + cell * 0.0125 + rng.random() * 0.005)
                lat.append(43.70 + rng.random() * 0.005)
                month.append(start + m)
    n = len(lon)
    return IncidentPoints(
        np.array(lon),
        np.array(lat),
        np.array(month, dtype=np.int64),
        rng.integers(-1, 4, n).astype(np.int8),
    )


def _experiment(seed: int = 0):  # type: ignore[no-untyped-def]
    pts = _synthetic_points(seed)
    grid = SquareGrid.for_points(pts.lon, pts.lat, cell_km=1.0)
    return prepare_experiment(
        pts,
        grid=grid,
        train_until=date(2016, 12, 31),
        test_from=date(2017, 1, 1),
        test_until=date(2017, 12, 31),
    )


def test_three_models_rank_the_busy_cells_first() -> None:
    result = run_experiment(_experiment(), seed=0, k=5)
    for kind in ("blend", "lightgbm", "logistic", "frequency"):
        assert result.metrics[kind].auc > 0.6, kind
    assert result.experiment.train_last == int(month_index(["2016-12"])[0])


def test_training_is_deterministic_and_artefacts_reload() -> None:
    exp = _experiment()
    P, tr = exp.panel, exp.train
    a = fit_model("lightgbm", P.X[tr], P.y[tr], feature_names=P.feature_names, seed=7)
    b = fit_model("lightgbm", P.X[tr], P.y[tr], feature_names=P.feature_names, seed=7)
    c = fit_model("lightgbm", P.X[tr], P.y[tr], feature_names=P.feature_names, seed=8)
    assert a.artifact() == b.artifact()
    assert a.artifact() != c.artifact()  # bagging and feature sampling follow the seed
    for kind in ("blend", "lightgbm", "logistic", "frequency"):
        m = fit_model(kind, P.X[tr], P.y[tr], feature_names=P.feature_names, seed=3)
        back = load_model_artifact(
            kind, m.artifact(), feature_names=P.feature_names, params=m.params
        )
        assert_allclose(back.predict_proba(P.X), m.predict_proba(P.X), rtol=1e-12)


def test_blend_is_the_weighted_mean_of_its_parts() -> None:
    exp = _experiment()
    P, tr = exp.panel, exp.train
    names = P.feature_names
    blend = fit_model("blend", P.X[tr], P.y[tr], feature_names=names, seed=7)
    trees = fit_model("lightgbm", P.X[tr], P.y[tr], feature_names=names, seed=7)
    assert isinstance(blend, BlendModel)
    rates = blend.logistic.feature_names
    assert "fire_month_rate" in rates and "kde_500m_rate" in rates
    assert set(rates) <= set(BLEND_RATE_FEATURES)
    idx = [names.index(n) for n in rates]
    logit = fit_model(
        "logistic",
        P.X[tr][:, idx],
        P.y[tr],
        feature_names=rates,
        seed=7,
    )
    assert blend.lightgbm.artifact() == trees.artifact()
    p_logit = blend.logistic.predict_proba(P.X[:, idx])
    assert_allclose(blend.predict_proba(P.X), 0.5 * trees.predict_proba(P.X) + 0.5 * p_logit)
    # the blend's logistic part works on log rates, not on the default signed log1p
    assert not np.allclose(p_logit, logit.predict_proba(P.X[:, idx]))
    b2 = fit_model("blend", P.X[tr], P.y[tr], feature_names=names, seed=7)
    assert b2.artifact() == blend.artifact()
    with pytest.raises(InvalidInputError, match="weight"):
        fit_model("blend", P.X[tr], P.y[tr], feature_names=names, seed=7, params={"weight": 2})


def test_one_class_training_data_are_refused() -> None:
    X = np.zeros((5, 1))
    with pytest.raises(InvalidInputError, match="one class"):
        fit_model("logistic", X, np.zeros(5), feature_names=("a",), seed=0)


def test_bad_windows_are_refused() -> None:
    pts = _synthetic_points(0)
    grid = SquareGrid.for_points(pts.lon, pts.lat, cell_km=1.0)
    with pytest.raises(InvalidInputError, match="must be after train_until"):
        prepare_experiment(
            pts,
            grid=grid,
            train_until=date(2017, 1, 1),
            test_from=date(2017, 1, 1),
            test_until=date(2017, 12, 31),
        )
    with pytest.raises(InvalidInputError, match="more than 12 months of history"):
        prepare_experiment(
            pts,
            grid=grid,
            train_until=date(2014, 6, 30),
            test_from=date(2015, 1, 1),
            test_until=date(2015, 12, 31),
        )
