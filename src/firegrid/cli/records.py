"""``firegrid water|equipment|training``: the record workflows of water sources, equipment and
training (parse → call the service → print)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
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

__all__ = ["equipment_app", "training_app", "water_app"]

water_app = typer.Typer(
    help="Water sources: intact rate, maintenance tickets, planning list.", no_args_is_help=True
)
equipment_app = typer.Typer(
    help="Equipment: vehicle replacement, compliance, maintenance, import.", no_args_is_help=True
)
training_app = typer.Typer(
    help="Training: pass rate, people trained, firefighters per 10k.", no_args_is_help=True
)

DistrictOpt = Annotated[str, typer.Option("--district", help="District code.")]
LangOpt = Annotated[str, typer.Option("--lang", help="Label language: zh or en.")]


@water_app.command("intact-rate")
@handle_errors
def intact_rate_cmd(
    district: DistrictOpt,
    month: Annotated[str, typer.Option("--month", help="Month YYYY-MM (rate at its end).")],
    lang: LangOpt = "zh",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Intact rate (完好率) at the end of a month, overall and per kind."""
    from firegrid.water.service import intact_rate

    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = intact_rate(s, district, month, lang=lang)
    if json_out:
        emit_json(out)
        return
    rate = out["rate_percent"]
    typer.echo(
        f"{out['district']} {out['month']}: {out['intact']}/{out['registered']} intact"
        f" = {rate if rate is not None else '-'} %"
        + (" (synthetic data)" if out["synthetic"] else "")
    )
    for kind, c in out["by_kind"].items():
        typer.echo(f"  {kind:8s} {c['intact']}/{c['registered']} = {c['rate_percent']} %")


@water_app.command("tickets")
@handle_errors
def tickets_cmd(
    district: DistrictOpt,
    all_tickets: Annotated[bool, typer.Option("--all", help="Include closed tickets.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Maintenance tickets (open ones unless --all)."""
    from firegrid.water.service import list_tickets

    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = list_tickets(s, district, open_only=not all_tickets)
    if json_out:
        emit_json(out)
        return
    for t in out:
        typer.echo(f"{t['id']:>6} {t['water_source_code']:20s} {t['status_label']}  {t['defect']}")


@water_app.command("hydrant-plan")
@handle_errors
def hydrant_plan_cmd(
    district: DistrictOpt,
    network: Annotated[str | None, typer.Option("--network", help="Road network name.")] = None,
    csv_out: Annotated[
        Path | None, typer.Option("--csv", help="Write the list as CSV here.")
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """New-hydrant planning list ranked from the hydrant coverage gaps."""
    from firegrid.water.service import new_hydrant_plan, new_hydrant_plan_csv

    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        plan = new_hydrant_plan(s, district, network=network)
    if csv_out is not None:
        csv_out.write_text(new_hydrant_plan_csv(plan), encoding="utf-8")
    if json_out:
        emit_json(plan)
        return
    typer.echo(f"{len(plan['items'])} gaps, {plan['hydrants_proposed']} hydrants proposed")
    for i in plan["items"][:30]:
        typer.echo(
            f"{i['rank']:>4} {i['kind']:5s} {i['label']}  {i['distance_m']} m"
            f"  +{i['hydrants_proposed']}"
        )


@equipment_app.command("replacement-plan")
@handle_errors
def replacement_plan_cmd(
    district: DistrictOpt,
    year: Annotated[
        int | None, typer.Option("--year", help="As-of year (default: this year).")
    ] = None,
    lang: LangOpt = "zh",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Vehicles by replacement year (commission year + 15)."""
    from firegrid.equipment.service import replacement_plan

    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = replacement_plan(s, district, year=year, lang=lang)
    if json_out:
        emit_json(out)
        return
    typer.echo(
        f"{out['district']}: {out['vehicles']} vehicles, "
        f"{out['due_now']} due by {out['as_of_year']}"
    )
    for y in out["years"]:
        typer.echo(f"  {y['year']}: " + ", ".join(v["code"] for v in y["vehicles"]))
    if out["unknown_commission_year"]:
        typer.echo(f"  unknown commission year: {len(out['unknown_commission_year'])}")


@equipment_app.command("compliance")
@handle_errors
def compliance_cmd(
    district: DistrictOpt,
    year: Annotated[int | None, typer.Option("--year", help="Year (default: this year).")] = None,
    lang: LangOpt = "zh",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """装备配备达标率 per station and group against the (placeholder) station standard."""
    from firegrid.equipment.service import equipment_compliance

    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = equipment_compliance(s, district, year=year, lang=lang)
    if json_out:
        emit_json(out)
        return
    typer.echo(f"standard {out['standard_version']} — district {out['district_rate_percent']} %")
    for g, v in out["groups"].items():
        typer.echo(
            f"  {g:8s} {v['rate_percent']} % (target {v['target_percent']} %), "
            f"{v['stations']} stations"
        )


@equipment_app.command("maintenance-due")
@handle_errors
def maintenance_due_cmd(
    district: DistrictOpt,
    today: Annotated[
        str | None, typer.Option("--today", help="Date YYYY-MM-DD (default today).")
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Items whose maintenance is due or overdue."""
    from firegrid.equipment.service import maintenance_due

    day = date.fromisoformat(today) if today else date.today()
    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = maintenance_due(s, district, today=day)
    if json_out:
        emit_json(out)
        return
    for r in out:
        typer.echo(
            f"{r['code']:24s} {r['kind_label']}  due {r['due_on']} ({r['days_overdue']} d overdue)"
        )


@equipment_app.command("import")
@handle_errors
def import_equipment_cmd(
    path: Annotated[Path, typer.Argument(help="CSV of equipment items.")],
    district: DistrictOpt,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import equipment items (EPC checked; every bad row named; all or nothing)."""
    from firegrid.imports.service import run_import

    with existing_db(db) as database:
        report = run_import(database, "equipment", path, district_code=district, actor=cli_actor())
    if json_out:
        emit_json(report.as_dict())
    else:
        typer.echo(
            f"equipment: {report.rows} rows, {report.accepted} accepted, {report.rejected} rejected"
        )
        for e in report.errors[:200]:
            typer.echo(f"  row {e.row}  {e.field}: {e.reason}", err=True)
    if report.errors:
        raise typer.Exit(1)


@training_app.command("summary")
@handle_errors
def training_summary_cmd(
    district: DistrictOpt,
    year: Annotated[int, typer.Option("--year", help="Calendar year.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Training pass rate, people trained and firefighters per 10,000 residents of a year."""
    from firegrid.training.service import training_summary

    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        out = training_summary(s, district, year)
    if json_out:
        emit_json(out)
        return
    typer.echo(
        f"{out['district']} {year}: pass rate {out['pass_rate_percent']} % "
        f"({out['passed']}/{out['assessed']}), people trained {out['people_trained']}, "
        f"firefighters per 10k {out['firefighters_per_10k']['per_10k']}"
    )
