"""The transaction: stage a batch of envelopes (events, last-seen times, online transitions, alarm
states, the audit entry) and commit it; refused input, and marking devices offline."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, insert, select, tuple_, update
from sqlalchemy.orm import Session

from firegrid.accounts.audit import record
from firegrid.db.base import utcnow
from firegrid.db.session import Database
from firegrid.iot.models import (
    EventKind,
    IotDevice,
    IotEvent,
    IotProtocol,
    IotRejected,
)
from firegrid.iot.pipeline._alarms import _alarm_states
from firegrid.iot.pipeline._devices import _key_of, _load_devices
from firegrid.iot.pipeline._envelope import Envelope, Outcome, Result

# The logger keeps the name it had when the pipeline was one module.
log = logging.getLogger("firegrid.iot.pipeline")

#: The actor written to the audit log for pipeline writes.
ACTOR = "iot-gateway"
#: Rejected payloads are stored cut to this size.
MAX_REJECTED_BYTES = 4096
#: Raw frames / messages are stored cut to this size.
MAX_RAW_BYTES = 16384


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


def offline_cutoff(now: datetime, *, heartbeat_interval_s: float, missed: int) -> datetime:
    """Devices not heard from since this moment have missed ``missed`` heartbeats."""
    return now - timedelta(seconds=heartbeat_interval_s * missed)
