"""The people register (people, certificates, conflicts of interest) and unit closures."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.districts.repository import get_district
from firegrid.errors import ConflictError, InvalidInputError
from firegrid.personnel.models import Certificate, ConflictOfInterest, Person
from firegrid.supervision import repository as repo
from firegrid.supervision.models import (
    UnitClosure,
)
from firegrid.types import (
    CertificateKind,
    PersonnelCategory,
)


def person_out(p: Person, certs: list[Certificate] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.id,
        "code": p.code,
        "name": p.name,
        "category": p.category.value,
        "title": p.title,
        "station_id": p.station_id,
        "is_enforcement_staff": p.is_enforcement_staff,
        "active": p.active,
        "affiliation": p.affiliation,
        "synthetic": p.synthetic,
    }
    if certs is not None:
        out["certificates"] = [
            {
                "id": c.id,
                "kind": c.kind.value,
                "number": c.number,
                "issued_on": c.issued_on,
                "expires_on": c.expires_on,
            }
            for c in certs
        ]
    return out


def create_person(
    session: Session,
    district_code: str,
    *,
    name: str,
    category: PersonnelCategory,
    title: str = "",
    is_enforcement_staff: bool = False,
    active: bool = True,
    affiliation: str = "",
    station_id: int | None = None,
    code: str | None = None,
    synthetic: bool = False,
    source: str = "",
) -> dict[str, Any]:
    """Add a person to the register."""
    district = get_district(session, district_code)
    if not name.strip():
        raise InvalidInputError("a person needs a name")
    p = Person(
        district_id=district.id,
        station_id=station_id,
        code=code,
        name=name.strip(),
        category=PersonnelCategory(category),
        title=title,
        is_enforcement_staff=is_enforcement_staff,
        active=active,
        affiliation=affiliation,
        synthetic=synthetic,
        source=source,
    )
    session.add(p)
    session.commit()
    return person_out(p, [])


def add_certificate(
    session: Session,
    person_id: int,
    *,
    kind: CertificateKind,
    number: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
    synthetic: bool = False,
) -> dict[str, Any]:
    """Record a certificate a person holds."""
    p = repo.get_person(session, person_id)
    if issued_on and expires_on and expires_on < issued_on:
        raise InvalidInputError(f"certificate expires {expires_on} before it is issued {issued_on}")
    c = Certificate(
        person_id=p.id,
        kind=CertificateKind(kind),
        number=number,
        issued_on=issued_on,
        expires_on=expires_on,
        synthetic=synthetic,
    )
    session.add(c)
    session.commit()
    return {"id": c.id, "person_id": p.id, "kind": c.kind.value, "expires_on": expires_on}


def add_conflict(
    session: Session, person_id: int, building_id: int, *, reason: str = ""
) -> dict[str, Any]:
    """Record that a person must not inspect a building."""
    p = repo.get_person(session, person_id)
    repo.get_building(session, p.district_id, building_id)
    exists = session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.person_id == person_id,
            ConflictOfInterest.building_id == building_id,
        )
    )
    if exists is not None:
        raise ConflictError(
            f"person {person_id} already has a conflict with building {building_id}"
        )
    c = ConflictOfInterest(person_id=person_id, building_id=building_id, reason=reason)
    session.add(c)
    session.commit()
    return {"id": c.id, "person_id": person_id, "building_id": building_id, "reason": reason}


def list_people(
    session: Session, district_code: str, *, enforcement_only: bool = False
) -> list[dict[str, Any]]:
    """The people register of a district with certificates."""
    district = get_district(session, district_code)
    q = select(Person).where(Person.district_id == district.id).order_by(Person.id)
    if enforcement_only:
        q = q.where(Person.is_enforcement_staff.is_(True))
    people = list(session.scalars(q))
    certs: dict[int, list[Certificate]] = {p.id: [] for p in people}
    if people:
        for c in session.scalars(
            select(Certificate)
            .where(Certificate.person_id.in_(list(certs)))
            .order_by(Certificate.id)
        ):
            certs[c.person_id].append(c)
    return [person_out(p, certs[p.id]) for p in people]


def close_unit(
    session: Session,
    district_code: str,
    building_id: int,
    *,
    closed_on: date,
    reopened_on: date | None = None,
    reason: str = "",
) -> dict[str, Any]:
    """Record that a unit is closed (excluded from draws while closed)."""
    district = get_district(session, district_code)
    repo.get_building(session, district.id, building_id)
    c = UnitClosure(
        district_id=district.id,
        building_id=building_id,
        closed_on=closed_on,
        reopened_on=reopened_on,
        reason=reason,
    )
    session.add(c)
    session.commit()
    return {"id": c.id, "building_id": building_id, "closed_on": closed_on}
