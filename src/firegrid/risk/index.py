"""The fire-risk assessment index: normalisation, AHP-weighted score, levels and contributions.

Formulation
-----------
For assessment units (H3 cells, townships) ``i`` and indicators ``k`` with raw values
:math:`x_{ik}` (``NaN`` = no value):

1. Normalise each indicator to a *safety* sub-score :math:`s_{ik} \\in [0, 100]` (100 = this
   factor adds no risk) — linearly between the thresholds ``good`` → 100 and ``bad`` → 0
   (clipped), or min–max over the units. Where the value is missing and the indicator has a
   fallback (e.g. settlement density for population density), the fallback's value is
   normalised with the fallback's own thresholds.
2. Global weights :math:`W_k = w_{c(k)} \\cdot w_{k|c}` come from the AHP matrices
   (:mod:`firegrid.risk.ahp`). Indicators without data in a unit are excluded there and the
   others renormalised: :math:`\\tilde W_{ik} = W_k / \\sum_{l \\in A_i} W_l` with
   :math:`A_i` the indicators with a value in unit ``i``. An indicator configured ``no_data``
   (no data source yet) is excluded everywhere — and listed in the result.
3. Score :math:`S_i = \\sum_k \\tilde W_{ik} s_{ik}` — a SAFETY score, higher = safer.
4. Contribution :math:`C_{ik} = \\tilde W_{ik} (100 - s_{ik}) \\ge 0`: the points of safety
   indicator ``k`` costs unit ``i``. By construction :math:`\\sum_k C_{ik} = 100 - S_i` (the
   score deficit), so the largest contributions are the reasons a unit scores low.
5. Level by bands on the score (DOMAIN.md, *confirm*): 1 低 (85,100], 2 中 (65,85],
   3 高 (25,65], 4 极高 [0,25] — a score on a lower edge belongs to the lower band's level
   (85 → 2, 65 → 3, 25 → 4).

The TOML parser (:func:`parse_index_config`) turns text into a validated :class:`IndexConfig`,
computing every matrix's weights and refusing an inconsistent one by name. Pure kernel: numpy
and text in, frozen dataclasses out; no files, no database.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.risk.ahp import AhpResult, ahp_weights, parse_judgement

__all__ = [
    "Band",
    "BuildingFactor",
    "Criterion",
    "Direction",
    "IndexConfig",
    "IndexResult",
    "IndicatorSpec",
    "Method",
    "Normaliser",
    "assess",
    "level_of",
    "levels_of",
    "parse_index_config",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class Direction(StrEnum):
    """Which way an indicator's raw value points."""

    RISK = "risk"  # higher value = riskier (density, travel time)
    SAFETY = "safety"  # higher value = safer (hydrant coverage)


class Method(StrEnum):
    THRESHOLDS = "thresholds"
    MINMAX = "minmax"


@dataclass(frozen=True)
class Normaliser:
    """Raw value → safety sub-score 0–100."""

    direction: Direction
    method: Method = Method.THRESHOLDS
    good: float | None = None
    bad: float | None = None

    def __post_init__(self) -> None:
        if self.method is Method.THRESHOLDS:
            if self.good is None or self.bad is None or self.good == self.bad:
                raise InvalidInputError(
                    f"threshold normalisation needs distinct good and bad values, got "
                    f"good={self.good!r}, bad={self.bad!r}"
                )
            riskier_up = self.good < self.bad
            if riskier_up != (self.direction is Direction.RISK):
                raise InvalidInputError(
                    f"direction {self.direction.value!r} contradicts good={self.good:g}, "
                    f"bad={self.bad:g} (direction 'risk' needs good < bad, 'safety' good > bad)"
                )

    def safety(self, values: npt.ArrayLike) -> F64:
        """Safety sub-scores (``NaN`` where the value is ``NaN``)."""
        x = np.asarray(values, dtype=np.float64)
        out = np.full(x.shape, np.nan)
        # NaN is "no value"; ±inf is a value (e.g. no station reachable at all) that clips.
        ok = ~np.isnan(x)
        if not ok.any():
            return out
        if self.method is Method.THRESHOLDS:
            assert self.good is not None and self.bad is not None
            s = 100.0 * (self.bad - x[ok]) / (self.bad - self.good)
        else:
            fin = x[np.isfinite(x)]
            lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 0.0)
            v = x[ok]
            if hi == lo:
                # No finite unit differs from another: the indicator explains no difference
                # among them (infinite values still clip to the worst or the best).
                s = np.where(np.isfinite(v), 100.0, 0.0)
                if self.direction is Direction.SAFETY:
                    s = np.where(v == np.inf, 100.0, s)
                else:
                    s = np.where(v == -np.inf, 100.0, s)
            elif self.direction is Direction.RISK:
                s = 100.0 * (hi - v) / (hi - lo)
            else:
                s = 100.0 * (v - lo) / (hi - lo)
        out[ok] = np.clip(s, 0.0, 100.0)
        return out


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    criterion: str
    name_zh: str
    name_en: str
    unit: str
    normaliser: Normaliser
    #: No data source exists yet: excluded everywhere (weights renormalised), said so.
    no_data: bool = False
    fallback: IndicatorSpec | None = None
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        n = self.normaliser
        return {
            "id": self.id,
            "criterion": self.criterion,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "unit": self.unit,
            "direction": n.direction.value,
            "method": n.method.value,
            "good": n.good,
            "bad": n.bad,
            "no_data": self.no_data,
            "fallback": None if self.fallback is None else self.fallback.id,
            "source": self.source,
        }


