"""The model registry and stored risk warnings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from firegrid.db.base import Base, UTCDateTime, utcnow

__all__ = ["RiskModelRecord", "RiskWarning"]


class RiskModelRecord(Base):
    """A trained prediction model: data window, features, parameters, metrics, seed, artefact.

    Scoring names ``name@version``; training again with the same inputs and seed reproduces
    the same model (the artefact's checksum says so).
    """

    __tablename__ = "risk_model"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    #: lightgbm, logistic or frequency (the historical-frequency baseline).
    kind: Mapped[str] = mapped_column(String(32))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    #: Where the training data came from (file name + sha256, or a district's records).
    data_source: Mapped[str] = mapped_column(Text, default="")
    cell: Mapped[str] = mapped_column(String(64))  # e.g. "square:1000m" or "h3:8"
    period: Mapped[str] = mapped_column(String(16), default="month")
    train_from: Mapped[date | None] = mapped_column(Date)
    train_until: Mapped[date] = mapped_column(Date)
    test_from: Mapped[date | None] = mapped_column(Date)
    test_until: Mapped[date | None] = mapped_column(Date)
    #: JSON: feature names in order; model parameters; evaluation metrics.
    features_json: Mapped[str] = mapped_column(Text, default="[]")
    params_json: Mapped[str] = mapped_column(Text, default="{}")
    metrics_json: Mapped[str] = mapped_column(Text, default="{}")
    seed: Mapped[int] = mapped_column(Integer)
    artifact: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    note: Mapped[str] = mapped_column(Text, default="")


class RiskWarning(Base):
    """A targeted warning (风险预警) addressed to a township or a unit, with its reasons."""

    __tablename__ = "risk_warning"
    __table_args__ = (Index("ix_risk_warning_district_period", "district_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id", ondelete="SET NULL"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id", ondelete="SET NULL"))
    #: Grid cell id (H3 index or square-cell key) when the warning is about an area.
    cell: Mapped[str | None] = mapped_column(String(64))
    #: e.g. "2026-12" (the period the warning is for).
    period: Mapped[str] = mapped_column(String(16))
    #: Four levels (1 低 … 4 极高) as in the assessment.
    level: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float)
    #: Who it is for (township or unit name) — delivery channels come later.
    addressee: Mapped[str] = mapped_column(String(200))
    #: JSON list of {factor, value, contribution, text_zh, text_en}.
    reasons_json: Mapped[str] = mapped_column(Text, default="[]")
    #: ``id@version`` of the index configuration and/or ``name@version`` of the model used.
    index_ref: Mapped[str | None] = mapped_column(String(64))
    model_ref: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="new")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
