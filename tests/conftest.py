"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and the shared data."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from firegrid.db.base import Base
from firegrid.db.migrate import upgrade
from firegrid.db.session import Database, make_engine, normalize_url

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def shared_data_dir() -> Path | None:
    env = os.environ.get("FIREGRID_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    return None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is absent: real data sets are not available here")
    return path


def _pg_admin_url() -> str:
    return normalize_url(os.environ.get("FIREGRID_TEST_PG_URL", DEFAULT_PG))


@contextmanager
def _pg_database(tag: str) -> Iterator[str]:
    """Create a fresh, migrated PostgreSQL database; drop it afterwards (skip if no server)."""
    admin_url = _pg_admin_url()
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # no server here: say so and skip
        admin.dispose()
        pytest.skip(
            f"PostgreSQL not reachable at {make_url(admin_url).host}: {exc.__class__.__name__}"
        )
    name = f"firegrid_test_{tag}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url(worker_id: str) -> Iterator[str]:
    """A scratch PostgreSQL database for this worker; ``db_url`` empties it before each test."""
    with _pg_database(worker_id) as url:
        yield url


@pytest.fixture(scope="session")
def pg_demo_url(worker_id: str) -> Iterator[str]:
    """A separate PostgreSQL database for the shared demo data (never emptied by ``db_url``)."""
    with _pg_database(f"{worker_id}_demo") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _truncate_all(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    """A migrated, empty database URL — once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "firegrid.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("pg_url")
    db = Database(url)
    _truncate_all(db)
    db.dispose()
    yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> str:
    """A database with both demo districts loaded, shared read-only by the tests of a session
    (once on SQLite, once on PostgreSQL). Tests must not write to it."""
    from firegrid.demo.service import load_demo

    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_demo_url")
    db = Database(url)
    for code in ("mentougou", "beibei"):
        load_demo(db, code, actor="test")
    db.dispose()
    return url


@pytest.fixture
def demo_db(demo_url: str) -> Iterator[Database]:
    db = Database(demo_url)
    yield db
    db.dispose()
