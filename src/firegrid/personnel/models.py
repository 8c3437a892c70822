"""Personnel: counts by category, the people register, certificates and conflicts of interest."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, str_enum
from firegrid.types import CertificateKind, PersonnelCategory

__all__ = ["Certificate", "ConflictOfInterest", "Person", "PersonnelCount"]


class PersonnelCount(TimestampMixin, Base):
    """Number of people of one category in a district (or one station) in a year."""

    __tablename__ = "personnel_count"
    __table_args__ = (UniqueConstraint("district_id", "station_id", "year", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(Integer)
    category: Mapped[PersonnelCategory] = mapped_column(str_enum(PersonnelCategory))
    count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")


class Person(TimestampMixin, Base):
    """One person of the register (firefighters, enforcement staff, clerks, volunteers).

    ``is_enforcement_staff`` puts the person in the 执法人员名录库 the double-random draw picks
    inspectors from (together with a valid law-enforcement certificate on the draw date).
    """

    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_district_enforcement", "district_id", "is_enforcement_staff"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id", ondelete="SET NULL"))
    #: Staff number or another stable code, unique in the district when given.
    code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    category: Mapped[PersonnelCategory] = mapped_column(str_enum(PersonnelCategory))
    #: Title or role, e.g. 监督员, 站长, 战斗员.
    title: Mapped[str] = mapped_column(String(100), default="")
    is_enforcement_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Employer or affiliation (for enterprise/township staff and conflict checks).
    affiliation: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")


class Certificate(TimestampMixin, Base):
    """A qualification a person holds, valid from ``issued_on`` to ``expires_on`` (inclusive)."""

    __tablename__ = "certificate"
    __table_args__ = (Index("ix_certificate_person_kind", "person_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[CertificateKind] = mapped_column(str_enum(CertificateKind))
    number: Mapped[str] = mapped_column(String(64), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    #: Null: does not expire.
    expires_on: Mapped[date | None] = mapped_column(Date)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)

    def valid_on(self, day: date) -> bool:
        """True if the certificate is in force on ``day``."""
        if self.issued_on is not None and day < self.issued_on:
            return False
        return self.expires_on is None or day <= self.expires_on


class ConflictOfInterest(TimestampMixin, Base):
    """A person who must not inspect a building (relative, former employer, shareholder …)."""

    __tablename__ = "conflict_of_interest"
    __table_args__ = (UniqueConstraint("person_id", "building_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
