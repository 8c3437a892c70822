"""The alarm pipeline: store every up-link event durably, then let the transport confirm it.

Both transports (the GB/T 26875.3 gateway and the MQTT ingest) turn what they receive into
:class:`Envelope` objects — one frame or message, its identity for duplicate detection and the
:class:`Reading` objects it carries — and hand them to :class:`Pipeline`. The pipeline

1. **group-commits**: envelopes arriving within ``window_s`` (a few ms) share one transaction, so
   a single SQLite writer keeps up with thousands of frames per second; the caller's future
   resolves only *after the commit returned*, and only then does the gateway send its confirm
   (a confirmed frame survives a crash of the gateway);
2. **drops duplicates** (same device + dedupe key: serial number and device time) but reports
   them as such, so the gateway still confirms — the device retransmitted because our confirm
   was lost;
3. keeps the **alarm state** of every device × system × component (fire, fault, supervisory,
   disabled; a system reset clears its components) and
4. turns the **rising edge of a fire flag** into an :class:`IncidentProposal` for the command
   centre *in the same transaction* as the event, so the proposal exists before the device
   sees its confirm.

Unknown devices (decision, documented for operators): a GB/T 26875 address nobody registered is
**created as unregistered** in ``default_district`` when the pipeline has one (commissioning a
building's device needs no prior paperwork, and a fire alarm from it still reaches the command
centre — without a building, so the dispatcher supplies the location on accept); without a
default district it is **refused** and the gateway answers with a deny. MQTT sensors name
their district in the topic and are created unregistered the same way when ``register_unknown``
is true.

Audit: device registration, online/offline transitions, alarm-state changes and proposals are
ORM writes (audited row by row). The event rows themselves and the last-seen timestamps are
bulk SQL — auditing each heartbeat would double the write load — and each batch records one
audit entry ``iot_ingest`` saying how many events from how many devices it stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Table, bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from firegrid.accounts.audit import record
from firegrid.buildings.models import Building
from firegrid.db.base import utcnow
from firegrid.db.session import Database
from firegrid.districts.models import District
from firegrid.iot.models import (
    AlarmState,
    EventKind,
    IncidentProposal,
    IotDevice,
    IotEvent,
    IotProtocol,
    IotRejected,
    ProposalStatus,
)

__all__ = [
    "Envelope",
    "Flags",
    "Outcome",
    "Pipeline",
    "Reading",
    "Result",
    "apply_flags",
    "flags_of",
    "ingest",
    "kind_of",
    "mark_offline",
    "mark_stale_offline",
    "offline_cutoff",
    "readings_from_adu",
    "store_rejected",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

#: The actor written to the audit log for pipeline writes.
ACTOR = "iot-gateway"
#: Rejected payloads are stored cut to this size.
MAX_REJECTED_BYTES = 4096
#: Raw frames / messages are stored cut to this size.
MAX_RAW_BYTES = 16384

_INFO_TYPES = frozenset({4, 5, 6, 7, 8, 24, 25, 26, 28})
_FAULT_KEYS = (
    "fault",
    "power_fault",
    "main_power_fault",
    "backup_power_fault",
    "bus_fault",
    "channel_fault",
    "line_fault",
)


# --- what transports hand in -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """One up-link object, normalised. ``state`` (flag name → bool) is None for objects that
    say nothing about alarms (analog values, records, heartbeats)."""

    kind: EventKind
    adu_type: int | None = None
    system_type: int | None = None
    system_address: int | None = None
    component_type: int | None = None
    component_address: int | None = None
    state: Mapping[str, Any] | None = None
    value: float | None = None
    unit: str | None = None
    description: str | None = None
    #: A system-state report with the reset bit: clears every component of that system.
    reset: bool = False


@dataclass(frozen=True, slots=True)
class Envelope:
    """One frame or message. ``device_time`` may be naive (device-local wall clock, as GB/T
    26875 sends it): it is read in the device's district time zone."""

    protocol: IotProtocol
    serial: int
    dedupe_key: str
    received_at: datetime
    command: int
    readings: tuple[Reading, ...]
    raw: bytes = b""
    #: GB/T 26875 source address, or …
    address: int | None = None
    #: … the MQTT device name and the district of its topic.
    code: str | None = None
    district: str | None = None
    device_time: datetime | None = None


