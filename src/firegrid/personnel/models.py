"""Personnel counts by category (the plans publish counts, not rosters)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, str_enum
from firegrid.types import PersonnelCategory

__all__ = ["PersonnelCount"]


class PersonnelCount(TimestampMixin, Base):
    """Number of people of one category in a district (or one station) in a year."""

    __tablename__ = "personnel_count"
    __table_args__ = (UniqueConstraint("district_id", "station_id", "year", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    category: Mapped[PersonnelCategory] = mapped_column(str_enum(PersonnelCategory))
    count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
