"""``firegrid stats``: annual fire tables and calls by category."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from firegrid.cli.common import DbOption, JsonOption, emit_json, existing_db, handle_errors
from firegrid.statistics.service import annual_fire_table, calls_table

app = typer.Typer(help="Fire statistics laid out like the plans' tables.", no_args_is_help=True)

DistrictOpt = Annotated[str, typer.Option("--district", help="District code, e.g. mentougou.")]
FromOpt = Annotated[int, typer.Option("--from", help="First year.")]
ToOpt = Annotated[int, typer.Option("--to", help="Last year.")]
TotalOpt = Annotated[bool, typer.Option("--total", help="Append the total / average row.")]


@app.command("annual")
@handle_errors
def annual_cmd(
    district: DistrictOpt,
    year_from: FromOpt,
    year_to: ToOpt,
    db: DbOption = None,
    total: TotalOpt = False,
    json_out: JsonOption = False,
) -> None:
    """Fires, injuries, deaths, direct loss, population and rates per year."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        rows = annual_fire_table(s, district, year_from, year_to, total=total)
    if json_out:
        emit_json([r.as_dict() for r in rows])
        return
    t = Table(title=f"{district} 火灾情况统计 {year_from}–{year_to}")
    for h in (
        "年度",
        "火灾起数",
        "受伤",
        "死亡",
        "直接损失(元)",
        "常住人口",
        "十万人口死亡率",
        "万人火灾率",
        "合成记录",
    ):
        t.add_column(h, justify="right")
    for r in rows:
        t.add_row(
            str(r.year or "合计"),
            str(r.fires),
            str(r.injuries),
            str(r.deaths),
            "—" if r.loss_yuan is None else f"{r.loss_yuan:,.2f}",
            "—" if r.population is None else f"{r.population:,}",
            "—" if r.death_rate_per_100k is None else f"{r.death_rate_per_100k:.2f}",
            "—" if r.fires_per_10k is None else f"{r.fires_per_10k:.2f}",
            str(r.synthetic_records),
        )
    Console().print(t)


@app.command("calls")
@handle_errors
def calls_cmd(
    district: DistrictOpt,
    year_from: FromOpt,
    year_to: ToOpt,
    db: DbOption = None,
    total: TotalOpt = False,
    json_out: JsonOption = False,
) -> None:
    """Calls (警情) per year: fire, rescue, social assistance, other."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        rows = calls_table(s, district, year_from, year_to, total=total)
    if json_out:
        emit_json([r.as_dict() for r in rows])
        return
    t = Table(title=f"{district} 警情统计 {year_from}–{year_to}")
    for h in ("年份", "总警情", "火灾扑救", "抢险救援", "社会救助", "其他出动"):
        t.add_column(h, justify="right")
    for r in rows:
        t.add_row(
            str(r.year or "合计"),
            str(r.total),
            str(r.fire),
            str(r.rescue),
            str(r.social_assistance),
            str(r.other),
        )
    Console().print(t)