@dataclass(frozen=True)
class Criterion:
    id: str
    name_zh: str
    name_en: str
    indicators: tuple[str, ...]
    ahp: AhpResult


@dataclass(frozen=True)
class Band:
    level: int
    code: str
    name_zh: str
    name_en: str
    #: Lower edge, exclusive except for the last band (whose edge is 0, inclusive).
    min: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "min": self.min,
        }


@dataclass(frozen=True)
class BuildingFactor:
    id: str
    weight: float
    name_zh: str
    name_en: str
    good: float | None = None
    bad: float | None = None
    no_data: bool = False
    scores: Mapping[str, float] = field(default_factory=dict)
    default: float | None = None


@dataclass(frozen=True)
class IndexConfig:
    """One versioned index: hierarchy, weights, normalisation, bands, parameters."""

    id: str
    version: str
    effective_from: date
    name_zh: str
    name_en: str
    criteria_ahp: AhpResult
    criteria: tuple[Criterion, ...]
    indicators: tuple[IndicatorSpec, ...]
    bands: tuple[Band, ...]
    params: Mapping[str, Any]
    building_factors: tuple[BuildingFactor, ...]
    building_params: Mapping[str, Any]
    confirm: tuple[str, ...]
    source: str = "<string>"

    @property
    def ref(self) -> str:
        """``id@version`` — recorded in every result."""
        return f"{self.id}@{self.version}"

    def global_weights(self) -> F64:
        """Criterion weight × local weight, in the order of :attr:`indicators`."""
        cw = self.criteria_ahp.weight_of()
        out = []
        for spec in self.indicators:
            crit = next(c for c in self.criteria if c.id == spec.criterion)
            out.append(cw[crit.id] * crit.ahp.weight_of()[spec.id])
        return np.array(out, dtype=np.float64)

    def indicator_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.indicators)

    def criterion_of(self) -> dict[str, str]:
        return {s.id: s.criterion for s in self.indicators}

    def hierarchy_dict(self) -> dict[str, Any]:
        """The hierarchy with weights and consistency of every matrix (for results)."""
        w = dict(zip(self.indicator_ids(), self.global_weights(), strict=True))
        return {
            "criteria": self.criteria_ahp.as_dict(),
            "groups": [
                {
                    "id": c.id,
                    "name_zh": c.name_zh,
                    "name_en": c.name_en,
                    "weight": round(self.criteria_ahp.weight_of()[c.id], 4),
                    "ahp": c.ahp.as_dict(),
                    "indicators": [
                        {**s.as_dict(), "global_weight": round(float(w[s.id]), 4)}
                        for s in self.indicators
                        if s.criterion == c.id
                    ],
                }
                for c in self.criteria
            ],
            "bands": [b.as_dict() for b in self.bands],
        }


