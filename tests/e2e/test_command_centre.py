"""The 119 command centre on the dashboard's map, with two dispatchers at two browsers.

A call taken in one browser (click on the map, intake, level, recommendation, accept) shows in
the other within a second through the server push, without a reload; a unit taken by someone
else meanwhile is refused with the server's conflict text. Screenshots go to
``$FIREGRID_ARTIFACTS`` (default ``test-artifacts/`` in the repository).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from firegrid.accounts.service import add_user
from firegrid.buildings.models import Building
from firegrid.dispatch.models import PrePlan
from firegrid.types import Role

from .support import LiveServer, PageLog

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Response

# The e2e server runs on a SQLite copy of the demo: take the SQLite demo only.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True),
]

PASSWORD = "Hose-reel-2024-x"
#: Server push: a change must reach the other browser within a second (plus the browser's own
#: rendering and the test's polling).
PUSH_TIMEOUT_MS = 1_500
STATION = "三家店消防救援站"


def _artifacts() -> Path:
    root = Path(__file__).resolve().parents[2]
    path = Path(os.environ.get("FIREGRID_ARTIFACTS") or root / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Desk:
    """One dispatcher's browser: its page and what the page logged."""

    context: BrowserContext
    page: Page
    log: PageLog
    failed: list[str]

    def problems(self, *, allow: tuple[str, ...] = ()) -> list[str]:
        def allowed(text: str) -> bool:
            return any(a in text for a in allow)

        return [e for e in self.log.errors + self.failed if not allowed(e)]


@pytest.fixture(scope="module")
def dispatchers(live_server: LiveServer) -> tuple[str, str]:
    with live_server.db.session(actor="test") as s:
        add_user(s, "zhao.dispatch", PASSWORD, Role.DISPATCHER, display_name="赵调度")
        add_user(s, "qian.dispatch", PASSWORD, Role.DISPATCHER, display_name="钱调度")
    return "zhao.dispatch", "qian.dispatch"


