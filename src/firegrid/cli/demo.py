"""``firegrid demo``: load the demo districts."""

from __future__ import annotations

from typing import Annotated

import typer

from firegrid.accounts.service import ensure_admin
from firegrid.cli.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_json,
    err_console,
    handle_errors,
    open_db,
)
from firegrid.db.migrate import upgrade
from firegrid.db.session import Database
from firegrid.demo.service import load_demo
from firegrid.demo.spec import available_demos

app = typer.Typer(
    help="Demo districts built from the plans' published figures.", no_args_is_help=True
)


@app.command("list")
def list_cmd() -> None:
    """List the demo districts shipped with firegrid."""
    for code in available_demos():
        typer.echo(code)


@app.command("load")
@handle_errors
def load_cmd(
    district: Annotated[str, typer.Argument(help="mentougou or beibei")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Load a demo district (migrates the database first; loading twice changes nothing)."""
    database = open_db(db)
    upgrade(database.engine)
    with err_console.status(f"loading demo {district} …") as status:
        report = load_demo(
            database,
            district,
            actor=cli_actor(),
            progress=lambda m: status.update(f"{district}: {m}"),
        )
    password = _ensure_admin(database)
    if json_out:
        emit_json({**report.as_dict(), "admin_password": password})
    else:
        for what, c in report.counts.items():
            typer.echo(
                f"{what:18s} inserted {c['inserted']:6d}  updated {c['updated']:6d}  "
                f"unchanged {c['unchanged']:6d}"
            )
        typer.echo("Incident records are SYNTHETIC (generated from the plan's published totals).")
    if password and not json_out:
        typer.echo(f"\nAdministrator account created — user: admin  password: {password}")
        typer.echo("(shown once; change it with `firegrid user passwd admin`)")


def _ensure_admin(database: Database) -> str | None:
    with database.session(actor=cli_actor()) as session:
        return ensure_admin(session)
