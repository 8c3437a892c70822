"""Incidents (警情): every call the service turned out to, with fire details for fires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, UTCDateTime, str_enum
from firegrid.types import IncidentCategory, LocationPrecision

__all__ = ["Incident"]


class Incident(TimestampMixin, Base):
    __tablename__ = "incident"
    __table_args__ = (
        UniqueConstraint("district_id", "external_id"),
        Index("ix_incident_district_received", "district_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id", ondelete="SET NULL"))
    #: Natural key: the call number of the source system (re-imports are idempotent on it).
    external_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    category: Mapped[IncidentCategory] = mapped_column(str_enum(IncidentCategory))
    subtype: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    location_precision: Mapped[LocationPrecision] = mapped_column(
        str_enum(LocationPrecision), default=LocationPrecision.EXACT
    )
    # Fire details (null for other categories or when unknown).
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    injuries: Mapped[int] = mapped_column(Integer, default=0)
    serious_injuries: Mapped[int] = mapped_column(Integer, default=0)
    #: Direct property loss in fen (分) so sums are exact on every backend.
    loss_fen: Mapped[int | None] = mapped_column(BigInteger)
    building_fire: Mapped[bool | None] = mapped_column(Boolean)
    cause: Mapped[str | None] = mapped_column(String(64))
    occupancy: Mapped[str | None] = mapped_column(String(64))
    households_affected: Mapped[int | None] = mapped_column(Integer)
    #: True for records generated from published totals (demo data), never real calls.
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
