"""``firegrid geo``: coordinate conversion of geodata files."""

from __future__ import annotations

import typer

app = typer.Typer(help="Geodata: convert between WGS84, GCJ-02, BD-09 and metric CRSs.",
                  no_args_is_help=True)
