"""Alembic environment: the schema is made only by these migrations."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from firegrid.config import get_settings
from firegrid.db.all_models import *  # noqa: F403  (fills Base.metadata)
from firegrid.db.base import Base
from firegrid.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; use `firegrid db upgrade`")
run_migrations_online()