class Outcome(StrEnum):
    STORED = "stored"
    #: Already stored (a retransmission): confirm again, store nothing.
    DUPLICATE = "duplicate"
    #: Unknown device and the policy refuses it: answer with a deny.
    REFUSED = "refused"
    #: The database failed: do not confirm (the device will retransmit).
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    device_id: int | None = None
    proposal_ids: tuple[int, ...] = ()
    #: Device clock minus centre clock (s), when the frame carried a time.
    clock_offset_s: float | None = None
    reason: str = ""

    @property
    def confirm(self) -> bool:
        """Whether the transport may acknowledge the frame now."""
        return self.outcome in (Outcome.STORED, Outcome.DUPLICATE)


# --- pure helpers ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Flags:
    fire: bool = False
    fault: bool = False
    supervisory: bool = False
    disabled: bool = False

    @property
    def active(self) -> bool:
        return self.fire or self.fault or self.supervisory or self.disabled


def flags_of(state: Mapping[str, Any]) -> Flags:
    """The alarm flags of a decoded state dict. Bit 0 (normal/test) is ignored on purpose:
    real devices often leave it at 0 on genuine alarms."""
    return Flags(
        fire=bool(state.get("fire")),
        fault=any(bool(state.get(k)) for k in _FAULT_KEYS),
        supervisory=bool(state.get("supervisory")),
        disabled=bool(state.get("disabled")),
    )


def kind_of(flags: Flags) -> EventKind:
    """The event kind of a state report: the most urgent flag wins."""
    if flags.fire:
        return EventKind.FIRE
    if flags.fault:
        return EventKind.FAULT
    if flags.supervisory:
        return EventKind.SUPERVISORY
    return EventKind.STATE


def _int(obj: Mapping[str, Any], key: str) -> int | None:
    v = obj.get(key)
    return int(v) if isinstance(v, int) else None


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    v = obj.get(key)
    return v[:200] if isinstance(v, str) and v else None


def _analog_name(obj: Mapping[str, Any]) -> str | None:
    from firegrid.iot.adu import analog_type

    code = obj.get("analog_type")
    at = analog_type(code) if isinstance(code, int) else None
    return (at.name_zh or at.name) if at is not None else _text(obj, "description")


def readings_from_adu(
    adu_type: int | None, objects: Sequence[Mapping[str, Any]]
) -> tuple[Reading, ...]:
    """Normalise the objects of a decoded ADU (``adu_type`` None: a heartbeat)."""
    if adu_type is None:
        return (Reading(kind=EventKind.HEARTBEAT),)
    out: list[Reading] = []
    for obj in objects or ({},):
        state = obj.get("state")
        ids: tuple[int | None, ...] = (
            _int(obj, "system_type"),
            _int(obj, "system_address"),
            _int(obj, "component_type"),
            _int(obj, "component_address"),
        )
        if adu_type in (1, 2, 21) and isinstance(state, Mapping):
            if adu_type == 21:  # the transmission device itself
                ids = (0, 0, 0, 0)
            fl = flags_of(state)
            base = Reading(
                kind=kind_of(fl),
                adu_type=adu_type,
                state={k: v for k, v in state.items() if isinstance(v, bool)},
                description=_text(obj, "description"),
                reset=adu_type == 1 and bool(state.get("reset")),
            )
        elif adu_type == 3:
            value = obj.get("value")
            base = Reading(
                kind=EventKind.ANALOG,
                adu_type=3,
                value=float(value) if isinstance(value, int | float) else None,
                unit=_text(obj, "unit"),
                description=_analog_name(obj),
            )
        else:
            kind = EventKind.INFO if adu_type in _INFO_TYPES else EventKind.OTHER
            base = Reading(kind=kind, adu_type=adu_type, description=_text(obj, "description"))
        out.append(
            replace(
                base,
                system_type=ids[0],
                system_address=ids[1],
                component_type=ids[2],
                component_address=ids[3],
            )
        )
    return tuple(out)


def apply_flags(current: Flags, reading_flags: Flags) -> tuple[Flags, bool]:
    """The new flags after a state report, and whether fire rose (a new fire alarm)."""
    return reading_flags, reading_flags.fire and not current.fire


# --- the transaction -------------------------------------------------------------------------

_Key = tuple[int, int, int, int, int]


@dataclass
class _Dev:
    id: int
    district_id: int
    tz: ZoneInfo
    online: bool
    building_id: int | None


def _key_of(env: Envelope) -> tuple[str, object]:
    if env.address is not None:
        return ("a", env.address)
    return ("c", (env.district, env.code))


