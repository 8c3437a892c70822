"""Browser tests: the app served by uvicorn on a free local port, Debian's Chromium via Playwright.

No browser is ever downloaded: without /usr/bin/chromium (Debian packages ``chromium`` and
``chromium-driver``, installed by ``.ci/run``) the tests skip and say so.
"""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.engine import make_url

from firegrid.db.session import Database

from .support import LiveServer, PageLog

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Request

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def live_server(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a copy of the SQLite demo database (both districts), in a background thread."""
    import uvicorn

    from firegrid.api.app import create_app

    source_path = make_url(demo_url).database
    assert source_path is not None
    copy = tmp_path_factory.mktemp("e2e") / "demo.db"
    source, target = sqlite3.connect(source_path), sqlite3.connect(copy)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    db = Database(f"sqlite:///{copy}")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(db), host=HOST, port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="firegrid-e2e-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield LiveServer(url=f"http://{HOST}:{port}", db=db)
    server.should_exit = True
    thread.join(timeout=10)
    db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run)")
    sync_api = pytest.importorskip("playwright.sync_api")
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def page_log(page: Page) -> PageLog:
    log = PageLog()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            log.errors.append(f"console: {message.text}")

    def on_request(request: Request) -> None:
        log.requests.append(request.url)

    def on_error(error: Any) -> None:
        log.errors.append(f"page error: {error}")

    page.on("console", on_console)
    page.on("request", on_request)
    page.on("pageerror", on_error)
    return log