@dataclass(frozen=True, eq=False)
class IndexResult:
    """Scores of ``n`` units over ``k`` indicators.

    Attributes
    ----------
    indicators : tuple of str
        Column order of the arrays.
    safety : numpy.ndarray
        ``(n, k)`` safety sub-scores, ``NaN`` where excluded.
    weights : numpy.ndarray
        ``(n, k)`` renormalised weights (0 where excluded); rows sum to 1.
    contributions : numpy.ndarray
        ``(n, k)`` points of safety each indicator costs; rows sum to ``100 - score``.
    score : numpy.ndarray
        ``(n,)`` safety score 0–100 (higher = safer).
    level : numpy.ndarray
        ``(n,)`` level 1–4.
    fallback_used : numpy.ndarray
        ``(n, k)`` True where the fallback indicator supplied the value.
    excluded : tuple of str
        Indicators without data in every unit (``no_data`` or all values missing).
    """

    indicators: tuple[str, ...]
    safety: F64 = field(repr=False)
    weights: F64 = field(repr=False)
    contributions: F64 = field(repr=False)
    score: F64 = field(repr=False)
    level: I64 = field(repr=False)
    fallback_used: npt.NDArray[np.bool_] = field(repr=False)
    excluded: tuple[str, ...] = ()


def level_of(score: float, bands: Sequence[Band]) -> int:
    """The level of one score (bands sorted by ``min`` descending; lower edges exclusive)."""
    if not (math.isfinite(score) and 0.0 <= score <= 100.0 + 1e-9):
        raise InvalidInputError(f"score must be within 0–100, got {score!r}")
    ordered = sorted(bands, key=lambda b: -b.min)
    for b in ordered[:-1]:
        if score > b.min:
            return b.level
    return ordered[-1].level


def levels_of(scores: npt.ArrayLike, bands: Sequence[Band]) -> I64:
    """:func:`level_of` over an array."""
    return np.array([level_of(float(s), bands) for s in np.ravel(scores)], dtype=np.int64)


def assess(
    values: npt.ArrayLike,
    config: IndexConfig,
    *,
    fallback_values: npt.ArrayLike | None = None,
) -> IndexResult:
    """Scores, levels and contributions of units from their raw indicator values.

    Parameters
    ----------
    values : array_like
        ``(n, k)`` raw values in the order of ``config.indicators``; ``NaN`` = no value.
    config : IndexConfig
        Hierarchy, weights, normalisation and bands.
    fallback_values : array_like, optional
        ``(n, k)`` values of each indicator's fallback (``NaN`` where unused); used where
        ``values`` is ``NaN`` and the indicator has a fallback.

    Returns
    -------
    IndexResult

    Raises
    ------
    InvalidInputError
        Wrong shape, or a unit without a value for any indicator (nothing to score).
    """
    x = np.asarray(values, dtype=np.float64)
    k = len(config.indicators)
    if x.ndim != 2 or x.shape[1] != k:
        raise InvalidInputError(f"values must have shape (n, {k}), got {x.shape}")
    n = x.shape[0]
    fb = (
        np.full_like(x, np.nan)
        if fallback_values is None
        else np.asarray(fallback_values, dtype=np.float64)
    )
    if fb.shape != x.shape:
        raise InvalidInputError(f"fallback_values must have shape {x.shape}, got {fb.shape}")
    safety = np.full((n, k), np.nan)
    used_fb = np.zeros((n, k), dtype=bool)
    for j, spec in enumerate(config.indicators):
        if spec.no_data:
            continue
        col = spec.normaliser.safety(x[:, j])
        if spec.fallback is not None:
            missing = ~np.isfinite(col)
            alt = spec.fallback.normaliser.safety(fb[:, j])
            take = missing & np.isfinite(alt)
            col[take] = alt[take]
            used_fb[:, j] = take
        safety[:, j] = col
    has = np.isfinite(safety)
    empty = np.flatnonzero(~has.any(axis=1))
    if empty.size:
        raise InvalidInputError(
            f"{empty.size} unit(s) have no value for any indicator (first: unit {int(empty[0])})"
        )
    base = config.global_weights()
    w = np.where(has, base[None, :], 0.0)
    w = w / w.sum(axis=1, keepdims=True)
    s = np.where(has, safety, 0.0)
    score = (w * s).sum(axis=1)
    contributions = w * (100.0 - s)
    excluded = tuple(spec.id for j, spec in enumerate(config.indicators) if not has[:, j].any())
    return IndexResult(
        indicators=config.indicator_ids(),
        safety=safety,
        weights=w,
        contributions=contributions,
        score=score,
        level=levels_of(score, config.bands) if n else np.empty(0, dtype=np.int64),
        fallback_used=used_fb,
        excluded=excluded,
    )


# -- configuration text ------------------------------------------------------------------------


