"""``firegrid db``: schema migrations."""

from __future__ import annotations

import typer

from firegrid.cli.common import DbOption, emit_json, handle_errors, open_db
from firegrid.db.migrate import current_revision, head_revision, upgrade

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command("upgrade")
@handle_errors
def upgrade_cmd(db: DbOption = None) -> None:
    """Apply all migrations (idempotent)."""
    database = open_db(db)
    upgrade(database.engine)
    typer.echo(f"{database.url}: schema at revision {current_revision(database.engine)}")


@app.command("status")
@handle_errors
def status_cmd(db: DbOption = None) -> None:
    """Show the current and the latest schema revision."""
    database = open_db(db)
    emit_json({"current": current_revision(database.engine), "head": head_revision()})
