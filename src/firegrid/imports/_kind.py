"""The shape of an import kind and what its row builders may look up (shared by the kinds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from firegrid.db.base import Base
from firegrid.db.upsert import UpsertCounts
from firegrid.districts.models import Township
from firegrid.imports.fields import Field
from firegrid.stations.models import Station

__all__ = ["BuildContext", "CrossCheck", "Geometry", "ImportKind", "Writer"]

Geometry = Literal["point", "optional_point", "polygon", "none"]

#: Writes the built rows of a kind whose records span several tables; returns the counts.
Writer = Callable[[Session, int, list[dict[str, Any]]], UpsertCounts]
#: Checks across rows (``(row number, built row)`` pairs): ``(row, field, reason)`` triples.
CrossCheck = Callable[[list[tuple[int, dict[str, Any]]]], list[tuple[int, str, str]]]


@dataclass(frozen=True)
class BuildContext:
    """What a row builder may look up: townships by name or by point, the district's zone, and
    the district's stations by name (``None``: the caller offers no station lookup).

    ``session`` and ``district_id`` let the register kinds (people, training, self-inspections)
    find the records a row refers to; ``cache`` keeps what they loaded for the next rows.
    """

    timezone: str
    township_by_name: Callable[[str], Township | None]
    township_at: Callable[[float, float], Township | None]
    station_by_name: Callable[[str], Station | None] | None = None
    session: Session | None = None
    district_id: int | None = None
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportKind:
    name: str
    model: type[Base]
    #: Entries of a built row that identify a record within the district (natural key); for
    #: the single-table kinds they are model attributes. Two rows of one file with the same key
    #: are refused as duplicates.
    key: tuple[str, ...]
    fields: Callable[[str], tuple[Field, ...]]  # takes the district time zone
    geometry: Geometry
    build: Callable[[dict[str, Any], BaseGeometry | None, BuildContext], dict[str, Any]]
    #: Cross-field checks; returns (field, reason) pairs.
    check: Callable[[dict[str, Any]], list[tuple[str, str]]] = lambda _v: []
    #: Checks across the rows of one file (e.g. two rows of one training session that disagree
    #: on its date).
    cross_check: CrossCheck | None = None
    #: How the rows are written; ``None``: upsert ``model`` rows on ``key``.
    write: Writer | None = None
    #: Fields a duplicate-key error names (default: ``key``).
    key_fields: tuple[str, ...] = ()