class _R:
    """Typed access to one TOML table; errors name the source and the field."""

    def __init__(self, data: Any, *, source: str, where: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"{source}: {where} must be a table")
        self.data: Mapping[str, Any] = data
        self.source = source
        self.where = where

    def fail(self, key: str, reason: str) -> ConfigurationError:
        return ConfigurationError(f"{self.source}: {self.where}.{key}: {reason}")

    def sub(self, key: str) -> _R:
        if key not in self.data:
            raise self.fail(key, "missing table")
        return _R(self.data[key], source=self.source, where=f"{self.where}.{key}")

    def text(self, key: str, default: str | None = None) -> str:
        v = self.data.get(key, default)
        if not isinstance(v, str) or not v.strip():
            raise self.fail(key, f"must be a non-empty string, got {v!r}")
        return v

    def number(self, key: str, default: float | None = None) -> float:
        v = self.data.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise self.fail(key, f"must be a number, got {v!r}")
        return float(v)

    def opt_number(self, key: str) -> float | None:
        return None if key not in self.data else self.number(key)

    def strings(self, key: str) -> tuple[str, ...]:
        v = self.data.get(key)
        if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
            raise self.fail(key, f"must be a non-empty list of strings, got {v!r}")
        return tuple(v)

    def matrix(self, key: str) -> list[list[float]]:
        v = self.data.get(key)
        if not isinstance(v, list) or not all(isinstance(r, list) for r in v):
            raise self.fail(key, "must be a list of rows")
        try:
            return [
                [parse_judgement(x, where=f"{self.where}.{key}[{i}][{j}]") for j, x in enumerate(r)]
                for i, r in enumerate(v)
            ]
        except InvalidInputError as exc:
            raise ConfigurationError(f"{self.source}: {exc}") from exc


def _normaliser(r: _R) -> Normaliser:
    try:
        direction = Direction(r.text("direction"))
        method = Method(r.text("method", "thresholds"))
    except ValueError as exc:
        raise r.fail("direction/method", str(exc)) from None
    try:
        return Normaliser(direction, method, r.opt_number("good"), r.opt_number("bad"))
    except InvalidInputError as exc:
        raise ConfigurationError(f"{r.source}: {r.where}: {exc}") from exc


def _indicator(ind: _R, iid: str, criterion: str, all_ind: _R) -> IndicatorSpec:
    fallback = None
    if "fallback" in ind.data:
        fid = ind.text("fallback")
        if fid not in all_ind.data:
            raise ind.fail("fallback", f"names no indicator table: {fid!r}")
        f = all_ind.sub(fid)
        fallback = IndicatorSpec(
            id=fid,
            criterion=criterion,
            name_zh=f.text("name_zh"),
            name_en=f.text("name_en"),
            unit=str(f.data.get("unit", "")),
            normaliser=_normaliser(f),
            source=str(f.data.get("source", "")),
        )
    no_data = ind.data.get("no_data", False)
    if not isinstance(no_data, bool):
        raise ind.fail("no_data", f"must be true or false, got {no_data!r}")
    return IndicatorSpec(
        id=iid,
        criterion=criterion,
        name_zh=ind.text("name_zh"),
        name_en=ind.text("name_en"),
        unit=str(ind.data.get("unit", "")),
        normaliser=_normaliser(ind),
        no_data=no_data,
        fallback=fallback,
        source=str(ind.data.get("source", "")),
    )


def _ahp(matrix: list[list[float]], *, path: str, labels: Sequence[str], source: str) -> AhpResult:
    # InconsistentMatrixError (an InvalidInputError) passes through unchanged: it already names
    # the matrix by its path; other matrix faults become configuration errors naming the file.
    from firegrid.risk.ahp import InconsistentMatrixError

    try:
        return ahp_weights(matrix, path=path, labels=labels)
    except InconsistentMatrixError:
        raise
    except InvalidInputError as exc:
        raise ConfigurationError(f"{source}: {exc}") from exc


