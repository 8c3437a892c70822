"""Fire-risk models on the same panel: a LightGBM + logistic blend, LightGBM, logistic, frequency.

Pure kernel: numpy, scikit-learn and LightGBM in, probabilities and artefact bytes out.

Every model predicts ``P(at least one fire in the cell in the month)`` from a
:class:`firegrid.risk.features.Panel` row and can be written to, and rebuilt from, plain bytes
(the registry stores them with their sha256):

``blend`` (the headline model)
    ``weight`` × LightGBM (all features) + (1 − ``weight``) × a logistic regression on the
    log of the cell's long-run rate features only (:data:`BLEND_RATE_FEATURES`: frequency,
    exponentially weighted and spatially smoothed rates). The logistic part is a smooth,
    low-variance estimate of the cell's rate; the trees add the short-term and seasonal
    signal. The weight (0.5) was chosen on validation years inside the training window
    (see :mod:`firegrid.risk.evaluate`). The artefact is JSON holding both parts.
``lightgbm``
    Gradient-boosted trees, binary log-loss. Deterministic: ``deterministic=True``,
    ``force_row_wise=True``, a fixed ``num_threads`` and every random stream seeded from
    ``seed``, so the same data and seed give the same ``model_to_string()`` byte for byte. The
    defaults in :data:`LIGHTGBM_DEFAULTS` were chosen on a validation split inside the training
    window (train ≤ 2015, validate 2016 on the Toronto data; see
    :func:`firegrid.risk.evaluate.tune_lightgbm`), never on a test window.
``logistic``
    L2-regularised logistic regression (scikit-learn, lbfgs) on standardised features after a
    signed ``log1p`` (counts are heavy-tailed; the blend's part uses ``log(x + 0.001)`` of
    rates instead); missing values take the training median. The
    artefact is JSON (medians, means, scales, coefficients, intercept): scoring needs no pickle.
``frequency``
    The historical-frequency baseline: the cell's share of past months with a fire (feature
    ``fire_month_rate``). Nothing is fitted; the artefact is empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression

from firegrid.errors import InvalidInputError

__all__ = [
    "BLEND_DEFAULTS",
    "BLEND_RATE_FEATURES",
    "LIGHTGBM_DEFAULTS",
    "MODEL_KINDS",
    "BlendModel",
    "FrequencyModel",
    "LightGBMModel",
    "LogisticModel",
    "ModelKind",
    "RiskModel",
    "fit_blend",
    "fit_frequency",
    "fit_lightgbm",
    "fit_logistic",
    "fit_model",
    "load_model_artifact",
]

F64 = npt.NDArray[np.float64]
ModelKind = Literal["blend", "lightgbm", "logistic", "frequency"]
MODEL_KINDS: Final = ("blend", "lightgbm", "logistic", "frequency")
Transform = Literal["signed_log1p", "log_rate"]

#: LightGBM settings (chosen on the 2016 validation year, see the module docstring).
LIGHTGBM_DEFAULTS: Final[dict[str, Any]] = {
    "objective": "binary",
    "learning_rate": 0.03,
    "num_leaves": 15,
    "min_data_in_leaf": 200,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 10.0,
    "num_boost_round": 150,
}
# Settings that make training reproducible; not tunable.
_LIGHTGBM_FIXED: Final[dict[str, Any]] = {
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}
_FREQUENCY_FEATURE: Final = "fire_month_rate"
#: Rate features of the blend's logistic part (those present in the panel are used).
BLEND_RATE_FEATURES: Final = (
    "fire_month_rate",
    "long_run_rate",
    "ewm_rate_12m",
    "ewm_rate_36m",
    "ewm_rate_60m",
    "ewm_any_36m",
    "ewm_any_60m",
    "kde_250m_rate",
    "kde_500m_rate",
    "kde_1000m_rate",
    "nbr_rate",
    "eb_fire_month_rate",
    "nbr_fire_month_rate_1km",
    "nbr_fire_month_rate_2km",
)
#: Blend settings (chosen on validation years, see :mod:`firegrid.risk.evaluate`).
BLEND_DEFAULTS: Final[dict[str, Any]] = {"weight": 0.5, "C": 1.0}
_LOG_RATE_EPS: Final = 1e-3


class RiskModel(Protocol):
    """What the evaluation and the registry need from a fitted model."""

    @property
    def kind(self) -> str: ...

    @property
    def feature_names(self) -> tuple[str, ...]: ...

    @property
    def params(self) -> dict[str, Any]: ...

    def predict_proba(self, X: F64) -> F64: ...

    def artifact(self) -> bytes: ...


def _check_xy(X: F64, y: npt.ArrayLike | None, feature_names: tuple[str, ...]) -> None:
    if X.ndim != 2 or X.shape[1] != len(feature_names):
        raise InvalidInputError(
            f"X has shape {X.shape}; expected (rows, {len(feature_names)}) for the features "
            f"{list(feature_names)}"
        )
    if y is not None:
        ya = np.asarray(y)
        if ya.shape[0] != X.shape[0]:
            raise InvalidInputError(f"y has {ya.shape[0]} rows, X has {X.shape[0]}")
        if np.unique(ya).size < 2:
            raise InvalidInputError("training data hold one class only: cannot fit a model")


@dataclass(frozen=True)
class LightGBMModel:
    booster: lgb.Booster
    feature_names: tuple[str, ...]
    params: dict[str, Any]
    kind: str = "lightgbm"

    def predict_proba(self, X: F64) -> F64:
        _check_xy(X, None, self.feature_names)
        return np.asarray(self.booster.predict(X, num_threads=1), dtype=np.float64)

    def artifact(self) -> bytes:
        return str(self.booster.model_to_string()).encode("utf-8")

    def importance(self) -> dict[str, float]:
        """Total gain per feature."""
        gain = self.booster.feature_importance(importance_type="gain")
        return {n: float(g) for n, g in zip(self.feature_names, gain, strict=True)}


def _signed_log(X: F64) -> F64:
    return np.sign(X) * np.log1p(np.abs(X))


def _transform(X: F64, transform: str) -> F64:
    if transform == "signed_log1p":
        return _signed_log(X)
    if transform == "log_rate":
        return np.log(np.maximum(X, 0.0) + _LOG_RATE_EPS)
    raise InvalidInputError(f"unknown transform {transform!r}")


@dataclass(frozen=True)
class LogisticModel:
    median: F64
    mean: F64
    scale: F64
    coef: F64
    intercept: float
    feature_names: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    kind: str = "logistic"
    transform: Transform = "signed_log1p"

    def _design(self, X: F64) -> F64:
        Z = np.where(np.isnan(X), self.median[None, :], X)
        return (_transform(Z, self.transform) - self.mean[None, :]) / self.scale[None, :]

    def predict_proba(self, X: F64) -> F64:
        _check_xy(X, None, self.feature_names)
        z = self._design(X) @ self.coef + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def artifact(self) -> bytes:
        payload = {
            "features": list(self.feature_names),
            "median": self.median.tolist(),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "transform": self.transform,
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class BlendModel:
    """``weight`` × LightGBM + (1 − ``weight``) × the logistic on the rate columns."""

    lightgbm: LightGBMModel
    logistic: LogisticModel
    weight: float
    feature_names: tuple[str, ...]
    params: dict[str, Any]
    kind: str = "blend"

    def _rate_columns(self, X: F64) -> F64:
        idx = [self.feature_names.index(n) for n in self.logistic.feature_names]
        return X[:, idx]

    def predict_proba(self, X: F64) -> F64:
        _check_xy(X, None, self.feature_names)
        p_trees = self.lightgbm.predict_proba(X)
        p_rates = self.logistic.predict_proba(self._rate_columns(X))
        return np.clip(self.weight * p_trees + (1.0 - self.weight) * p_rates, 0.0, 1.0)

    def artifact(self) -> bytes:
        payload = {
            "weight": self.weight,
            "lightgbm": self.lightgbm.artifact().decode("utf-8"),
            "logistic": json.loads(self.logistic.artifact().decode("utf-8")),
        }
        return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class FrequencyModel:
    feature_names: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=lambda: {"feature": _FREQUENCY_FEATURE})
    kind: str = "frequency"

    def predict_proba(self, X: F64) -> F64:
        _check_xy(X, None, self.feature_names)
        return np.clip(X[:, self.feature_names.index(_FREQUENCY_FEATURE)], 0.0, 1.0)

    def artifact(self) -> bytes:
        return b""


def fit_lightgbm(
    X: F64,
    y: npt.ArrayLike,
    *,
    feature_names: tuple[str, ...],
    seed: int,
    params: dict[str, Any] | None = None,
) -> LightGBMModel:
    """Fit gradient-boosted trees; ``params`` override :data:`LIGHTGBM_DEFAULTS`."""
    _check_xy(X, y, feature_names)
    merged = {**LIGHTGBM_DEFAULTS, **(params or {})}
    rounds = int(merged.pop("num_boost_round"))
    unknown = set(merged) & set(_LIGHTGBM_FIXED)
    if unknown:
        raise InvalidInputError(f"parameters {sorted(unknown)} are fixed for reproducibility")
    train_params = {**merged, **_LIGHTGBM_FIXED, "seed": int(seed)}
    data = lgb.Dataset(
        X,
        label=np.asarray(y, dtype=np.float64),
        feature_name=list(feature_names),
        params={"verbose": -1, "seed": int(seed)},
        free_raw_data=True,
    )
    booster = lgb.train(train_params, data, num_boost_round=rounds)
    recorded = {**merged, "num_boost_round": rounds}
    return LightGBMModel(booster=booster, feature_names=feature_names, params=recorded)


def fit_logistic(
    X: F64,
    y: npt.ArrayLike,
    *,
    feature_names: tuple[str, ...],
    seed: int,
    C: float = 1.0,
    transform: Transform = "signed_log1p",
) -> LogisticModel:
    """Fit an L2 logistic regression on standardised, transformed (signed-log) features."""
    _check_xy(X, y, feature_names)
    median = np.nanmedian(X, axis=0)
    median = np.where(np.isnan(median), 0.0, median)
    Z = _transform(np.where(np.isnan(X), median[None, :], X), transform)
    mean = Z.mean(axis=0)
    scale = Z.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    clf = LogisticRegression(C=C, max_iter=2000, random_state=seed)
    clf.fit((Z - mean) / scale, np.asarray(y, dtype=np.int64))
    return LogisticModel(
        median=median,
        mean=mean,
        scale=scale,
        coef=np.asarray(clf.coef_[0], dtype=np.float64),
        intercept=float(clf.intercept_[0]),
        feature_names=feature_names,
        params={"C": C, "penalty": "l2", "solver": "lbfgs", "transform": transform},
        transform=transform,
    )


def fit_blend(
    X: F64,
    y: npt.ArrayLike,
    *,
    feature_names: tuple[str, ...],
    seed: int,
    params: dict[str, Any] | None = None,
) -> BlendModel:
    """Fit the LightGBM + rate-logistic blend.

    ``params``: ``weight`` and ``C`` override :data:`BLEND_DEFAULTS`; ``lightgbm`` (a dict)
    overrides :data:`LIGHTGBM_DEFAULTS` for the tree part.
    """
    _check_xy(X, y, feature_names)
    merged = {**BLEND_DEFAULTS, **(params or {})}
    weight = float(merged["weight"])
    if not 0.0 <= weight <= 1.0:
        raise InvalidInputError(f"blend weight must be within [0, 1], got {weight!r}")
    rates = tuple(n for n in BLEND_RATE_FEATURES if n in feature_names)
    if _FREQUENCY_FEATURE not in rates:
        raise InvalidInputError(f"the blend needs at least the feature {_FREQUENCY_FEATURE!r}")
    trees = fit_lightgbm(
        X, y, feature_names=feature_names, seed=seed, params=merged.get("lightgbm")
    )
    idx = [feature_names.index(n) for n in rates]
    logistic = fit_logistic(
        X[:, idx],
        y,
        feature_names=rates,
        seed=seed,
        C=float(merged["C"]),
        transform="log_rate",
    )
    recorded = {
        "weight": weight,
        "C": float(merged["C"]),
        "rate_features": list(rates),
        "lightgbm": trees.params,
    }
    return BlendModel(
        lightgbm=trees,
        logistic=logistic,
        weight=weight,
        feature_names=feature_names,
        params=recorded,
    )


def fit_frequency(feature_names: tuple[str, ...]) -> FrequencyModel:
    """The historical-frequency baseline (needs the ``fire_month_rate`` feature)."""
    if _FREQUENCY_FEATURE not in feature_names:
        raise InvalidInputError(f"the frequency baseline needs the feature {_FREQUENCY_FEATURE!r}")
    return FrequencyModel(feature_names=feature_names)


def fit_model(
    kind: str,
    X: F64,
    y: npt.ArrayLike,
    *,
    feature_names: tuple[str, ...],
    seed: int,
    params: dict[str, Any] | None = None,
) -> RiskModel:
    """Fit a model of ``kind`` (one of :data:`MODEL_KINDS`)."""
    if kind == "blend":
        return fit_blend(X, y, feature_names=feature_names, seed=seed, params=params)
    if kind == "lightgbm":
        return fit_lightgbm(X, y, feature_names=feature_names, seed=seed, params=params)
    if kind == "logistic":
        return fit_logistic(
            X, y, feature_names=feature_names, seed=seed, C=float((params or {}).get("C", 1.0))
        )
    if kind == "frequency":
        return fit_frequency(feature_names)
    raise InvalidInputError(f"unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}")


def _logistic_from_json(
    d: dict[str, Any], feature_names: tuple[str, ...], params: dict[str, Any]
) -> LogisticModel:
    transform = str(d.get("transform", "signed_log1p"))
    if transform not in ("signed_log1p", "log_rate"):
        raise InvalidInputError(f"unknown logistic transform {transform!r} in the artefact")
    return LogisticModel(
        median=np.array(d["median"], dtype=np.float64),
        mean=np.array(d["mean"], dtype=np.float64),
        scale=np.array(d["scale"], dtype=np.float64),
        coef=np.array(d["coef"], dtype=np.float64),
        intercept=float(d["intercept"]),
        feature_names=feature_names,
        params=params,
        transform="log_rate" if transform == "log_rate" else "signed_log1p",
    )


def load_model_artifact(
    kind: str, artifact: bytes, *, feature_names: tuple[str, ...], params: dict[str, Any]
) -> RiskModel:
    """Rebuild a model from the bytes :meth:`RiskModel.artifact` wrote."""
    if kind == "blend":
        d = json.loads(artifact.decode("utf-8"))
        part = d["logistic"]
        rates = tuple(part["features"])
        missing = [n for n in rates if n not in feature_names]
        if missing:
            raise InvalidInputError(f"blend artefact needs features {missing} not recorded")
        trees = LightGBMModel(
            booster=lgb.Booster(model_str=d["lightgbm"]),
            feature_names=feature_names,
            params=dict(params.get("lightgbm", {})),
        )
        return BlendModel(
            lightgbm=trees,
            logistic=_logistic_from_json(part, rates, {}),
            weight=float(d["weight"]),
            feature_names=feature_names,
            params=params,
        )
    if kind == "lightgbm":
        booster = lgb.Booster(model_str=artifact.decode("utf-8"))
        return LightGBMModel(booster=booster, feature_names=feature_names, params=params)
    if kind == "logistic":
        d = json.loads(artifact.decode("utf-8"))
        if tuple(d["features"]) != feature_names:
            raise InvalidInputError("logistic artefact features differ from the recorded ones")
        return _logistic_from_json(d, feature_names, params)
    if kind == "frequency":
        return fit_frequency(feature_names)
    raise InvalidInputError(f"unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}")
