"""``firegrid user``: accounts.

Writes are audited as ``cli:<os user>``. Passwords are read from standard input with
``--password-stdin`` (one line), otherwise generated and printed once. The schema is never
migrated here: on a database without it the command says to run ``firegrid db upgrade``.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from firegrid.accounts import service
from firegrid.accounts.models import User
from firegrid.cli.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_json,
    existing_db,
    handle_errors,
)
from firegrid.errors import InvalidInputError

__all__ = ["app"]

app = typer.Typer(help="User accounts and roles.", no_args_is_help=True)

ROLES_HELP = "admin, planner, dispatcher, inspector or viewer (or 管理员 … 查看者)."

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input "
        "(default: generate one and print it once).",
    ),
]


def _read_password(from_stdin: bool, username: str) -> tuple[str, bool]:
    """The password and whether it was generated."""
    if not from_stdin:
        return service.suggest_password(username), True
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InvalidInputError("--password-stdin: no password on standard input")
    return password, False


def _row(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "active": user.active,
        "created_at": user.created_at,
    }


def _print_generated(username: str, password: str) -> None:
    typer.echo(f"password for {username!r} (shown only now, store it safely):", err=True)
    typer.echo(password)


@app.command("add")
@handle_errors
def add_cmd(
    username: Annotated[str, typer.Argument(help="3-64 characters: A-Z a-z 0-9 _ . -")],
    role: Annotated[str, typer.Option("--role", help=ROLES_HELP)],
    password_stdin: PasswordStdin = False,
    display_name: Annotated[str, typer.Option("--display-name", help="Name shown in the UI.")] = "",
    db: DbOption = None,
) -> None:
    """Create a user."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as session:
        password, generated = _read_password(password_stdin, username)
        user = service.add_user(session, username, password, role, display_name=display_name)
        typer.echo(f"created user {user.username!r} (role {user.role.value})", err=True)
    if generated:
        _print_generated(username, password)


@app.command("list")
@handle_errors
def list_cmd(as_json: JsonOption = False, db: DbOption = None) -> None:
    """List users."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as session:
        rows = [_row(u) for u in service.list_users(session)]
    if as_json:
        emit_json(rows)
        return
    table = Table("username", "role", "display name", "active", "created (UTC)")
    for r in rows:
        created = r["created_at"]
        table.add_row(
            str(r["username"]),
            str(r["role"]),
            str(r["display_name"]),
            "yes" if r["active"] else "no",
            created.strftime("%Y-%m-%d %H:%M") if isinstance(created, datetime) else "",
        )
    Console().print(table)


@app.command("passwd")
@handle_errors
def passwd_cmd(username: str, password_stdin: PasswordStdin = False, db: DbOption = None) -> None:
    """Set a user's password (their open logins end)."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as session:
        password, generated = _read_password(password_stdin, username)
        service.set_password(session, username, password)
        typer.echo(f"password of {username!r} changed; open logins revoked", err=True)
    if generated:
        _print_generated(username, password)


@app.command("role")
@handle_errors
def role_cmd(
    username: str,
    role: Annotated[str, typer.Argument(help=ROLES_HELP)],
    db: DbOption = None,
) -> None:
    """Give a user another role."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as session:
        user = service.set_role(session, username, role)
        typer.echo(f"{user.username!r} is now {user.role.value}")


@app.command("deactivate")
@handle_errors
def deactivate_cmd(username: str, db: DbOption = None) -> None:
    """Stop a user from logging in (the account stays for the audit log)."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as session:
        service.deactivate(session, username)
        typer.echo(f"{username!r} deactivated; open logins revoked")
