"""Key-unit register use cases: (re)classify a district's buildings and list the register.

A classification records a KeyUnitDecision per building (rule set, rule, reason) and sets the
building's ``key_unit`` flag and category; an undetermined result (missing figures) keeps the
current designation and says what is missing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.db.base import utcnow
from firegrid.districts.repository import get_district
from firegrid.supervision.keyunits import KeyUnitAttrs, classify, load_key_unit_rules
from firegrid.supervision.models import KeyUnitDecision

__all__ = ["attrs_of", "classify_district", "key_unit_register"]


def attrs_of(b: Building) -> KeyUnitAttrs:
    """The rule attributes a Building row gives (unknown ones stay None).

    Beds are boarding beds for schools; a building without basement storeys has no underground
    area; the floor area is taken as above ground (the register has one area figure).
    """
    occ = (b.occupancy or "").strip().lower()
    school = occ in ("school", "college", "university")
    return KeyUnitAttrs(
        occupancy=occ,
        floor_area_m2=b.floor_area_m2,
        underground_area_m2=0.0 if b.floors_below == 0 else None,
        rooms=b.rooms,
        beds=None if school else b.beds,
        boarding_beds=b.beds if school else None,
    )


def classify_district(
    session: Session,
    district_code: str,
    *,
    on: date | None = None,
    apply: bool = True,
    actor: str = "system",
) -> dict[str, Any]:
    """Classify every building of a district; record why; update the register unless dry-run."""
    district = get_district(session, district_code)
    day = on or utcnow().date()
    rules = load_key_unit_rules()
    ruleset = rules.pick(district.province or "national", day)
    rows = []
    counts = {"key_unit": 0, "not_key_unit": 0, "undetermined": 0, "changed": 0}
    for b in session.scalars(
        select(Building).where(Building.district_id == district.id).order_by(Building.id)
    ):
        c = classify(attrs_of(b), district.province or "national", on=day, rules=rules)
        was = b.key_unit
        new_flag = was if c.undetermined else c.is_key_unit
        changed = new_flag != b.key_unit
        kind = (
            "undetermined" if c.undetermined else ("key_unit" if c.is_key_unit else "not_key_unit")
        )
        counts[kind] += 1
        counts["changed"] += int(changed)
        if apply:
            if changed:
                b.key_unit = new_flag
            if c.is_key_unit and c.category and b.key_unit_category != c.category:
                b.key_unit_category = c.category
            session.add(
                KeyUnitDecision(
                    district_id=district.id,
                    building_id=b.id,
                    is_key_unit=new_flag,
                    category=c.category,
                    rule_ref=c.rule_ref,
                    reason=c.reason_zh + " | " + c.reason_en,
                    to_confirm=c.confirm,
                    decided_on=day,
                    decided_by=actor,
                )
            )
        rows.append(
            {
                "id": b.id,
                "code": b.code,
                "name": b.name,
                "occupancy": b.occupancy,
                "was_key_unit": was,
                "key_unit": new_flag,
                "changed": changed,
                **c.as_dict(),
            }
        )
    if apply:
        session.commit()
    return {
        "district": district.code,
        "province": district.province,
        "on": day,
        "rule_set": ruleset.ref,
        "rule_set_name": ruleset.name_zh,
        "applied": apply,
        "counts": counts,
        "buildings": rows,
    }


def key_unit_register(session: Session, district_code: str) -> dict[str, Any]:
    """The key-unit register with each unit's latest recorded decision."""
    district = get_district(session, district_code)
    latest: dict[int, KeyUnitDecision] = {}
    for d in session.scalars(
        select(KeyUnitDecision)
        .where(KeyUnitDecision.district_id == district.id)
        .order_by(KeyUnitDecision.decided_at, KeyUnitDecision.id)
    ):
        latest[d.building_id] = d
    units = []
    for b in session.scalars(
        select(Building)
        .where(Building.district_id == district.id, Building.key_unit.is_(True))
        .order_by(Building.id)
    ):
        dec = latest.get(b.id)
        units.append(
            {
                "id": b.id,
                "code": b.code,
                "name": b.name,
                "category": b.key_unit_category,
                "occupancy": b.occupancy,
                "synthetic": b.synthetic,
                "decision": None
                if dec is None
                else {
                    "rule_ref": dec.rule_ref,
                    "reason": dec.reason,
                    "to_confirm": dec.to_confirm,
                    "decided_on": dec.decided_on,
                },
            }
        )
    return {"district": district.code, "count": len(units), "units": units}
