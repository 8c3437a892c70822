"""A planner runs the coverage analysis on the dashboard map (Chromium, headless)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from shapely.geometry import box, mapping

from firegrid.districts.models import District, Place
from firegrid.network.service import import_network
from firegrid.stations.models import Station
from firegrid.types import LocationPrecision, StationClass, StationStatus

from .support import LiveServer, PageLog

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The e2e server runs on a SQLite copy of the demo: take the SQLite demo only.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True),
]

DISTRICT_PATHS = ".leaflet-fg-coverage-pane path.fg-cov-district"


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.locator(".leaflet-overlay-pane path.fg-boundary").wait_for()
    page.locator(".leaflet-marker-pane .fg-station").first.wait_for()


def _run(page: Page) -> None:
    page.locator("#coverage-run").click()
    page.locator("#coverage-result:not([hidden])").wait_for()
    page.locator("#coverage-run:not([disabled])").wait_for()


def test_coverage_panel_draws_districts_and_the_plans_what_if(
    page: Page, page_log: PageLog, live_server: LiveServer, tmp_path: Path
) -> None:
    _open(page, f"{live_server.url}/d/mentougou?lang=zh")
    form = page.locator("#coverage-form")
    assert form.is_visible()
    # Mentougou has no road network: the straight-line approximation is the default
    assert page.locator("#coverage-network option").first.inner_text() == "直线近似（无路网）"
    assert page.locator("#coverage-network").input_value() == ""
    assert page.locator("#coverage-minutes").input_value() == "5"
    assert page.locator("#coverage-vehicle").input_value() == "light"
    assert page.locator(DISTRICT_PATHS).count() == 0

    _run(page)
    # the result says it is approximate, below the map and on it
    badge = page.locator("#coverage-approximate")
    assert badge.is_visible() and badge.inner_text() == "近似结果（直线×绕行系数）"
    assert page.locator("#coverage-map-badge").is_visible()
    assert "绕行系数 1.4" in page.locator("#coverage-note").inner_text()
    # one district outline per existing station, over-limit ones outlined in red
    assert page.locator(DISTRICT_PATHS).count() == 5
    over = page.locator(f"{DISTRICT_PATHS}.fg-cov-over-limit")
    assert over.count() >= 1
    assert over.first.get_attribute("stroke") == "#c62828"
    assert page.locator(".leaflet-fg-coverage-pane path.fg-cov-isochrone").count() == 5
    assert page.locator(".leaflet-fg-coverage-pane path.fg-cov-place").count() > 100
    assert page.locator(".fg-cov-label").count() == 5
    # the over-limit list names the stations with their area against the limit
    listed = page.locator("#coverage-over-limit li")
    assert listed.count() == over.count()
    text = page.locator("#coverage-over-limit").inner_text()
    assert "三家店消防救援站" in text and "/ 7 平方公里" in text
    kpis = page.locator("#coverage-kpis").inner_text()
    assert "居民点" in kpis and "面积" in kpis and "%" in kpis
    assert "覆盖分析（5 分钟）" in page.locator(".leaflet-control-layers").inner_text()
    assert "超出面积限值的辖区" in page.locator("#coverage-legend").inner_text()
    geojson = page.locator("#coverage-geojson").get_attribute("href")
    assert geojson == "/api/districts/mentougou/coverage.geojson?minutes=5&vehicle=light"
    assert page.locator("#coverage-gpkg").get_attribute("href") == (
        "/api/districts/mentougou/coverage.gpkg?minutes=5&vehicle=light"
    )
    page.locator(".map-card").screenshot(path=str(tmp_path / "coverage-existing.png"))

    # the plan's what-if: planned and under-construction stations get districts of their own
    page.locator("#coverage-planned").check()
    _run(page)
    page.locator("#coverage-districts tr[data-station='小园消防救援站']").wait_for()
    assert page.locator(DISTRICT_PATHS).count() == 8  # 清水's two stations share one seat
    rows = page.locator("#coverage-districts tbody tr")
    assert rows.count() == 9
    planned = page.locator("#coverage-districts tr[data-status='planned']")
    assert set(planned.evaluate_all("rs => rs.map(r => r.dataset.station)")) == {
        "小园消防救援站",
        "龙泉消防救援站",
        "清水消防救援站",
    }
    assert "规划" in planned.first.locator(".tag-planned").inner_text()
    labels = page.locator(".fg-cov-label").all_inner_texts()
    assert any(label.startswith("龙泉") for label in labels)
    assert "include_planned=true" in (page.locator("#coverage-gpkg").get_attribute("href") or "")
    page.locator(".map-card").screenshot(path=str(tmp_path / "coverage-planned.png"))

    # a bad standard is refused by the API and the panel says why
    page.fill("#coverage-minutes", "0")
    form.evaluate("f => { f.noValidate = true; }")  # let the API, not the browser, refuse it
    page.locator("#coverage-run").click()
    status = page.locator("#coverage-status.form-error")
    status.wait_for()
    assert "覆盖分析失败" in status.inner_text() and "minutes" in status.inner_text()

    assert page_log.foreign_requests(live_server.url) == []
    # the refused request logs its 422 as a console error; nothing else may
    assert [e for e in page_log.errors if "422" not in e] == []


def test_coverage_panel_in_english(page: Page, page_log: PageLog, live_server: LiveServer) -> None:
    _open(page, f"{live_server.url}/d/mentougou?lang=en")
    assert page.locator("#coverage-title").inner_text() == "Coverage"
    page.select_option("#coverage-vehicle", "heavy")
    _run(page)
    assert page.locator("#coverage-approximate").inner_text() == (
        "Approximate (straight line × circuity)"
    )
    assert page.locator("#coverage-heading").inner_text() == "5-minute coverage · Heavy appliance"
    assert "Districts over the area limit" in page.locator(".coverage-districts").inner_text()
    assert page.locator(DISTRICT_PATHS).count() == 5
    assert page_log.foreign_requests(live_server.url) == []
    assert page_log.errors == []


def test_an_imported_road_network_gives_exact_coverage_with_road_gaps(
    page: Page, page_log: PageLog, live_server: LiveServer, shared_data: Path, tmp_path: Path
) -> None:
    import_network(live_server.db, shared_data / "osm" / "monaco.osm.pbf", name="mc", actor="t")
    with live_server.db.session(actor="t") as s:
        d = District(
            code="mc",
            name_zh="摩纳哥",
            name_en="Monaco",
            boundary_geojson=json.dumps(mapping(box(7.405, 43.725, 7.44, 43.75))),
        )
        s.add(d)
        s.flush()
        for name, cls, lon, lat in [
            ("Fontvieille", StationClass.LEVEL1, 7.4195, 43.7310),
            ("Monte-Carlo", StationClass.LEVEL2, 7.4290, 43.7400),
        ]:
            s.add(
                Station(
                    district_id=d.id,
                    name=name,
                    station_class=cls,
                    status=StationStatus.EXISTING,
                    lon=lon,
                    lat=lat,
                    location_precision=LocationPrecision.EXACT,
                )
            )
        for i, (name, lon, lat) in enumerate(
            [("Port", 7.4230, 43.7350), ("Casino", 7.4280, 43.7395), ("Larvotto", 7.4340, 43.7460)]
        ):
            s.add(
                Place(
                    district_id=d.id,
                    source_id=f"t:{i}",
                    name=name,
                    kind="village",
                    is_settlement=True,
                    lon=lon,
                    lat=lat,
                )
            )
        s.commit()

    _open(page, f"{live_server.url}/d/mc?lang=en")
    page.locator("#coverage-network option[value=mc]").wait_for(state="attached")
    page.select_option("#coverage-network", "mc")
    page.fill("#coverage-minutes", "3")
    _run(page)
    assert page.locator("#coverage-approximate").count() == 0
    assert page.locator("#coverage-map-badge").is_hidden()
    assert page.locator(".badge-network").inner_text() == "Road network mc v1"
    assert page.locator(DISTRICT_PATHS).count() == 2
    assert page.locator(".leaflet-fg-coverage-pane path.fg-cov-gap").count() == 1
    roads = page.locator("#coverage-kpis [data-kpi=share-road] dd").inner_text()
    assert roads.endswith("%")
    heavy = page.locator("#coverage-kpis [data-kpi=share-heavy] dd").inner_text()
    assert heavy.count("%") == 2  # heavy / light, both measured on the roads
    assert "network=mc" in (page.locator("#coverage-geojson").get_attribute("href") or "")
    page.locator(".map-card").screenshot(path=str(tmp_path / "coverage-network.png"))
    assert page_log.foreign_requests(live_server.url) == []
    assert page_log.errors == []
