"""Idempotent writes keyed on natural keys: re-importing the same data changes nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.db.base import Base

__all__ = ["UpsertCounts", "upsert_rows"]

M = TypeVar("M", bound=Base)


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self

    def as_dict(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged}


def upsert_rows(
    session: Session,
    model: type[M],
    rows: Iterable[Mapping[str, Any]],
    *,
    key: Sequence[str],
    scope: Mapping[str, Any],
) -> tuple[UpsertCounts, dict[tuple[Any, ...], M]]:
    """Insert rows whose natural key is new, update only the fields that differ.

    ``scope`` (e.g. ``{"district_id": 3}``) restricts the existing rows considered and is set on
    new rows. Returns the counts and every object by key (flushed, so ids are assigned).
    """
    counts = UpsertCounts()
    existing: dict[tuple[Any, ...], M] = {
        tuple(getattr(obj, k) for k in key): obj
        for obj in session.scalars(select(model).filter_by(**scope))
    }
    for row in rows:
        k = tuple(row[f] for f in key)
        obj = existing.get(k)
        if obj is None:
            obj = model(**{**scope, **row})
            session.add(obj)
            existing[k] = obj
            counts.inserted += 1
            continue
        changed = False
        for field, value in row.items():
            if getattr(obj, field) != value:
                setattr(obj, field, value)
                changed = True
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    session.flush()
    return counts, existing
