"""Published statistics exactly as printed, kept beside the records for plausibility checks."""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin

__all__ = ["PublishedFigure"]


class PublishedFigure(TimestampMixin, Base):
    """One cell of a published table: the raw text, the unit its column declares, the number."""

    __tablename__ = "published_figure"
    __table_args__ = (UniqueConstraint("district_id", "table_code", "row_key", "column_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    #: Which table of which document, e.g. ``mentougou-2026-2030/table1``.
    table_code: Mapped[str] = mapped_column(String(64))
    #: Row: a year ("2021") or "total".
    row_key: Mapped[str] = mapped_column(String(32))
    year: Mapped[int | None] = mapped_column(Integer)
    #: Column: fires, injuries, deaths, death_rate_per_100k, loss, population, calls_fire …
    column_key: Mapped[str] = mapped_column(String(64))
    #: What the figure measures when several columns report the same quantity (cross-checked).
    measure: Mapped[str | None] = mapped_column(String(64))
    column_heading: Mapped[str] = mapped_column(Text, default="")
    declared_unit: Mapped[str] = mapped_column(String(16), default="")
    raw_text: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")
