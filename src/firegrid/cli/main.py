"""The ``firegrid`` command."""

from __future__ import annotations

from typing import Annotated

import typer

from firegrid import __version__
from firegrid.cli import db as db_cli
from firegrid.cli import demo as demo_cli
from firegrid.cli import dispatch as dispatch_cli
from firegrid.cli import geo as geo_cli
from firegrid.cli import imports as imports_cli
from firegrid.cli import iot as iot_cli
from firegrid.cli import network as network_cli
from firegrid.cli import records as records_cli
from firegrid.cli import risk as risk_cli
from firegrid.cli import site_district as _site_district  # noqa: F401  (adds commands)
from firegrid.cli import stats as stats_cli
from firegrid.cli import supervision as supervision_cli
from firegrid.cli import users as users_cli
from firegrid.cli.common import DbOption, handle_errors, open_db
from firegrid.cli.coverage import coverage_cmd, route_cmd
from firegrid.cli.hydrants import hydrants_cmd
from firegrid.cli.indicators import indicators_cmd
from firegrid.cli.quality import quality_cmd
from firegrid.cli.report import report_cmd
from firegrid.cli.site import app as site_app

app = typer.Typer(
    name="firegrid",
    help="firegrid — district fire & rescue platform (数据底座、统计、规划指标、覆盖、指挥).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db_cli.app, name="db")
app.add_typer(demo_cli.app, name="demo")
app.add_typer(dispatch_cli.app, name="dispatch")
app.add_typer(geo_cli.app, name="geo")
app.add_typer(imports_cli.app, name="import")
app.add_typer(iot_cli.app, name="iot")
app.add_typer(network_cli.app, name="network")
app.add_typer(risk_cli.app, name="risk")
app.add_typer(records_cli.water_app, name="water")
app.add_typer(records_cli.equipment_app, name="equipment")
app.add_typer(records_cli.training_app, name="training")
app.add_typer(supervision_cli.inspections_app, name="inspections")
app.add_typer(supervision_cli.hazards_app, name="hazards")
app.add_typer(supervision_cli.keyunits_app, name="keyunits")
app.add_typer(site_app, name="site")
app.add_typer(stats_cli.app, name="stats")
app.command("quality")(quality_cmd)
app.command("indicators")(indicators_cmd)
app.command("report")(report_cmd)
app.command("route")(route_cmd)
app.command("coverage")(coverage_cmd)
app.command("hydrants")(hydrants_cmd)
app.add_typer(users_cli.app, name="user")


@app.command()
def version() -> None:
    """Print the firegrid version."""
    typer.echo(__version__)


@app.command()
@handle_errors
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
) -> None:
    """Serve the web app and the API (OpenAPI at /docs)."""
    import uvicorn

    from firegrid.api.app import create_app
    from firegrid.db.migrate import upgrade

    database = open_db(db)
    upgrade(database.engine)
    typer.echo(f"firegrid {__version__} on http://{host}:{port}  (database {database.url})")
    uvicorn.run(create_app(database), host=host, port=port, log_level="info")
