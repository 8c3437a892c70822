"""Buildings and key units (消防安全重点单位)."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin

__all__ = ["Building"]


class Building(TimestampMixin, Base):
    """A building or a unit occupying one; ``key_unit`` marks 消防安全重点单位."""

    __tablename__ = "building"
    __table_args__ = (UniqueConstraint("district_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    #: Use / occupancy class (residential, shop, hotel, hospital, school, factory, warehouse …).
    occupancy: Mapped[str] = mapped_column(String(64), default="")
    floors_above: Mapped[int | None] = mapped_column(Integer)
    floors_below: Mapped[int | None] = mapped_column(Integer)
    height_m: Mapped[float | None] = mapped_column(Float)
    floor_area_m2: Mapped[float | None] = mapped_column(Float)
    beds: Mapped[int | None] = mapped_column(Integer)
    rooms: Mapped[int | None] = mapped_column(Integer)
    has_control_room: Mapped[bool | None] = mapped_column(Boolean)
    key_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    key_unit_category: Mapped[str | None] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
