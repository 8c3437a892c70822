"""Equipment items with RFID/EPC tags, their lifecycle events and maintenance records."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from firegrid.types import EquipmentStatus

__all__ = ["EquipmentEvent", "EquipmentItem", "EquipmentMaintenance"]


class EquipmentItem(TimestampMixin, Base):
    """One piece of equipment (装备), tagged with an EPC-96 RFID id.

    ``kind`` is a key of the equipment standard (``equipment/data/equipment_standards.toml``).
    ``version`` is the optimistic lock of lifecycle moves.
    """

    __tablename__ = "equipment_item"
    __table_args__ = (
        UniqueConstraint("district_id", "code"),
        UniqueConstraint("district_id", "epc"),
        Index("ix_equipment_item_station_status", "station_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(64))
    #: EPC-96 tag id, 24 upper-case hex characters (null: not tagged yet).
    epc: Mapped[str | None] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[EquipmentStatus] = mapped_column(str_enum(EquipmentStatus))
    status_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    procured_on: Mapped[date | None] = mapped_column(Date)
    last_maintained_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declared form)


class EquipmentEvent(Base):
    """One lifecycle move of an item: from, to, when, by whom, at which station."""

    __tablename__ = "equipment_event"
    __table_args__ = (Index("ix_equipment_event_item_at", "item_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("equipment_item.id", ondelete="CASCADE"))
    from_status: Mapped[EquipmentStatus | None] = mapped_column(str_enum(EquipmentStatus))
    to_status: Mapped[EquipmentStatus] = mapped_column(str_enum(EquipmentStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(128), default="system")
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")


class EquipmentMaintenance(Base):
    """A maintenance (保养/检测) done on an item."""

    __tablename__ = "equipment_maintenance"
    __table_args__ = (Index("ix_equipment_maintenance_item_on", "item_id", "performed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("equipment_item.id", ondelete="CASCADE"))
    performed_on: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(128), default="system")
    note: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
