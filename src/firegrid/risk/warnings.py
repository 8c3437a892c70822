"""Targeted risk warnings (风险预警): the riskiest cells to their township, the riskiest key
units to the unit, each with its reasons, level, score and the index ``id@version`` used.

Generating is idempotent per district and period: the period's warnings still ``new`` are
replaced (deleted and written again, every row audited), while warnings already acknowledged or
closed stay — and their cell or unit is not warned twice in that period. Status moves only
forward: ``new`` → ``acknowledged`` → ``closed`` (or ``new`` → ``closed``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.accounts.audit import record
from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError
from firegrid.risk.buildings import unit_scores
from firegrid.risk.index import IndexConfig
from firegrid.risk.models import RiskWarning
from firegrid.risk.service import DEFAULT_RESOLUTION, assess_district, reason_text

__all__ = [
    "STATUSES",
    "TRANSITIONS",
    "generate_warnings",
    "list_warnings",
    "set_warning_status",
    "warning_out",
]

STATUSES = ("new", "acknowledged", "closed")
#: Allowed moves; anything else is refused.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"acknowledged", "closed"}),
    "acknowledged": frozenset({"closed"}),
    "closed": frozenset(),
}
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REASONS = 3
_MAX_TOP = 500


def _check_period(period: str) -> str:
    if not _PERIOD.match(period or ""):
        raise InvalidInputError(f"period must be a month as YYYY-MM, got {period!r}")
    return period


def warning_out(w: RiskWarning) -> dict[str, Any]:
    """A stored warning as JSON-ready data."""
    return {
        "id": w.id,
        "kind": "unit" if w.building_id is not None else "cell",
        "period": w.period,
        "level": w.level,
        "score": w.score,
        "addressee": w.addressee,
        "township_id": w.township_id,
        "building_id": w.building_id,
        "cell": w.cell,
        "reasons": json.loads(w.reasons_json or "[]"),
        "index_ref": w.index_ref,
        "model_ref": w.model_ref,
        "status": w.status,
        "synthetic": w.synthetic,
        "created_at": w.created_at.isoformat() if w.created_at else None,
        "created_by": w.created_by,
    }


def _cell_reasons(assessment: dict[str, Any], cell: dict[str, Any]) -> list[dict[str, Any]]:
    specs = {i["id"]: i for g in assessment["hierarchy"]["groups"] for i in g["indicators"]}
    out = []
    top = sorted(cell["contributions"].items(), key=lambda kv: -kv[1])
    for factor, pts in top[:_REASONS]:
        if pts <= 0:
            continue
        s = specs[factor]
        value = cell["values"].get(factor)
        fb = factor in cell.get("fallback", [])
        # A fallback value (settlement density) is in the fallback's unit, not the indicator's.
        zh, en = reason_text(s["name_zh"], s["name_en"], "" if fb else s["unit"], value, pts)
        out.append(
            {"factor": factor, "value": value, "contribution": pts, "text_zh": zh, "text_en": en}
        )
    return out


def generate_warnings(
    session: Session,
    code: str,
    *,
    period: str = "2026-12",
    top_cells: int = 10,
    top_units: int = 10,
    actor: str,
    resolution: int = DEFAULT_RESOLUTION,
    min_level: int = 2,
    config: IndexConfig | None = None,
) -> dict[str, Any]:
    """Write the period's warnings for the riskiest cells and key units (replacing its new ones)."""
    _check_period(period)
    for name, v in (("top_cells", top_cells), ("top_units", top_units)):
        if not 0 <= v <= _MAX_TOP:
            raise InvalidInputError(f"{name} must be within 0–{_MAX_TOP}, got {v}")
    if min_level not in (1, 2, 3, 4):
        raise InvalidInputError(f"min_level must be 1–4, got {min_level}")
    district = get_district(session, code)
    assessment = assess_district(session, code, resolution=resolution, config=config)
    units = unit_scores(session, code, config=config)
    existing = list(
        session.scalars(
            select(RiskWarning).where(
                RiskWarning.district_id == district.id, RiskWarning.period == period
            )
        )
    )
    replaced = [w for w in existing if w.status == "new"]
    kept = [w for w in existing if w.status != "new"]
    for w in replaced:
        session.delete(w)
    session.flush()
    kept_cells = {w.cell for w in kept if w.cell and w.building_id is None}
    kept_units = {w.building_id for w in kept if w.building_id is not None}
    ref = assessment["config"]
    rows: list[RiskWarning] = []
    cells = sorted(assessment["cells"], key=lambda c: (c["score"], c["cell"]))
    for c in cells:
        if len(rows) >= top_cells:  # only cell warnings so far
            break
        # A warning needs something to protect: cells with no settlement, building or past
        # fire on record (empty mountain and forest) are scored but not warned about.
        if c["level"] < min_level or c["cell"] in kept_cells or not c.get("exposed", True):
            continue
        rows.append(
            RiskWarning(
                district_id=district.id,
                township_id=c.get("township_id"),
                cell=c["cell"],
                period=period,
                level=c["level"],
                score=c["score"],
                addressee=c["township"] or district.name_zh,
                reasons_json=json.dumps(_cell_reasons(assessment, c), ensure_ascii=False),
                index_ref=ref,
                status="new",
                synthetic=bool(assessment["synthetic"]),
                created_by=actor,
            )
        )
    n_units = 0
    for u in units["units"]:
        if n_units >= top_units:
            break
        if u["level"] < min_level or u["id"] in kept_units:
            continue
        n_units += 1
        reasons = [
            {k: r[k] for k in ("factor", "value", "contribution", "text_zh", "text_en")}
            for r in u["reasons"][:_REASONS]
            if r["contribution"] > 0
        ]
        rows.append(
            RiskWarning(
                district_id=district.id,
                township_id=u["township_id"],
                building_id=u["id"],
                period=period,
                level=u["level"],
                score=u["score"],
                addressee=u["name"],
                reasons_json=json.dumps(reasons, ensure_ascii=False, default=str),
                index_ref=ref,
                status="new",
                synthetic=bool(u["synthetic"]),
                created_by=actor,
            )
        )
    session.add_all(rows)
    session.flush()
    record(
        session,
        action="risk.warnings.generate",
        entity="risk_warning",
        entity_id=f"{district.code}:{period}",
        after={"created": len(rows), "replaced": len(replaced), "kept": len(kept)},
        detail=f"index {ref}, resolution {resolution}",
    )
    out = {
        "district": district.code,
        "period": period,
        "config": ref,
        "resolution": resolution,
        "created": len(rows),
        "replaced": len(replaced),
        "kept": len(kept),
        "synthetic": bool(assessment["synthetic"]) or bool(units["synthetic"]),
        "warnings": [warning_out(w) for w in rows],
    }
    session.commit()
    return out


