"""``firegrid dispatch``: unit recommendation, live unit status and response metrics."""

from __future__ import annotations

from typing import Annotated

import typer

from firegrid.cli.common import DbOption, JsonOption, emit_json, existing_db, handle_errors
from firegrid.cli.dispatch_metrics import metrics
from firegrid.dispatch import service
from firegrid.types import BuildingClass, IncidentCategory

__all__ = ["app"]

app = typer.Typer(help="Command centre: recommend units, unit status, response metrics.")
app.command("metrics")(metrics)


def _mmss(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


@app.command("recommend")
@handle_errors
def recommend_cmd(
    district: Annotated[str, typer.Option("--district", help="District code.")],
    lon: Annotated[float, typer.Option("--lon", help="Longitude of the scene.")],
    lat: Annotated[float, typer.Option("--lat", help="Latitude of the scene.")],
    category: Annotated[
        IncidentCategory, typer.Option("--type", help="fire, rescue, social_assistance, other.")
    ] = IncidentCategory.FIRE,
    building_class: Annotated[
        BuildingClass | None,
        typer.Option("--building-class", help="e.g. high_rise, underground, crowded."),
    ] = None,
    subtype: Annotated[
        str | None, typer.Option("--subtype", help="Rescue sub-type: water, mountain, hazmat …")
    ] = None,
    level: Annotated[
        int | None,
        typer.Option("--level", min=1, max=5, help="Alarm level (default: from the report)."),
    ] = None,
    trapped: Annotated[int, typer.Option("--trapped", min=0, help="People reported trapped.")] = 0,
    crs: Annotated[str, typer.Option("--crs", help="wgs84, gcj02, bd09 or cgcs2000.")] = "wgs84",
    water_k: Annotated[int, typer.Option("--water-k", min=1, help="Water sources to list.")] = (
        service.DEFAULT_WATER_K
    ),
    lang: Annotated[str, typer.Option("--lang", help="zh or en labels.")] = "zh",
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Recommend units (run card × ETA × availability) and the nearest in-service water."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        rec = service.recommend_at(
            s,
            district,
            lon,
            lat,
            category=category,
            crs=crs,
            building_class=building_class,
            subtype=subtype,
            level=level,
            trapped=trapped,
            opts=service.RecommendOptions(level=level, water_k=water_k, lang=lang),
        )
    if json_out:
        emit_json(rec)
        return
    typer.echo(f"{rec['level_label']} · {rec['run_cards']}")
    for u in rec["units"]:
        tag = " (synthetic)" if u["synthetic"] else ""
        typer.echo(
            f"  {_mmss(u['eta_s']):>6}  {u['call_sign']:<18} {u['type_label']:<12} "
            f"{u['station'] or ''}{tag}"
        )
    for sf in rec["shortfall"]:
        alts = ", ".join(f"{a['call_sign']} ({a['status_label']})" for a in sf["alternatives"])
        typer.echo(
            f"  SHORT {sf['need']}: missing {sf['missing']}" + (f" — {alts}" if alts else "")
        )
    for w in rec["water_sources"]:
        typer.echo(f"  water {w['code']:<12} {w['type_label']:<6} {w['distance_m']:>7.0f} m")
    for note in rec["notes"]:
        typer.echo(f"  note: {note}")


@app.command("units")
@handle_errors
def units_cmd(
    district: Annotated[str, typer.Option("--district", help="District code.")],
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """List units with their live status."""
    with existing_db(db) as database, database.session(actor="cli") as s:
        state = service.dispatch_state(s, district)
    if json_out:
        emit_json(state)
        return
    for u in state["units"]:
        typer.echo(f"{u['call_sign']:<20} {u['type_label']:<12} {u['status_label']}")
    typer.echo(", ".join(f"{k}: {v}" for k, v in state["unit_counts"].items()))
