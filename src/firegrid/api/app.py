"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from firegrid import __version__
from firegrid.accounts.router import router as accounts_router
from firegrid.api.errors import install_error_handlers
from firegrid.coverage.router import router as coverage_router
from firegrid.db.session import Database
from firegrid.dispatch.router import router as dispatch_router
from firegrid.districts.router import router as districts_router
from firegrid.equipment.router import router as equipment_router
from firegrid.imports.router import router as imports_router
from firegrid.indicators.router import router as indicators_router
from firegrid.iot.router import router as iot_router
from firegrid.quality.router import router as quality_router
from firegrid.risk.router import router as risk_router
from firegrid.siting.router import router as siting_router
from firegrid.statistics.router import router as statistics_router
from firegrid.supervision.router import router as supervision_router
from firegrid.training.router import router as training_router
from firegrid.water.router import router as water_router
from firegrid.web.routes import router as web_router

__all__ = ["create_app"]


def create_app(database: Database) -> FastAPI:
    """Build the app around one database (routers find it at ``app.state.db``)."""
    app = FastAPI(
        docs_url=None,  # served below from vendored files: no CDN at run time
        redoc_url=None,
        title="firegrid",
        version=__version__,
        description="District fire & rescue platform: data foundation, statistics, plan "
        "indicators. 区级消防救援：数据底座、统计、规划指标。",
    )
    app.state.db = database
    install_error_handlers(app)
    for router in (
        accounts_router,
        districts_router,
        coverage_router,
        siting_router,
        statistics_router,
        indicators_router,
        quality_router,
        imports_router,
        dispatch_router,
        iot_router,
        water_router,
        equipment_router,
        training_router,
        risk_router,
        supervision_router,
        web_router,
    ):
        app.include_router(router)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="firegrid API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
        )

    @app.get("/api/health", operation_id="health", tags=["meta"])
    def health() -> dict[str, str]:
        """Report that the service is up."""
        return {"status": "ok", "version": __version__}

    return app
