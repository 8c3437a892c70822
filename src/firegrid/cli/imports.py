"""``firegrid import``: a district's own data from CSV, Excel (.xlsx), GeoJSON, GeoPackage or
Shapefile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from firegrid.cli.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_json,
    err_console,
    existing_db,
    handle_errors,
)
from firegrid.imports.kinds import KINDS
from firegrid.imports.service import run_import

app = typer.Typer(
    help="Import stations, water sources, incidents, population, townships, equipment, people, "
    "training attendance or self-inspections from CSV or Excel (.xlsx). Every bad row is "
    "reported (row, field, reason); nothing is written unless all rows are valid, or "
    "--keep-valid writes the valid rows and keeps the rejected ones for review.",
    no_args_is_help=True,
)

PathArg = Annotated[
    Path, typer.Argument(help="CSV, Excel (.xlsx), GeoJSON, GeoPackage or Shapefile.")
]
DistrictOpt = Annotated[str, typer.Option("--district", help="District code.")]
CrsOpt = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="Coordinate system of the file: wgs84, gcj02, bd09, cgcs2000 or "
        "EPSG:n (required for CSV; files with their own CRS may omit it).",
    ),
]
KeepOpt = Annotated[
    bool, typer.Option("--keep-valid", help="Write the valid rows; keep rejected rows for review.")
]
LayerOpt = Annotated[str | None, typer.Option("--layer", help="GeoPackage layer.")]
SheetOpt = Annotated[
    str | None, typer.Option("--sheet", help="Worksheet of an .xlsx file (default: the first).")
]


def _run(
    kind: str,
    path: Path,
    district: str,
    crs: str | None,
    layer: str | None,
    sheet: str | None,
    keep_valid: bool,
    db: str | None,
    json_out: bool,
) -> None:
    with existing_db(db) as database, err_console.status(f"importing {path.name} …") as status:
        report = run_import(
            database,
            kind,
            path,
            district_code=district,
            actor=cli_actor(),
            crs=crs,
            layer=layer,
            sheet=sheet,
            keep_valid=keep_valid,
            progress=status.update,
        )
    if json_out:
        emit_json(report.as_dict())
    else:
        verb = "written" if report.written else "NOT written (nothing changed)"
        typer.echo(
            f"{kind}: {report.rows} rows, {report.accepted} accepted, "
            f"{report.rejected} rejected — {verb}"
        )
        if report.counts:
            typer.echo("  " + ", ".join(f"{k} {v}" for k, v in report.counts.items()))
        if report.ignored_columns:
            typer.echo("  ignored columns: " + ", ".join(report.ignored_columns))
    for e in report.errors[:200]:
        err_console.print(f"  row {e.row}  {e.field}: {e.reason}", soft_wrap=True, markup=False)
    if report.errors:
        raise typer.Exit(1)


def _command(kind: str) -> None:
    @handle_errors
    def command(
        path: PathArg,
        district: DistrictOpt,
        crs: CrsOpt = None,
        layer: LayerOpt = None,
        sheet: SheetOpt = None,
        keep_valid: KeepOpt = False,
        db: DbOption = None,
        json_out: JsonOption = False,
    ) -> None:
        _run(kind, path, district, crs, layer, sheet, keep_valid, db, json_out)

    command.__doc__ = f"Import {kind} of a district."
    app.command(kind)(command)


for _kind in KINDS:
    _command(_kind)


@app.command("toronto")
@handle_errors
def toronto_cmd(
    incidents: Annotated[
        Path, typer.Option("--incidents", help="Toronto Fire Services fire_incidents CSV.")
    ],
    stations: Annotated[Path, typer.Option("--stations", help="Toronto fire_stations CSV.")],
    district: Annotated[str, typer.Option("--district", help="District code to import into.")] = (
        "toronto"
    ),
    years: Annotated[
        str | None, typer.Option("--years", help="First and last year, e.g. 2017-2018.")
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Import Toronto's real fire records (alarm and arrival times) and stations — a real
    test of the response metrics (`firegrid dispatch metrics`)."""
    from firegrid.dispatch.toronto import import_toronto
    from firegrid.errors import InvalidInputError

    span = None
    if years:
        try:
            a, _, b = years.partition("-")
            span = (int(a), int(b or a))
        except ValueError:
            raise InvalidInputError(f"--years {years!r}: give YYYY or YYYY-YYYY") from None
    with existing_db(db) as database:
        res = import_toronto(
            database, incidents, stations, district_code=district, years=span, actor=cli_actor()
        )
    if json_out:
        emit_json(res.as_dict())
        return
    for what, rep in (("stations", res.stations), ("incidents", res.incidents)):
        typer.echo(f"{what}: {rep.rows} rows, {rep.accepted} accepted, {rep.rejected} rejected")
