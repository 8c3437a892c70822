"""Stations and teams of every kind, and their apparatus."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, str_enum
from firegrid.types import (
    ApparatusStatus,
    LocationPrecision,
    Staffing,
    StationClass,
    StationStatus,
    VehicleType,
)

__all__ = ["Apparatus", "Station"]


class Station(TimestampMixin, Base):
    """A fire station or any other dispatchable team (micro station, specialist team …)."""

    __tablename__ = "station"
    __table_args__ = (UniqueConstraint("district_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(128))
    station_class: Mapped[StationClass] = mapped_column(str_enum(StationClass))
    #: For specialist teams: earthquake, high_angle_mountain, water, cbrn, drone …
    specialty: Mapped[str | None] = mapped_column(String(64))
    staffing: Mapped[Staffing] = mapped_column(str_enum(Staffing), default=Staffing.UNKNOWN)
    status: Mapped[StationStatus] = mapped_column(str_enum(StationStatus))
    planned_year: Mapped[int | None] = mapped_column(Integer)
    commissioned_year: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    location_precision: Mapped[LocationPrecision] = mapped_column(str_enum(LocationPrecision))
    building_area_m2: Mapped[float | None] = mapped_column(Float)
    #: A station hosted by another (e.g. a specialist team at a station) names its host here.
    host_station_id: Mapped[int | None] = mapped_column(
        ForeignKey("station.id", ondelete="SET NULL")
    )
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")


class Apparatus(TimestampMixin, Base):
    """A vehicle (消防车) with its type per the Beibei plan's vehicle table."""

    __tablename__ = "apparatus"
    __table_args__ = (UniqueConstraint("district_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(64))
    vehicle_type: Mapped[VehicleType] = mapped_column(str_enum(VehicleType))
    status: Mapped[ApparatusStatus] = mapped_column(str_enum(ApparatusStatus))
    commission_year: Mapped[int | None] = mapped_column(Integer)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")
