"""What every supervision use case shares: the acting :class:`Actor`, the month check and the
commit-or-flush ending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from firegrid.errors import InvalidInputError


@dataclass(frozen=True)
class Actor:
    """Who acts: the login name, and the register person when known (for role checks)."""

    username: str
    person_id: int | None = None


def _period(text: str) -> str:
    try:
        datetime.strptime(text, "%Y-%m")
    except ValueError:
        raise InvalidInputError(f"period {text!r}: give a month as YYYY-MM") from None
    return text


def _commit_or_flush(session: Session, *, commit: bool) -> None:
    """Commit, or only flush when the caller commits later (``commit=False``)."""
    if commit:
        session.commit()
    else:
        session.flush()
