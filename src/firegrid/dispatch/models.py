"""Dispatchable units, their status history, assignments to incidents and key-unit pre-plans."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from firegrid.types import UnitStatus, UnitType

__all__ = ["Assignment", "PrePlan", "Unit", "UnitStatusEvent"]


class Unit(TimestampMixin, Base):
    """A dispatchable unit (一车一组 or a team) of a station, micro station or specialist team.

    ``version`` is the optimistic lock: every status change updates the row ``WHERE version =
    the version read``, so of two dispatchers assigning the same unit at once exactly one wins.
    """

    __tablename__ = "unit"
    __table_args__ = (
        UniqueConstraint("district_id", "call_sign"),
        Index("ix_unit_district_status", "district_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    apparatus_id: Mapped[int | None] = mapped_column(
        ForeignKey("apparatus.id", ondelete="SET NULL")
    )
    #: Radio call sign, e.g. 门头沟站-水罐1.
    call_sign: Mapped[str] = mapped_column(String(64))
    unit_type: Mapped[UnitType] = mapped_column(str_enum(UnitType))
    #: Firefighters riding with the unit.
    crew: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[UnitStatus] = mapped_column(str_enum(UnitStatus), default=UnitStatus.AVAILABLE)
    status_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The incident the unit is committed to (null when available or out of service).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    #: Last reported position when away from the station (null: at its station).
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    position_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declared form)


class UnitStatusEvent(Base):
    """One status change of a unit: from, to, when, by whom, where."""

    __tablename__ = "unit_status_event"
    __table_args__ = (Index("ix_unit_status_event_unit_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))
    from_status: Mapped[UnitStatus] = mapped_column(str_enum(UnitStatus))
    to_status: Mapped[UnitStatus] = mapped_column(str_enum(UnitStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)


class Assignment(Base):
    """A unit sent to an incident, with the times of its turn-out, arrival and release."""

    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("incident_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    #: The ETA the recommendation gave (s), to compare with what happened.
    eta_s: Mapped[float | None] = mapped_column(Float)
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    en_route_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    on_scene_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_by: Mapped[str] = mapped_column(String(64), default="system")


class PrePlan(TimestampMixin, Base):
    """A key unit's pre-plan (灭火救援预案): access, water, hazards, tactics."""

    __tablename__ = "pre_plan"
    __table_args__ = (UniqueConstraint("building_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown text: access routes, water supply, hazards, tactics, contacts.
    content: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
