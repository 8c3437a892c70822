"""``firegrid site mclp|compare|whatif``: siting on a district's own data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from firegrid.cli.common import DbOption, JsonOption, emit_json, existing_db, handle_errors
from firegrid.cli.site import app
from firegrid.coverage.service import StationPoint
from firegrid.errors import InvalidInputError
from firegrid.network.graph import Vehicle
from firegrid.siting.service import best_new_sites, build_instance, compare_with_plan, what_if
from firegrid.types import StationClass

DistrictOpt = Annotated[str, typer.Option("--district", help="District code.")]
NetworkOpt = Annotated[
    str | None, typer.Option("--network", help="Road network (omit: straight-line approximation).")
]
MinutesOpt = Annotated[float | None, typer.Option("--minutes", help="Standard (default 5).")]
VehicleOpt = Annotated[Vehicle, typer.Option("--vehicle", help="light or heavy.")]
ExcludeOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--exclude",
        help="Polygons where no station may go (ecological red lines, "
        "water, steep ground); GeoJSON/GPKG/SHP; repeatable.",
    ),
]
TimeOpt = Annotated[float, typer.Option("--time-limit", help="Seconds for the solver.")]


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f} %"


@app.command("mclp")
@handle_errors
def mclp_cmd(
    district: DistrictOpt,
    p: Annotated[int, typer.Option("--p", help="New stations.")],
    network: NetworkOpt = None,
    minutes: MinutesOpt = None,
    vehicle: VehicleOpt = Vehicle.LIGHT,
    exclude: ExcludeOpt = None,
    spacing_m: Annotated[float, typer.Option("--candidate-spacing-m")] = 500.0,
    time_limit: TimeOpt = 60.0,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Best sites for P new stations next to the existing ones (maximal covering)."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        inst = build_instance(
            s,
            district,
            network=network,
            minutes=minutes,
            vehicle=vehicle,
            exclude=list(exclude or []),
            candidate_spacing_m=spacing_m,
        )
        res = best_new_sites(inst, p, time_limit_s=time_limit)
    if json_out:
        emit_json(res)
        return
    tag = " (approximate)" if res["approximate"] else ""
    typer.echo(
        f"{res['status']}{tag}: covered {_pct(res['share_before'])} → "
        f"{_pct(res['share_after'])} of {res['demand']}"
    )
    for site in res["new_sites"]:
        typer.echo(f"  + {site['name']}  ({site['lon']:.5f}, {site['lat']:.5f})")


@app.command("compare")
@handle_errors
def compare_cmd(
    district: DistrictOpt,
    network: NetworkOpt = None,
    minutes: MinutesOpt = None,
    vehicle: VehicleOpt = Vehicle.LIGHT,
    exclude: ExcludeOpt = None,
    time_limit: TimeOpt = 60.0,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """The plan's new stations against the optimiser's best sites of the same count."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        res = compare_with_plan(
            s,
            district,
            network=network,
            minutes=minutes,
            vehicle=vehicle,
            exclude=list(exclude or []),
            time_limit_s=time_limit,
        )
    if json_out:
        emit_json(res)
        return
    tag = " (approximate)" if res["approximate"] else ""
    typer.echo(f"existing only: {_pct(res['existing_only']['share'])}{tag}")
    typer.echo(
        f"plan ({', '.join(x['name'] for x in res['plan']['stations'])}): "
        f"{_pct(res['plan']['share'])}"
    )
    typer.echo(
        f"optimum ({', '.join(x['name'] for x in res['optimum']['stations'])}): "
        f"{_pct(res['optimum']['share'])}"
    )


def _station(text: str) -> StationPoint:
    """``NAME@LON,LAT[:CLASS]``."""
    try:
        name, rest = text.split("@", 1)
        coords, _, cls = rest.partition(":")
        lon, lat = (float(v) for v in coords.split(","))
        return StationPoint(
            name.strip(), StationClass(StationClass.parse(cls or "level1")), lon, lat
        )
    except ValueError as exc:
        raise InvalidInputError(f"--add {text!r}: use NAME@LON,LAT[:CLASS] ({exc})") from None


def _move(text: str) -> tuple[str, tuple[float, float]]:
    try:
        name, coords = text.split("@", 1)
        lon, lat = (float(v) for v in coords.split(","))
    except ValueError:
        raise InvalidInputError(f"--move {text!r}: use NAME@LON,LAT") from None
    return name.strip(), (lon, lat)


@app.command("whatif")
@handle_errors
def whatif_cmd(
    district: DistrictOpt,
    add: Annotated[list[str] | None, typer.Option("--add", help="NAME@LON,LAT[:CLASS]")] = None,
    close: Annotated[list[str] | None, typer.Option("--close", help="Station name.")] = None,
    move: Annotated[list[str] | None, typer.Option("--move", help="NAME@LON,LAT")] = None,
    network: NetworkOpt = None,
    minutes: MinutesOpt = None,
    vehicle: VehicleOpt = Vehicle.LIGHT,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Coverage and district areas before and after adding, closing or moving stations."""
    if not (add or close or move):
        raise InvalidInputError("give at least one --add, --close or --move")
    with existing_db(db) as database, database.session(actor="cli") as s:
        res: dict[str, Any] = what_if(
            s,
            district,
            network=network,
            minutes=minutes,
            vehicle=vehicle,
            add=[_station(a) for a in add or []],
            close=list(close or []),
            move=dict(_move(m) for m in move or []),
        )
    if json_out:
        emit_json(res)
        return
    for key in ("share_road_km", "share_demand", "share_area"):
        typer.echo(f"{key:14s} {_pct(res['before'][key])} → {_pct(res['after'][key])}")
