"""``firegrid user``: accounts."""

from __future__ import annotations

import typer

app = typer.Typer(help="User accounts and roles.", no_args_is_help=True)
