"""``firegrid report``: the plan monitoring-and-evaluation report as HTML or PDF."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from firegrid.cli.common import (
    DbOption,
    JsonOption,
    emit_json,
    err_console,
    existing_db,
    handle_errors,
)

__all__ = ["report_cmd"]


@handle_errors
def report_cmd(
    district: Annotated[str, typer.Option("--district", help="District code, e.g. mentougou.")],
    year: Annotated[int, typer.Option("--year", help="Year to evaluate.")],
    out: Annotated[
        Path, typer.Option("--out", help="Output file: .html (self-contained) or .pdf (A4).")
    ],
    lang: Annotated[str, typer.Option("--lang", help="zh (default) or en.")] = "zh",
    plan: Annotated[
        str | None,
        typer.Option("--plan", help="Plan id (default: the plan in force, or the next one)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace OUT if it exists.")
    ] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the plan monitoring-and-evaluation report (监测评估报告): indicators, annual
    tables, trends, construction progress, data quality, problems and data provenance."""
    # Imported here: matplotlib and the report templates are not needed by other commands.
    from firegrid.report.render import (
        MissingFontWarning,
        check_output_path,
        parse_lang,
        write_report,
    )
    from firegrid.report.service import build_report

    language = parse_lang(lang)
    check_output_path(out, overwrite=overwrite)  # refuse before any work is done
    with (
        warnings.catch_warnings(record=True) as caught,
        err_console.status("collecting indicators, statistics and findings…") as status,
    ):
        warnings.simplefilter("always", MissingFontWarning)
        with existing_db(db) as database, database.session(actor="cli") as s:
            report = build_report(
                s, district, year, generated_at=datetime.now().astimezone(), plan_id=plan
            )
        result = write_report(
            report,
            out,
            lang=language,
            overwrite=overwrite,
            progress=lambda msg: status.update(f"{msg}…"),
        )
    for w in caught:
        err_console.print(f"[yellow]warning:[/yellow] {w.message}", soft_wrap=True)
    if json_out:
        emit_json(
            {
                "out": str(result.out),
                "format": result.format,
                "pages": result.pages,
                "size_bytes": result.size_bytes,
                "indicators": report.status_counts,
                "findings": len(report.findings),
                "synthetic_records": report.provenance.synthetic_records,
            }
        )
        return
    pages = f", {result.pages} pages" if result.pages is not None else ""
    counts = ", ".join(f"{k} {v}" for k, v in report.status_counts.items())
    typer.echo(f"wrote {result.out} ({result.size_bytes / 1024:.0f} KiB{pages}); {counts}")
