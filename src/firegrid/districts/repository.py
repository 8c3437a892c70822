"""Queries on districts, populations and townships."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.districts.models import District, DistrictPopulation, Township
from firegrid.errors import NotFoundError

__all__ = ["get_district", "list_districts", "populations", "townships"]


def get_district(session: Session, code: str) -> District:
    district = session.scalar(select(District).where(District.code == code))
    if district is None:
        known = ", ".join(session.scalars(select(District.code).order_by(District.code))) or "none"
        raise NotFoundError(f"no district {code!r} in this database (known: {known})")
    return district


def list_districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.code)))


def populations(session: Session, district_id: int) -> dict[int, DistrictPopulation]:
    rows = session.scalars(
        select(DistrictPopulation).where(DistrictPopulation.district_id == district_id)
    )
    return {r.year: r for r in rows}


def townships(session: Session, district_id: int) -> list[Township]:
    return list(
        session.scalars(
            select(Township).where(Township.district_id == district_id).order_by(Township.name_zh)
        )
    )
