"""Training use cases: sessions, attendance, the yearly figures the plans measure.

Definitions (firegrid's reading of the plans):

* **training pass rate** (消防员专业培训达标率) of a year = assessed attendances of
  ``professional`` sessions held that year that passed ÷ those assessed (``passed`` not null);
* **people trained** (实操实训人数) of a year = distinct named attendees of ``public_skills``
  sessions held that year (a registered person once; a named resident once per name, group and
  organisation) + the sessions' ``unlisted_attendees``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.districts.models import District
from firegrid.districts.repository import get_district, populations
from firegrid.errors import ConflictError, InvalidInputError, NotFoundError
from firegrid.personnel.models import PersonnelCount
from firegrid.stations.models import Station
from firegrid.training.models import TrainingAttendance, TrainingSession
from firegrid.types import PersonnelCategory, TraineeGroup, TrainingKind

__all__ = [
    "AttendeeInput",
    "SessionInput",
    "YearFigures",
    "add_attendance",
    "create_session",
    "pass_rate",
    "people_trained",
    "training_summary",
    "year_figures",
]


def pass_rate(results: Iterable[bool | None]) -> tuple[int, int, float | None]:
    """(passed, assessed, percent) over assessment results; ``None`` = not assessed."""
    assessed = [r for r in results if r is not None]
    passed = sum(1 for r in assessed if r)
    return passed, len(assessed), (round(passed / len(assessed) * 100, 2) if assessed else None)


def people_trained(attendees: Iterable[tuple[int | None, str, str, str]], unlisted: int = 0) -> int:
    """Distinct people among ``(person_id, name, group, organisation)`` rows plus ``unlisted``."""
    keys = {
        ("p", pid) if pid is not None else ("n", name.strip(), group, org.strip())
        for pid, name, group, org in attendees
    }
    return len(keys) + unlisted


@dataclass(frozen=True)
class SessionInput:
    code: str
    title: str
    kind: TrainingKind
    held_on: date
    location: str = ""
    organiser: str = ""
    station: str | None = None
    unlisted_attendees: int = 0


@dataclass(frozen=True)
class AttendeeInput:
    name: str
    group: TraineeGroup
    organisation: str = ""
    person_id: int | None = None
    passed: bool | None = None
    score: float | None = None


def _session(session: Session, district: District, code: str) -> TrainingSession:
    s = session.scalar(
        select(TrainingSession).where(
            TrainingSession.district_id == district.id, TrainingSession.code == code
        )
    )
    if s is None:
        raise NotFoundError(f"no training session {code!r} in district {district.code}")
    return s


def session_out(s: TrainingSession, n_listed: int = 0, lang: str = "zh") -> dict[str, Any]:
    kind = TrainingKind(s.kind)
    return {
        "id": s.id,
        "code": s.code,
        "title": s.title,
        "kind": kind.value,
        "kind_label": kind.label(lang),
        "held_on": s.held_on.isoformat(),
        "location": s.location,
        "organiser": s.organiser,
        "listed_attendees": n_listed,
        "unlisted_attendees": s.unlisted_attendees,
        "synthetic": s.synthetic,
    }


def create_session(session: Session, district_code: str, data: SessionInput) -> dict[str, Any]:
    """Record a training session."""
    district = get_district(session, district_code)
    if data.unlisted_attendees < 0:
        raise InvalidInputError("unlisted_attendees must be ≥ 0")
    dup = session.scalar(
        select(TrainingSession.id).where(
            TrainingSession.district_id == district.id, TrainingSession.code == data.code
        )
    )
    if dup is not None:
        raise ConflictError(f"training session {data.code!r} already exists in {district.code}")
    station_id = None
    if data.station:
        st = session.scalar(
            select(Station).where(Station.district_id == district.id, Station.name == data.station)
        )
        if st is None:
            raise NotFoundError(f"no station named {data.station!r} in district {district.code}")
        station_id = st.id
    s = TrainingSession(
        district_id=district.id,
        station_id=station_id,
        code=data.code,
        title=data.title,
        kind=TrainingKind(data.kind),
        held_on=data.held_on,
        location=data.location,
        organiser=data.organiser,
        unlisted_attendees=data.unlisted_attendees,
    )
    session.add(s)
    session.commit()
    return session_out(s)


def add_attendance(
    session: Session, district_code: str, session_code: str, attendees: Sequence[AttendeeInput]
) -> dict[str, Any]:
    """Add attendees (with pass/fail) to a session, all or none."""
    district = get_district(session, district_code)
    s = _session(session, district, session_code)
    existing = {
        (a.name, a.organisation)
        for a in session.scalars(
            select(TrainingAttendance).where(TrainingAttendance.session_id == s.id)
        )
    }
    seen: set[tuple[str, str]] = set()
    for a in attendees:
        key = (a.name.strip(), a.organisation.strip())
        if not key[0]:
            raise InvalidInputError("an attendee needs a name")
        if key in existing or key in seen:
            raise ConflictError(f"{key[0]} ({key[1] or '-'}) is already listed in {s.code}")
        seen.add(key)
        session.add(
            TrainingAttendance(
                district_id=district.id,
                session_id=s.id,
                person_id=a.person_id,
                name=key[0],
                group=TraineeGroup(a.group),
                organisation=key[1],
                passed=a.passed,
                score=a.score,
            )
        )
    session.commit()
    return {"session": s.code, "added": len(attendees)}


@dataclass(frozen=True)
class YearFigures:
    year: int
    passed: int
    assessed: int
    pass_rate_percent: float | None
    people_trained: int
    public_sessions: int
    by_group: dict[str, int]
    synthetic_records: int
    records: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "passed": self.passed,
            "assessed": self.assessed,
            "pass_rate_percent": self.pass_rate_percent,
            "people_trained": self.people_trained,
            "public_sessions": self.public_sessions,
            "trained_by_group": self.by_group,
            "synthetic_records": self.synthetic_records,
            "records": self.records,
        }


def year_figures(session: Session, district: District, year: int) -> YearFigures:
    """Pass rate and people trained of a calendar year (see the module docstring)."""
    sessions = session.scalars(
        select(TrainingSession).where(
            TrainingSession.district_id == district.id,
            TrainingSession.held_on >= date(year, 1, 1),
            TrainingSession.held_on <= date(year, 12, 31),
        )
    ).all()
    kind_of = {s.id: TrainingKind(s.kind) for s in sessions}
    rows = (
        session.execute(
            select(
                TrainingAttendance.session_id,
                TrainingAttendance.person_id,
                TrainingAttendance.name,
                TrainingAttendance.group,
                TrainingAttendance.organisation,
                TrainingAttendance.passed,
                TrainingAttendance.synthetic,
            ).where(TrainingAttendance.session_id.in_(list(kind_of)))
        ).all()
        if kind_of
        else []
    )
    prof = [r[5] for r in rows if kind_of[r[0]] == TrainingKind.PROFESSIONAL]
    passed, assessed, rate = pass_rate(prof)
    public = [s for s in sessions if s.kind == TrainingKind.PUBLIC_SKILLS]
    pub_ids = {s.id for s in public}
    pub_rows = [r for r in rows if r[0] in pub_ids]
    unlisted = sum(s.unlisted_attendees for s in public)
    trained = people_trained(((r[1], r[2], str(r[3]), r[4]) for r in pub_rows), unlisted)
    groups = Counter(TraineeGroup(r[3]).value for r in pub_rows)
    if unlisted:
        groups["unlisted"] += unlisted
    return YearFigures(
        year=year,
        passed=passed,
        assessed=assessed,
        pass_rate_percent=rate,
        people_trained=trained,
        public_sessions=len(public),
        by_group=dict(sorted(groups.items())),
        synthetic_records=sum(1 for s in sessions if s.synthetic) + sum(1 for r in rows if r[6]),
        records=len(sessions) + len(rows),
    )


def _firefighters_per_10k(session: Session, district: District, year: int) -> dict[str, Any]:
    pop = populations(session, district.id).get(year)
    rows = session.scalars(
        select(PersonnelCount).where(
            PersonnelCount.district_id == district.id, PersonnelCount.year == year
        )
    ).all()
    district_level = [r for r in rows if r.station_id is None] or list(rows)
    n = sum(r.count for r in district_level if PersonnelCategory(r.category).is_firefighter)
    return {
        "firefighters": n if rows else None,
        "population": pop.population if pop else None,
        "per_10k": round(n / pop.population * 10_000, 2) if rows and pop else None,
    }


def training_summary(session: Session, district_code: str, year: int) -> dict[str, Any]:
    """Firefighters per 10,000 residents, training pass rate and people trained in ``year``."""
    district = get_district(session, district_code)
    fig = year_figures(session, district, year)
    return {
        "district": district.code,
        **fig.as_dict(),
        "firefighters_per_10k": _firefighters_per_10k(session, district, year),
        "synthetic": fig.synthetic_records > 0,
    }


def list_sessions(
    session: Session, district_code: str, *, year: int | None = None, lang: str = "zh"
) -> list[dict[str, Any]]:
    """Sessions of the district (of one year if given), newest first."""
    district = get_district(session, district_code)
    q = select(TrainingSession).where(TrainingSession.district_id == district.id)
    if year is not None:
        q = q.where(
            TrainingSession.held_on >= date(year, 1, 1),
            TrainingSession.held_on <= date(year, 12, 31),
        )
    sessions = session.scalars(
        q.order_by(TrainingSession.held_on.desc(), TrainingSession.code)
    ).all()
    counts = Counter(
        session.scalars(
            select(TrainingAttendance.session_id).where(
                TrainingAttendance.session_id.in_([s.id for s in sessions])
            )
        )
    )
    return [session_out(s, counts.get(s.id, 0), lang) for s in sessions]
