"""Every ORM write is recorded in ``audit_log``: who, when, what, before and after.

One listener on all sessions does it, so no service can forget. Bulk SQL (``session.execute(
insert(...))``) bypasses the ORM: services that use it must call :func:`record` themselves.
"""

from __future__ import annotations

import enum
import hashlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from firegrid.accounts.models import ApiToken, AuditLog
from firegrid.db.base import Base, utcnow

__all__ = ["record", "snapshot"]

_SKIP = (AuditLog, ApiToken)


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        # Blobs (e.g. stored graphs) are recorded by size and digest, not by content.
        raw = bytes(value)
        return f"<{len(raw)} bytes sha256:{hashlib.sha256(raw).hexdigest()[:16]}>"
    return value


def snapshot(obj: Base, *, before: bool = False) -> dict[str, Any]:
    """Column values of ``obj``; with ``before=True`` the values as last loaded or flushed."""
    state = inspect(obj)
    out: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key == "password_hash":
            out[key] = "<redacted>"
            continue
        hist = state.attrs[key].history
        if before and hist.has_changes():
            value = hist.deleted[0] if hist.deleted else None
        else:
            value = getattr(obj, key)
        out[key] = _jsonable(value)
    return out


def _entity_id(obj: Base) -> str | None:
    ident = inspect(obj).identity
    return None if ident is None else ",".join(str(i) for i in ident)


def _actor(session: Session) -> str:
    return str(session.info.get("actor") or "system")


def record(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_id: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
) -> None:
    """Add one audit row in the session's transaction (for named actions and bulk SQL)."""
    session.execute(
        insert(AuditLog).values(
            at=utcnow(),
            actor=_actor(session),
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            detail=detail,
        )
    )


@event.listens_for(Session, "after_flush")
def _audit_after_flush(session: Session, _ctx: Any) -> None:
    rows: list[dict[str, Any]] = []
    now = utcnow()
    actor = _actor(session)

    def add(action: str, obj: Base, before: Any, after: Any) -> None:
        rows.append(
            {
                "at": now,
                "actor": actor,
                "action": action,
                "entity": type(obj).__tablename__,
                "entity_id": _entity_id(obj),
                "before": before,
                "after": after,
                "detail": "",
            }
        )

    for obj in session.new:
        if isinstance(obj, Base) and not isinstance(obj, _SKIP):
            add("insert", obj, None, snapshot(obj))
    for obj in session.dirty:
        if isinstance(obj, Base) and not isinstance(obj, _SKIP) and session.is_modified(obj):
            before, after = snapshot(obj, before=True), snapshot(obj)
            changed = {k for k in after if before.get(k) != after.get(k)} - {"updated_at"}
            if changed:
                add(
                    "update",
                    obj,
                    {k: before[k] for k in sorted(changed)},
                    {k: after[k] for k in sorted(changed)},
                )
    for obj in session.deleted:
        if isinstance(obj, Base) and not isinstance(obj, _SKIP):
            add("delete", obj, snapshot(obj, before=True), None)
    if rows:
        session.connection().execute(insert(AuditLog), rows)
