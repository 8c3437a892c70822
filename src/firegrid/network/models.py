"""Stored road networks: one row per (name, version), the graph arrays as a compressed blob."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from firegrid.db.base import Base, UTCDateTime, utcnow

__all__ = ["RoadNetwork"]


class RoadNetwork(Base):
    """A road graph built from one source file with one speed profile.

    Re-importing a source with a different checksum (or with another profile version) makes a
    new version; the same source and profile again is recognised and not stored twice.
    """

    __tablename__ = "road_network"
    __table_args__ = (UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    source_name: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_format: Mapped[str] = mapped_column(String(32))
    profile_id: Mapped[str] = mapped_column(String(64))
    profile_version: Mapped[str] = mapped_column(String(32))
    nodes: Mapped[int] = mapped_column(Integer)
    edges: Mapped[int] = mapped_column(Integer)
    road_km: Mapped[float] = mapped_column(Float)
    #: Boundary used for clipping (WGS84 GeoJSON, with its buffer applied), if any.
    clip_geojson: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    #: ``RoadGraph.to_bytes()`` (numpy npz, compressed); loaded only when asked for.
    graph_npz: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    note: Mapped[str] = mapped_column(Text, default="")
