"""Fire-risk prediction on Toronto 2011–2018: train ≤ 2016, test 2017–2018, 1 km cell-months.

The figures below are the real ones this pipeline produces (rounded to 3 decimals), so any
change to the data handling, features or models shows up here. They also record an honest
result: the headline blend (LightGBM + a logistic on smoothed rates, chosen on 2015/2016
validation years) beats the historical-frequency baseline on every metric, by small margins
(ROC-AUC 0.750 vs 0.747), and stays below the 0.77 AUC aim (see :mod:`firegrid.risk.evaluate`).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from firegrid.cli.risk import app
from firegrid.db.session import Database
from firegrid.risk.cells import SquareGrid
from firegrid.risk.data_io import read_incidents_csv, read_weather_csv
from firegrid.risk.evaluate import (
    Experiment,
    prepare_experiment,
    run_experiment,
    validate_models,
)
from firegrid.risk.features import monthly_weather
from firegrid.risk.registry import list_models, load_model, score, train_and_register

TRAIN_UNTIL, TEST_FROM, TEST_UNTIL = date(2016, 12, 31), date(2017, 1, 1), date(2018, 12, 31)


@pytest.fixture(scope="module")
def toronto(shared_data: Path) -> tuple[Path, Path]:
    d = shared_data / "toronto"
    return d / "fire_incidents_2011-2018.csv", d / "weather_daily_2010-2020.csv"


@pytest.fixture(scope="module")
def experiment(toronto: tuple[Path, Path]) -> Experiment:
    inc, weather = toronto
    data = read_incidents_csv(inc)
    daily, _ = read_weather_csv(weather)
    grid = SquareGrid.for_points(data.points.lon, data.points.lat, cell_km=1.0)
    return prepare_experiment(
        data.points,
        grid=grid,
        train_until=TRAIN_UNTIL,
        test_from=TEST_FROM,
        test_until=TEST_UNTIL,
        weather=monthly_weather(daily),
    )


def test_toronto_evaluation_figures(experiment: Experiment) -> None:
    res = run_experiment(experiment, seed=0, k=50)
    assert experiment.grid.spec == "square:1000m@EPSG:32617"
    assert len(experiment.cells) == 632
    assert int(experiment.train.sum()) == 632 * 60  # 2012-01 .. 2016-12
    assert int(experiment.test.sum()) == 632 * 24
    got = {
        kind: {k: round(v, 3) for k, v in m.as_dict(calibration=False).items() if k in FIELDS}
        for kind, m in res.metrics.items()
    }
    assert got == EXPECTED
    head, base = res.metrics["blend"], res.metrics["frequency"]
    # The headline model beats the baseline on every metric (unrounded figures).
    assert head.auc > base.auc
    assert head.pr_auc > base.pr_auc
    assert head.brier < base.brier
    assert head.precision_at_k > base.precision_at_k
    assert head.recall_at_k > base.recall_at_k
    # ... but the 0.77 ROC-AUC aim is not reached.
    assert head.auc < 0.77
    # Calibration: the top decile burns several times as often as the bottom one.
    cal = head.calibration
    assert cal[-1].observed_rate > 5 * cal[0].observed_rate


def test_blend_was_chosen_on_validation_years_inside_training(experiment: Experiment) -> None:
    # train <= 2015 -> validate 2016; train <= 2014 -> validate 2015: the test years unseen.
    folds = validate_models(experiment, folds=2, seed=0, k=50, kinds=("blend", "frequency"))
    assert list(folds) == ["2016-01..2016-12", "2015-01..2015-12"]
    for fold in folds.values():
        head, base = fold["blend"], fold["frequency"]
        assert head.auc > base.auc and head.pr_auc > base.pr_auc
        assert head.brier < base.brier and head.precision_at_k > base.precision_at_k
    assert round(folds["2016-01..2016-12"]["blend"].auc, 3) == 0.74
    assert round(folds["2015-01..2015-12"]["blend"].auc, 3) == 0.745


FIELDS = ("auc", "pr_auc", "brier", "precision_at_k", "recall_at_k")
EXPECTED = {
    "blend": {
        "auc": 0.75,
        "pr_auc": 0.383,
        "brier": 0.105,
        "precision_at_k": 0.473,
        "recall_at_k": 0.266,
    },
    "lightgbm": {
        "auc": 0.748,
        "pr_auc": 0.381,
        "brier": 0.105,
        "precision_at_k": 0.463,
        "recall_at_k": 0.26,
    },
    "logistic": {
        "auc": 0.747,
        "pr_auc": 0.38,
        "brier": 0.106,
        "precision_at_k": 0.473,
        "recall_at_k": 0.266,
    },
    "frequency": {
        "auc": 0.747,
        "pr_auc": 0.375,
        "brier": 0.106,
        "precision_at_k": 0.468,
        "recall_at_k": 0.263,
    },
}


def test_registry_round_trip(
    database: Database, experiment: Experiment, toronto: tuple[Path, Path]
) -> None:
    data = read_incidents_csv(toronto[0])
    daily, _ = read_weather_csv(toronto[1])
    weather = monthly_weather(daily)
    kw = dict(
        train_until=TRAIN_UNTIL,
        test_from=TEST_FROM,
        test_until=TEST_UNTIL,
        data_source=data.data_source,
        weather=weather,
        experiment=experiment,
    )
    with database.session(actor="test") as s:
        a = train_and_register(s, data.points, name="toronto", seed=0, **kw)  # type: ignore[arg-type]
        b = train_and_register(s, data.points, name="toronto", seed=0, **kw)  # type: ignore[arg-type]
        c = train_and_register(s, data.points, name="toronto", seed=1, **kw)  # type: ignore[arg-type]
        assert (a.version, b.version, c.version) == (1, 2, 3)
        assert a.artifact_sha256 == b.artifact_sha256
        assert a.metrics_json == b.metrics_json
        assert c.seed == 1 and c.artifact_sha256 != a.artifact_sha256
        assert data.sha256 in a.data_source
    with database.session(actor="test") as s:
        reg = load_model(s, "toronto@1")
        assert reg.kind == "blend" and reg.artifact_sha256 == a.artifact_sha256
        assert len(reg.cells) == 632
        assert load_model(s, "toronto").ref == "toronto@3"
        top = score(s, "toronto@1", data.points, month="2019-01", weather=weather, top=50)
        assert len(top) == 50 and [t.rank for t in top] == list(range(1, 51))
        assert top[0].probability >= top[-1].probability > 0
        # the model's scores for a test month equal those of the evaluation panel
        rows = experiment.panel.month == experiment.test_first
        expected = reg.model.predict_proba(experiment.panel.X[rows])
        jan = score(s, "toronto@1", data.points, month="2017-01", weather=weather)
        by_cell = {c.cell: c.probability for c in jan}
        got = [by_cell[experiment.cells[i]] for i in experiment.panel.cell[rows]]
        assert got == pytest.approx(expected.tolist(), rel=1e-12)
        listed = list_models(s)
        assert [m["model"] for m in listed] == ["toronto@3", "toronto@2", "toronto@1"]


def test_cli_evaluate_json_and_errors(toronto: tuple[Path, Path], tmp_path: Path) -> None:
    runner = CliRunner()
    inc, weather = toronto
    args = ["evaluate", "--incidents", str(inc), "--weather", str(weather)]
    dates = [
        "--train-until",
        "2016-12-31",
        "--test-from",
        "2017-01-01",
        "--test-until",
        "2018-12-31",
    ]
    r = runner.invoke(app, [*args, *dates, "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert round(out["auc"], 3) == EXPECTED["blend"]["auc"]
    assert round(out["lightgbm"]["auc"], 3) == EXPECTED["lightgbm"]["auc"]
    assert round(out["baseline"]["auc"], 3) == EXPECTED["frequency"]["auc"]
    assert out["n_cells"] == 632 and out["k"] == 50 and out["model"] is None
    assert len(out["calibration"]) == 10
    bad = runner.invoke(
        app,
        [
            *args,
            "--train-until",
            "2017-06-30",
            "--test-from",
            "2017-01-01",
            "--test-until",
            "2018-12-31",
        ],
    )
    assert bad.exit_code == 2 and "must be after train_until" in bad.output
    other = tmp_path / "other.csv"
    other.write_text("when,where\n2017-01-01,here\n", encoding="utf-8")
    bad = runner.invoke(app, ["evaluate", "--incidents", str(other), *dates])
    assert bad.exit_code == 2
    assert "received_at, lon, lat" in bad.output and "tfs_alarm_time" in bad.output
