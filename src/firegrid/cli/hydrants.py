"""``firegrid hydrants``: where in-service hydrants leave road and places uncovered."""

from __future__ import annotations

from typing import Annotated

import typer

from firegrid.cli.common import DbOption, JsonOption, emit_json, existing_db, handle_errors
from firegrid.coverage.service import hydrant_analysis


@handle_errors
def hydrants_cmd(
    district: Annotated[str, typer.Option("--district", help="District code.")],
    network: Annotated[
        str | None,
        typer.Option("--network", help="Road network (needed for the 120 m along-road rule)."),
    ] = None,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Road farther than 120 m along the network from an in-service hydrant, places beyond
    150 m — the basis for new-hydrant planning (GB 50974)."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        res = hydrant_analysis(s, district, network=network)
    if json_out:
        emit_json(res)
        return
    typer.echo(f"{res['hydrants_in_service']} in-service hydrants")
    if res["share_road"] is not None:
        typer.echo(
            f"  road within {res['road_distance_m']:g} m: {res['share_road'] * 100:.1f} %"
            f" ({res['gap_km']:.2f} km of gaps)"
        )
    if res["share_demand"] is not None:
        typer.echo(f"  places within {res['radius_m']:g} m: {res['share_demand'] * 100:.1f} %")
    for p in res["uncovered"][:20]:
        typer.echo(f"  beyond: {p.get('label')} ({p.get('distance_m')} m)")
