"""Water sources: hydrants, pools, water cranes, wells, natural-water intakes."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, str_enum
from firegrid.types import WaterSourceKind, WaterSourceStatus

__all__ = ["WaterSource"]


class WaterSource(TimestampMixin, Base):
    __tablename__ = "water_source"
    __table_args__ = (UniqueConstraint("district_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[WaterSourceKind] = mapped_column(str_enum(WaterSourceKind))
    status: Mapped[WaterSourceStatus] = mapped_column(str_enum(WaterSourceStatus))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    commissioned_year: Mapped[int | None] = mapped_column(Integer)
    flow_l_s: Mapped[float | None] = mapped_column(Float)
    pressure_mpa: Mapped[float | None] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
