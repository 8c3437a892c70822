"""Synthetic records for a demo district: a water-source status history for 2025–2026, a small
equipment inventory and training sessions. Everything here is ``synthetic = True``, seeded,
and idempotent (a second load finds the records and changes nothing).

The history ends in each source's current status (so the current intact rate is unchanged) and
keeps every month-end intact rate at or above 97 %, as the Mentougou plan publishes ("97%以上").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.districts.models import District
from firegrid.equipment.models import EquipmentItem
from firegrid.equipment.standards import load_equipment_standards
from firegrid.stations.models import Station
from firegrid.training.models import TrainingAttendance, TrainingSession
from firegrid.types import (
    EquipmentStatus,
    StationStatus,
    TraineeGroup,
    TrainingKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource, WaterStatusEvent

__all__ = ["HISTORY_END", "HISTORY_START", "load_records_demo"]

HISTORY_START = datetime(2025, 1, 1, tzinfo=UTC)
HISTORY_END = datetime(2026, 10, 31, tzinfo=UTC)
_SOURCE = "firegrid demo (synthetic records)"
W = WaterSourceStatus


def _seed(district: District) -> int:
    return sum(ord(c) for c in district.code) * 7919


def _water_history(session: Session, district: District, rng: np.random.Generator) -> int:
    sources = session.scalars(
        select(WaterSource)
        .where(WaterSource.district_id == district.id, WaterSource.synthetic.is_(True))
        .order_by(WaterSource.code)
    ).all()
    if not sources:
        return 0
    ids = [s.id for s in sources]
    done = session.scalar(
        select(WaterStatusEvent.id).where(
            WaterStatusEvent.water_source_id.in_(ids), WaterStatusEvent.synthetic.is_(True)
        )
    )
    if done is not None:
        return 0
    events: list[WaterStatusEvent] = []

    def ev(sid: int, at: datetime, old: WaterSourceStatus, new: WaterSourceStatus) -> None:
        events.append(
            WaterStatusEvent(
                water_source_id=sid,
                from_status=old,
                to_status=new,
                at=at,
                actor="demo",
                note="合成演示记录 synthetic demo history",
                synthetic=True,
            )
        )

    intact = [s for s in sources if s.status == W.IN_SERVICE]
    # Sources not intact today: their fault began in the last month of the history.
    for s in sources:
        if s.status in (W.FAULTY, W.OUT_OF_SERVICE):
            t0 = HISTORY_END - timedelta(days=int(rng.integers(5, 28)))
            ev(s.id, t0, W.IN_SERVICE, W.FAULTY)
            if s.status == W.OUT_OF_SERVICE:
                ev(s.id, t0 + timedelta(days=2), W.FAULTY, W.OUT_OF_SERVICE)
    # Past episodes: a few sources a month fail, are repaired and rechecked within 3–20 days.
    month = HISTORY_START
    while month < HISTORY_END - timedelta(days=31):
        for i in rng.choice(len(intact), size=int(rng.integers(2, 6)), replace=False):
            s = intact[int(i)]
            start = month + timedelta(days=int(rng.integers(0, 27)), hours=int(rng.integers(8, 17)))
            repair = start + timedelta(days=int(rng.integers(1, 4)))
            back = repair + timedelta(days=int(rng.integers(2, 17)))
            ev(s.id, start, W.IN_SERVICE, W.FAULTY)
            ev(s.id, repair, W.FAULTY, W.OUT_OF_SERVICE)
            ev(s.id, back, W.OUT_OF_SERVICE, W.IN_SERVICE)
        month = (month + timedelta(days=32)).replace(day=1)
    session.add_all(events)
    return len(events)


def _equipment(session: Session, district: District, rng: np.random.Generator) -> int:
    done = session.scalar(
        select(EquipmentItem.id).where(
            EquipmentItem.district_id == district.id, EquipmentItem.synthetic.is_(True)
        )
    )
    if done is not None:
        return 0
    std = load_equipment_standards()
    stations = session.scalars(
        select(Station)
        .where(Station.district_id == district.id, Station.status == StationStatus.EXISTING)
        .order_by(Station.name)
    ).all()
    items = []
    n = 0
    for st in stations:
        cls = std.classes.get(st.station_class)
        if cls is None:
            continue
        for kind, count in cls.items.items():
            # Mostly equipped; now and then one line falls short of the (placeholder) standard.
            have = count - (int(rng.integers(1, 3)) if rng.random() < 0.12 else 0)
            for _ in range(max(have, 0)):
                n += 1
                status = EquipmentStatus.REPAIR if rng.random() < 0.1 else EquipmentStatus.IN_USE
                items.append(
                    EquipmentItem(
                        district_id=district.id,
                        station_id=st.id,
                        code=f"SYN-EQ-{district.code.upper()}-{n:05d}",
                        epc=f"3034{int(rng.integers(0, 2**40)):010X}{n:010X}",
                        kind=kind,
                        name=std.kind_label(kind),
                        status=status,
                        status_at=datetime(2025, 1, 1, tzinfo=UTC),
                        procured_on=date(int(rng.integers(2016, 2026)), 1, 1)
                        + timedelta(days=int(rng.integers(0, 300))),
                        last_maintained_on=date(2026, 1, 1)
                        + timedelta(days=int(rng.integers(0, 290))),
                        synthetic=True,
                        source=_SOURCE,
                    )
                )
    session.add_all(items)
    return len(items)


_GROUPS = [
    TraineeGroup.COMMUNITY_POLICE,
    TraineeGroup.TOWNSHIP_STAFF,
    TraineeGroup.GRID_MEMBER,
    TraineeGroup.PROPERTY_STAFF,
    TraineeGroup.SECURITY_GUARD,
    TraineeGroup.KEY_UNIT_STAFF,
    TraineeGroup.MICRO_STATION_MEMBER,
]


def _training(session: Session, district: District, rng: np.random.Generator) -> int:
    done = session.scalar(
        select(TrainingSession.id).where(
            TrainingSession.district_id == district.id, TrainingSession.synthetic.is_(True)
        )
    )
    if done is not None:
        return 0
    n_sessions = 0
    for year, months in ((2025, 12), (2026, 10)):
        # "一警六员" hands-on training: ~5,000+ people a year (the plan's target), 5 named
        # group leaders per session, the rest counted by head.
        for k in range(months * 5):
            held = date(year, k // 5 + 1, 1 + int(rng.integers(0, 27)))
            code = f"SYN-TR-{year}-P{k + 1:03d}"
            s = TrainingSession(
                district_id=district.id,
                code=code,
                title="灭火器灭真火、消火栓出真水 实操实训",
                kind=TrainingKind.PUBLIC_SKILLS,
                held_on=held,
                organiser="区消防救援支队",
                unlisted_attendees=int(rng.integers(80, 100)),
                synthetic=True,
                source=_SOURCE,
            )
            session.add(s)
            session.flush()
            for j in range(5):
                session.add(
                    TrainingAttendance(
                        district_id=district.id,
                        session_id=s.id,
                        name=f"学员{k:03d}-{j}",
                        group=_GROUPS[int(rng.integers(0, len(_GROUPS)))],
                        organisation=f"合成社区{int(rng.integers(1, 60)):02d}",
                        synthetic=True,
                    )
                )
            n_sessions += 1
        # Professional training and assessment of firefighters: pass rate around 96 %.
        for q in range(4):
            s = TrainingSession(
                district_id=district.id,
                code=f"SYN-TR-{year}-F{q + 1}",
                title=f"{year}年第{q + 1}季度消防员专业训练考核",
                kind=TrainingKind.PROFESSIONAL,
                held_on=date(year, 3 * q + 2, 15),
                organiser="区消防救援支队",
                synthetic=True,
                source=_SOURCE,
            )
            session.add(s)
            session.flush()
            for j in range(50):
                session.add(
                    TrainingAttendance(
                        district_id=district.id,
                        session_id=s.id,
                        name=f"消防员{j + 1:03d}",
                        group=TraineeGroup.FIREFIGHTER,
                        organisation="合成消防救援站",
                        passed=bool(rng.random() < 0.965),
                        score=round(float(rng.normal(85, 6)), 1),
                        synthetic=True,
                    )
                )
            n_sessions += 1
    return n_sessions


def load_records_demo(session: Session, district: District) -> dict[str, int]:
    """Seed the synthetic water history, equipment and training of ``district`` (no commit)."""
    rng = np.random.default_rng(_seed(district))
    out = {
        "water_status_events": _water_history(session, district, rng),
        "equipment_items": _equipment(session, district, rng),
        "training_sessions": _training(session, district, rng),
    }
    session.flush()
    return out
