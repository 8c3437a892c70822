"""The fire-risk layer and warnings on the dashboard, the supervision & records page, and IoT
fire alarms in the command centre — in Chromium, offline, against the SQLite demo.

A planner switches the risk layer on (H3 cells in the level colours, a popup naming the
factors, the synthetic badge), generates next month's warnings (a cell warned to its township)
and locates one on the map; an inspector draws units with a seed and replays the draw; a
dispatcher accepts a fire alarm from the IoT gateway and finds the incident on the map.
Screenshots go to ``$FIREGRID_ARTIFACTS`` (default ``test-artifacts/`` in the repository).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from firegrid.accounts.service import add_user
from firegrid.buildings.models import Building
from firegrid.districts.models import District, Township
from firegrid.iot.models import IncidentProposal, IotDevice, IotProtocol, ProposalStatus
from firegrid.types import Role
from firegrid.web.legend import RISK_LEVEL_COLOURS

from .support import LiveServer, PageLog

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Response

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True),
]

PASSWORD = "Hose-reel-2024-x"
ADMIN = "sun.admin"


def _artifacts() -> Path:
    root = Path(__file__).resolve().parents[2]
    path = Path(os.environ.get("FIREGRID_ARTIFACTS") or root / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Session:
    """A logged-in browser page and everything it logged."""

    page: Page
    log: PageLog
    failed: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return self.log.errors + self.failed


@pytest.fixture(scope="module")
def admin(live_server: LiveServer) -> str:
    with live_server.db.session(actor="test") as s:
        add_user(s, ADMIN, PASSWORD, Role.ADMIN, display_name="孙管理")
    return ADMIN


@pytest.fixture
def logged_in(browser: Browser, live_server: LiveServer, admin: str) -> Iterator[Session]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    response = context.request.post(
        f"{live_server.url}/api/auth/login", data={"username": admin, "password": PASSWORD}
    )
    assert response.ok, response.text()
    page = context.new_page()
    page.set_default_timeout(20_000)
    session = Session(page, PageLog())
    page.on(
        "console",
        lambda m: session.log.errors.append(f"console: {m.text}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: session.log.errors.append(f"page error: {e}"))
    page.on("request", lambda r: session.log.requests.append(r.url))

    def on_response(response: Response) -> None:
        if response.status >= 400:
            session.failed.append(f"HTTP {response.status} {response.url}")

    page.on("response", on_response)
    # The dispatch stream is cut when the page goes: that is not a failed request.
    page.on(
        "requestfailed",
        lambda r: (
            None
            if "/dispatch/stream" in r.url
            else session.failed.append(f"failed {r.url} {r.failure}")
        ),
    )
    yield session
    context.close()


def _open_dashboard(s: Session, url: str) -> None:
    s.page.goto(f"{url}/d/mentougou")
    s.page.locator(".leaflet-overlay-pane path.fg-boundary").wait_for()
    s.page.locator(".leaflet-marker-pane .fg-station").first.wait_for()


def test_risk_layer_and_warnings(logged_in: Session, live_server: LiveServer) -> None:
    page = logged_in.page
    _open_dashboard(logged_in, live_server.url)
    # Lazy: the dashboard asks nothing of the risk API until the layer or the panel is opened.
    page.wait_for_timeout(300)
    assert not [u for u in logged_in.log.requests if "/risk/" in u]

    overlay = page.locator(".leaflet-control-layers-overlays label", has_text="火灾风险等级")
    overlay.locator("input").check()
    page.locator("path.fg-risk-cell").nth(100).wait_for(state="attached")
    fills = page.eval_on_selector_all(
        "path.fg-risk-cell", "els => [...new Set(els.map(e => e.getAttribute('fill')))]"
    )
    assert len(fills) >= 2, fills
    assert set(fills) <= set(RISK_LEVEL_COLOURS.values())
    badge = page.locator("#risk-map-badge")
    badge.wait_for()
    assert "合成数据" in badge.inner_text()
    assert page.locator("#risk-legend li").count() == 4
    assert [u for u in logged_in.log.requests if "/risk/index.geojson" in u]

    # Factor names as the API gives them (the index's hierarchy).
    index = page.context.request.get(f"{live_server.url}/api/districts/mentougou/risk/index")
    names = [i["name_zh"] for g in index.json()["hierarchy"]["groups"] for i in g["indicators"]]

    # The warnings panel: generate next month's warnings, a cell goes to its township.
    page.locator("#risk-details summary").click()
    page.locator("#warnings-list li").first.wait_for()
    page.locator("#warnings-generate").click()
    cell_warnings = page.locator("#warnings-list li.warning[data-kind=cell]")
    cell_warnings.first.wait_for()
    assert cell_warnings.count() >= 1
    with live_server.db.session(actor="test") as s:
        district = s.scalar(select(District).where(District.code == "mentougou"))
        assert district is not None
        townships = set(
            s.scalars(select(Township.name_zh).where(Township.district_id == district.id))
        )
    addressees = [
        a.replace("致：", "").strip()
        for a in cell_warnings.locator(".warning-addressee").all_inner_texts()
    ]
    assert set(addressees) & townships, addressees
    first = cell_warnings.first
    assert first.locator(".warning-reasons li").count() >= 1
    assert page.locator("#warnings-list li.warning[data-kind=unit]").count() >= 1

    # Clicking a warning zooms to its cell and opens the popup naming its factors.
    first.locator(".warning-locate").click()
    popup = page.locator(".leaflet-popup .risk-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert "安全分值" in text
    assert any(n in text for n in names), text
    assert popup.locator(".risk-factors li").count() >= 1
    page.screenshot(path=str(_artifacts() / "risk-layer.png"))

    # A click on the cell itself opens the same popup.
    cell = popup.get_attribute("data-cell")
    page.locator(".leaflet-popup-close-button").click()
    page.locator(f"path.fg-risk-cell[data-cell='{cell}']").click()
    page.locator(f".leaflet-popup .risk-popup[data-cell='{cell}']").wait_for()

    # Acknowledge, then the only move left is closing.
    first.locator("button[data-to=acknowledged]").click()
    acknowledged = page.locator("#warnings-list li.warning[data-status=acknowledged]")
    acknowledged.first.wait_for()
    assert acknowledged.first.locator("button[data-to=closed]").count() == 1
    assert acknowledged.first.locator("button[data-to=acknowledged]").count() == 0

    assert logged_in.problems() == []
    assert logged_in.log.foreign_requests(live_server.url) == []


def test_supervision_page_draw_replay_and_hazards(
    logged_in: Session, live_server: LiveServer
) -> None:
    page = logged_in.page
    page.goto(f"{live_server.url}/d/mentougou")
    page.locator("#nav-supervision").click()
    page.wait_for_url("**/d/mentougou/supervision")
    assert page.locator("#nav-supervision").get_attribute("aria-current") == "page"
    # Leaving the dashboard cuts its requests still under way: not failures of this page.
    assert all("ERR_ABORTED" in f for f in logged_in.failed), logged_in.failed
    logged_in.failed.clear()

    page.fill("#draw-count", "4")
    page.fill("#draw-seed", "20261123")
    page.locator("#draw-submit").click()
    rows = page.locator("#draw-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == 4
    assert "20261123" in page.locator("#draw-summary").inner_text()
    assert rows.first.locator(".risk-pill").count() == 1
    assert "、" in rows.first.locator("td").last.inner_text()  # an inspector pair

    page.locator("#draw-replay").click()
    result = page.locator("#draw-replay-result[data-identical]")
    result.wait_for()
    assert result.get_attribute("data-identical") == "true"
    assert "一致" in result.inner_text()
    href = page.locator("#draw-export").get_attribute("href")
    assert href is not None and "format=csv" in href
    csv = page.context.request.get(f"{live_server.url}{href}")
    assert csv.ok
    assert rows.first.locator("th").inner_text() in csv.text()

    # The demo loads synthetic hazards, some past their deadline.
    overdue = page.locator("#hazards-overdue li.overdue")
    overdue.first.wait_for()
    assert overdue.count() >= 1
    assert "逾期" in overdue.first.inner_text()
    hazards = page.locator("#hazard-table tbody tr[data-hazard-id]")
    assert hazards.count() >= overdue.count()
    assert page.locator("#hazard-table .hazard-next button").count() >= 1
    assert page.locator("#sup-synthetic-notice").is_visible()

    page.locator("#nonsite-share").wait_for()
    page.locator("#four-rates table").wait_for()
    page.locator("#water-svg").wait_for()
    assert page.locator("#water-svg .target-line-svg").count() == 1
    page.locator("#training-pass").wait_for()
    page.locator("#compliance table, #compliance p").first.wait_for()
    page.screenshot(path=str(_artifacts() / "supervision-page.png"), full_page=True)

    assert logged_in.problems() == []
    assert logged_in.log.foreign_requests(live_server.url) == []


def _propose(live_server: LiveServer, description: str, address: int) -> tuple[int, int]:
    """A fire alarm as the IoT pipeline records it: device at a key unit, proposal (ids)."""
    with live_server.db.session(actor="test") as s:
        district = s.scalar(select(District).where(District.code == "mentougou"))
        assert district is not None
        building = s.scalar(
            select(Building)
            .where(
                Building.district_id == district.id,
                Building.key_unit.is_(True),
                Building.lon.is_not(None),
            )
            .order_by(Building.id)
        )
        assert building is not None
        device = IotDevice(
            district_id=district.id,
            building_id=building.id,
            code=f"{address:012x}",
            address=address,
            protocol=IotProtocol.GB26875,
            name="用户信息传输装置（测试）",
            registered=True,
            online=True,
            synthetic=True,
        )
        s.add(device)
        s.flush()
        proposal = IncidentProposal(
            district_id=district.id,
            building_id=building.id,
            device_id=device.id,
            system_type=1,
            system_address=1,
            component_type=21,
            component_address=30201,
            description=description,
            lon=building.lon,
            lat=building.lat,
        )
        s.add(proposal)
        s.commit()
        return proposal.id, building.id


def _proposal(live_server: LiveServer, proposal_id: int) -> Any:
    with live_server.db.session(actor="test") as s:
        return s.get(IncidentProposal, proposal_id)


def test_iot_fire_alarm_becomes_an_incident(logged_in: Session, live_server: LiveServer) -> None:
    page = logged_in.page
    _open_dashboard(logged_in, live_server.url)
    page.locator("#live-status[data-live=connected]").wait_for()
    accept_id, _building = _propose(live_server, "3层 感烟火灾探测器 火警", 0x0000_1122_3301)
    dismiss_id, _ = _propose(live_server, "1层 手动报警按钮 火警", 0x0000_1122_3302)

    # Polled: appears within the poll interval without a reload.
    item = page.locator(f"#iot-proposals li[data-proposal-id='{accept_id}']")
    item.wait_for(timeout=8_000)
    text = item.inner_text()
    assert "感烟火灾探测器" in text
    assert "用户信息传输装置（测试）" in text

    false_alarm = page.locator(f"#iot-proposals li[data-proposal-id='{dismiss_id}']")
    false_alarm.locator(".iot-dismiss").click()
    false_alarm.wait_for(state="detached")
    assert _proposal(live_server, dismiss_id).status is ProposalStatus.DISMISSED

    item.locator(".iot-accept").click()
    page.locator("#incident-view:not([hidden])").wait_for()
    page.locator("#iot-message", has_text="已根据物联网火警创建警情").wait_for()
    stored = _proposal(live_server, accept_id)
    assert stored.status is ProposalStatus.ACCEPTED
    assert stored.incident_id is not None
    page.locator(f".fg-open-incident[data-incident-id='{stored.incident_id}']").wait_for()
    page.locator("#rec-level").wait_for()  # the usual recommendation flow on that incident
    item.wait_for(state="detached")
    page.screenshot(path=str(_artifacts() / "iot-alarm-accepted.png"))

    assert logged_in.problems() == []
    assert logged_in.log.foreign_requests(live_server.url) == []
