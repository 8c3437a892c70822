"""Checking a status change against an allowed-moves table (pure; no database, no clock).

Record domains keep their own ``{from: allowed next states}`` table and call
:func:`check_transition`, which raises ConflictError naming the record and the allowed moves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from firegrid.errors import ConflictError
from firegrid.types import LabeledEnum

__all__ = ["check_transition"]

S = TypeVar("S", bound=LabeledEnum)


def check_transition(
    subject: str, table: Mapping[S, frozenset[S]], old: S, new: S, *, none: str = "none"
) -> None:
    """Raise ConflictError ``"<subject>: cannot go from … to …; allowed from …: …"``.

    ``none`` is what to say when ``old`` is terminal (no moves allowed), e.g. ``"none (closed)"``.
    """
    moves = table[old]
    if new not in moves:
        allowed = ", ".join(sorted(x.value for x in moves)) or none
        raise ConflictError(
            f"{subject}: cannot go from {old.value} ({old.label()}) to {new.value} "
            f"({new.label()}); allowed from {old.value}: {allowed}"
        )
