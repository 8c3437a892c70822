"""``firegrid risk index`` / ``firegrid risk warnings``: the fire-risk assessment index per H3
cell and township, and the warnings it generates (the lead registers these commands)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from firegrid.cli.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_json,
    existing_db,
    handle_errors,
)
from firegrid.risk.service import DEFAULT_RESOLUTION, assess_district
from firegrid.risk.warnings import generate_warnings, list_warnings

__all__ = ["index_cmd", "warnings_cmd"]

_LEVEL = {1: "I 低", 2: "II 中", 3: "III 高", 4: "IV 极高"}


def _index_json(res: dict[str, Any]) -> dict[str, Any]:
    return {
        "district": res["district"],
        "config": res["config"],
        "resolution": res["resolution"],
        "approximate": res["approximate"],
        "levels": res["levels"],
        "cells": [
            {
                "cell": c["cell"],
                "township": c["township"],
                "score": c["score"],
                "level": c["level"],
                "contributions": c["contributions"],
            }
            for c in res["cells"]
        ],
        "townships": res["townships"],
        "hierarchy": res["hierarchy"],
        "excluded": res["excluded"],
        "synthetic": res["synthetic"],
        "synthetic_inputs": res["synthetic_inputs"],
        "synthetic_note_en": res["synthetic_note_en"],
        "notes": res["notes"],
    }


@handle_errors
def index_cmd(
    district: Annotated[str, typer.Option("--district", help="District code.")],
    resolution: Annotated[
        int, typer.Option("--resolution", min=6, max=10, help="H3 resolution of the cells.")
    ] = DEFAULT_RESOLUTION,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Fire-risk assessment index (AHP): a safety score and level per H3 cell and township,
    with each factor's contribution."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        res = assess_district(s, district, resolution=resolution)
    if json_out:
        emit_json(_index_json(res))
        return
    typer.echo(
        f"{res['district']}: {len(res['cells'])} cells (H3 res {res['resolution']}), "
        f"index {res['config']}"
    )
    for lv in ("1", "2", "3", "4"):
        typer.echo(f"  {_LEVEL[int(lv)]:8s} {res['levels'][lv]:6d} cells")
    typer.echo("townships, riskiest first (score: higher = safer):")
    for t in res["townships"]:
        top = ", ".join(f["factor"] for f in t["top_factors"])
        typer.echo(f"  {t['township']:10s} {t['score']:6.1f}  {_LEVEL[t['level']]}  ({top})")
    for note in res["notes"]:
        typer.echo(f"note: {note}")
    if res["synthetic"]:
        typer.echo(f"SYNTHETIC: {res['synthetic_note_en']}")


@handle_errors
def warnings_cmd(
    district: Annotated[str, typer.Option("--district", help="District code.")],
    period: Annotated[
        str | None, typer.Option("--period", help="Month YYYY-MM (default: all periods).")
    ] = None,
    generate: Annotated[
        bool, typer.Option("--generate", help="Generate the period's warnings first.")
    ] = False,
    top_cells: Annotated[int, typer.Option("--top-cells", min=0, max=500)] = 10,
    top_units: Annotated[int, typer.Option("--top-units", min=0, max=500)] = 10,
    resolution: Annotated[int, typer.Option("--resolution", min=6, max=10)] = DEFAULT_RESOLUTION,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """List risk warnings; with --generate, first write the period's warnings for the riskiest
    cells (to their township) and key units (replacing the period's new ones)."""
    actor = cli_actor()
    generated: dict[str, Any] | None = None
    with existing_db(db) as database, database.session(actor=actor) as s:
        if generate:
            if period is None:
                raise typer.BadParameter("--generate needs --period YYYY-MM")
            generated = generate_warnings(
                s,
                district,
                period=period,
                top_cells=top_cells,
                top_units=top_units,
                resolution=resolution,
                actor=actor,
            )
        rows = list_warnings(s, district, period)
    if json_out:
        out: dict[str, Any] = {"district": district, "period": period, "warnings": rows}
        if generated is not None:
            out["generated"] = {k: v for k, v in generated.items() if k != "warnings"}
        emit_json(out)
        return
    if generated is not None:
        typer.echo(
            f"generated {generated['created']} warning(s) for {period} "
            f"(replaced {generated['replaced']}, kept {generated['kept']})"
        )
    for w in rows:
        why = "; ".join(r["text_zh"] for r in w["reasons"])
        flag = " [合成数据]" if w["synthetic"] else ""
        typer.echo(
            f"#{w['id']} {w['period']} {_LEVEL[w['level']]} {w['score']:.1f} "
            f"{w['addressee']} [{w['status']}]{flag}: {why}"
        )
