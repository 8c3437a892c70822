"""``firegrid dispatch metrics``: turn-out, travel and total response times of a district."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from firegrid.cli.common import DbOption, JsonOption, emit_json, existing_db, handle_errors
from firegrid.dispatch.metrics import DEFAULT_LIMIT_S
from firegrid.dispatch.metrics_service import response_metrics

__all__ = ["metrics"]

DistrictOpt = Annotated[str, typer.Option("--district", help="District code, e.g. mentougou.")]
DateFromOpt = Annotated[
    str, typer.Option("--from", help="First local date (YYYY-MM-DD), district time zone.")
]
DateToOpt = Annotated[str, typer.Option("--to", help="Last local date (YYYY-MM-DD), inclusive.")]
LimitOpt = Annotated[
    float,
    typer.Option("--limit-s", help="Response-time limit in seconds (5-minute rule: 300)."),
]


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _share(m: dict[str, Any]) -> str:
    share = m["share_within_limit"]
    return "—" if share is None else f"{share:.1%}"


def _row(label: str, m: dict[str, Any]) -> list[str]:
    return [
        label,
        str(m["count"]),
        _s(m["turnout"]["median_s"]),
        _s(m["travel"]["median_s"]),
        _s(m["total"]["median_s"]),
        _s(m["total"]["mean_s"]),
        _s(m["total"]["p90_s"]),
        _share(m),
        str(m["total"]["n_missing"]),
        str(m["total"]["n_invalid"]),
    ]


def _table(title: str, first: str, rows: list[list[str]], limit_s: float) -> Table:
    t = Table(title=title)
    t.add_column(first)
    for h in (
        "警情数",
        "出动中位(s)",
        "行车中位(s)",
        "响应中位(s)",
        "响应均值(s)",
        "响应P90(s)",
        f"≤{limit_s:g}s",
        "缺失",
        "无效",
    ):
        t.add_column(h, justify="right")
    for r in rows:
        t.add_row(*r)
    return t


@handle_errors
def metrics(
    district: DistrictOpt,
    date_from: DateFromOpt,
    date_to: DateToOpt,
    json_out: JsonOption = False,
    db: DbOption = None,
    limit_s: LimitOpt = DEFAULT_LIMIT_S,
) -> None:
    """Response-time metrics (turn-out, travel, total, share within the limit) per group."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        result = response_metrics(s, district, date_from, date_to, limit_s=limit_s)
    if json_out:
        emit_json(result)
        return
    console = Console()
    lim = result["limit_s"]
    period = f"{result['district']} {result['from']} – {result['to']} ({result['timezone']})"
    console.print(_table(f"响应时间 {period}", "范围", [_row("全部", result["overall"])], lim))
    console.print(
        _table(
            "按队站",
            "队站",
            [_row(g["station"] or "未归属", g) for g in result["by_station"]],
            lim,
        )
    )
    console.print(
        _table(
            "按乡镇街道",
            "乡镇街道",
            [_row(g["township"] or "未标注", g) for g in result["by_township"]],
            lim,
        )
    )
    console.print(_table("按月", "月份", [_row(g["month"], g) for g in result["by_month"]], lim))
    for note in result["notes"]:
        console.print(f"• {note}", soft_wrap=True)
