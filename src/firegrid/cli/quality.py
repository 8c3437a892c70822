"""``firegrid quality``: data-quality findings."""

from __future__ import annotations

from typing import Annotated

import typer

from firegrid.cli.common import DbOption, JsonOption, emit_json, existing_db, handle_errors
from firegrid.quality.service import district_findings


@handle_errors
def quality_cmd(
    district: Annotated[str, typer.Option("--district", help="District code.")],
    db: DbOption = None,
    lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    json_out: JsonOption = False,
) -> None:
    """Plausibility checks on the published statistics and the records behind them."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        findings = district_findings(s, district)
    if json_out:
        emit_json([f.as_dict() for f in findings])
        return
    if not findings:
        typer.echo("no findings")
    for f in findings:
        typer.echo(
            f"[{f.severity}] {f.code} ({f.table_code} · {f.column_key}): "
            f"{f.message_en if lang == 'en' else f.message}"
        )