def _load_devices(
    session: Session,
    envs: Sequence[Envelope],
    *,
    default_district: str | None,
    register_unknown: bool,
) -> dict[tuple[str, object], _Dev]:
    addresses = {e.address for e in envs if e.address is not None}
    codes = {(e.district, e.code) for e in envs if e.address is None and e.code}
    found: dict[tuple[str, object], _Dev] = {}
    tz_cache: dict[str, ZoneInfo] = {}

    def tz(name: str) -> ZoneInfo:
        if name not in tz_cache:
            tz_cache[name] = ZoneInfo(name)
        return tz_cache[name]

    cols = (
        IotDevice.id,
        IotDevice.district_id,
        District.timezone,
        IotDevice.online,
        IotDevice.building_id,
        IotDevice.address,
        IotDevice.code,
        District.code,
    )
    if addresses:
        rows = session.execute(
            select(*cols)
            .join(District, District.id == IotDevice.district_id)
            .where(IotDevice.address.in_(addresses))
            .order_by(District.code != (default_district or ""), IotDevice.id)
        ).all()
        for r in rows:
            found.setdefault(("a", r[5]), _Dev(r[0], r[1], tz(r[2]), r[3], r[4]))
    if codes:
        names = {c for _, c in codes}
        rows = session.execute(
            select(*cols)
            .join(District, District.id == IotDevice.district_id)
            .where(IotDevice.code.in_(names), IotDevice.address.is_(None))
        ).all()
        for r in rows:
            if (r[7], r[6]) in codes:
                found[("c", (r[7], r[6]))] = _Dev(r[0], r[1], tz(r[2]), r[3], r[4])
    # Unknown devices: create them unregistered when the policy allows (see module docstring).
    missing = [e for e in envs if _key_of(e) not in found]
    if not missing:
        return found
    districts: dict[str, District | None] = {}

    def district(code: str | None) -> District | None:
        if code is None:
            return None
        if code not in districts:
            districts[code] = session.scalar(select(District).where(District.code == code))
        return districts[code]

    created: list[tuple[tuple[str, object], IotDevice, District]] = []
    pending: set[tuple[str, object]] = set()
    for e in missing:
        key = _key_of(e)
        if key in found or key in pending:
            continue
        pending.add(key)
        if e.address is not None:
            d = district(default_district)
            if d is None:
                continue
            dev = IotDevice(
                district_id=d.id,
                code=f"{e.address:012x}",
                address=e.address,
                protocol=IotProtocol.GB26875,
                registered=False,
                source="announced itself to the gateway",
            )
        else:
            d = district(e.district) if register_unknown else None
            if d is None or not e.code:
                continue
            dev = IotDevice(
                district_id=d.id,
                code=e.code,
                protocol=IotProtocol.MQTT,
                registered=False,
                source="published to the MQTT broker",
            )
        session.add(dev)
        created.append((key, dev, d))
    if created:
        session.flush()
    for key, dev, d in created:
        found[key] = _Dev(dev.id, d.id, tz(d.timezone), False, None)
    return found


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _utc(t: datetime | None, tz: ZoneInfo) -> datetime | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=tz)
    return t.astimezone(UTC)


