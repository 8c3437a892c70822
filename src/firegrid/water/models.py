"""Water sources (hydrants, pools, water cranes, wells, natural-water intakes), their status
history, inspections and the maintenance tickets of the 发现 → 通报 → 维修 → 复核 loop."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
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

from firegrid.db.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from firegrid.types import WaterSourceKind, WaterSourceStatus, WaterTicketStatus

__all__ = ["WaterInspection", "WaterSource", "WaterStatusEvent", "WaterTicket", "WaterTicketEvent"]


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


class WaterStatusEvent(Base):
    """One status change of a water source (written by ``water.history`` on every change).

    The intact rate of any past month is read from these rows (``water.maintenance``).
    """

    __tablename__ = "water_status_event"
    __table_args__ = (Index("ix_water_status_event_source_at", "water_source_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    water_source_id: Mapped[int] = mapped_column(ForeignKey("water_source.id", ondelete="CASCADE"))
    from_status: Mapped[WaterSourceStatus] = mapped_column(str_enum(WaterSourceStatus))
    to_status: Mapped[WaterSourceStatus] = mapped_column(str_enum(WaterSourceStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(128), default="system")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_ticket.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class WaterTicket(TimestampMixin, Base):
    """A defect of a water source followed from discovery to the recheck that closes it.

    ``version`` is the optimistic lock: two people moving the same ticket at once — one wins,
    the other gets a conflict instead of silently overwriting the first.
    """

    __tablename__ = "water_ticket"
    __table_args__ = (Index("ix_water_ticket_district_status", "district_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    water_source_id: Mapped[int] = mapped_column(ForeignKey("water_source.id", ondelete="CASCADE"))
    status: Mapped[WaterTicketStatus] = mapped_column(str_enum(WaterTicketStatus))
    #: What is wrong (the failed checklist items, or free text).
    defect: Mapped[str] = mapped_column(Text, default="")
    #: Who is told to repair (water company, property manager …).
    notified_party: Mapped[str] = mapped_column(String(200), default="")
    discovered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    discovered_by: Mapped[str] = mapped_column(String(128), default="system")
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notified_by: Mapped[str | None] = mapped_column(String(128))
    repair_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    repair_started_by: Mapped[str | None] = mapped_column(String(128))
    rechecked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rechecked_by: Mapped[str | None] = mapped_column(String(128))
    #: Failed rechecks so far (each sends the ticket back to 通报).
    failed_rechecks: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declared form)


class WaterTicketEvent(Base):
    """One move of a ticket: from, to, when, by whom, with a note."""

    __tablename__ = "water_ticket_event"
    __table_args__ = (Index("ix_water_ticket_event_ticket_at", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("water_ticket.id", ondelete="CASCADE"))
    from_status: Mapped[WaterTicketStatus | None] = mapped_column(str_enum(WaterTicketStatus))
    to_status: Mapped[WaterTicketStatus] = mapped_column(str_enum(WaterTicketStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(128), default="system")
    note: Mapped[str] = mapped_column(Text, default="")


class WaterInspection(Base):
    """An inspection of a water source against the 完好 checklist, with its readings.

    Checklist items are ``None`` when not checked; ``intact`` is the verdict the checklist
    standard gave (version in ``standard_version``).
    """

    __tablename__ = "water_inspection"
    __table_args__ = (Index("ix_water_inspection_source_at", "water_source_id", "inspected_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    water_source_id: Mapped[int] = mapped_column(ForeignKey("water_source.id", ondelete="CASCADE"))
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    inspector: Mapped[str] = mapped_column(String(128), default="system")
    body_intact: Mapped[bool | None] = mapped_column(Boolean)
    no_leak: Mapped[bool | None] = mapped_column(Boolean)
    valve_operates: Mapped[bool | None] = mapped_column(Boolean)
    sign_visible: Mapped[bool | None] = mapped_column(Boolean)
    access_clear: Mapped[bool | None] = mapped_column(Boolean)
    no_frost_damage: Mapped[bool | None] = mapped_column(Boolean)
    pressure_mpa: Mapped[float | None] = mapped_column(Float)
    flow_l_s: Mapped[float | None] = mapped_column(Float)
    intact: Mapped[bool] = mapped_column(Boolean)
    #: The failed items, comma-separated (empty when intact).
    failed_items: Mapped[str] = mapped_column(Text, default="")
    standard_version: Mapped[str] = mapped_column(String(32), default="")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("water_ticket.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
