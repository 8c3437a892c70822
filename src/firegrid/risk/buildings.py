"""Risk of each key unit (消防安全重点单位) from its own attributes, with the reasons.

Each factor of ``[buildings.factors]`` in the index configuration becomes a safety sub-score
0–100: the occupancy by its table (sleeping or immobile occupants lowest), floor area, height
(or floors × storey height), beds or rooms, basement storeys and fires within ``alarm_radius_m``
(50 m) over the record by linear thresholds, the fire control room as present (100) or absent
(0). Violations and inspection findings have no data source yet (``no_data``). A factor without
a value for a unit is left out and the other weights renormalised — the unit's ``no_data`` list
says which. Score, level and contributions follow the area index (:mod:`firegrid.risk.index`):
a safety score, higher = safer; contributions sum to 100 − score.

:func:`score_building` is the pure part; :func:`unit_scores` reads the district's key units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.districts.models import Township
from firegrid.districts.repository import get_district
from firegrid.risk.index import Band, BuildingFactor, IndexConfig, level_of
from firegrid.risk.service import district_records, load_index_config

__all__ = ["BuildingAttrs", "BuildingScore", "score_building", "unit_scores"]


@dataclass(frozen=True)
class BuildingAttrs:
    occupancy: str | None = None
    floor_area_m2: float | None = None
    height_m: float | None = None
    floors_above: int | None = None
    floors_below: int | None = None
    beds: int | None = None
    rooms: int | None = None
    has_control_room: bool | None = None
    #: Fires within the alarm radius over the record (None: no fire record at all).
    nearby_fires: int | None = None


@dataclass(frozen=True)
class Reason:
    factor: str
    value: Any
    safety: float
    contribution: float
    text_zh: str
    text_en: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "value": self.value,
            "safety": round(self.safety, 1),
            "contribution": round(self.contribution, 2),
            "text_zh": self.text_zh,
            "text_en": self.text_en,
        }


@dataclass(frozen=True)
class BuildingScore:
    score: float
    level: int
    reasons: tuple[Reason, ...]  # every factor with data, largest contribution first
    no_data: tuple[str, ...] = field(default=())


def _linear(value: float, good: float | None, bad: float | None) -> float:
    assert good is not None and bad is not None
    return float(np.clip(100.0 * (bad - value) / (bad - good), 0.0, 100.0))


def _factor_value(
    f: BuildingFactor, b: BuildingAttrs, storey_m: float
) -> tuple[Any, float, str] | None:
    """(value shown, safety sub-score, value text) or None when the unit has no value."""
    if f.no_data:
        return None
    if f.id == "occupancy":
        if not b.occupancy:
            return None
        s = f.scores.get(b.occupancy, f.default if f.default is not None else 50.0)
        return b.occupancy, s, b.occupancy
    if f.id == "floor_area_m2":
        if b.floor_area_m2 is None:
            return None
        return (
            b.floor_area_m2,
            _linear(b.floor_area_m2, f.good, f.bad),
            f"{b.floor_area_m2:,.0f} m²",
        )
    if f.id == "height_m":
        h = b.height_m
        if h is None and b.floors_above is not None:
            h = b.floors_above * storey_m
        if h is None:
            return None
        return h, _linear(h, f.good, f.bad), f"{h:.0f} m"
    if f.id == "occupants_sleeping":
        n = b.beds if b.beds is not None else b.rooms
        if n is None:
            return None
        return n, _linear(float(n), f.good, f.bad), str(n)
    if f.id == "basement_floors":
        if b.floors_below is None:
            return None
        return b.floors_below, _linear(float(b.floors_below), f.good, f.bad), str(b.floors_below)
    if f.id == "control_room":
        if b.has_control_room is None:
            return None
        return (
            b.has_control_room,
            100.0 if b.has_control_room else 0.0,
            ("有" if b.has_control_room else "无"),
        )
    if f.id == "alarm_history":
        if b.nearby_fires is None:
            return None
        n = b.nearby_fires
        return n, _linear(float(n), f.good, f.bad), str(n)
    return None


def score_building(
    b: BuildingAttrs,
    factors: Sequence[BuildingFactor],
    bands: Sequence[Band],
    *,
    storey_m: float = 3.0,
) -> BuildingScore:
    """Safety score, level and reasons of one unit from its attributes."""
    rows: list[tuple[BuildingFactor, Any, float, str]] = []
    missing: list[str] = []
    for f in factors:
        got = _factor_value(f, b, storey_m)
        if got is None:
            missing.append(f.id)
        else:
            rows.append((f, got[0], got[1], got[2]))
    total_w = sum(f.weight for f, *_ in rows)
    if not rows or total_w <= 0:
        # Nothing known: the middle of the scale would be a guess; say so with level of 50.
        return BuildingScore(50.0, level_of(50.0, bands), (), tuple(missing))
    reasons = []
    score = 0.0
    for f, value, safety, text in rows:
        w = f.weight / total_w
        score += w * safety
        pts = w * (100.0 - safety)
        reasons.append(
            Reason(
                factor=f.id,
                value=value,
                safety=safety,
                contribution=pts,
                text_zh=f"{f.name_zh}：{text}，扣{pts:.1f}分",
                text_en=f"{f.name_en}: {_en(text)}, costs {pts:.1f} points",
            )
        )
    reasons.sort(key=lambda r: -r.contribution)
    score = min(100.0, max(0.0, score))
    return BuildingScore(score, level_of(score, bands), tuple(reasons), tuple(missing))


def _en(text: str) -> str:
    return {"有": "yes", "无": "none"}.get(text, text)


def unit_scores(
    session: Session, code: str, *, config: IndexConfig | None = None
) -> dict[str, Any]:
    """Score every key unit of the district, lowest safety first, with the reasons."""
    cfg = config or load_index_config()
    district = get_district(session, code)
    units = list(
        session.scalars(
            select(Building)
            .where(Building.district_id == district.id, Building.key_unit.is_(True))
            .order_by(Building.id)
        )
    )
    radius = float(cfg.building_params.get("alarm_radius_m", 50.0))
    storey = float(cfg.params.get("storey_height_m", 3.0))
    fires_n = 0
    near: list[int | None] = [None] * len(units)
    synthetic_fires = 0
    if units and district.boundary_geojson:
        rec = district_records(session, district)
        fires_n, synthetic_fires = len(rec.fires_xy), rec.fires_synthetic
        if fires_n:
            tree = cKDTree(rec.fires_xy)
            xy = rec.project(
                np.array([u.lon for u in units], dtype=np.float64),
                np.array([u.lat for u in units], dtype=np.float64),
            )
            near = [len(x) for x in tree.query_ball_point(xy, radius)]
    towns = {
        t.id: (t.name_zh, t.name_en)
        for t in session.scalars(select(Township).where(Township.district_id == district.id))
    }
    rows = []
    for u, nf in zip(units, near, strict=True):
        res = score_building(
            BuildingAttrs(
                occupancy=u.occupancy or None,
                floor_area_m2=u.floor_area_m2,
                height_m=u.height_m,
                floors_above=u.floors_above,
                floors_below=u.floors_below,
                beds=u.beds,
                rooms=u.rooms,
                has_control_room=u.has_control_room,
                nearby_fires=nf if fires_n else None,
            ),
            cfg.building_factors,
            cfg.bands,
            storey_m=storey,
        )
        town = towns.get(u.township_id) if u.township_id is not None else None
        syn: list[dict[str, Any]] = []
        if u.synthetic:
            syn.append({"kind": "buildings", "synthetic": 1, "records": 1})
        if fires_n and synthetic_fires and "alarm_history" not in res.no_data:
            syn.append({"kind": "incidents", "synthetic": synthetic_fires, "records": fires_n})
        rows.append(
            {
                "id": u.id,
                "code": u.code,
                "name": u.name,
                "category": u.key_unit_category,
                "occupancy": u.occupancy,
                "township_id": u.township_id,
                "township": None if town is None else town[0],
                "lon": u.lon,
                "lat": u.lat,
                "score": round(res.score, 2),
                "level": res.level,
                "reasons": [r.as_dict() for r in res.reasons],
                "no_data": list(res.no_data),
                "synthetic": bool(syn),
                "synthetic_inputs": syn,
            }
        )
    rows.sort(key=lambda r: (r["score"], r["code"]))
    return {
        "district": district.code,
        "config": cfg.ref,
        "alarm_radius_m": radius,
        "units": rows,
        "levels": {str(lv): sum(1 for r in rows if r["level"] == lv) for lv in (1, 2, 3, 4)},
        "synthetic": any(r["synthetic"] for r in rows),
        "notes": [
            "violations and inspection findings: no data yet — excluded, weights renormalised",
            "score is a SAFETY score 0–100 (higher = safer); contributions sum to 100 − score",
        ]
        + ([] if fires_n else ["no located fire records: alarm history not assessed"]),
    }
