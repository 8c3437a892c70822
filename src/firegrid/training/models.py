"""Training sessions and who attended them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, str_enum
from firegrid.types import TraineeGroup, TrainingKind

__all__ = ["TrainingAttendance", "TrainingSession"]


class TrainingSession(TimestampMixin, Base):
    """A training (实操实训, drill, professional assessment, certification course).

    ``unlisted_attendees`` counts people trained whose names were not recorded (a community
    hands-on session often keeps a head count only); they count as trained, never as assessed.
    """

    __tablename__ = "training_session"
    __table_args__ = (
        UniqueConstraint("district_id", "code"),
        Index("ix_training_session_district_held", "district_id", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TrainingKind] = mapped_column(str_enum(TrainingKind))
    held_on: Mapped[date] = mapped_column(Date)
    location: Mapped[str] = mapped_column(String(200), default="")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    unlisted_attendees: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")


class TrainingAttendance(Base):
    """One attendee of a session: a registered person or a named resident with a group.

    ``passed`` is null when the session assessed nobody (or this attendee was not assessed).
    """

    __tablename__ = "training_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "name", "organisation"),
        Index("ix_training_attendance_district", "district_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(100))
    group: Mapped[TraineeGroup] = mapped_column(str_enum(TraineeGroup))
    #: Community, company, unit or station the attendee belongs to.
    organisation: Mapped[str] = mapped_column(String(200), default="")
    passed: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
