"""What a district planner sees on the dashboard, in a real browser (Chromium, headless)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from firegrid.accounts.service import add_user
from firegrid.types import Role

from .support import LiveServer, PageLog

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

# The e2e server runs on a SQLite copy of the demo: take the SQLite demo only.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True),
]

PASSWORD = "Ladder-truck-42"
STATUS_COLOURS = {
    "on_track": "rgb(46, 125, 50)",
    "at_risk": "rgb(245, 158, 11)",
    "missed": "rgb(198, 40, 40)",
    "no_data": "rgb(158, 158, 158)",
}


def _open(page: Page, url: str) -> None:
    page.goto(url)
    # the map's layers are drawn once their GeoJSON has arrived
    page.locator(".leaflet-overlay-pane path.fg-boundary").wait_for()
    page.locator("#quality .finding, #quality .unavailable, #quality p.muted").first.wait_for()
    page.locator("#indicators table, #indicators .unavailable").first.wait_for()


def _indicator(number: int, status: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"t-{number:02d}",
        "number": number,
        "category_zh": "火灾形势" if number < 3 else "基础设施",
        "category_en": "Fire situation" if number < 3 else "Infrastructure",
        "name_zh": f"测试指标{number}",
        "name_en": f"Test indicator {number}",
        "unit": "per_100k",
        "value": 0.2,
        "target": 0.25,
        "comparison": "le",
        "kind": "annual",
        "binding": "binding",
        "baseline": 0.15,
        "baseline_year": 2025,
        "status": status,
        "reason": "target_met",
        "missing": [],
        "note_zh": "说明",
        "note_en": "Note",
    }
    base.update(extra)
    return base


STUB_INDICATORS = {
    "district": "mentougou",
    "year": 2025,
    "plans": [
        {
            "plan_id": "stub-plan",
            "title_zh": "测试规划",
            "title_en": "Test plan",
            "period_start": 2026,
            "period_end": 2030,
            "indicators": [
                _indicator(1, "on_track"),
                _indicator(2, "at_risk", reason="within_warning_band", value=0.25),
                _indicator(3, "missed", reason="target_not_met", value=0.4),
                _indicator(
                    4,
                    "no_data",
                    reason="no_value",
                    value=None,
                    missing=["resident population of 2025", "hydrant register"],
                ),
            ],
        }
    ],
}


def test_dashboard_in_chinese_with_map_tables_and_synthetic_notice(
    page: Page, page_log: PageLog, live_server: LiveServer, tmp_path: Path
) -> None:
    _open(page, f"{live_server.url}/d/mentougou")

    assert page.locator("html").get_attribute("lang") == "zh-CN"
    # the annual fire table, laid out like the plan's 表1
    headers = page.locator("#fire-table thead th").all_inner_texts()
    assert headers == [
        "年度",
        "火灾起数",
        "受伤人数",
        "死亡人数",
        "直接财产损失（元）",
        "常住人口（万人）",
        "十万人口火灾死亡率",
    ]
    first_row = page.locator("#fire-table tbody tr").first
    assert first_row.locator("th").inner_text() == "2021"
    assert first_row.locator("td").first.inner_text() == "122"
    assert page.locator("#fire-table tfoot").inner_text().split()[:2] == ["合计", "548"]
    assert page.locator("#calls-table thead").inner_text().split() == [
        "年度",
        "火灾扑救",
        "抢险救援",
        "社会救助",
        "其他出动",
        "合计",
    ]

    # honest data: the records are synthetic and the page says so
    notice = page.locator("#synthetic-notice")
    assert notice.is_visible()
    assert "合成" in notice.inner_text() and "548" in notice.inner_text()

    # the map: district boundary, 13 township polygons with labels, 34 located stations and
    # teams: the plan's 9 stations and 5 specialist teams (assumed at their host, 三家店) at
    # approximate places, and 20 synthetic micro stations at real OSM POIs (exact points)
    assert page.locator("path.fg-boundary").count() == 1
    assert page.locator("path.fg-township").count() == 13
    assert page.locator(".fg-town-label").count() == 13
    assert page.locator(".leaflet-marker-pane .fg-station").count() == 34
    assert page.locator(".fg-station.fg-status-planned").count() == 3
    assert page.locator(".fg-station.fg-approximate").count() == 14
    layers = page.locator(".leaflet-control-layers").inner_text()
    assert "区界" in layers and "街道/乡镇" in layers and "消防站点" in layers
    assert "警情点" not in layers  # incident points need a login
    legend = page.locator("#legend").inner_text()
    assert "一级普通消防站" in legend and "近似（乡镇驻地）" in legend and "规划" in legend
    # every team now has a location (the specialist teams at their host): none unlocated
    assert page.locator("#unlocated li").count() == 0
    # hovering a station explains that its location is approximate
    page.locator(".fg-station.fg-approximate").first.dispatch_event("mouseover")
    assert "近似（乡镇驻地）" in page.locator(".leaflet-tooltip-pane").inner_text()

    # trend chart: one bar per year in each of the three small charts
    assert page.locator("#trend svg.bar-chart").count() == 3
    assert page.locator("#trend rect.bar").count() == 15
    # indicator and data-quality panels (served by the API, or politely unavailable)
    rows = page.locator("#indicators tr.status-row")
    if rows.count():
        assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.status)")) <= set(STATUS_COLOURS)
    else:
        assert page.locator("#indicators .unavailable").inner_text() == "规划指标暂不可用。"
    if page.locator("#quality .finding").count():
        assert "万元" in page.locator("#quality").inner_text()  # the loss-unit finding, in Chinese

    page.screenshot(path=str(tmp_path / "dashboard-zh.png"), full_page=True)

    # the English switch
    with page.expect_navigation():
        page.locator(".lang-switch a", has_text="English").click()
    page.locator("path.fg-township").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#fire-title").inner_text() == "Fire statistics"
    assert page.locator("#map-title").inner_text() == "Map"
    assert page.locator("#indicators-title").inner_text() == "Plan indicators"
    assert "Synthetic" in page.locator("#synthetic-notice").inner_text()
    assert page.locator("#fire-table thead th").nth(1).inner_text() == "Fires"
    page.screenshot(path=str(tmp_path / "dashboard-en.png"), full_page=True)

    assert page_log.foreign_requests(live_server.url) == []
    assert page_log.errors == []


def test_indicator_panel_colours_each_status_and_lists_missing_data(
    page: Page, page_log: PageLog, live_server: LiveServer, tmp_path: Path
) -> None:
    def stub(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(STUB_INDICATORS))

    page.route("**/api/districts/mentougou/indicators?*", stub)
    _open(page, f"{live_server.url}/d/mentougou")

    rows = page.locator("#indicators tr.status-row")
    assert rows.count() == 4
    for status, colour in STATUS_COLOURS.items():
        pill = page.locator(f"#indicators tr.status-{status} .status-pill")
        assert pill.evaluate("e => getComputedStyle(e).backgroundColor") == colour
        legend = page.locator(f".status-legend .status-{status}")
        assert legend.evaluate("e => getComputedStyle(e).backgroundColor") == colour
    assert page.locator(".status-legend").inner_text().split() == [
        "达标",
        "预警",
        "未达标",
        "缺数据",
    ]
    first = rows.nth(0).inner_text()
    assert "测试指标1" in first and "≤0.25/十万人" in first and "0.15/十万人（2025年）" in first
    # categories span their rows, as in the plans' tables
    assert page.locator("#indicators th.category").all_inner_texts() == ["火灾形势", "基础设施"]
    no_data = rows.nth(3).inner_text()
    assert "缺数据" in no_data and "resident population of 2025；hydrant register" in no_data
    page.screenshot(path=str(tmp_path / "indicators.png"), full_page=True)

    with page.expect_navigation():
        page.locator(".lang-switch a", has_text="English").click()
    page.locator("#indicators tr.status-row").first.wait_for()
    assert "Test indicator 1" in page.locator("#indicators").inner_text()
    assert page.locator(".status-legend").inner_text().split("\n")[0] == "On track"
    assert page_log.errors == []


def test_indicator_panel_without_the_endpoint_says_unavailable(
    page: Page, live_server: LiveServer
) -> None:
    page.route(
        "**/api/districts/mentougou/indicators?*",
        lambda route: route.fulfill(
            status=404, content_type="application/json", body='{"detail":"Not Found"}'
        ),
    )
    _open(page, f"{live_server.url}/d/mentougou?lang=zh")
    assert page.locator("#indicators .unavailable").inner_text() == "规划指标暂不可用。"
    # the rest of the page is unaffected
    assert page.locator("#fire-table tbody tr").count() == 5


def test_login_shows_the_user_and_the_incident_layer(
    page: Page, page_log: PageLog, live_server: LiveServer, tmp_path: Path
) -> None:
    with live_server.db.session(actor="test") as s:
        add_user(s, "wang.planner", PASSWORD, Role.PLANNER, display_name="王规划")

    _open(page, f"{live_server.url}/d/mentougou?lang=zh")
    page.locator(".login summary").click()
    page.fill("#login-form input[name=username]", "wang.planner")
    page.fill("#login-form input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("#login-form button[type=submit]").click()
    page.locator("path.fg-township").first.wait_for()

    account = page.locator("#account").inner_text()
    assert "王规划" in account and "规划人员" in account and "退出" in account
    control = page.locator(".leaflet-control-layers")
    control.get_by_text("警情点", exact=False).wait_for()
    assert "警情点（2025年，104条，合成）" in control.inner_text()
    assert page.locator(".leaflet-overlay-pane canvas").count() == 1
    assert "警情类别" in page.locator("#legend").inner_text()
    # another year reloads the layer
    page.select_option("#year-select", "2021")
    control.get_by_text("2021年", exact=False).wait_for()
    assert "警情点（2021年，122条，合成）" in control.inner_text()
    page.screenshot(path=str(tmp_path / "logged-in.png"), full_page=True)

    with page.expect_navigation():
        page.locator("#logout-button").click()
    page.locator(".login summary").wait_for()
    assert "警情点" not in page.locator(".leaflet-control-layers").inner_text()

    assert page_log.foreign_requests(live_server.url) == []
    assert page_log.errors == []


def test_district_without_station_locations_lists_them_beside_the_map(
    page: Page, page_log: PageLog, live_server: LiveServer
) -> None:
    _open(page, f"{live_server.url}/d/mentougou")
    with page.expect_navigation():
        page.select_option("#district-select", "beibei")  # the picker switches at once
    page.locator("path.fg-boundary").wait_for()
    assert page.url == f"{live_server.url}/d/beibei"
    assert page.locator("h1").inner_text().startswith("北碚区")
    # Beibei publishes neither township polygons nor station locations
    assert page.locator("path.fg-township").count() == 0
    assert page.locator(".fg-station").count() == 0
    assert page.locator(".leaflet-control-layers").inner_text().split() == ["区界"]
    assert page.locator("#unlocated li").count() == 9
    assert "歇马消防站" in page.locator("#unlocated").inner_text()
    # the derived 2020 population is marked as such
    assert page.locator("#fire-table tbody tr").last.inner_text().split()[5] == "83.3*"
    assert "推算值" in page.locator("#fire-notes").inner_text()
    assert page_log.errors == []


def test_wrong_password_is_reported_in_the_form(page: Page, live_server: LiveServer) -> None:
    _open(page, f"{live_server.url}/d/beibei?lang=en")
    page.locator(".login summary").click()
    page.fill("#login-form input[name=username]", "nobody")
    page.fill("#login-form input[name=password]", "Not-the-password-1")
    page.locator("#login-form button[type=submit]").click()
    error = page.locator("#login-error")
    error.wait_for()
    assert error.inner_text() == "Login failed: wrong username or password"
    assert page.locator(".login summary").inner_text() == "Log in"
