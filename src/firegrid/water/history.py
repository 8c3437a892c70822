"""The water-source status history: one listener writes a :class:`WaterStatusEvent` for every
status change of a :class:`WaterSource` flushed by any session, so no code path can forget.

Callers that know more than "now, by the session's actor" (the maintenance loop, demo history)
say so with :func:`note_status_change` before the flush. Bulk SQL bypasses the ORM and the
history: code that uses it on ``water_source.status`` must write the events itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, attributes

from firegrid.db.base import utcnow
from firegrid.types import WaterSourceStatus
from firegrid.water.models import WaterSource, WaterStatusEvent

__all__ = ["note_status_change"]

_KEY = "firegrid.water_status_context"


def note_status_change(
    session: Session,
    source: WaterSource,
    *,
    at: datetime | None = None,
    note: str = "",
    ticket_id: int | None = None,
) -> None:
    """Attach the time, note and ticket to the next flushed status change of ``source``."""
    session.info.setdefault(_KEY, {})[id(source)] = (at, note, ticket_id)


@event.listens_for(Session, "before_flush")
def _record_status_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    context: dict[int, tuple[datetime | None, str, int | None]] = session.info.get(_KEY, {})
    for obj in list(session.dirty):
        if not isinstance(obj, WaterSource):
            continue
        hist = attributes.get_history(obj, "status")
        if not hist.added or not hist.deleted:
            continue
        old, new = WaterSourceStatus(hist.deleted[0]), WaterSourceStatus(hist.added[0])
        if old == new:
            continue
        at, note, ticket_id = context.pop(id(obj), (None, "", None))
        session.add(
            WaterStatusEvent(
                water_source_id=obj.id,
                from_status=old,
                to_status=new,
                at=at or utcnow(),
                actor=str(session.info.get("actor", "system")),
                ticket_id=ticket_id,
                note=note,
                synthetic=False,
            )
        )
