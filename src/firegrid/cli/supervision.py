"""``firegrid inspections`` / ``hazards`` / ``keyunits``: draws, hazard loop, key-unit register."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from firegrid.cli.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_json,
    existing_db,
    handle_errors,
)
from firegrid.supervision import credit_service, draw_service, keyunit_service, service

__all__ = ["hazards_app", "inspections_app", "keyunits_app"]

inspections_app = typer.Typer(help="Double-random inspections (双随机): draw, replay, export.")
hazards_app = typer.Typer(help="Fire hazards (火灾隐患): the rectification loop, overdue list.")
keyunits_app = typer.Typer(help="Key units (消防安全重点单位): classification and register.")

District = Annotated[str, typer.Option("--district", help="District code.")]
On = Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default: today, UTC).")]


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    from firegrid.errors import InvalidInputError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"--on {text!r}: give a date YYYY-MM-DD") from None


def _print_draw(out: dict[str, object], json_out: bool) -> None:
    if json_out:
        emit_json(out)
        return
    typer.echo(
        f"draw {out['draw_id']} · {out['district']} {out['period']} · seed {out['seed']} · "
        f"{out['config']} · risk: {out['risk_source']}"
    )
    units = out["units"]
    names = out["inspector_names"]
    assert isinstance(units, list) and isinstance(names, list)
    for n, (u, pair) in enumerate(zip(units, names, strict=True), 1):
        typer.echo(
            f"{n:>3}  {u['name']:<30} risk {u['risk_level']} credit {u['credit_grade']}  "
            f"{pair[0]} + {pair[1]}"
        )


@inspections_app.command("draw")
@handle_errors
def draw_cmd(
    district: District,
    period: Annotated[str, typer.Option("--period", help="Month YYYY-MM.")],
    count: Annotated[int, typer.Option("--count", min=1, help="Units to draw.")],
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Random seed (default: a fresh one).")
    ] = None,
    on: On = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Draw units (∝ risk × credit weight) and inspector pairs; store seed and inputs."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = draw_service.create_draw(
            s, district, period=period, count=count, seed=seed, on=_day(on), actor=cli_actor()
        )
    _print_draw(out, json_out)


@inspections_app.command("replay")
@handle_errors
def replay_cmd(
    draw_id: Annotated[int, typer.Argument(help="Draw id.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Run a stored draw again from its stored inputs (identical result, or an error)."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = draw_service.replay_draw(s, draw_id)
    _print_draw(out, json_out)


@inspections_app.command("export")
@handle_errors
def export_cmd(
    draw_id: Annotated[int, typer.Argument(help="Draw id.")],
    fmt: Annotated[str, typer.Option("--format", help="csv or json.")] = "csv",
    db: DbOption = None,
) -> None:
    """Print the published result list of a draw (结果公示) as CSV or JSON."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        typer.echo(draw_service.export_draw(s, draw_id, fmt=fmt), nl=False)


@inspections_app.command("non-site-share")
@handle_errors
def non_site_cmd(
    district: District,
    period: Annotated[str | None, typer.Option("--period", help="Month YYYY-MM.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Calendar year.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Share of non-site inspections (target ≥ 80 %)."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = service.non_site_share(s, district, period=period, year=year)
    if json_out:
        emit_json(out)
        return
    share = "—" if out["share"] is None else f"{out['share']:.1%}"
    typer.echo(
        f"{out['district']} {out['period']}: {out['non_site']}/{out['inspections']} non-site "
        f"= {share} (target ≥ {out['target']:.0%})"
    )


@inspections_app.command("credit")
@handle_errors
def credit_cmd(
    district: District,
    on: On = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Score every key unit's credit (stored as history) and list the grades."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = credit_service.compute_credit(s, district, as_of=_day(on))
    if json_out:
        emit_json(out)
        return
    typer.echo(f"{out['district']} {out['as_of']} {out['config']}: {out['grades']}")
    for u in out["units"]:
        flag = " 严重失信" if u["severe_dishonesty"] else ""
        typer.echo(f"  {u['grade']} {u['score']:>6.1f}  {u['name']}{flag}")


@hazards_app.command("overdue")
@handle_errors
def overdue_cmd(
    district: District,
    on: On = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List open hazards past their rectification deadline, most overdue first."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = service.overdue_hazards(s, district, on=_day(on))
    if json_out:
        emit_json(out)
        return
    typer.echo(f"{out['district']} on {out['on']}: {out['count']} overdue")
    for h in out["hazards"]:
        typer.echo(
            f"  #{h['id']:<5} {h['days_overdue']:>4} d  {h['severity_label']:<8} "
            f"{h['status_label']:<6} {h['building_name']} — {h['description']}"
        )


@keyunits_app.command("classify")
@handle_errors
def classify_cmd(
    district: District,
    on: On = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the decisions without changing the register.")
    ] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Classify the district's buildings by the key-unit rules in force; record why."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = keyunit_service.classify_district(
            s, district, on=_day(on), apply=not dry_run, actor=cli_actor()
        )
    if json_out:
        emit_json(out)
        return
    typer.echo(
        f"{out['district']} ({out['province']}) · rules {out['rule_set']} · {out['counts']}"
        + ("" if out["applied"] else " · dry run")
    )
    for b in out["buildings"]:
        if b["changed"] or b["undetermined"]:
            typer.echo(f"  {b['code']:<16} {b['name']:<30} {b['reason_zh']}")


@keyunits_app.command("list")
@handle_errors
def list_cmd(district: District, db: DbOption = None, json_out: JsonOption = False) -> None:
    """List the key-unit register with each unit's latest decision."""
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = keyunit_service.key_unit_register(s, district)
    if json_out:
        emit_json(out)
        return
    for u in out["units"]:
        typer.echo(f"{u['code']:<16} {u['category'] or '':<16} {u['name']}")
    typer.echo(f"{out['count']} key units")
