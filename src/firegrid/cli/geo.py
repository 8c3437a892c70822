"""``firegrid geo``: coordinate conversion of geodata files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from firegrid.cli.common import handle_errors
from firegrid.errors import InvalidInputError
from firegrid.geo.crs import parse_crs
from firegrid.geo.io import Feature, read_features, write_features

app = typer.Typer(
    help="Geodata: convert between WGS84, GCJ-02, BD-09 and metric CRSs.", no_args_is_help=True
)

_CRS_HELP = "wgs84, gcj02, bd09, cgcs2000 or EPSG:<code> (e.g. EPSG:4548)"


@app.command()
@handle_errors
def convert(
    src_path: Annotated[
        Path, typer.Argument(metavar="IN", help="GeoJSON, GeoPackage, Shapefile or CSV to read.")
    ],
    dst_path: Annotated[
        Path, typer.Argument(metavar="OUT", help="File to write; the suffix picks the format.")
    ],
    src_crs: Annotated[
        str | None,
        typer.Option(
            "--from",
            help=f"CRS of IN: {_CRS_HELP}. Default: the file's own CRS. Required for GCJ-02, "
            "BD-09 and CSV, which cannot say what they are.",
        ),
    ] = None,
    dst_crs: Annotated[str, typer.Option("--to", help=f"CRS of OUT: {_CRS_HELP}.")] = "wgs84",
    layer: Annotated[
        str | None, typer.Option(help="Layer to read from a multi-layer GeoPackage.")
    ] = None,
    lon_field: Annotated[str, typer.Option(help="CSV longitude / x column.")] = "lon",
    lat_field: Annotated[str, typer.Option(help="CSV latitude / y column.")] = "lat",
    overwrite: Annotated[bool, typer.Option(help="Replace OUT if it exists.")] = False,
) -> None:
    """Convert a geodata file between coordinate systems (e.g. AMap GCJ-02 to WGS84)."""
    # Check both names before touching any file, so a typo fails fast and names itself.
    source = parse_crs(src_crs) if src_crs is not None else None
    target = parse_crs(dst_crs)
    if dst_path.exists() and not overwrite:
        raise InvalidInputError(f"{dst_path}: already exists; pass --overwrite to replace it")
    if dst_path.exists() and dst_path.resolve() == src_path.resolve():
        raise InvalidInputError(f"{dst_path}: OUT must differ from IN")
    features = read_features(
        src_path, crs=source, layer=layer, lon_field=lon_field, lat_field=lat_field
    )
    if src_path.suffix.lower() == ".csv" and dst_path.suffix.lower() != ".csv":
        # The CSV's coordinate columns still hold the *source* CRS values; next to a converted
        # geometry they would be wrong, so they are dropped (the geometry carries them).
        features = [
            Feature(
                f.geometry,
                {k: v for k, v in f.properties.items() if k not in (lon_field, lat_field)},
                f.row,
            )
            for f in features
        ]
    written = write_features(
        dst_path, features, crs=target, lon_field=lon_field, lat_field=lat_field
    )
    shown_from = source or "file CRS"
    typer.echo(f"wrote {written} feature(s) to {dst_path} ({shown_from} -> {target})")
