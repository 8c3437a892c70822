"""``firegrid network``: import, describe and export road networks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from firegrid.cli.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_json,
    err_console,
    existing_db,
    handle_errors,
)
from firegrid.network.service import export_network, import_network, list_networks, network_info

app = typer.Typer(
    help="Road networks: OSM or centre-line import, info, export.", no_args_is_help=True
)

NameOpt = Annotated[str, typer.Option("--name", help="Network name (versions are kept).")]


@app.command("import")
@handle_errors
def import_cmd(
    path: Annotated[
        Path,
        typer.Argument(
            help=".osm.pbf/.osm/.osm.gz/.osm.bz2, or centre lines (.shp/.gpkg/.geojson)"
        ),
    ],
    name: NameOpt,
    district: Annotated[
        str | None, typer.Option("--district", help="Clip to this district's boundary.")
    ] = None,
    boundary: Annotated[
        Path | None,
        typer.Option("--boundary", help="Clip to this polygon file (GeoJSON/GPKG/SHP)."),
    ] = None,
    buffer_m: Annotated[
        float, typer.Option("--buffer-m", help="Buffer around the clip polygon, metres.")
    ] = 2000.0,
    variant: Annotated[
        str, typer.Option(help="Speed profile variant: urban, suburban, mountain.")
    ] = "urban",
    crs: Annotated[
        str | None,
        typer.Option("--crs", help="CRS of centre-line files without one (e.g. gcj02, EPSG:4548)."),
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Build a road graph (streaming, with progress) and store it as a new version."""
    with (
        existing_db(db) as database,
        Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("reading", total=1.0)

        def progress(stage: str, fraction: float | None) -> None:
            bar.update(task, description=stage, completed=fraction or 0.0)

        info = import_network(
            database,
            path,
            name=name,
            actor=cli_actor(),
            district_code=district,
            boundary_path=boundary,
            buffer_m=buffer_m,
            variant=variant,
            crs=crs,
            progress=progress,
        )
    if json_out:
        emit_json(info)
        return
    reused = " (unchanged source: existing version reused)" if info["reused"] else ""
    typer.echo(
        f"{info['name']} v{info['version']}: {info['nodes']:,} nodes, "
        f"{info['edges']:,} edges, {info['km']:,.1f} km{reused}"
    )


@app.command("info")
@handle_errors
def info_cmd(
    name: Annotated[str, typer.Argument(help="Network name.")],
    version: Annotated[int | None, typer.Option(help="Version (default latest).")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Describe a stored network."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        info = network_info(s, name, version)
    if json_out:
        emit_json(info)
    else:
        for k, v in info.items():
            typer.echo(f"{k:14s} {v}")


@app.command("list")
@handle_errors
def list_cmd(db: DbOption = None, json_out: JsonOption = False) -> None:
    """List stored networks and their versions."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        rows = list_networks(s)
    if json_out:
        emit_json(rows)
    else:
        for r in rows:
            typer.echo(
                f"{r['name']} v{r['version']}  {r['nodes']:,} nodes  {r['km']:,.1f} km  "
                f"{r['source']}"
            )


@app.command("export")
@handle_errors
def export_cmd(
    name: Annotated[str, typer.Argument(help="Network name.")],
    out: Annotated[Path, typer.Argument(help="Edge CSV to write (nodes beside it).")],
    fmt: Annotated[str, typer.Option("--format", help="csv")] = "csv",
    version: Annotated[int | None, typer.Option(help="Version.")] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Export the edge list and the node coordinates."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        res = export_network(s, name, out, fmt=fmt, version=version)
    if json_out:
        emit_json(res)
    else:
        typer.echo(
            f"wrote {res['edges_file']} ({res['edges']:,} edges) and "
            f"{res['nodes_file']} ({res['nodes']:,} nodes)"
        )
