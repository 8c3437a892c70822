"""Train, register, load and score fire-risk prediction models (``name@version``).

A registered model (:class:`~firegrid.risk.models.RiskModelRecord`) records everything needed
to reproduce and to use it: the data source (file names and sha256), the cell spec and cell
list, the data window, the feature names, the parameters, the test metrics beside the
baseline's, the seed, and the artefact bytes with their sha256. Training again with the same
inputs and seed gives the same artefact checksum.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from firegrid.errors import InvalidInputError, NotFoundError
from firegrid.risk.cells import (
    H3Grid,
    SquareGrid,
    grid_from_spec,
    index_cells,
    metric_coordinates,
    neighbour_index,
)
from firegrid.risk.evaluate import (
    DEFAULT_K,
    Experiment,
    Metrics,
    evaluate_probabilities,
    prepare_experiment,
)
from firegrid.risk.features import (
    IncidentPoints,
    WeatherMode,
    build_panel,
    month_index,
    month_label,
)
from firegrid.risk.model import MODEL_KINDS, RiskModel, fit_model, load_model_artifact
from firegrid.risk.models import RiskModelRecord

__all__ = [
    "CellScore",
    "RegisteredModel",
    "list_models",
    "load_model",
    "score",
    "train_and_register",
]


@dataclass(frozen=True)
class RegisteredModel:
    """A stored model rebuilt for scoring."""

    ref: str
    kind: str
    model: RiskModel
    grid: SquareGrid | H3Grid
    cells: tuple[str, ...]
    weather_mode: WeatherMode
    history_start: int
    params: dict[str, Any]
    metrics: dict[str, Any]
    artifact_sha256: str
    seed: int


@dataclass(frozen=True)
class CellScore:
    cell: str
    probability: float
    rank: int
    lon: float
    lat: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "cell": self.cell,
            "probability": self.probability,
            "rank": self.rank,
            "lon": self.lon,
            "lat": self.lat,
        }


def _parse_ref(ref: str) -> tuple[str, int | None]:
    name, sep, version = ref.partition("@")
    if not name:
        raise InvalidInputError(f"model reference {ref!r} must be 'name' or 'name@version'")
    if not sep:
        return name, None
    if not version.isdigit():
        raise InvalidInputError(f"model reference {ref!r}: version must be a positive integer")
    return name, int(version)


def _record(session: Session, ref: str) -> RiskModelRecord:
    name, version = _parse_ref(ref)
    stmt = select(RiskModelRecord).options(undefer(RiskModelRecord.artifact))
    stmt = stmt.where(RiskModelRecord.name == name)
    if version is None:
        stmt = stmt.order_by(RiskModelRecord.version.desc()).limit(1)
    else:
        stmt = stmt.where(RiskModelRecord.version == version)
    rec = session.scalars(stmt).first()
    if rec is None:
        raise NotFoundError(f"no risk model {ref!r} in the registry")
    return rec


def train_and_register(
    session: Session,
    points: IncidentPoints,
    *,
    name: str,
    seed: int,
    train_until: date,
    test_from: date,
    test_until: date,
    data_source: str,
    kind: str = "blend",
    grid: SquareGrid | H3Grid | None = None,
    cell_km: float = 1.0,
    weather: pd.DataFrame | None = None,
    weather_mode: WeatherMode = "lagged",
    params: dict[str, Any] | None = None,
    k: int = DEFAULT_K,
    experiment: Experiment | None = None,
    actor: str = "system",
    note: str = "",
) -> RiskModelRecord:
    """Train ``kind`` on the months up to ``train_until``, evaluate on the test window, store it.

    The stored metrics hold the model's and the frequency baseline's test figures. Pass an
    already prepared ``experiment`` to reuse its panel (it must come from the same inputs).
    Commits the new record; its version is one more than the name's highest.
    """
    if kind not in MODEL_KINDS:
        raise InvalidInputError(f"unknown model kind {kind!r}; choose one of {MODEL_KINDS}")
    if not name or len(name) > 64 or "@" in name:
        raise InvalidInputError(f"model name {name!r} must be 1–64 characters without '@'")
    if experiment is None:
        grid = grid or SquareGrid.for_points(points.lon, points.lat, cell_km=cell_km)
        experiment = prepare_experiment(
            points,
            grid=grid,
            train_until=train_until,
            test_from=test_from,
            test_until=test_until,
            weather=weather,
            weather_mode=weather_mode,
        )
    panel = experiment.panel
    tr, te = experiment.train, experiment.test
    model = fit_model(
        kind, panel.X[tr], panel.y[tr], feature_names=panel.feature_names, seed=seed, params=params
    )
    y_te, g_te = panel.y[te], panel.month[te]
    metrics: Metrics = evaluate_probabilities(y_te, model.predict_proba(panel.X[te]), g_te, k=k)
    base = fit_model(
        "frequency", panel.X[tr], panel.y[tr], feature_names=panel.feature_names, seed=seed
    )
    base_metrics = evaluate_probabilities(y_te, base.predict_proba(panel.X[te]), g_te, k=k)
    artifact = model.artifact()
    version = (
        session.scalar(
            select(func.max(RiskModelRecord.version)).where(RiskModelRecord.name == name)
        )
        or 0
    ) + 1
    rec = RiskModelRecord(
        name=name,
        version=version,
        kind=kind,
        data_source=data_source,
        cell=experiment.grid.spec,
        period="month",
        train_from=date.fromisoformat(month_label(experiment.train_first) + "-01"),
        train_until=train_until,
        test_from=test_from,
        test_until=test_until,
        features_json=json.dumps(list(panel.feature_names)),
        params_json=json.dumps(
            {
                "model": model.params,
                "weather_mode": panel.weather_mode,
                "weather": weather is not None,
                "history_start": month_label(experiment.history_start),
                "cells": list(experiment.cells),
            },
            sort_keys=True,
        ),
        metrics_json=json.dumps(
            {
                **metrics.as_dict(),
                "baseline": base_metrics.as_dict(calibration=False),
                "n_cells": len(experiment.cells),
                "n_train": int(tr.sum()),
                "n_test": int(te.sum()),
            },
            sort_keys=True,
        ),
        seed=seed,
        artifact=artifact,
        artifact_sha256=hashlib.sha256(artifact).hexdigest(),
        created_by=actor,
        note=note,
    )
    session.add(rec)
    session.commit()
    return rec


def load_model(session: Session, ref: str) -> RegisteredModel:
    """Rebuild the model ``name@version`` (or the newest version of ``name``)."""
    rec = _record(session, ref)
    features = tuple(json.loads(rec.features_json))
    stored = json.loads(rec.params_json)
    artifact = rec.artifact or b""
    if hashlib.sha256(artifact).hexdigest() != rec.artifact_sha256:
        raise InvalidInputError(f"model {rec.name}@{rec.version}: artefact checksum mismatch")
    model = load_model_artifact(
        rec.kind, artifact, feature_names=features, params=dict(stored.get("model", {}))
    )
    return RegisteredModel(
        ref=f"{rec.name}@{rec.version}",
        kind=rec.kind,
        model=model,
        grid=grid_from_spec(rec.cell),
        cells=tuple(stored["cells"]),
        weather_mode=stored.get("weather_mode", "lagged"),
        history_start=int(month_index([stored["history_start"]])[0]),
        params=stored,
        metrics=json.loads(rec.metrics_json),
        artifact_sha256=rec.artifact_sha256,
        seed=rec.seed,
    )


def score(
    session: Session,
    ref: str,
    points: IncidentPoints,
    *,
    month: str,
    weather: pd.DataFrame | None = None,
    top: int | None = None,
) -> list[CellScore]:
    """Probability of ≥ 1 fire in ``month`` (``YYYY-MM``) for each cell of model ``ref``.

    Only fires before ``month`` are used. Cells are returned by decreasing probability
    (``top`` keeps the first ones).
    """
    reg = load_model(session, ref)
    try:
        m = int(month_index([month])[0])
    except ValueError:
        raise InvalidInputError(f"month {month!r} is not YYYY-MM") from None
    if m <= reg.history_start:
        raise InvalidInputError(
            f"month {month} is not after the model's history start {month_label(reg.history_start)}"
        )
    if reg.params.get("weather") and weather is None:
        raise InvalidInputError(f"model {reg.ref} was trained with weather: pass weather data")
    ids = reg.grid.assign(points.lon, points.lat)
    cell_xy, point_xy = metric_coordinates(reg.grid, reg.cells, points.lon, points.lat)
    panel = build_panel(
        index_cells(ids, reg.cells),
        points.month,
        n_cells=len(reg.cells),
        first_month=m,
        last_month=m,
        history_start=reg.history_start,
        neighbours=neighbour_index(reg.grid, reg.cells),
        use_class=points.use_class,
        weather=weather if reg.params.get("weather") else None,
        weather_mode=reg.weather_mode,
        point_xy_m=point_xy,
        cell_xy_m=cell_xy,
    )
    if panel.feature_names != reg.model.feature_names:
        raise InvalidInputError(
            f"model {reg.ref} expects features {list(reg.model.feature_names)}, the data give "
            f"{list(panel.feature_names)}"
        )
    p = reg.model.predict_proba(panel.X)
    order = np.argsort(-p, kind="stable")
    if top is not None:
        order = order[:top]
    out: list[CellScore] = []
    for rank, i in enumerate(order.tolist(), start=1):
        lon, lat = reg.grid.centre(reg.cells[i])
        out.append(CellScore(reg.cells[i], float(p[i]), rank, lon, lat))
    return out


def list_models(session: Session, *, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The registry, newest first (without artefact bytes)."""
    stmt = select(RiskModelRecord).order_by(RiskModelRecord.name, RiskModelRecord.version.desc())
    if names:
        stmt = stmt.where(RiskModelRecord.name.in_(list(names)))
    out = []
    for rec in session.scalars(stmt):
        metrics = json.loads(rec.metrics_json)
        out.append(
            {
                "model": f"{rec.name}@{rec.version}",
                "kind": rec.kind,
                "cell": rec.cell,
                "period": rec.period,
                "train_until": rec.train_until.isoformat(),
                "test_from": rec.test_from.isoformat() if rec.test_from else None,
                "test_until": rec.test_until.isoformat() if rec.test_until else None,
                "seed": rec.seed,
                "artifact_sha256": rec.artifact_sha256,
                "auc": metrics.get("auc"),
                "pr_auc": metrics.get("pr_auc"),
                "baseline_auc": (metrics.get("baseline") or {}).get("auc"),
                "data_source": rec.data_source,
                "created_at": rec.created_at.isoformat() if rec.created_at else None,
            }
        )
    return out
