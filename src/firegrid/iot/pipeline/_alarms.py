"""The alarm state of every device x system x component, and the incident proposal a rising fire
flag raises in the same transaction as its event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.iot.models import (
    AlarmState,
    IncidentProposal,
    IotDevice,
    IotEvent,
    ProposalStatus,
)
from firegrid.iot.pipeline._devices import _Dev
from firegrid.iot.pipeline._envelope import Envelope, Reading
from firegrid.iot.pipeline._readings import (
    Flags,
    apply_flags,
    flags_of,
)

_Key = tuple[int, int, int, int, int]


def _component_key(device_id: int, rd: Reading) -> _Key:
    """The alarm-state key of a reading: device, system and component (absent parts are 0)."""
    return (
        device_id,
        rd.system_type or 0,
        rd.system_address or 0,
        rd.component_type or 0,
        rd.component_address or 0,
    )


def _alarm_states(
    session: Session,
    envs: Sequence[Envelope],
    rows: Sequence[Mapping[str, Any]],
    owners: Sequence[tuple[int, int]],
    devices: Mapping[tuple[str, object], _Dev],
    now: datetime,
) -> dict[int, list[int]]:
    """Update alarm states from the stored readings; return new proposal ids by envelope."""
    flagged = [k for k, (i, j) in enumerate(owners) if envs[i].readings[j].state is not None]
    if not flagged:
        return {}
    event_id: dict[tuple[int, str, int], int] = {
        (r[1], r[2], r[3]): r[0]
        for r in session.execute(
            select(IotEvent.id, IotEvent.device_id, IotEvent.dedupe_key, IotEvent.seq).where(
                tuple_(IotEvent.device_id, IotEvent.dedupe_key, IotEvent.seq).in_(
                    sorted(
                        {
                            (rows[k]["device_id"], rows[k]["dedupe_key"], rows[k]["seq"])
                            for k in flagged
                        }
                    )
                )
            )
        )
    }
    wanted: set[_Key] = set()
    reset_devs: set[int] = set()
    for k in flagged:
        i, j = owners[k]
        rd = envs[i].readings[j]
        dev_id = rows[k]["device_id"]
        wanted.add(_component_key(dev_id, rd))
        if rd.reset:
            reset_devs.add(dev_id)
    cols = (
        AlarmState.device_id,
        AlarmState.system_type,
        AlarmState.system_address,
        AlarmState.component_type,
        AlarmState.component_address,
    )
    cond: ColumnElement[bool] = tuple_(*cols).in_(sorted(wanted))
    if reset_devs:  # a reset clears every active component of its system
        cond = cond | (AlarmState.device_id.in_(reset_devs) & AlarmState.active.is_(True))
    states: dict[_Key, AlarmState] = {
        (s.device_id, s.system_type, s.system_address, s.component_type, s.component_address): s
        for s in session.scalars(select(AlarmState).where(cond))
    }
    by_id = {d.id: d for d in devices.values()}
    new_fire: list[tuple[int, int, AlarmState]] = []  # (envelope index, event id, state)
    with session.no_autoflush:
        for k in flagged:
            i, j = owners[k]
            rd = envs[i].readings[j]
            row = rows[k]
            assert rd.state is not None
            dev_id = row["device_id"]
            ev_id = event_id[(dev_id, row["dedupe_key"], row["seq"])]
            at = row["device_time"] or row["received_at"]
            key = _component_key(dev_id, rd)
            if rd.reset:
                for sk, other in states.items():
                    if sk[:3] == key[:3] and other.active:
                        _set(other, Flags(), at, now, ev_id, None)
            found = states.get(key)
            if found is None:
                st = AlarmState(
                    device_id=dev_id,
                    system_type=key[1],
                    system_address=key[2],
                    component_type=key[3],
                    component_address=key[4],
                    active=False,
                )
                session.add(st)
                states[key] = st
                current = Flags()
                fresh = True
            else:
                st = found
                current = Flags(st.fire, st.fault, st.supervisory, st.disabled)
                fresh = False
            new, fire_rose = apply_flags(current, flags_of(rd.state))
            if new != current or fresh:
                _set(st, new, at, now, ev_id, rd.description)
            if fire_rose:
                new_fire.append((i, ev_id, st))
    if not new_fire:
        return {}
    fire_devs = {st.device_id for _, _, st in new_fire}
    open_keys = {
        tuple(r)
        for r in session.execute(
            select(
                IncidentProposal.device_id,
                IncidentProposal.system_type,
                IncidentProposal.system_address,
                IncidentProposal.component_type,
                IncidentProposal.component_address,
            ).where(
                IncidentProposal.device_id.in_(fire_devs),
                IncidentProposal.status == ProposalStatus.PROPOSED,
            )
        )
    }
    located = {
        r[0]: (r[1], r[2], r[3])
        for r in session.execute(
            select(IotDevice.id, Building.id, Building.lon, Building.lat)
            .join(Building, Building.id == IotDevice.building_id)
            .where(IotDevice.id.in_(fire_devs))
        )
    }
    added: list[tuple[int, IncidentProposal]] = []
    for i, ev_id, st in new_fire:
        key5 = (
            st.device_id,
            st.system_type,
            st.system_address,
            st.component_type,
            st.component_address,
        )
        if key5 in open_keys:
            continue  # the dispatcher already has this component's alarm in front of them
        open_keys.add(key5)
        b_id, lon, lat = located.get(st.device_id, (None, None, None))
        prop = IncidentProposal(
            district_id=by_id[st.device_id].district_id,
            building_id=b_id,
            device_id=st.device_id,
            event_id=ev_id,
            system_type=st.system_type,
            system_address=st.system_address,
            component_type=st.component_type,
            component_address=st.component_address,
            description=st.description,
            lon=lon,
            lat=lat,
            status=ProposalStatus.PROPOSED,
            created_at=now,
        )
        session.add(prop)
        added.append((i, prop))
    session.flush()
    out: dict[int, list[int]] = {}
    for i, prop in added:
        out.setdefault(i, []).append(prop.id)
    return out


def _set(
    st: AlarmState, new: Flags, at: datetime, now: datetime, event_id: int, desc: str | None
) -> None:
    was_active = bool(st.active)
    st.fire, st.fault, st.supervisory, st.disabled = (
        new.fire,
        new.fault,
        new.supervisory,
        new.disabled,
    )
    st.active = new.active
    if new.active and not was_active:
        st.since = at
    elif not new.active:
        st.since = None
    st.changed_at = now
    st.last_event_id = event_id
    if desc:
        st.description = desc
