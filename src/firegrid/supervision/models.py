"""Supervision records: draws, inspections, hazards and their events, self-inspections,
penalties and credit scores."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
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

from firegrid.db.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from firegrid.types import (
    CreditGrade,
    EscalationKind,
    HazardSeverity,
    HazardStatus,
    InspectionMode,
    InspectionOutcome,
    SelfCheckReview,
)

__all__ = [
    "CreditScore",
    "Hazard",
    "HazardEvent",
    "Inspection",
    "InspectionDraw",
    "KeyUnitDecision",
    "Penalty",
    "SelfInspection",
    "UnitClosure",
]


class InspectionDraw(Base):
    """One double-random draw (双随机): its seed, full inputs and the published result.

    ``inputs_json`` holds everything the draw kernel saw (candidate units with weights,
    eligible inspectors, conflicts, configuration), so ``replay`` needs nothing else.
    """

    __tablename__ = "inspection_draw"
    __table_args__ = (Index("ix_inspection_draw_district_period", "district_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    #: Month the draw is for, ``YYYY-MM``.
    period: Mapped[str] = mapped_column(String(7))
    seed: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer)
    #: ``file@version`` of the draw configuration used.
    config_ref: Mapped[str] = mapped_column(String(100), default="")
    inputs_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Inspection(TimestampMixin, Base):
    """An inspection of a unit, on site or non-site (video, IoT data, self-check review)."""

    __tablename__ = "inspection"
    __table_args__ = (
        Index("ix_inspection_district_on", "district_id", "inspected_on"),
        Index("ix_inspection_building_on", "building_id", "inspected_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    draw_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection_draw.id", ondelete="SET NULL")
    )
    mode: Mapped[InspectionMode] = mapped_column(str_enum(InspectionMode))
    inspector1_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    inspector2_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    inspected_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[InspectionOutcome] = mapped_column(
        str_enum(InspectionOutcome), default=InspectionOutcome.PASSED
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Hazard(TimestampMixin, Base):
    """A fire hazard (火灾隐患) and where it stands in the rectification loop.

    ``version`` is the optimistic lock: two people moving the same hazard at once cannot both win.
    """

    __tablename__ = "hazard"
    __table_args__ = (
        Index("ix_hazard_building_status", "building_id", "status"),
        Index("ix_hazard_status_deadline", "status", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("inspection.id", ondelete="SET NULL")
    )
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[HazardSeverity] = mapped_column(
        str_enum(HazardSeverity), default=HazardSeverity.GENERAL
    )
    status: Mapped[HazardStatus] = mapped_column(str_enum(HazardStatus), default=HazardStatus.FOUND)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: The person who found it (null when found by an IoT rule or a self-check).
    found_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    #: The user who recorded it (login name).
    found_by_user: Mapped[str] = mapped_column(String(64), default="")
    #: Rectification deadline set by the order (责令限期改正).
    deadline: Mapped[date | None] = mapped_column(Date)
    ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reinspected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reinspected_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    reinspected_by_user: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation: Mapped[EscalationKind | None] = mapped_column(str_enum(EscalationKind))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declared form)


class HazardEvent(Base):
    """One status change of a hazard: from, to, when, by whom, why."""

    __tablename__ = "hazard_event"
    __table_args__ = (Index("ix_hazard_event_hazard_at", "hazard_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazard.id", ondelete="CASCADE"))
    #: Null for the creation event.
    from_status: Mapped[HazardStatus | None] = mapped_column(str_enum(HazardStatus))
    to_status: Mapped[HazardStatus] = mapped_column(str_enum(HazardStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="system")
    note: Mapped[str] = mapped_column(Text, default="")


class SelfInspection(TimestampMixin, Base):
    """A unit's own periodic check (企安安-style self-inspection) and its review."""

    __tablename__ = "self_inspection"
    __table_args__ = (UniqueConstraint("building_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    #: Month checked, ``YYYY-MM``.
    period: Mapped[str] = mapped_column(String(7))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by: Mapped[str] = mapped_column(String(64), default="")
    #: ``[{"item": ..., "ok": bool, "note": ...}, ...]``
    items_json: Mapped[str] = mapped_column(Text, default="[]")
    all_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    review_result: Mapped[SelfCheckReview] = mapped_column(
        str_enum(SelfCheckReview), default=SelfCheckReview.PENDING
    )
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Penalty(TimestampMixin, Base):
    """An administrative penalty on a unit (amount in fen)."""

    __tablename__ = "penalty"
    __table_args__ = (Index("ix_penalty_building_on", "building_id", "decided_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("hazard.id", ondelete="SET NULL"))
    decided_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class CreditScore(Base):
    """A unit's fire-safety credit on one date; rows accumulate into its history."""

    __tablename__ = "credit_score"
    __table_args__ = (Index("ix_credit_score_building_as_of", "building_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    as_of: Mapped[date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[CreditGrade] = mapped_column(str_enum(CreditGrade, length=4))
    #: ``{factor: {"count": n, "points": -x}}``
    breakdown_json: Mapped[str] = mapped_column(Text, default="{}")
    severe_dishonesty: Mapped[bool] = mapped_column(Boolean, default=False)
    config_ref: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KeyUnitDecision(Base):
    """Why a building is (or is not) a key unit: rule set, rule and reason of one classification."""

    __tablename__ = "key_unit_decision"
    __table_args__ = (Index("ix_key_unit_decision_building_at", "building_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    is_key_unit: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str | None] = mapped_column(String(64))
    #: ``province/rule-set@effective-date:rule-id``
    rule_ref: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    #: Whether the deciding figure is marked "confirm" (not read in an official text).
    to_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_on: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(64), default="system")


class UnitClosure(TimestampMixin, Base):
    """A unit closed (停业, 关停, 拆除) from ``closed_on``; excluded from draws until reopened."""

    __tablename__ = "unit_closure"
    __table_args__ = (Index("ix_unit_closure_building", "building_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    closed_on: Mapped[date] = mapped_column(Date)
    reopened_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
