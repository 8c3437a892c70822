"""A planner uses the siting page: the plan against the optimum, the best new sites and a
what-if placed on the map (Chromium, headless)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from firegrid.siting.service import compare_with_plan

from .support import LiveServer, PageLog

if TYPE_CHECKING:
    from playwright.sync_api import Page

# The e2e server runs on a SQLite copy of the demo: take the SQLite demo only.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True),
]

MARKERS = ".leaflet-marker-pane"
DISTRICT_PATHS = ".leaflet-fg-siting-pane path.fg-siting-district"


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.locator(".leaflet-overlay-pane path.fg-boundary").wait_for()
    page.locator(f"{MARKERS} .fg-station").first.wait_for()


#: A what-if runs three coverage passes (about 3 s on an idle machine): wait for the answer
#: generously — the browser test checks what is shown, not how fast (benchmarks/ measure that).
COMPUTE_WAIT_MS = 90_000


def _run(page: Page) -> None:
    page.locator("#siting-run").click()
    page.locator("#siting-result:not([hidden])").wait_for(timeout=COMPUTE_WAIT_MS)
    page.locator("#siting-run:not([disabled])").wait_for(timeout=COMPUTE_WAIT_MS)


def _plan_and_optimum(live_server: LiveServer) -> tuple[float, float]:
    with live_server.db.session(actor="t") as s:
        res = compare_with_plan(s, "mentougou")
    return res["plan"]["share"] * 100, res["optimum"]["share"] * 100


def test_plan_comparison_then_the_best_new_sites(
    page: Page, page_log: PageLog, live_server: LiveServer, tmp_path: Path
) -> None:
    # the dashboard links to the siting page
    page.goto(f"{live_server.url}/d/mentougou?lang=zh")
    page.locator("#nav-siting").click()
    page.wait_for_url(f"{live_server.url}/d/mentougou/siting")
    page.locator(f"{MARKERS} .fg-station").first.wait_for()
    assert page.locator("#nav-siting").get_attribute("aria-current") == "page"
    assert page.locator("h1").inner_text() == "门头沟区 · 消防站选址分析"
    assert page.locator("#siting-network").input_value() == ""  # no road network in the demo
    assert page.locator("#siting-p").is_visible()

    page.locator("input[name=model][value=compare]").check()
    assert page.locator("#siting-p").is_hidden()  # p is the plan's own count here
    _run(page)
    plan, optimum = _plan_and_optimum(live_server)
    assert page.locator("#siting-headline").inner_text() == (
        f"规划站点覆盖 {plan:.1f}%，同等数量最优布局 {optimum:.1f}%"
    )
    kpis = page.locator("#siting-kpis").inner_text()
    assert f"{plan:.1f}%" in kpis and f"{optimum:.1f}%" in kpis and "规划方案（4 座）" in kpis
    badge = page.locator("#siting-approximate")
    assert badge.is_visible() and "近似结果" in badge.inner_text()
    assert page.locator("#siting-map-badge").is_visible()
    assert page.locator("#siting-solver").inner_text() == "最优解（已证明）"
    # the plan's stations and the optimum's sites, in their own symbols
    assert page.locator(f"{MARKERS} .fg-site-plan").count() == 4
    assert page.locator(f"{MARKERS} .fg-site-optimum").count() == 4
    assert page.locator("#siting-plan-stations li").count() == 4
    assert "规划站点" in page.locator("#siting-legend").inner_text()
    assert "最优布局站点" in page.locator("#siting-legend").inner_text()
    assert "选址结果" in page.locator(".leaflet-control-layers").inner_text()
    page.screenshot(path=str(tmp_path / "siting-compare.png"), full_page=True)

    page.locator("input[name=model][value=best]").check()
    assert page.locator(f"{MARKERS} .fg-site-plan").count() == 0  # the old result is gone
    page.fill("#siting-p", "3")
    _run(page)
    assert page.locator(f"{MARKERS} .fg-site-new_site").count() == 3
    assert page.locator(f"{MARKERS} .fg-site-optimum").count() == 0
    assert page.locator("#siting-new-sites li").count() == 3
    assert page.locator("#siting-headline").inner_text().startswith("新增 3 座站点：居民点覆盖")
    gain = page.locator("#siting-kpis [data-kpi=gain] dd").inner_text()
    assert gain.startswith("+") and gain.endswith("个百分点")
    assert "最优解（已证明）" in page.locator("#siting-solver-line").inner_text()
    assert page.locator("#siting-approximate").is_visible()
    # the districts after: five existing stations and three new sites, over-limit ones in red
    assert page.locator(DISTRICT_PATHS).count() == 8
    assert page.locator(f"{DISTRICT_PATHS}.fg-siting-new-district").count() == 3
    over = page.locator(f"{DISTRICT_PATHS}.fg-siting-over-limit")
    assert over.count() >= 1 and over.first.get_attribute("stroke") == "#c62828"
    assert page.locator("#siting-districts tr[data-new=true]").count() == 3
    assert page.locator("#siting-districts-card").is_visible()
    page.screenshot(path=str(tmp_path / "siting-best.png"), full_page=True)

    # a refused parameter: the API's reason is shown, the page keeps working
    page.fill("#siting-p", "-1")
    page.locator("#siting-run").click()
    status = page.locator("#siting-status.form-error")
    status.wait_for()
    assert "选址分析失败" in status.inner_text() and "≥ 0" in status.inner_text()

    assert page_log.foreign_requests(live_server.url) == []
    # the refused request logs its 422 as a console error; nothing else may
    assert [e for e in page_log.errors if "422" not in e] == []


def test_a_what_if_placed_on_the_map(
    page: Page, page_log: PageLog, live_server: LiveServer, tmp_path: Path
) -> None:
    _open(page, f"{live_server.url}/d/mentougou/siting?lang=zh")
    page.locator("input[name=model][value=whatif]").check()
    assert page.locator("#whatif-editor").is_visible()
    stations = page.locator("#whatif-stations li")
    assert stations.count() == 5

    # nothing changed yet: the page says so without asking the API
    page.locator("#siting-run").click()
    assert page.locator("#siting-status.form-error").inner_text() == (
        "请先新增、撤销或移动至少一座站点。"
    )

    # a new station where the map is clicked, and one station closed from the list
    page.locator("#whatif-add").click()
    assert page.locator("#whatif-add").get_attribute("aria-pressed") == "true"
    box = page.locator("#map").bounding_box()
    assert box is not None
    page.locator("#map").click(position={"x": box["width"] * 0.55, "y": box["height"] * 0.5})
    page.locator(f"{MARKERS} .fg-whatif-added").wait_for()
    assert page.locator("#whatif-added li[data-name='新站1']").count() == 1
    assert page.locator("#whatif-add").get_attribute("aria-pressed") == "false"
    page.locator("#whatif-stations li[data-name='王平消防救援站'] input[type=checkbox]").check()

    _run(page)
    assert page.locator("#siting-headline").inner_text() == "新增 1 座、撤销 1 座、移动 0 座"
    before = page.locator("#siting-kpis [data-kpi=before] dd").inner_text()
    after = page.locator("#siting-kpis [data-kpi=after] dd").inner_text()
    assert before.endswith("%") and after.endswith("%")
    rows = page.locator("#siting-whatif-table tbody tr")
    assert rows.count() == 3
    assert page.locator("#siting-whatif-table tr[data-measure=share_demand] td").count() == 3
    # districts after: the four stations kept and the new one; the closed one crossed out
    assert page.locator(DISTRICT_PATHS).count() == 5
    assert page.locator("#siting-districts tr[data-station='新站1'][data-new=true]").count() == 1
    assert page.locator("#siting-districts tr[data-station='王平消防救援站']").count() == 0
    assert page.locator(f"{MARKERS} .fg-site-closed").count() == 1
    assert page.locator("#siting-approximate").is_visible()
    page.screenshot(path=str(tmp_path / "siting-whatif.png"), full_page=True)

    # moving a station: pick it in the list, click its new place
    page.locator("#whatif-stations li[data-name='雁翅消防救援站'] button").first.click()
    page.locator("#map").click(position={"x": box["width"] * 0.45, "y": box["height"] * 0.4})
    page.locator(f"{MARKERS} .fg-whatif-moved").wait_for()
    assert "移至" in page.locator("#whatif-stations li[data-name='雁翅消防救援站']").inner_text()
    _run(page)
    assert page.locator("#siting-headline").inner_text() == "新增 1 座、撤销 1 座、移动 1 座"

    assert page_log.foreign_requests(live_server.url) == []
    assert page_log.errors == []


def test_the_siting_page_in_english(page: Page, page_log: PageLog, live_server: LiveServer) -> None:
    _open(page, f"{live_server.url}/d/mentougou/siting?lang=en")
    assert page.locator("h1").inner_text() == "Mentougou District · Station siting"
    page.locator("input[name=model][value=compare]").check()
    _run(page)
    plan, optimum = _plan_and_optimum(live_server)
    assert page.locator("#siting-headline").inner_text() == (
        f"The plan's stations cover {plan:.1f}%; the best layout of the same number {optimum:.1f}%"
    )
    assert page.locator("#siting-approximate").inner_text() == (
        "Approximate (straight line × circuity)"
    )
    assert page.locator("#siting-solver").inner_text() == "Optimal (proven)"
    # the district picker keeps to the siting page
    page.select_option("#district-select", "beibei")
    page.wait_for_url(f"{live_server.url}/d/beibei/siting")
    page.locator(".leaflet-overlay-pane path.fg-boundary").wait_for()
    assert page.locator("h1").inner_text().endswith("Station siting")
    assert page_log.foreign_requests(live_server.url) == []
    assert page_log.errors == []
