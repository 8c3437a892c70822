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
from firegrid.types import BuildingClass, IncidentCategory, IncidentStatus, LocationPrecision

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
    # Command-centre lifecycle. Imported historical records arrive closed; the times they carry
    # (e.g. Toronto's alarm and arrival) feed the response metrics the same way.
    status: Mapped[IncidentStatus] = mapped_column(
        str_enum(IncidentStatus), default=IncidentStatus.CLOSED
    )
    #: XF/T 1340 alarm level in force (fire 1–5, rescue 1–4); ``alarm_level_auto`` is what the
    #: report gave before any escalation by the dispatcher.
    alarm_level: Mapped[int | None] = mapped_column(Integer)
    alarm_level_auto: Mapped[int | None] = mapped_column(Integer)
    building_class: Mapped[BuildingClass | None] = mapped_column(str_enum(BuildingClass))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="SET NULL"))
    #: As reported at intake (the outcome is in deaths / injuries).
    reported_trapped: Mapped[int] = mapped_column(Integer, default=0)
    reported_casualties: Mapped[int] = mapped_column(Integer, default=0)
    large_area: Mapped[bool] = mapped_column(Boolean, default=False)
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    #: ``id@version`` of the run card set used by the recommendation.
    run_cards: Mapped[str | None] = mapped_column(String(64))
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_arrival_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    controlled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Station of the first unit on scene (from assignments, or as imported).
    first_station_id: Mapped[int | None] = mapped_column(
        ForeignKey("station.id", ondelete="SET NULL")
    )
    #: True for records generated from published totals (demo data), never real calls.
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