def _building_factors(root: _R) -> tuple[tuple[BuildingFactor, ...], dict[str, Any]]:
    if "buildings" not in root.data:
        return (), {}
    b = root.sub("buildings")
    params = {k: v for k, v in b.data.items() if k != "factors"}
    factors = []
    ftab = b.sub("factors")
    for fid in ftab.data:
        f = ftab.sub(fid)
        scores_raw = f.data.get("scores", {})
        if not isinstance(scores_raw, Mapping):
            raise f.fail("scores", "must be a table")
        scores = {str(k): f.sub("scores").number(str(k)) for k in scores_raw}
        factors.append(
            BuildingFactor(
                id=fid,
                weight=f.number("weight"),
                name_zh=f.text("name_zh"),
                name_en=f.text("name_en"),
                good=f.opt_number("good"),
                bad=f.opt_number("bad"),
                no_data=bool(f.data.get("no_data", False)),
                scores=scores,
                default=f.opt_number("default"),
            )
        )
    total = sum(f.weight for f in factors)
    if factors and not math.isclose(total, 1.0, abs_tol=1e-6):
        raise ConfigurationError(
            f"{root.source}: buildings.factors: weights must sum to 1, got {total:.4f}"
        )
    return tuple(factors), params


def parse_index_config(text: str, *, source: str = "<string>") -> IndexConfig:
    """Parse and validate an index configuration (schema: ``risk/data/index_default.toml``).

    Raises
    ------
    ConfigurationError
        Not TOML, a missing or invalid field (naming the file and the field), an indicator
        named in a criterion without a table, bands that do not cover 0–100.
    InconsistentMatrixError
        A judgement matrix with CR ≥ 0.1 — naming the matrix (``criteria`` or
        ``criterion.<id>``), its CR and λmax and the worst judgement.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid TOML: {exc}") from exc
    root = _R(data, source=source, where="index")
    eff = data.get("effective_from")
    if not isinstance(eff, date):
        raise root.fail("effective_from", f"must be a TOML date, got {eff!r}")
    crit_tab = root.sub("criteria")
    order = crit_tab.strings("order")
    raw_groups = data.get("criterion")
    if not isinstance(raw_groups, list):
        raise root.fail("criterion", "must be an array of tables [[criterion]]")
    groups = {
        _R(g, source=source, where=f"criterion #{i + 1}").text("id"): _R(
            g, source=source, where=f"criterion #{i + 1}"
        )
        for i, g in enumerate(raw_groups)
    }
    if set(groups) != set(order):
        raise crit_tab.fail(
            "order", f"lists {sorted(order)} but [[criterion]] tables are {sorted(groups)}"
        )
    criteria_ahp = _ahp(crit_tab.matrix("matrix"), path="criteria", labels=order, source=source)
    ind_tab = root.sub("indicators")
    criteria: list[Criterion] = []
    specs: list[IndicatorSpec] = []
    for cid in order:
        g = groups[cid]
        ids = g.strings("indicators")
        for iid in ids:
            if iid not in ind_tab.data:
                raise g.fail("indicators", f"names {iid!r}, which has no [indicators.{iid}]")
            specs.append(_indicator(ind_tab.sub(iid), iid, cid, ind_tab))
        ahp = _ahp(g.matrix("matrix"), path=f"criterion.{cid}", labels=ids, source=source)
        criteria.append(Criterion(cid, g.text("name_zh"), g.text("name_en"), ids, ahp))
    if len({s.id for s in specs}) != len(specs):
        raise ConfigurationError(f"{source}: an indicator is listed under two criteria")
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list) or len(raw_bands) < 2:
        raise root.fail("bands", "needs at least two [[bands]] tables")
    bands = []
    for i, rb in enumerate(raw_bands):
        r = _R(rb, source=source, where=f"bands #{i + 1}")
        bands.append(
            Band(
                level=int(r.number("level")),
                code=r.text("code"),
                name_zh=r.text("name_zh"),
                name_en=r.text("name_en"),
                min=r.number("min"),
            )
        )
    if min(b.min for b in bands) != 0.0 or max(b.min for b in bands) >= 100.0:
        raise root.fail("bands", "lower edges must include 0 and stay below 100")
    params = dict(data.get("params", {}))
    confirm = data.get("confirm", [])
    if not isinstance(confirm, list):
        raise root.fail("confirm", "must be a list of strings")
    factors, bparams = _building_factors(root)
    return IndexConfig(
        id=root.text("id"),
        version=root.text("version"),
        effective_from=eff,
        name_zh=root.text("name_zh"),
        name_en=root.text("name_en"),
        criteria_ahp=criteria_ahp,
        criteria=tuple(criteria),
        indicators=tuple(specs),
        bands=tuple(sorted(bands, key=lambda b: b.level)),
        params=params,
        building_factors=factors,
        building_params=bparams,
        confirm=tuple(str(c) for c in confirm),
        source=source,
    )
