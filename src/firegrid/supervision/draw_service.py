"""Double-random draw use cases: draw, replay, export.

A draw collects its inputs once — candidate key units (closed ones and those inspected within
N days removed) with risk level, credit grade and weight; the eligible enforcement staff (active,
enforcement staff, law-enforcement certificate valid on the draw date); the conflicts of interest
among them; the weight configuration — stores them with the seed, runs the pure kernel
(:mod:`firegrid.supervision.draw`) on ``numpy.random.default_rng(seed)`` and stores the result.
:func:`replay_draw` runs the kernel again on the stored inputs alone.

Risk level source: :func:`firegrid.risk.buildings.unit_scores` (key-unit risk, levels 1–4) when it
can score the district; otherwise the occupancy proxy of the draw-weights configuration. The
inputs say which (``risk_source``).
"""

from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import date, timedelta
from typing import Any

import numpy as np

from firegrid.db.base import utcnow
from firegrid.districts.models import District
from firegrid.districts.repository import get_district
from firegrid.errors import FiregridError, InvalidInputError
from firegrid.supervision import repository as repo
from firegrid.supervision.config import DrawWeights, load_draw_weights
from firegrid.supervision.draw import NotEnoughInspectorsError, draw
from firegrid.supervision.models import InspectionDraw

__all__ = ["create_draw", "draw_inputs", "export_draw", "replay_draw", "run_inputs"]

_MAX_SEED = 2**63 - 1


def _risk_levels(session: Any, district: District, cfg: DrawWeights) -> tuple[dict[int, int], str]:
    """Risk level per key unit and where it came from."""
    try:
        from firegrid.risk.buildings import unit_scores

        scored = unit_scores(session, district.code)
        levels = {int(u["id"]): int(u["level"]) for u in scored["units"]}
        return levels, f"firegrid.risk.buildings.unit_scores ({scored.get('config', '')})"
    except (ImportError, FiregridError, KeyError, ValueError, TypeError) as exc:
        return {}, f"occupancy proxy ({cfg.ref}); risk model unavailable: {exc.__class__.__name__}"


def draw_inputs(
    session: Any, district_code: str, *, period: str, count: int, seed: int, on: date
) -> dict[str, Any]:
    """Collect everything the kernel needs, as JSON-ready data (stored with the draw)."""
    district = get_district(session, district_code)
    cfg = load_draw_weights(on)
    closed = repo.closed_unit_ids(session, district.id, on)
    last = repo.last_inspected(session, district.id, on)
    cutoff = on - timedelta(days=cfg.exclude_inspected_days)
    credit = repo.latest_credit(session, district.id, on)
    levels, risk_source = _risk_levels(session, district, cfg)
    candidates: list[dict[str, Any]] = []
    excluded: list[dict[str, Any]] = []
    for b in repo.key_units(session, district.id):
        if b.id in closed:
            excluded.append({"id": b.id, "name": b.name, "why": "closed"})
            continue
        if b.id in last and last[b.id] > cutoff:
            excluded.append(
                {"id": b.id, "name": b.name, "why": f"inspected {last[b.id].isoformat()}"}
            )
            continue
        if b.id in levels:
            level, lsrc = levels[b.id], "risk"
        elif levels:
            level, lsrc = cfg.unknown_risk_level, "unknown"
        else:
            level, lsrc = cfg.proxy_level(b.occupancy or ""), "occupancy_proxy"
        c = credit.get(b.id)
        grade = c.grade.value if c is not None else cfg.unknown_credit_grade
        candidates.append(
            {
                "id": b.id,
                "name": b.name,
                "risk_level": level,
                "risk_from": lsrc,
                "credit_grade": grade,
                "credit_from": "credit_score" if c is not None else "unknown",
                "weight": cfg.weight(level, grade),
            }
        )
    pool = repo.enforcement_pool(session, district.id, on)
    inspectors: list[dict[str, Any]] = [{"id": p.id, "name": p.name} for p in pool]
    conflicts = repo.conflicts_among(
        session, [int(c["id"]) for c in candidates], [p.id for p in pool]
    )
    return {
        "district": district.code,
        "period": period,
        "on": on.isoformat(),
        "seed": seed,
        "count": count,
        "method": "efraimidis-spirakis weighted sampling without replacement; pairs least-loaded",
        "config": cfg.as_dict(),
        "risk_source": risk_source,
        "candidates": candidates,
        "excluded": excluded,
        "inspectors": inspectors,
        "conflicts": [list(x) for x in conflicts],
    }