def _apply(
    session: Session,
    envs: Sequence[Envelope],
    *,
    now: datetime,
    default_district: str | None,
    register_unknown: bool,
) -> list[Result]:
    """Stage a batch in ``session`` (no commit); one result per envelope."""
    devices = _load_devices(
        session, envs, default_district=default_district, register_unknown=register_unknown
    )
    results: list[Result | None] = [None] * len(envs)
    ids = {d.id for d in devices.values()}
    seen: set[tuple[int, str]] = set()
    if ids:
        seen = {
            (r[0], r[1])
            for r in session.execute(
                select(IotEvent.device_id, IotEvent.dedupe_key).where(
                    # row values: one index probe per frame (two IN lists would probe the
                    # cross product of devices × keys)
                    tuple_(IotEvent.device_id, IotEvent.dedupe_key, IotEvent.seq).in_(
                        sorted(
                            {
                                (devices[_key_of(e)].id, e.dedupe_key, 0)
                                for e in envs
                                if _key_of(e) in devices
                            }
                        )
                    )
                )
            )
        }
    rows: list[dict[str, Any]] = []
    owners: list[tuple[int, int]] = []  # (envelope index, reading index) of each row
    touched: dict[int, dict[str, Any]] = {}
    for i, env in enumerate(envs):
        dev = devices.get(_key_of(env))
        if dev is None:
            results[i] = Result(Outcome.REFUSED, reason=_refusal(env))
            continue
        device_time = _utc(env.device_time, dev.tz)
        offset = None if device_time is None else (device_time - env.received_at).total_seconds()
        if (dev.id, env.dedupe_key) in seen:
            results[i] = Result(Outcome.DUPLICATE, dev.id, clock_offset_s=offset)
            continue
        seen.add((dev.id, env.dedupe_key))
        results[i] = Result(Outcome.STORED, dev.id, clock_offset_s=offset)
        t = touched.setdefault(dev.id, {"id": dev.id, "last_seen_at": env.received_at})
        t["last_seen_at"] = max(t["last_seen_at"], env.received_at)
        if offset is not None:
            t["clock_offset_s"] = offset
        for j, rd in enumerate(env.readings):
            if rd.kind is EventKind.HEARTBEAT:
                t["last_heartbeat_at"] = env.received_at
            rows.append(
                {
                    "device_id": dev.id,
                    "serial": env.serial,
                    "dedupe_key": env.dedupe_key,
                    "seq": j,
                    "received_at": env.received_at,
                    "device_time": device_time,
                    "command": env.command,
                    "adu_type": rd.adu_type,
                    "kind": rd.kind,
                    "system_type": rd.system_type,
                    "system_address": rd.system_address,
                    "component_type": rd.component_type,
                    "component_address": rd.component_address,
                    "state": dict(rd.state) if rd.state is not None else None,
                    "value": rd.value,
                    "unit": rd.unit,
                    "description": rd.description,
                    "raw": env.raw[:MAX_RAW_BYTES] if j == 0 else None,
                }
            )
            owners.append((i, j))
    if rows:
        # executemany without RETURNING: one statement per batch on every backend.
        session.connection().execute(insert(_table(IotEvent)), rows)
    # Last-seen timestamps: bulk UPDATE by primary key (grouped by the set of keys given).
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for t in touched.values():
        by_shape.setdefault(tuple(sorted(t)), []).append(t)
    table = _table(IotDevice)
    for shape, group in by_shape.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values({k: bindparam(f"b_{k}") for k in shape if k != "id"})
        )
        session.connection().execute(stmt, [{f"b_{k}": v for k, v in g.items()} for g in group])
    # Online transitions are audited ORM writes.
    coming_online = [d.id for d in devices.values() if not d.online and d.id in touched]
    if coming_online:
        for dev_obj in session.scalars(select(IotDevice).where(IotDevice.id.in_(coming_online))):
            dev_obj.online = True
    proposals = _alarm_states(session, envs, rows, owners, devices, now)
    if proposals:
        results = [
            (
                Result(r.outcome, r.device_id, tuple(proposals.get(i, ())), r.clock_offset_s)
                if r is not None and i in proposals
                else r
            )
            for i, r in enumerate(results)
        ]
    if rows:
        record(
            session,
            action="iot_ingest",
            entity="iot_event",
            detail=f"{len(rows)} event(s) in {len({o[0] for o in owners})} frame(s) "
            f"from {len(touched)} device(s)",
        )
    return [r if r is not None else Result(Outcome.FAILED, reason="not processed") for r in results]


def _refusal(env: Envelope) -> str:
    if env.address is not None:
        return f"unknown device address {env.address:012x} (no default district to register it)"
    return f"unknown device {env.code!r} in district {env.district!r}"


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
        wanted.add(
            (
                dev_id,
                rd.system_type or 0,
                rd.system_address or 0,
                rd.component_type or 0,
                rd.component_address or 0,
            )
        )
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
            key: _Key = (
                dev_id,
                rd.system_type or 0,
                rd.system_address or 0,
                rd.component_type or 0,
                rd.component_address or 0,
            )
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


def ingest(
    database: Database,
    envelopes: Sequence[Envelope],
    *,
    default_district: str | None = None,
    register_unknown: bool = True,
    now: datetime | None = None,
    before_commit: Callable[[], None] | None = None,
) -> list[Result]:
    """Store a batch in one transaction and commit it; fall back to one transaction per
    envelope when the batch fails, so one bad envelope cannot hold the others back."""
    now = now or utcnow()
    opts = {"default_district": default_district, "register_unknown": register_unknown}
    try:
        with database.session(actor=ACTOR) as s:
            out = _apply(s, envelopes, now=now, **opts)  # type: ignore[arg-type]
            if before_commit is not None:
                before_commit()
            s.commit()
            return out
    except Exception as exc:
        if len(envelopes) == 1:
            log.warning("iot: storing a frame failed: %s", exc)
            return [Result(Outcome.FAILED, reason=f"{type(exc).__name__}: {exc}")]
    return [
        ingest(database, [e], now=now, before_commit=before_commit, **opts)[0]  # type: ignore[arg-type]
        for e in envelopes
    ]


