"""Grid the district, score its cells with the index kernel, aggregate townships, and cache
the result per data revision."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from typing import Any

import h3
import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from firegrid.db.revisions import revision
from firegrid.districts.models import District
from firegrid.districts.repository import get_district
from firegrid.errors import InvalidInputError
from firegrid.risk.index import IndexConfig, assess, level_of
from firegrid.risk.service._config import load_index_config
from firegrid.risk.service._indicators import (
    _indicators,
)
from firegrid.risk.service._records import district_records
from firegrid.risk.service._texts import synthetic_note

DEFAULT_RESOLUTION = 8
#: H3 resolutions offered: 6 (~36 km² cells) to 10 (~0.015 km²).
_RESOLUTIONS = range(6, 11)
#: A district gridded into more cells than this is refused (choose a coarser resolution).
MAX_CELLS = 250_000

_REVISION_TABLES = ("building", "incident", "road_network", "station", "water_source")

_CACHE: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], dict[str, Any]]] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()


def _grid(boundary: BaseGeometry, resolution: int) -> list[str]:
    if resolution not in _RESOLUTIONS:
        raise InvalidInputError(
            f"resolution must be an H3 resolution from {_RESOLUTIONS.start} to "
            f"{_RESOLUTIONS.stop - 1}, got {resolution}"
        )
    try:
        shape_ = h3.geo_to_h3shape(boundary.__geo_interface__)
        cells = sorted(h3.h3shape_to_cells(shape_, resolution))
    except (ValueError, h3.H3BaseException) as exc:
        raise InvalidInputError(f"cannot grid the district boundary: {exc}") from exc
    if len(cells) > MAX_CELLS:
        raise InvalidInputError(
            f"resolution {resolution} gives {len(cells)} cells (limit {MAX_CELLS}): use a "
            "coarser one"
        )
    if not cells:
        # A boundary smaller than one cell: take the cell of its centroid.
        c = boundary.representative_point()
        cells = [h3.latlng_to_cell(c.y, c.x, resolution)]
    return cells


def _exposed(
    rec: Any,
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    res: int,
    town_idx: list[int | None],
) -> Any:
    """Cells with something on record to protect: a settlement, a building or a past fire
    within one H3 edge length of the centre (≈ the cell's circumradius). Where the district
    records no settlement points at all, a township with a resident population counts as
    exposed throughout (there is nothing finer to go by)."""
    radius = float(h3.average_hexagon_edge_length(res, unit="m"))
    xy = rec.project(lon, lat)
    out = np.zeros(len(lon), dtype=bool)
    if not len(rec.settlements_xy):
        peopled = [bool(t.population) for t in rec.townships]
        out |= np.array([i is not None and peopled[i] for i in town_idx], dtype=bool)
    for pts in (rec.settlements_xy, rec.building_xy, rec.fires_xy):
        if len(pts):
            d, _ = cKDTree(pts).query(xy, k=1, distance_upper_bound=radius)
            out |= np.isfinite(d)
    return out


def _compute(
    session: Session, district: District, resolution: int, cfg: IndexConfig
) -> dict[str, Any]:
    rec = district_records(session, district)
    cells = _grid(rec.boundary, resolution)
    centres = [h3.cell_to_latlng(c) for c in cells]
    lat = np.array([c[0] for c in centres], dtype=np.float64)
    lon = np.array([c[1] for c in centres], dtype=np.float64)
    town_idx = rec.township_of(lon, lat)
    ind = _indicators(session, rec, cfg, cells, lon, lat, town_idx)
    res = assess(ind.values, cfg, fallback_values=ind.fallback)
    exposed = _exposed(rec, lon, lat, resolution, town_idx)
    ids = res.indicators
    specs = {s.id: s for s in cfg.indicators}
    crit_of = cfg.criterion_of()
    towns = rec.townships

    def shown(j: int, i: int) -> float | None:
        v = float((ind.fallback if res.fallback_used[i, j] else ind.values)[i, j])
        if math.isnan(v):
            return None
        return None if math.isinf(v) else round(v, 4)

    out_cells = []
    for i, c in enumerate(cells):
        contrib = {
            k: round(float(res.contributions[i, j]), 3)
            for j, k in enumerate(ids)
            if res.weights[i, j] > 0
        }
        t_i = town_idx[i]
        out_cells.append(
            {
                "cell": c,
                "lon": round(float(lon[i]), 6),
                "lat": round(float(lat[i]), 6),
                "township_id": None if t_i is None else towns[t_i].id,
                "township": None if t_i is None else towns[t_i].name_zh,
                "township_en": None if t_i is None else towns[t_i].name_en,
                "score": round(float(res.score[i]), 2),
                "level": int(res.level[i]),
                "exposed": bool(exposed[i]),
                "contributions": contrib,
                "values": {k: shown(j, i) for j, k in enumerate(ids) if res.weights[i, j] > 0},
                "fallback": [k for j, k in enumerate(ids) if res.fallback_used[i, j]],
                **ind.detail[i],
            }
        )

    township_rows: list[dict[str, Any]] = []
    for t_i, t in enumerate(towns):
        mask = np.array([x == t_i for x in town_idx], dtype=bool)
        if not mask.any():
            continue
        score = float(res.score[mask].mean())
        contrib = res.contributions[mask].mean(axis=0)
        by_crit: dict[str, float] = {}
        for j, k in enumerate(ids):
            by_crit[crit_of[k]] = by_crit.get(crit_of[k], 0.0) + float(contrib[j])
        order = np.argsort(-contrib)
        township_rows.append(
            {
                "township_id": t.id,
                "township": t.name_zh,
                "township_en": t.name_en,
                "cells": int(mask.sum()),
                "score": round(score, 2),
                "level": level_of(score, cfg.bands),
                "min_score": round(float(res.score[mask].min()), 2),
                "levels": {str(lv): int((res.level[mask] == lv).sum()) for lv in (1, 2, 3, 4)},
                "contributions": {k: round(float(contrib[j]), 3) for j, k in enumerate(ids)},
                "criteria": {k: round(v, 3) for k, v in by_crit.items()},
                "top_factors": [
                    {
                        "factor": ids[j],
                        "points": round(float(contrib[j]), 2),
                        "name_zh": specs[ids[j]].name_zh,
                        "name_en": specs[ids[j]].name_en,
                    }
                    for j in order[:3]
                    if contrib[j] > 0
                ],
            }
        )
    township_rows.sort(key=lambda r: r["score"])

    used = {k for j, k in enumerate(ids) if (res.weights[:, j] > 0).any()}
    basis = {k: v for k, v in ind.basis.items() if k in used and v}
    excluded = [
        {
            "indicator": k,
            "name_zh": specs[k].name_zh,
            "name_en": specs[k].name_en,
            "reason": "no_data" if specs[k].no_data else "no values in this district",
            "note_zh": f"{specs[k].name_zh}：暂无数据，已剔除并对其余指标权重归一化",
            "note_en": (f"{specs[k].name_en}: no data — excluded, the other weights renormalised"),
        }
        for k in res.excluded
    ]
    notes = list(ind.notes)
    notes.append(
        f"{int(exposed.sum())} of {len(cells)} cells are exposed (a settlement, building or past "
        "fire within one cell edge of the centre); the others are scored but hold nothing to "
        "protect on record, and warnings go only to exposed cells"
    )
    notes += [e["note_en"] for e in excluded]
    notes.append(
        "score is a SAFETY score 0–100 (higher = safer); contributions are the points each "
        "factor costs and sum to 100 − score; bands (confirm): I 低 (85,100], II 中 (65,85], "
        "III 高 (25,65], IV 极高 [0,25]"
    )
    # H3 cells shrink away from the icosahedron's face centres: report the real mean here.
    cell_area = float(np.mean([h3.cell_area(c, unit="km^2") for c in cells]))
    return {
        "district": district.code,
        "district_name": district.name_zh,
        "config": cfg.ref,
        "config_name_zh": cfg.name_zh,
        "config_name_en": cfg.name_en,
        "confirm": list(cfg.confirm),
        "resolution": resolution,
        "cell_area_km2": round(cell_area, 4),
        "approximate": bool(ind.travel["approximate"]),
        "travel_time": ind.travel,
        "hierarchy": cfg.hierarchy_dict(),
        "cells": out_cells,
        "townships": township_rows,
        "levels": {str(lv): int((res.level == lv).sum()) for lv in (1, 2, 3, 4)},
        "levels_exposed": {
            str(lv): int(((res.level == lv) & exposed).sum()) for lv in (1, 2, 3, 4)
        },
        "exposed_cells": int(exposed.sum()),
        "excluded": excluded,
        "synthetic": bool(basis),
        "synthetic_inputs": basis,
        "synthetic_note_zh": synthetic_note(basis, "zh"),
        "synthetic_note_en": synthetic_note(basis, "en"),
        "notes": notes,
    }


def assess_district(
    session: Session,
    code: str,
    *,
    resolution: int = DEFAULT_RESOLUTION,
    config: IndexConfig | None = None,
) -> dict[str, Any]:
    """Assess the district's fire risk per H3 cell and per township (cached per data revision).

    The result holds every cell's safety score, level, contributions and indicator values,
    the township table, the hierarchy with its weights and consistency ratios, the
    configuration ``id@version`` and the synthetic flags. Do not mutate it: it is shared.
    """
    cfg = config or load_index_config()
    district = get_district(session, code)
    key = (
        session.get_bind().engine.url.render_as_string(hide_password=True),
        district.id,
        resolution,
        cfg.ref,
        cfg.source,
        id(cfg),
    )
    stamp = (*revision(session, _REVISION_TABLES), district.road_network)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == stamp:
            _CACHE.move_to_end(key)
            return {**hit[1], "cached": True}
    result = _compute(session, district, resolution, cfg)
    with _LOCK:
        _CACHE[key] = (stamp, result)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return {**result, "cached": False}