def run_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    """Run the kernel on stored inputs: the published result (without the draw id)."""
    cands = inputs["candidates"]
    insp = inputs["inspectors"]
    count = int(inputs["count"])
    if count > len(cands):
        raise InvalidInputError(
            f"asked for {count} units but only {len(cands)} are eligible in "
            f"{inputs['district']} on {inputs['on']} ({len(inputs['excluded'])} excluded)"
        )
    if count > 0 and len(insp) < 2:
        raise InvalidInputError(
            f"only {len(insp)} eligible inspector(s) in {inputs['district']} on {inputs['on']}: "
            "active enforcement staff with a valid law-enforcement certificate; a pair needs two"
        )
    uidx = {c["id"]: i for i, c in enumerate(cands)}
    pidx = {p["id"]: j for j, p in enumerate(insp)}
    conflicts = [(uidx[b], pidx[p]) for b, p in inputs["conflicts"] if b in uidx and p in pidx]
    rng = np.random.default_rng(int(inputs["seed"]))
    try:
        res = draw(
            np.array([c["weight"] for c in cands], dtype=np.float64),
            len(insp),
            count=count,
            rng=rng,
            conflicts=conflicts,
        )
    except NotEnoughInspectorsError as exc:
        c = cands[exc.unit_index]
        raise InvalidInputError(
            f"unit {c['id']} ({c['name']}): only {exc.eligible} eligible inspector(s) without a "
            "conflict of interest; a pair needs two"
        ) from None
    units = [
        {
            "id": cands[i]["id"],
            "name": cands[i]["name"],
            "risk_level": cands[i]["risk_level"],
            "credit_grade": cands[i]["credit_grade"],
        }
        for i in res.units
    ]
    pairs = [[insp[a]["id"], insp[b]["id"]] for a, b in res.pairs]
    names = [[insp[a]["name"], insp[b]["name"]] for a, b in res.pairs]
    return {
        "seed": int(inputs["seed"]),
        "district": inputs["district"],
        "period": inputs["period"],
        "on": inputs["on"],
        "config": inputs["config"]["ref"],
        "risk_source": inputs["risk_source"],
        "candidates": len(cands),
        "excluded": len(inputs["excluded"]),
        "units": units,
        "inspectors": pairs,
        "inspector_names": names,
    }


def _publish(d: InspectionDraw, result: dict[str, Any]) -> dict[str, Any]:
    return {"draw_id": d.id, **result}


def create_draw(
    session: Any,
    district_code: str,
    *,
    period: str,
    count: int,
    seed: int | None = None,
    on: date | None = None,
    actor: str = "system",
) -> dict[str, Any]:
    """Draw ``count`` key units and inspector pairs for a month; store seed, inputs and result."""
    from firegrid.supervision.service._common import _period

    _period(period)
    if count < 1:
        raise InvalidInputError(f"count must be at least 1, got {count}")
    if seed is None:
        seed = secrets.randbelow(2**31)
    if not 0 <= seed <= _MAX_SEED:
        raise InvalidInputError(f"seed {seed} must be between 0 and {_MAX_SEED}")
    day = on or utcnow().date()
    inputs = draw_inputs(session, district_code, period=period, count=count, seed=seed, on=day)
    result = run_inputs(inputs)
    district = get_district(session, district_code)
    d = InspectionDraw(
        district_id=district.id,
        period=period,
        seed=seed,
        count=count,
        config_ref=inputs["config"]["ref"],
        inputs_json=json.dumps(inputs, ensure_ascii=False, sort_keys=True),
        result_json=json.dumps(result, ensure_ascii=False, sort_keys=True),
        created_by=actor,
    )
    session.add(d)
    session.commit()
    return _publish(d, result)


def replay_draw(session: Any, draw_id: int) -> dict[str, Any]:
    """Run a stored draw again from its stored inputs; ConflictError if the result differs."""
    from firegrid.errors import ConflictError

    d = repo.get_draw(session, draw_id)
    result = run_inputs(json.loads(d.inputs_json))
    stored = json.loads(d.result_json)
    if json.loads(json.dumps(result, sort_keys=True)) != stored:
        raise ConflictError(
            f"draw {draw_id}: replay differs from the stored result (kernel or numpy changed?)"
        )
    return _publish(d, result)


def get_draw_inputs(session: Any, draw_id: int) -> dict[str, Any]:
    """The stored inputs of a draw (for audit and publication)."""
    d = repo.get_draw(session, draw_id)
    out: dict[str, Any] = json.loads(d.inputs_json)
    out["draw_id"] = d.id
    out["created_by"] = d.created_by
    out["created_at"] = d.created_at.isoformat()
    return out


def export_draw(session: Any, draw_id: int, *, fmt: str = "csv") -> str:
    """The published result list (双随机 结果公示) as CSV or JSON text."""
    d = repo.get_draw(session, draw_id)
    result = _publish(d, json.loads(d.result_json))
    if fmt == "json":
        return json.dumps(result, ensure_ascii=False, indent=2)
    if fmt != "csv":
        raise InvalidInputError(f"format {fmt!r}: csv or json")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "draw_id",
            "period",
            "seq",
            "unit_id",
            "unit_name",
            "risk_level",
            "credit_grade",
            "inspector_a_id",
            "inspector_a",
            "inspector_b_id",
            "inspector_b",
        ]
    )
    for n, (u, ids, names) in enumerate(
        zip(result["units"], result["inspectors"], result["inspector_names"], strict=True), 1
    ):
        w.writerow(
            [
                d.id,
                d.period,
                n,
                u["id"],
                u["name"],
                u["risk_level"],
                u["credit_grade"],
                ids[0],
                names[0],
                ids[1],
                names[1],
            ]
        )
    return buf.getvalue()
