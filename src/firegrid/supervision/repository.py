"""Queries of the supervision domain (no commits here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.errors import NotFoundError
from firegrid.personnel.models import Certificate, ConflictOfInterest, Person
from firegrid.supervision.models import (
    CreditScore,
    Hazard,
    Inspection,
    InspectionDraw,
    SelfInspection,
    UnitClosure,
)
from firegrid.types import CertificateKind

__all__ = [
    "closed_unit_ids",
    "conflicts_among",
    "enforcement_pool",
    "get_building",
    "get_draw",
    "get_hazard",
    "get_person",
    "get_self_inspection",
    "key_units",
    "last_inspected",
    "latest_credit",
]

_M = TypeVar("_M")


def get_building(session: Session, district_id: int, building_id: int) -> Building:
    b = session.get(Building, building_id)
    if b is None or b.district_id != district_id:
        raise NotFoundError(f"building {building_id} not found in this district")
    return b


def _get(session: Session, model: type[_M], ident: int, what: str) -> _M:
    row = session.get(model, ident)
    if row is None:
        raise NotFoundError(f"{what} {ident} not found")
    return row


def get_person(session: Session, person_id: int) -> Person:
    return _get(session, Person, person_id, "person")


def get_hazard(session: Session, hazard_id: int) -> Hazard:
    return _get(session, Hazard, hazard_id, "hazard")


def get_draw(session: Session, draw_id: int) -> InspectionDraw:
    return _get(session, InspectionDraw, draw_id, "draw")


def get_self_inspection(session: Session, sid: int) -> SelfInspection:
    return _get(session, SelfInspection, sid, "self-inspection")


def key_units(session: Session, district_id: int) -> list[Building]:
    return list(
        session.scalars(
            select(Building)
            .where(Building.district_id == district_id, Building.key_unit.is_(True))
            .order_by(Building.id)
        )
    )


def closed_unit_ids(session: Session, district_id: int, on: date) -> set[int]:
    """Buildings closed on ``on`` (a closure begun on or before it and not reopened by then)."""
    rows = session.scalars(
        select(UnitClosure.building_id).where(
            UnitClosure.district_id == district_id,
            UnitClosure.closed_on <= on,
            or_(UnitClosure.reopened_on.is_(None), UnitClosure.reopened_on > on),
        )
    )
    return set(rows)


def last_inspected(session: Session, district_id: int, on: date) -> dict[int, date]:
    """Latest inspection date on or before ``on`` per building."""
    rows = session.execute(
        select(Inspection.building_id, func.max(Inspection.inspected_on))
        .where(Inspection.district_id == district_id, Inspection.inspected_on <= on)
        .group_by(Inspection.building_id)
    )
    return {int(b): d for b, d in rows}


def latest_credit(session: Session, district_id: int, on: date) -> dict[int, CreditScore]:
    """The newest credit score per building with ``as_of`` on or before ``on``."""
    out: dict[int, CreditScore] = {}
    for c in session.scalars(
        select(CreditScore)
        .where(CreditScore.district_id == district_id, CreditScore.as_of <= on)
        .order_by(CreditScore.as_of, CreditScore.id)
    ):
        out[c.building_id] = c
    return out


def enforcement_pool(session: Session, district_id: int, on: date) -> list[Person]:
    """Active enforcement staff holding a law-enforcement certificate valid on ``on``, by id."""
    valid = select(Certificate.person_id).where(
        Certificate.kind == CertificateKind.LAW_ENFORCEMENT,
        or_(Certificate.issued_on.is_(None), Certificate.issued_on <= on),
        or_(Certificate.expires_on.is_(None), Certificate.expires_on >= on),
    )
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.district_id == district_id,
                Person.active.is_(True),
                Person.is_enforcement_staff.is_(True),
                Person.id.in_(valid),
            )
            .order_by(Person.id)
        )
    )


def conflicts_among(
    session: Session, building_ids: Sequence[int], person_ids: Sequence[int]
) -> list[tuple[int, int]]:
    """``(building_id, person_id)`` conflicts of interest among the given ids."""
    if not building_ids or not person_ids:
        return []
    rows = session.execute(
        select(ConflictOfInterest.building_id, ConflictOfInterest.person_id).where(
            and_(
                ConflictOfInterest.building_id.in_(list(building_ids)),
                ConflictOfInterest.person_id.in_(list(person_ids)),
            )
        )
    )
    return sorted((int(b), int(p)) for b, p in rows)
