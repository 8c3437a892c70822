"""Persistence: one declarative base, engines and sessions, Alembic migrations."""

from firegrid.db.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow
from firegrid.db.session import Database, make_engine, normalize_url, redact_url

__all__ = [
    "Base",
    "Database",
    "TimestampMixin",
    "UTCDateTime",
    "make_engine",
    "normalize_url",
    "redact_url",
    "str_enum",
    "utcnow",
]
