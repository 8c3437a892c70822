"""Helpers shared by CLI commands: database option, JSON output, error reporting."""

from __future__ import annotations

import functools
import getpass
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from firegrid.config import get_settings
from firegrid.db.session import Database
from firegrid.errors import FiregridError, ImportValidationError

__all__ = ["DbOption", "JsonOption", "cli_actor", "emit_json", "err_console", "handle_errors",
           "open_db"]

P = ParamSpec("P")
R = TypeVar("R")

err_console = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: FIREGRID_DATABASE_URL or ./firegrid.db)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON on stdout.")]


def open_db(url: str | None) -> Database:
    return Database(url or get_settings().database_url)


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
            err_console.print(f"[red]error:[/red] {exc}")
            for e in exc.errors[:50]:
                err_console.print(f"  row {e.row}  {e.field}: {e.reason}")
            raise typer.Exit(1) from exc
        except FiregridError as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc

    return wrapper
