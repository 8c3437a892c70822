"""Data revisions: a counter per table, bumped in the same transaction as every ORM write to it.

In-memory caches of slowly changing tables (the dispatch index of water sources and stations)
check one primary-key row instead of re-reading 50,000 rows: when the counter has moved, they
rebuild. Works across processes, since the counter lives in the database. Bulk SQL bypasses the
ORM: code that uses it on a tracked table calls :func:`bump` itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Integer, String, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from firegrid.db.base import Base

__all__ = ["TRACKED_TABLES", "DataRevision", "bump", "revision"]

#: Tables whose writes bump a counter (rows are created on first use).
TRACKED_TABLES = (
    "building",
    "incident",
    "pre_plan",
    "road_network",
    "station",
    "unit",
    "water_source",
)


class DataRevision(Base):
    __tablename__ = "data_revision"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)


def bump(session: Session, tables: Iterable[str]) -> None:
    """Advance the counters of ``tables`` in the session's transaction (an upsert, so a
    missing row — e.g. after a TRUNCATE — is recreated rather than silently not counted)."""
    names = sorted(set(tables) & set(TRACKED_TABLES))
    if not names:
        return
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]

        stmt = insert(DataRevision).values([{"table_name": n, "revision": 1} for n in names])
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=[DataRevision.table_name],
                set_={"revision": DataRevision.revision + 1},
            )
        )
    else:  # other backends: rows exist from migration 0004
        session.execute(
            update(DataRevision)
            .where(DataRevision.table_name.in_(names))
            .values(revision=DataRevision.revision + 1)
        )


def revision(session: Session, tables: Iterable[str]) -> tuple[int, ...]:
    """The current counters of ``tables`` (in the order given; 0 for an unknown one)."""
    names = list(tables)
    rows: dict[str, int] = {
        r[0]: r[1]
        for r in session.execute(
            select(DataRevision.table_name, DataRevision.revision).where(
                DataRevision.table_name.in_(names)
            )
        )
    }
    return tuple(int(rows.get(n, 0)) for n in names)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _ctx: object) -> None:
    touched = {
        getattr(obj, "__tablename__", "")
        for obj in (*session.new, *session.dirty, *session.deleted)
    }
    touched &= set(TRACKED_TABLES)
    if touched:
        bump(session, touched)
