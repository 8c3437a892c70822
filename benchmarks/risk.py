"""Fire-risk prediction on Toronto 2011–2018: the three models side by side, with timings.

Train ≤ 2016-12-31, test 2017-01-01 … 2018-12-31, 1 km square cells by month, cells = those with
at least one fire in the training window, weather lagged one month. The headline model is the
blend (LightGBM + a logistic on smoothed rates); its settings were chosen on the validation
years 2016 (train ≤ 2015) and 2015 (train ≤ 2014), printed first. ``--tune`` re-runs the
LightGBM grid search on 2016 and prints it.

    .venv/bin/python benchmarks/risk.py [--data ../shared/data] [--tune]
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

from firegrid.risk.cells import SquareGrid
from firegrid.risk.data_io import read_incidents_csv, read_weather_csv
from firegrid.risk.evaluate import (
    prepare_experiment,
    run_experiment,
    tune_lightgbm,
    validate_models,
)
from firegrid.risk.features import monthly_weather


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    ap.add_argument("--k", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tune", action="store_true")
    a = ap.parse_args()
    d = a.data / "toronto"
    t0 = time.perf_counter()
    data = read_incidents_csv(d / "fire_incidents_2011-2018.csv")
    daily, _ = read_weather_csv(d / "weather_daily_2010-2020.csv")
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    grid = SquareGrid.for_points(data.points.lon, data.points.lat, cell_km=1.0)
    exp = prepare_experiment(
        data.points,
        grid=grid,
        train_until=date(2016, 12, 31),
        test_from=date(2017, 1, 1),
        test_until=date(2018, 12, 31),
        weather=monthly_weather(daily),
    )
    t_panel = time.perf_counter() - t0
    res = run_experiment(exp, seed=a.seed, k=a.k)
    print(
        f"Toronto fires {len(data.points)}, {len(exp.cells)} cells ({grid.spec}), "
        f"{int(exp.train.sum())} train / {int(exp.test.sum())} test cell-months, "
        f"positive rate (test) {res.metrics['frequency'].positive_rate:.3f}"
    )
    print(f"read {t_read:.2f} s, panel {t_panel:.2f} s")
    pk, rk = f"P@{a.k}", f"R@{a.k}"
    head = f"{'model':<10} {'ROC-AUC':>8} {'PR-AUC':>8} {'Brier':>8} {pk:>7} {rk:>7}"
    kinds = ("blend", "lightgbm", "logistic", "frequency")
    for fold, metrics in validate_models(exp, seed=a.seed, k=a.k).items():
        print(f"validation {fold} (trained on the months before it)")
        print(head)
        for kind in kinds:
            m = metrics[kind]
            print(
                f"{kind:<10} {m.auc:8.4f} {m.pr_auc:8.4f} {m.brier:8.5f} "
                f"{m.precision_at_k:7.4f} {m.recall_at_k:7.4f}"
            )
    print("test 2017-01..2018-12 (trained ≤ 2016-12)")
    print(f"{head} {'fit s':>7}")
    for kind in kinds:
        m = res.metrics[kind]
        print(
            f"{kind:<10} {m.auc:8.4f} {m.pr_auc:8.4f} {m.brier:8.5f} {m.precision_at_k:7.4f} "
            f"{m.recall_at_k:7.4f} {res.timings_s[kind]:7.2f}"
        )
    base = res.metrics["frequency"]
    best = res.metrics["blend"]
    beats = (
        best.auc > base.auc
        and best.pr_auc > base.pr_auc
        and best.brier < base.brier
        and best.precision_at_k > base.precision_at_k
    )
    print(f"blend beats the baseline on every metric: {beats}; ROC-AUC ≥ 0.77: {best.auc >= 0.77}")
    print("calibration (blend deciles): mean predicted → observed")
    for b in res.metrics["blend"].calibration:
        print(f"  {b.decile:2d}  n={b.n:5d}  {b.mean_predicted:.3f} → {b.observed_rate:.3f}")
    if a.tune:
        t0 = time.perf_counter()
        tuned = tune_lightgbm(exp, seed=a.seed)
        print(
            f"tuning on {tuned.validation_month_first}..{tuned.validation_month_last} "
            f"({time.perf_counter() - t0:.1f} s): best {json.dumps(tuned.best)}"
        )
        for p, auc in sorted(tuned.trials, key=lambda t: -t[1]):
            print(f"  {auc:.4f}  {json.dumps(p)}")


if __name__ == "__main__":
    main()