def list_warnings(
    session: Session, code: str, period: str | None = None, *, status: str | None = None
) -> list[dict[str, Any]]:
    """The district's warnings (of one period / status), riskiest first."""
    district = get_district(session, code)
    q = select(RiskWarning).where(RiskWarning.district_id == district.id)
    if period is not None:
        q = q.where(RiskWarning.period == _check_period(period))
    if status is not None:
        if status not in STATUSES:
            raise InvalidInputError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
        q = q.where(RiskWarning.status == status)
    q = q.order_by(RiskWarning.period.desc(), RiskWarning.score, RiskWarning.id)
    return [warning_out(w) for w in session.scalars(q)]


def set_warning_status(
    session: Session, code: str, warning_id: int, status: str, *, actor: str
) -> dict[str, Any]:
    """Acknowledge or close a warning (new → acknowledged → closed; nothing goes back)."""
    if status not in ("acknowledged", "closed"):
        raise InvalidInputError(f"status must be 'acknowledged' or 'closed', got {status!r}")
    district = get_district(session, code)
    w = session.get(RiskWarning, warning_id)
    if w is None or w.district_id != district.id:
        raise NotFoundError(f"no risk warning {warning_id} in district {code!r}")
    if status not in TRANSITIONS.get(w.status, frozenset()):
        raise ConflictError(
            f"risk warning {warning_id} is {w.status!r}: cannot move to {status!r} "
            f"(allowed: {', '.join(sorted(TRANSITIONS.get(w.status, ()))) or 'none'})"
        )
    w.status = status
    session.flush()
    record(
        session,
        action=f"risk.warning.{status}",
        entity="risk_warning",
        entity_id=str(w.id),
        detail=f"by {actor}",
    )
    out = warning_out(w)
    session.commit()
    return out
