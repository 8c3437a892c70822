"""``firegrid route`` and ``firegrid coverage``: travel times and the 5-minute standard."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from firegrid.cli.common import DbOption, JsonOption, emit_json, existing_db, handle_errors
from firegrid.coverage.export import coverage_layers, coverage_summary, write_coverage
from firegrid.coverage.service import CoverageRequest, coverage_analysis
from firegrid.errors import InvalidInputError
from firegrid.geo.crs import to_wgs84
from firegrid.network.graph import Vehicle
from firegrid.network.service import route_between

VehicleOpt = Annotated[Vehicle, typer.Option("--vehicle", help="light or heavy (fire engine).")]


def _lonlat(text: str, what: str, crs: str) -> tuple[float, float]:
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInputError(f"{what} {text!r}: give LON,LAT, e.g. 116.10,39.94") from None
    lon, lat = to_wgs84([x], [y], crs=crs)
    return float(lon[0]), float(lat[0])


@handle_errors
def route_cmd(
    origin: Annotated[str, typer.Option("--from", help="LON,LAT")],
    destination: Annotated[str, typer.Option("--to", help="LON,LAT")],
    network: Annotated[
        str | None,
        typer.Option("--network", help="Stored network (omit for the straight-line estimate)."),
    ] = None,
    vehicle: VehicleOpt = Vehicle.LIGHT,
    crs: Annotated[
        str, typer.Option("--crs", help="CRS of the coordinates (wgs84, gcj02, bd09, EPSG:n).")
    ] = "wgs84",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Travel time and distance between two points (network, or approximate)."""
    a, b = _lonlat(origin, "--from", crs), _lonlat(destination, "--to", crs)
    if network is None:
        res = route_between(None, None, a, b, vehicle=vehicle)
    else:
        with existing_db(db) as database, database.session(actor="cli") as s:
            res = route_between(s, network, a, b, vehicle=vehicle)
    if json_out:
        emit_json(res)
        return
    approx = " (approximate: straight line × circuity)" if res["approximate"] else ""
    typer.echo(f"{res['travel_time_s']:.0f} s, {res['distance_m']:.0f} m{approx}")


@handle_errors
def coverage_cmd(
    network: Annotated[
        str | None,
        typer.Option("--network", help="Stored road network (omit: straight-line approximation)."),
    ] = None,
    district: Annotated[
        str | None,
        typer.Option("--district", help="District code: its stations, settlements and boundary."),
    ] = None,
    stations: Annotated[
        Path | None,
        typer.Option("--stations", help="CSV name,class,lon,lat (instead of the district's)."),
    ] = None,
    stations_crs: Annotated[str, typer.Option("--stations-crs")] = "wgs84",
    minutes: Annotated[
        float | None, typer.Option("--minutes", help="Standard (default 5, turn-out included).")
    ] = None,
    vehicle: VehicleOpt = Vehicle.LIGHT,
    include_planned: Annotated[
        bool,
        typer.Option("--include-planned", help="Count planned and under-construction stations."),
    ] = False,
    cell_m: Annotated[float | None, typer.Option("--cell-m", help="Raster cell size.")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write every layer: districts, isochrones, uncovered area and places, road gaps, "
            "stations (.geojson, .gpkg; .shp: one file per layer).",
        ),
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Share of roads, places and area within the standard; first-due districts vs 建标152."""
    if district is None and stations is None:
        raise InvalidInputError("give --district D or --stations CSV")
    req = CoverageRequest(
        district_code=district,
        network=network,
        stations_csv=stations,
        stations_crs=stations_crs,
        minutes=minutes,
        vehicle=vehicle,
        include_planned=include_planned,
        cell_m=cell_m,
        layers=out is not None,
    )
    with existing_db(db) as database, database.session(actor="cli") as s:
        result = coverage_analysis(s, req)
    if out is not None:
        written = write_coverage(coverage_layers(result), out, summary=result)
        result = coverage_summary(result)
        result["files"] = [str(p) for p in written]
    if json_out:
        sys_out = json.loads(json.dumps(result, allow_nan=False, default=str))
        emit_json(sys_out)
        return
    tag = "approximate (straight line)" if result["approximate"] else "road network"

    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v * 100:.1f} %"

    typer.echo(f"coverage within {result['limit_s'] / 60:g} min — {tag}, {result['vehicle']}")
    typer.echo(
        f"  roads  {pct(result['share_road_km'])}   places {pct(result['share_demand'])}"
        f"   area {pct(result['share_area'])}"
    )
    for d in result["districts"]:
        flag = "  OVER LIMIT" if d["over_limit"] else ""
        lim = "—" if d["limit_km2"] is None else f"{d['limit_km2']:g}"
        typer.echo(f"  {d['station']}: {d['area_km2']:.1f} km² (limit {lim}){flag}")
    if result["uncovered"]:
        typer.echo(f"  {len(result['uncovered'])} places beyond the standard")