def store_rejected(
    database: Database, *, protocol: IotProtocol, origin: str, reason: str, payload: bytes
) -> None:
    """Record refused input (an ORM write: audited)."""
    with database.session(actor=ACTOR) as s:
        s.add(
            IotRejected(
                received_at=utcnow(),
                protocol=protocol,
                origin=origin[:256],
                reason=reason,
                payload=payload[:MAX_REJECTED_BYTES],
            )
        )
        s.commit()


def mark_stale_offline(
    database: Database, *, before: datetime, except_ids: Iterable[int] = ()
) -> list[int]:
    """Mark online devices not heard from since ``before`` offline; return their ids."""
    with database.session(actor=ACTOR) as s:
        devs = list(
            s.scalars(
                select(IotDevice).where(
                    IotDevice.online.is_(True),
                    (IotDevice.last_seen_at < before) | IotDevice.last_seen_at.is_(None),
                    IotDevice.id.not_in(list(except_ids)),
                )
            )
        )
        for d in devs:
            d.online = False
        s.commit()
        return [d.id for d in devs]


def mark_offline(database: Database, device_ids: Iterable[int]) -> None:
    """Mark devices offline (their connection closed)."""
    ids = list(device_ids)
    if not ids:
        return
    with database.session(actor=ACTOR) as s:
        for d in s.scalars(
            select(IotDevice).where(IotDevice.id.in_(ids), IotDevice.online.is_(True))
        ):
            d.online = False
        s.commit()


# --- the asynchronous group-commit writer ----------------------------------------------------


class Pipeline:
    """Single writer with group commit, for the asyncio transports.

    ``submit(envelope)`` returns a future resolved with the :class:`Result` once the batch
    holding the envelope has been committed (or has failed). ``run(fn)`` executes a
    database function on the same writer thread (SQLite has one writer; ordering with the
    frames is kept). ``before_commit`` is a test hook run just before each commit.
    """

    def __init__(
        self,
        database: Database,
        *,
        default_district: str | None = None,
        register_unknown: bool = True,
        window_s: float = 0.002,
        max_batch: int = 1000,
        clock: Callable[[], datetime] = utcnow,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        self.database = database
        self.default_district = default_district
        self.register_unknown = register_unknown
        self.window_s = window_s
        self.max_batch = max_batch
        self.clock = clock
        self.before_commit = before_commit
        self._queue: asyncio.Queue[tuple[Envelope, asyncio.Future[Result]] | None] = asyncio.Queue()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="iot-writer")
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.stored = 0

    async def __aenter__(self) -> Pipeline:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._writer())

    async def close(self) -> None:
        """Finish what was submitted, then stop the writer."""
        if self._task is not None:
            await self._queue.put(None)
            await self._task
            self._task = None
        self._executor.shutdown(wait=True)

    def submit(self, envelope: Envelope) -> asyncio.Future[Result]:
        fut: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((envelope, fut))
        return fut

    async def run(self, fn: Callable[[Database], T]) -> T:
        """Run ``fn(database)`` on the writer thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self.database)

    async def _writer(self) -> None:
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            item = await self._queue.get()
            if item is None:
                break
            batch = [item]
            if self.window_s > 0 and self._queue.qsize() < self.max_batch:
                await asyncio.sleep(self.window_s)
            while len(batch) < self.max_batch and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            envs = [e for e, _ in batch]
            try:
                results = await loop.run_in_executor(self._executor, self._commit, envs)
            except Exception as exc:  # never let the writer die
                log.exception("iot: batch of %d failed", len(envs))
                results = [Result(Outcome.FAILED, reason=str(exc))] * len(envs)
            self.batches += 1
            for (_, fut), res in zip(batch, results, strict=True):
                if res.outcome is Outcome.STORED:
                    self.stored += 1
                if not fut.done():
                    fut.set_result(res)

    def _commit(self, envs: list[Envelope]) -> list[Result]:
        return ingest(
            self.database,
            envs,
            default_district=self.default_district,
            register_unknown=self.register_unknown,
            now=self.clock(),
            before_commit=self.before_commit,
        )


def offline_cutoff(now: datetime, *, heartbeat_interval_s: float, missed: int) -> datetime:
    """Devices not heard from since this moment have missed ``missed`` heartbeats."""
    return now - timedelta(seconds=heartbeat_interval_s * missed)
