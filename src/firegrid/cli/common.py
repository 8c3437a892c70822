"""Helpers shared by CLI commands: database option, JSON output, error reporting."""

from __future__ import annotations

import functools
import getpass
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from firegrid.config import get_settings
from firegrid.db.migrate import current_revision, head_revision
from firegrid.db.session import Database, normalize_url, redact_url
from firegrid.errors import FiregridError, ImportValidationError

__all__ = [
    "DbOption",
    "JsonOption",
    "SchemaMissingError",
    "cli_actor",
    "emit_json",
    "err_console",
    "existing_db",
    "handle_errors",
    "open_db",
]

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: FIREGRID_DATABASE_URL or ./firegrid.db)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


class SchemaMissingError(FiregridError):
    """The database has no firegrid schema (only `db upgrade`, `demo load` and `serve` migrate)."""


def open_db(url: str | None) -> Database:
    return Database(url or get_settings().database_url)


@contextmanager
def existing_db(url: str | None) -> Iterator[Database]:
    """Open a database that must already hold the schema; dispose of it afterwards.

    Never creates an empty SQLite file, and says to run ``firegrid db upgrade`` when the schema
    is missing instead of failing deep inside a query.
    """
    raw = url or get_settings().database_url
    parsed = make_url(normalize_url(raw))
    hint = f"run `firegrid db upgrade --db {redact_url(raw)}` first"
    if (
        parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database or "").exists()
    ):
        raise SchemaMissingError(f"no database file at {parsed.database}: {hint}")
    database = open_db(raw)
    try:
        try:
            has_schema = inspect(database.engine).has_table("alembic_version")
        except SQLAlchemyError as exc:
            first_line = (str(exc).strip().splitlines() or [""])[0]
            raise SchemaMissingError(f"cannot open database {database.url}: {first_line}") from exc
        if not has_schema:
            raise SchemaMissingError(f"database {database.url} has no firegrid schema: {hint}")
        current, head = current_revision(database.engine), head_revision()
        if current != head:
            raise SchemaMissingError(
                f"database {database.url} has schema revision {current}, this firegrid needs "
                f"{head}: {hint}"
            )
        yield database
    finally:
        database.dispose()


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _default(o: Any) -> Any:
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if hasattr(o, "as_dict"):
        return o.as_dict()
    return str(o)


def emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2, default=_default) + "\n")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn firegrid errors into a one-line message and a non-zero exit, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ImportValidationError as exc:
            err_console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            for e in exc.errors[:50]:
                err_console.print(f"  row {e.row}  {e.field}: {e.reason}", soft_wrap=True)
            raise typer.Exit(1) from exc
        except FiregridError as exc:
            err_console.print(f"[red]error:[/red] {exc}", soft_wrap=True)
            raise typer.Exit(2) from exc

    return wrapper
