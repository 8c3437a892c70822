"""``firegrid risk``: evaluate fire-risk prediction models strictly by time; list the registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from firegrid.cli.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_json,
    err_console,
    existing_db,
    handle_errors,
)
from firegrid.errors import InvalidInputError
from firegrid.risk.cells import SquareGrid
from firegrid.risk.data_io import read_incidents_csv, read_weather_csv
from firegrid.risk.evaluate import DEFAULT_K, prepare_experiment, run_experiment
from firegrid.risk.features import monthly_weather
from firegrid.risk.registry import list_models, train_and_register

__all__ = ["app"]

app = typer.Typer(
    name="risk",
    help="Fire-risk prediction: cell × month models evaluated on later years, and their registry.",
    no_args_is_help=True,
)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None


def _summary(m: dict[str, Any]) -> dict[str, Any]:
    keys = ("auc", "pr_auc", "brier", "precision_at_k", "recall_at_k")
    return {k: m[k] for k in keys}


def _table(metrics: dict[str, dict[str, Any]], k: int) -> Table:
    t = Table(title=f"Test window, k = {k} cells per month")
    t.add_column("model")
    for h in ("ROC-AUC", "PR-AUC", "Brier", f"precision@{k}", f"recall@{k}"):
        t.add_column(h, justify="right")
    for name, label in (
        ("blend", "LightGBM + rate logistic"),
        ("lightgbm", "LightGBM"),
        ("logistic", "logistic"),
        ("frequency", "baseline"),
    ):
        m = metrics[name]
        t.add_row(
            label,
            f"{m['auc']:.3f}",
            f"{m['pr_auc']:.3f}",
            f"{m['brier']:.4f}",
            f"{m['precision_at_k']:.3f}",
            f"{m['recall_at_k']:.3f}",
        )
    return t


@app.command("evaluate")
@handle_errors
def evaluate(
    incidents: Annotated[
        Path, typer.Option("--incidents", help="Fires CSV (Toronto layout or firegrid incidents).")
    ],
    train_until: Annotated[str, typer.Option("--train-until", help="Last training day.")],
    test_from: Annotated[str, typer.Option("--test-from", help="First test day.")],
    test_until: Annotated[str, typer.Option("--test-until", help="Last test day.")],
    weather: Annotated[
        Path | None, typer.Option("--weather", help="Daily weather CSV (DATE, MEAN_TEMP, …).")
    ] = None,
    cell_km: Annotated[float, typer.Option("--cell-km", help="Square cell size (km).")] = 1.0,
    k: Annotated[int, typer.Option("--k", help="Cells inspected per month.")] = DEFAULT_K,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the models.")] = 0,
    observed_weather: Annotated[
        bool,
        typer.Option(
            "--observed-weather",
            help="Use the month's own weather (a stand-in for a forecast) instead of last month's.",
        ),
    ] = False,
    register: Annotated[
        str | None,
        typer.Option("--register", help="Store the headline (blend) model under this name."),
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Train on the months up to --train-until and score the test months, beside the baselines."""
    t_until = _date(train_until, "--train-until")
    t_from = _date(test_from, "--test-from")
    t_end = _date(test_until, "--test-until")
    if k < 1:
        raise InvalidInputError(f"--k must be at least 1, got {k}")
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("reading fires", total=None)

        def progress(text: str) -> None:
            bar.update(task, description=text)

        data = read_incidents_csv(incidents)
        monthly = None
        if weather is not None:
            progress("reading weather")
            daily, _ = read_weather_csv(weather)
            monthly = monthly_weather(daily)
        progress("building the cell × month panel")
        grid = SquareGrid.for_points(data.points.lon, data.points.lat, cell_km=cell_km)
        experiment = prepare_experiment(
            data.points,
            grid=grid,
            train_until=t_until,
            test_from=t_from,
            test_until=t_end,
            weather=monthly,
            weather_mode="observed" if observed_weather else "lagged",
        )
        result = run_experiment(experiment, seed=seed, k=k, progress=progress)
        ref = None
        if register is not None:
            progress(f"registering {register}")
            with existing_db(db) as database, database.session(actor=cli_actor()) as session:
                source = data.data_source
                if weather is not None:
                    source += f"; {weather.name} sha256:{read_weather_csv(weather)[1]}"
                rec = train_and_register(
                    session,
                    data.points,
                    name=register,
                    seed=seed,
                    train_until=t_until,
                    test_from=t_from,
                    test_until=t_end,
                    data_source=source,
                    weather=monthly,
                    k=k,
                    experiment=experiment,
                    actor=cli_actor(),
                )
                ref = f"{rec.name}@{rec.version}"
    metrics = {name: m.as_dict() for name, m in result.metrics.items()}
    head = metrics["blend"]
    payload = {
        **_summary(head),
        "k": k,
        "calibration": head["calibration"],
        "baseline": {
            key: metrics["frequency"][key]
            for key in ("auc", "pr_auc", "brier", "precision_at_k", "recall_at_k")
        },
        "lightgbm": _summary(metrics["lightgbm"]),
        "logistic": _summary(metrics["logistic"]),
        "n_cells": len(experiment.cells),
        "n_train": int(experiment.train.sum()),
        "n_test": int(experiment.test.sum()),
        "cell": grid.spec,
        "window": experiment.window(),
        "weather_mode": experiment.panel.weather_mode,
        "seed": seed,
        "dropped_rows": data.dropped,
        "model": ref,
    }
    if json_out:
        emit_json(payload)
        return
    out = Console()
    out.print(
        f"{data.source}: {len(data.points)} fires, {len(experiment.cells)} cells ({grid.spec}), "
        f"{payload['n_train']} training and {payload['n_test']} test cell-months"
    )
    out.print(_table(metrics, k))
    if ref:
        out.print(f"registered as {ref}")


@app.command("models")
@handle_errors
def models(db: DbOption = None, json_out: JsonOption = False) -> None:
    """List the registered prediction models, newest version first."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as session:
        rows = list_models(session)
    if json_out:
        emit_json(rows)
        return
    t = Table(title="Risk models")
    for h in ("model", "kind", "cell", "train until", "AUC", "baseline AUC", "seed", "sha256"):
        t.add_column(h)
    for r in rows:
        t.add_row(
            r["model"],
            r["kind"],
            r["cell"],
            r["train_until"],
            "—" if r["auc"] is None else f"{r['auc']:.3f}",
            "—" if r["baseline_auc"] is None else f"{r['baseline_auc']:.3f}",
            str(r["seed"]),
            r["artifact_sha256"][:12],
        )
    Console().print(t)


# The assessment index and the warnings (firegrid.risk.service / warnings).
from firegrid.cli.risk_index import index_cmd, warnings_cmd  # noqa: E402

app.command("index")(index_cmd)
app.command("warnings")(warnings_cmd)
