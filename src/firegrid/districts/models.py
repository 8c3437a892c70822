"""Districts, their resident population by year, townships and named places."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, str_enum
from firegrid.types import TownshipKind

__all__ = ["District", "DistrictPopulation", "Place", "Township"]


class District(TimestampMixin, Base):
    """A county-level district (区/县) served by one fire & rescue detachment."""

    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64), default="")
    adcode: Mapped[str | None] = mapped_column(String(12))
    province: Mapped[str] = mapped_column(String(32), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    #: WGS84 GeoJSON geometry text.
    boundary_geojson: Mapped[str | None] = mapped_column(Text)
    area_km2: Mapped[float | None] = mapped_column(Float)
    #: Name of the stored road network the command centre routes on (None: straight-line
    #: approximation, labelled so in every result).
    road_network: Mapped[str | None] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(Text, default="")


class DistrictPopulation(Base):
    """Resident population (常住人口) of a district in a year, with where the figure came from."""

    __tablename__ = "district_population"
    __table_args__ = (UniqueConstraint("district_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")
    #: True when the figure is derived (e.g. from another published indicator), not printed.
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")


class Township(TimestampMixin, Base):
    """A 街道 / 镇 / 乡 inside a district."""

    __tablename__ = "township"
    __table_args__ = (UniqueConstraint("district_id", "name_zh"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64), default="")
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[TownshipKind] = mapped_column(str_enum(TownshipKind))
    boundary_geojson: Mapped[str | None] = mapped_column(Text)
    area_km2: Mapped[float | None] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)
    #: Seat (驻地) used when a record is only known to lie "in" the township.
    seat_lon: Mapped[float | None] = mapped_column(Float)
    seat_lat: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, default="")


class Place(Base):
    """A named place (settlement or point of interest) — demand points and name search."""

    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("district_id", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id", ondelete="SET NULL"))
    #: Natural key from the source, e.g. ``osm:node/244081193``.
    source_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    #: Settlement or POI class as the source names it (village, hamlet, school, hotel …).
    kind: Mapped[str] = mapped_column(String(32))
    is_settlement: Mapped[bool] = mapped_column(Boolean, default=False)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    population: Mapped[int | None] = mapped_column(Integer)