@pytest.fixture
def open_desk(browser: Browser, live_server: LiveServer) -> Iterator[Any]:
    contexts: list[BrowserContext] = []

    def open_(username: str | None, *, lang: str = "zh") -> Desk:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
        contexts.append(context)
        if username is not None:
            response = context.request.post(
                f"{live_server.url}/api/auth/login",
                data={"username": username, "password": PASSWORD},
            )
            assert response.ok, response.text()
        page = context.new_page()
        page.set_default_timeout(15_000)
        log = PageLog()
        failed: list[str] = []
        page.on(
            "console",
            lambda m: log.errors.append(f"console: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: log.errors.append(f"page error: {e}"))
        page.on("request", lambda r: log.requests.append(r.url))

        def on_response(response: Response) -> None:
            if response.status >= 400:
                failed.append(f"HTTP {response.status} {response.url}")

        page.on("response", on_response)
        page.on("requestfailed", lambda r: failed.append(f"failed {r.url} {r.failure}"))
        page.goto(f"{live_server.url}/d/mentougou?lang={lang}")
        page.locator(".leaflet-overlay-pane path.fg-boundary").wait_for()
        if username is not None:
            page.locator("#live-status[data-live=connected]").wait_for()
            page.locator(".fg-unit").first.wait_for()
        return Desk(context, page, log, failed)

    yield open_
    for context in contexts:
        context.close()


def _zoom_to_station(page: Page, name: str) -> tuple[float, float]:
    """Wheel-zoom the map around a station; return the station marker's centre (px)."""
    marker = page.locator(f".leaflet-marker-pane .fg-station[title='{name}']")
    box = marker.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -600)
    page.wait_for_timeout(350)  # Leaflet's wheel debounce, then the zoom animation
    page.wait_for_function("!document.querySelector('.leaflet-zoom-anim')")
    previous = None
    for _ in range(20):  # until the marker stops moving
        box = marker.bounding_box()
        assert box is not None
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        if centre == previous:
            return centre
        previous = centre
        page.wait_for_timeout(100)
    raise AssertionError("the map did not settle after zooming")


def _unit_status(page: Page, unit_id: str) -> Any:
    return page.locator(f"#unit-board tr[data-unit-id='{unit_id}'] .unit-status")


def test_call_taken_in_one_browser_shows_in_the_other_within_a_second(
    open_desk: Any, live_server: LiveServer, dispatchers: tuple[str, str]
) -> None:
    from playwright.sync_api import expect

    first, second = dispatchers
    watcher = open_desk(second)  # page 2: already open, never reloaded
    desk = open_desk(first)
    page = desk.page

    # the layers of the command centre beside the existing ones, with their legend
    layers = page.locator(".leaflet-control-layers").inner_text()
    names = ("执勤车辆（实时）", "在办警情", "消防水源", "重点单位", "历史警情热力", "消防站点")
    for name in names:
        assert name in layers, name
    legend = page.locator("#command-legend").inner_text()
    assert "车辆状态" in legend and "已调派" in legend and "水源状态" in legend
    assert "合成数据" in page.locator("#dispatch-synthetic").inner_text()
    assert page.locator(".fg-unit").count() >= 30
    counts = page.locator("#unit-counts").inner_text()
    assert "待命" in counts

    # click on the map a few hundred metres from a station
    x, y = _zoom_to_station(page, STATION)
    page.mouse.click(x + 45, y + 45)
    lon = float(page.locator("#intake-lon").input_value())
    lat = float(page.locator("#intake-lat").input_value())
    assert abs(lon - 116.0999) < 0.02 and abs(lat - 39.9547) < 0.02
    assert page.locator("#intake-crs").input_value() == "wgs84"
    assert page.locator(".fg-scene-draft").count() == 1

    # intake: a fire in a high-rise, nobody trapped -> level 2 (blue)
    page.select_option("#intake-category", "fire")
    assert page.locator("#intake-subtype-label").is_hidden()
    page.select_option("#intake-building-class", "high_rise")
    page.fill("#intake-address", "三家店路测试大厦")
    page.locator("#intake-submit").click()

    level = page.locator("#incident-level")
    expect(level).to_have_text("二级（蓝）")
    expect(level).to_have_css("background-color", "rgb(21, 101, 192)")  # the level's colour
    assert "火灾扑救" in page.locator("#incident-category").inner_text()
    units = page.locator("#rec-units tbody tr")
    units.first.wait_for()
    assert units.count() >= 5
    row = units.first.inner_text()
    assert "三家店" in row and re.search(r"\d\d:\d\d", row)  # ETA mm:ss
    assert page.locator("#rec-units thead").inner_text().split() == [
        "车辆",
        "队站",
        "车型",
        "预计到场",
        "用途",
    ]
    water = page.locator("#rec-water tbody tr")
    assert water.count() >= 1
    assert "消火栓" in page.locator("#rec-water").inner_text() or water.count() > 0
    notes = page.locator("#rec-notes")
    assert notes.is_visible() and "近似" in notes.inner_text()
    assert "approximate: straight-line" in notes.inner_text()
    assert page.locator("#rec-preplan-none").is_visible()
    # the incident and its water sources on the map
    page.locator(".fg-open-incident").first.wait_for()  # drawn from the server push
    expect(page.locator("#open-incidents li", has_text="三家店路测试大厦")).to_have_count(1)
    page.locator(".grid-command").screenshot(
        path=str(_artifacts() / "command-page1-recommendation.png")
    )

    unit_id = units.first.get_attribute("data-unit-id")
    assert unit_id is not None
    call_sign = units.first.locator("th").inner_text().strip()
    expect(_unit_status(watcher.page, unit_id)).to_have_text("待命")

    # accept: page 2 sees the unit dispatched within a second, without reloading
    page.locator("#accept-button").click()
    started = time.monotonic()
    expect(_unit_status(watcher.page, unit_id)).to_have_text("已调派", timeout=PUSH_TIMEOUT_MS)
    elapsed = time.monotonic() - started
    assert elapsed <= PUSH_TIMEOUT_MS / 1000, elapsed
    marker = watcher.page.locator(f".fg-unit[data-unit-id='{unit_id}']")
    expect(marker).to_have_attribute("data-status", "dispatched", timeout=PUSH_TIMEOUT_MS)
    expect(page.locator("#dispatch-ok")).to_contain_text(call_sign)
    expect(page.locator("#incident-status")).to_have_text("已调派")
    assert page.locator("#accept-button").is_disabled()
    assert "三家店路测试大厦" in watcher.page.locator("#open-incidents").inner_text()

    # the unit on its way, then on scene: page 2 follows each step
    for status, label in (("en_route", "途中"), ("on_scene", "到场")):
        button = page.locator(
            f"#incident-unit-table tr[data-unit-id='{unit_id}'] button[data-to='{status}']"
        )
        button.click()
        started = time.monotonic()
        expect(_unit_status(watcher.page, unit_id)).to_have_text(label, timeout=PUSH_TIMEOUT_MS)
        assert time.monotonic() - started <= PUSH_TIMEOUT_MS / 1000
    expect(page.locator("#incident-status")).to_have_text("首车到场")
    watcher.page.locator(".grid-command").screenshot(
        path=str(_artifacts() / "command-page2-live.png")
    )

    for d in (desk, watcher):
        assert d.log.foreign_requests(live_server.url) == []
        assert d.problems() == []


def test_unit_taken_meanwhile_is_a_conflict_with_the_server_text(
    open_desk: Any, live_server: LiveServer, dispatchers: tuple[str, str]
) -> None:
    from playwright.sync_api import expect

    with live_server.db.session(actor="test") as s:
        building = s.execute(
            select(Building.id, Building.name)
            .join(PrePlan, PrePlan.building_id == Building.id)
            .where(Building.name == "门头沟体育中心")
        ).one()
    desk = open_desk(dispatchers[0])
    page = desk.page

    # the location found by name: the key unit, with its pre-plan
    page.fill("#intake-search", "体育中心")
    page.locator("#intake-search-button").click()
    page.locator(".search-result", has_text=building.name).first.click()
    assert page.locator("#intake-building-id").input_value() == str(building.id)
    assert page.locator("#intake-address").input_value() == building.name
    page.select_option("#intake-building-class", "crowded")
    page.locator("#intake-submit").click()
    page.locator("#rec-units tbody tr").first.wait_for()
    preplan = page.locator("#rec-preplan")
    assert building.name in preplan.inner_text() and "合成数据" in preplan.inner_text()
    assert page.locator("#rec-preplan pre").inner_text().strip() != ""

    first = page.locator("#rec-units tbody tr").first
    unit_id = first.get_attribute("data-unit-id")
    call_sign = first.locator("th").inner_text().strip()
    assert unit_id is not None

    # another dispatcher takes that unit for another call, outside this page
    api = f"{live_server.url}/api/districts/mentougou"
    other = page.request.post(
        f"{api}/incidents", data={"lon": 116.1, "lat": 39.95, "category": "rescue"}
    )
    assert other.status == 201, other.text()
    taken = page.request.post(
        f"{api}/incidents/{other.json()['id']}/assign", data={"unit_ids": [int(unit_id)]}
    )
    assert taken.ok, taken.text()
    # the push marks the row as changed, but the page keeps what the dispatcher saw
    expect(page.locator(f"#rec-units tr.stale[data-unit-id='{unit_id}']")).to_be_visible()

    page.locator("#accept-button").click()
    alert = page.locator("#dispatch-alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("调派冲突")
    expect(alert).to_contain_text(call_sign)
    # refreshed: the taken unit is no longer recommended
    expect(page.locator("#rec-units tbody tr").first).to_be_visible()
    expect(page.locator(f"#rec-units tr[data-unit-id='{unit_id}']")).to_have_count(0)
    expect(page.locator("#accept-button")).to_be_enabled()
    expect(_unit_status(page, unit_id)).to_have_text("已调派")
    page.locator(".grid-command").screenshot(path=str(_artifacts() / "command-conflict.png"))

    assert desk.log.foreign_requests(live_server.url) == []
    # the 409 itself is the expected answer; nothing else may fail
    assert desk.problems(allow=("409",)) == []


def test_without_login_the_panel_offers_the_login_and_english_labels(
    open_desk: Any, live_server: LiveServer, dispatchers: tuple[str, str]
) -> None:
    from playwright.sync_api import expect

    desk = open_desk(None)
    page = desk.page
    hint = page.locator("#dispatch-login")
    assert "登录后可使用指挥调度" in hint.inner_text()
    assert page.locator("#intake-form").count() == 0
    assert "执勤车辆" not in page.locator(".leaflet-control-layers").inner_text()
    page.locator("#dispatch-login-link").click()
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.locator("#login-form input[name=username]")).to_be_focused()
    assert desk.problems() == []

    en = open_desk(dispatchers[1], lang="en")
    p = en.page
    assert p.locator("#dispatch-title").inner_text() == "Command centre (119)"
    assert "Available" in p.locator("#unit-counts").inner_text()
    assert "Units (live)" in p.locator(".leaflet-control-layers").inner_text()
    assert p.locator("#intake-submit").inner_text() == "Create incident"
    # switching the heat layer on draws the grid from the incident points of every year
    p.locator(".leaflet-control-layers").hover()
    p.locator(".leaflet-control-layers label", has_text="Incident heat").locator("input").check()
    p.locator(".leaflet-fg-cmd-heat-pane path.fg-heat-cell").first.wait_for()
    assert p.locator(".leaflet-fg-cmd-heat-pane path.fg-heat-cell").count() > 10
    assert en.problems() == []
