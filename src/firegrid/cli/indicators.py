"""``firegrid indicators``: plan indicators evaluated from the records."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from firegrid.cli.common import DbOption, JsonOption, emit_json, existing_db, handle_errors
from firegrid.indicators.service import evaluate_district

_STATUS_STYLE = {"on_track": "green", "at_risk": "yellow", "missed": "red", "no_data": "dim"}


@handle_errors
def indicators_cmd(
    district: Annotated[str, typer.Option("--district", help="District code.")],
    year: Annotated[int, typer.Option("--year", help="Year to evaluate.")],
    plan: Annotated[str | None, typer.Option("--plan", help="One plan id.")] = None,
    lang: Annotated[str, typer.Option(help="zh or en.")] = "zh",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Evaluate the district's five-year-plan indicators for a year: on_track / at_risk /
    missed, or no_data with what is missing."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        results = evaluate_district(s, district, year, plan_id=plan)
    if json_out:
        emit_json([r.as_dict() for pr in results for r in pr.results])
        return
    for pr in results:
        t = Table(title=f"{pr.plan.title_zh if lang != 'en' else pr.plan.title_en} — {year}")
        for h in (
            "id",
            "指标" if lang != "en" else "indicator",
            "value",
            "target",
            "status",
            "missing",
        ):
            t.add_column(h)
        for r in pr.results:
            ind = r.indicator
            style = _STATUS_STYLE.get(r.status, "")
            t.add_row(
                ind.id,
                ind.name_en if lang == "en" else ind.name_zh,
                "—" if r.value is None else f"{r.value:g}",
                ind.target_text or f"{ind.target:g}",
                f"[{style}]{r.status}[/{style}]",
                "; ".join(m.en if lang == "en" else m.zh for m in r.missing),
            )
        Console().print(t)
