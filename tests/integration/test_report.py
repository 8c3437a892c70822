"""``firegrid report``: the plan monitoring-and-evaluation report built from the demo districts
(SQLite and PostgreSQL), as a reader sees it in the HTML page and the PDF."""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from firegrid.cli.report import report_cmd
from firegrid.db.session import Database
from firegrid.districts.models import District
from firegrid.personnel.models import Certificate, Person
from firegrid.report.render import find_cjk_font, render_html
from firegrid.report.service import Report, build_report

CLOCK = datetime(2026, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """firegrid (test harness)."""

    app.command("report")(report_cmd)
    return app


APP = _app()


def _squash(text: str) -> str:
    # The error console may fold long paths at the terminal width: compare without whitespace.
    return "".join(text.split())


def _text(html: str) -> str:
    """The visible text of a page (tags and SVG charts dropped, entities decoded)."""
    html = re.sub(r"<svg\b.*?</svg>", " ", html, flags=re.S)
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def _section(html: str, ident: str) -> str:
    start = html.index(f'<section id="{ident}">')
    return html[start : html.index("</section>", start)]


def _report(url: str, code: str, year: int) -> Report:
    db = Database(url)
    try:
        with db.session(actor="test") as s:
            return build_report(s, code, year, generated_at=CLOCK)
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def mentougou(demo_url: str) -> Report:
    return _report(demo_url, "mentougou", 2025)


@pytest.fixture(scope="module")
def beibei(demo_url: str) -> Report:
    return _report(demo_url, "beibei", 2020)


@pytest.fixture(scope="module")
def html_zh(mentougou: Report) -> str:
    return render_html(mentougou, lang="zh")


@pytest.fixture(scope="module")
def html_en(mentougou: Report) -> str:
    return render_html(mentougou, lang="en")


@pytest.fixture(scope="module")
def pdf(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The Mentougou 2025 PDF, written once per backend through the command."""
    if find_cjk_font() is None:
        pytest.skip("no CJK font installed (Debian fonts-noto-cjk): the PDF would show boxes")
    out = tmp_path_factory.mktemp("pdf") / "mentougou-2025.pdf"
    result = runner.invoke(
        APP,
        [
            *("report", "--district", "mentougou", "--year", "2025", "--out", str(out)),
            *("--db", demo_url, "--json"),
        ],
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


# ------------------------------------------------------------------------------- the data


# What the Mentougou demo holds (src/firegrid/demo/data/mentougou/district.toml):
# * 548 incidents, all synthetic: the published fires 122 + 116 + 93 + 113 + 104 of 2021–2025;
# * 14 stations and teams of the plan — existing: 三家店 (level1), 王平, 雁翅, 妙峰山, 清水小型
#   (small) and the 5 specialist teams = 10; under construction: 军庄 = 1; planned: 小园, 龙泉,
#   清水 = 3 — none synthetic;
# * [micro_stations] count = 20: micro stations at OSM POIs, all synthetic (the plan publishes
#   none), counted apart from the stations as the plans count them;
# * [water]: 6 cranes + 48 pools + 84 wells + 360 hydrants = 498 water sources, all synthetic;
#   6 faulty + 3 out of service hydrants, so 489 / 498 = 98.19 % intact (mtg-10), and every
#   hydrant commissioned 2021–2025, so 0 built in the 2026–2030 period (mtg-11);
# * [key_units] pre_plans = 10, units and key units: synthetic; in 2025 no indicator value rests
#   on them (mtg-06/07 have no reviewed self-checks of 2025, mtg-20 no IoT device);
# * the supervision demo (supervision_demo.py): a synthetic register of 12 people — 10 national
#   enforcement officers with a law-enforcement certificate each (officer 10 on leave), 2
#   control-room operators. The 9 active officers feed mtg-16 (the report's provenance counts
#   the record kinds above, not the people register).
MENTOUGOU_SYNTHETIC_USED = 548 + 20 + 498
# Indicators whose value rests on synthetic records: fire deaths and fires per head (the
# synthetic incidents), water-source intact rate and new hydrants (the synthetic water sources),
# training pass rate and people trained (the synthetic training sessions), the enforcement
# certificate share (the synthetic people register) and the two equipment rates of existing
# stations (the synthetic inventory).
MENTOUGOU_SYNTHETIC_INDICATORS = (
    "mtg-01",
    "mtg-02",
    "mtg-10",
    "mtg-11",
    "mtg-14",
    "mtg-16",
    "mtg-18a",
    "mtg-18b",
    "mtg-19",
)


# on_track: mtg-01 (0 deaths), mtg-08 (0 of 3 stations, on the trajectory before the period),
# mtg-10 (98.19 % ≥ 97 %), mtg-11 (0 of 260 hydrants before the period), mtg-14 (pass rate
# 99.5 %), mtg-19 (5,674 trained ≥ 5,000); at_risk: mtg-09, mtg-13, mtg-18a (88.89 % < 90 %),
# mtg-18b (77.78 % < 80 %); missed: mtg-02 (2.63 > 2.4); the other 9 have no records.
# mtg-16 (share of the 9 active officers with a certificate valid on 2025-12-31): the demo dates
# the certificates back from the day it is loaded (issued 400–1,500 days before, valid 5 years;
# officer 9's lapsed 30 days before). When all 9 were valid on 2025-12-31 it is 100 %, on track;
# otherwise below 100 % before the 2030 deadline, at risk. The fixture checks the certificates.
@pytest.fixture(scope="module")
def mentougou_status(demo_url: str) -> dict[str, int]:
    db = Database(demo_url)
    try:
        with db.session(actor="t") as s:
            staff = s.scalars(
                select(Person)
                .join(District, District.id == Person.district_id)
                .where(
                    District.code == "mentougou",
                    Person.is_enforcement_staff.is_(True),
                    Person.active.is_(True),
                )
            ).all()
            certs = s.scalars(
                select(Certificate).where(Certificate.person_id.in_([p.id for p in staff]))
            ).all()
            valid = {c.person_id for c in certs if c.valid_on(date(2025, 12, 31))}
    finally:
        db.dispose()
    assert len(staff) == 9
    all_valid = len(valid) == 9
    return {
        "on_track": 6 + all_valid,
        "at_risk": 4 + (not all_valid),
        "missed": 1,
        "no_data": 9,
    }


def test_report_data_for_mentougou_2025(
    mentougou: Report, mentougou_status: dict[str, int]
) -> None:
    assert mentougou.plan_id == "mentougou-2026-2030"
    assert mentougou.year_before_period  # 2025 is the baseline year of the 2026–2030 plan
    assert mentougou.status_counts == mentougou_status
    assert mentougou.years == (2021, 2022, 2023, 2024, 2025)
    assert [r.fires for r in mentougou.annual_rows] == [122, 116, 93, 113, 104, 548]
    assert mentougou.problems[0].id == "mtg-02"  # the binding miss comes first
    # Micro stations are not in the station register: the plans count them apart.
    assert mentougou.station_counts == {
        "existing": 10,
        "under_construction": 1,
        "planned": 3,
        "closed": 0,
    }
    assert not any(s.station_class == "micro" or s.synthetic for s in mentougou.stations)
    assert mentougou.micro_station_counts == {"total": 20, "existing": 20, "synthetic": 20}
    assert mentougou.fires_per_10k_indicator is not None
    assert mentougou.fires_per_10k_indicator.target == 2.4


def test_indicators_resting_on_synthetic_records_are_flagged(mentougou: Report) -> None:
    flagged = {r.id: r for r in mentougou.synthetic_indicators}
    assert tuple(flagged) == MENTOUGOU_SYNTHETIC_INDICATORS
    assert [(i.kind, i.synthetic, i.records) for i in flagged["mtg-02"].synthetic_inputs] == [
        ("incidents", 104, 104)  # the 104 fires of 2025
    ]
    assert (flagged["mtg-10"].value, flagged["mtg-10"].status) == (98.19, "on_track")
    assert [(i.kind, i.synthetic, i.records) for i in flagged["mtg-10"].synthetic_inputs] == [
        ("water_sources", 498, 498)
    ]
    assert (flagged["mtg-11"].value, flagged["mtg-11"].status) == (0.0, "on_track")
    assert [(i.kind, i.synthetic, i.records) for i in flagged["mtg-11"].synthetic_inputs] == [
        ("water_sources", 360, 360)
    ]
    # Values from real records only stay unflagged: stations (mtg-08, mtg-09), personnel (mtg-13).
    for ident in ("mtg-08", "mtg-09", "mtg-13"):
        row = next(r for r in mentougou.indicators if r.id == ident)
        assert row.value is not None and not row.synthetic, ident


def test_provenance_counts_every_synthetic_kind(mentougou: Report, beibei: Report) -> None:
    prov = mentougou.provenance
    assert prov.synthetic_incidents == 548
    assert (prov.synthetic_stations, prov.synthetic_micro_stations) == (20, 20)
    assert (prov.synthetic_water_sources, prov.synthetic_apparatus) == (498, 0)
    assert [(c.kind, c.count) for c in prov.synthetic_used] == [
        ("incidents", 548),
        ("stations", 20),
        ("water_sources", 498),
    ]
    assert prov.synthetic_records == MENTOUGOU_SYNTHETIC_USED == 1066
    # Synthetic records the report does not use are named too, never left out silently.
    unused = {c.kind: c.count for c in prov.synthetic_unused}
    assert set(unused) == {"units", "buildings", "pre_plans"}
    assert unused["pre_plans"] == 10  # [key_units] pre_plans = 10
    assert unused["buildings"] == 86  # key units at the OSM POIs of key_units.toml's kinds
    assert unused["units"] >= 30  # every existing station, team and micro station has a unit
    # Beibei: 13,949 synthetic incidents (the published 表2 calls of 2016–2020), nothing else
    # the report uses; its stations are the plan's, its 8 vehicles planned purchases.
    bb = beibei.provenance
    assert [(c.kind, c.count) for c in bb.synthetic_used] == [("incidents", 13949)]
    assert beibei.micro_stations == ()


def test_years_after_the_records_are_not_tabulated(demo_url: str) -> None:
    # 2026–2027 have no records yet: the tables stay on the previous period.
    report = _report(demo_url, "mentougou", 2027)
    assert report.years == (2021, 2022, 2023, 2024, 2025)
    assert not report.year_before_period


def test_naive_clock_is_refused(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s, pytest.raises(ValueError, match="timezone-aware"):
        build_report(s, "mentougou", 2025, generated_at=datetime(2026, 3, 1))


# ------------------------------------------------------------------------------- HTML, zh


def test_html_shows_title_year_and_clock(html_zh: str) -> None:
    text = _text(html_zh)
    assert "北京市门头沟区“十五五”时期消防事业发展建设规划实施监测评估报告" in text
    assert "2025年度" in text
    assert "2026-03-01 09:30+08:00" in text
    assert '<html lang="zh-CN">' in html_zh


def test_html_indicator_table(html_zh: str) -> None:
    table = _text(_section(html_zh, "indicators"))
    for name in ("十万人口（常住人口）年火灾死亡率", "万人火灾事故发生率", "消防救援站建设数量"):
        assert name in table
    for word in ("达标", "预警", "未达标", "缺数据", "约束性", "预期性", "火灾形势", "基础设施"):
        assert word in table
    assert "≤2.4" in table and "2.63" in table  # target as printed, value computed
    assert "年均0.15（2025年）" in table  # baseline with its year
    # no_data rows say what is missing
    assert "104起火灾记录中104起缺少“建筑火灾”标记" in table
    # the status cell is coloured (the dashboard's traffic lights)
    assert re.search(r'class="status missed" style="background: #c62828"', html_zh)


def test_html_summary_counts(html_zh: str, mentougou_status: dict[str, int]) -> None:
    summary = _text(_section(html_zh, "summary"))
    st = mentougou_status
    assert f"达标{st['on_track']}项，预警{st['at_risk']}项，未达标1项，缺数据9项" in summary
    # 18a and 18b share the plan's number 18: the summary tells them apart
    assert "其中9项指标（序号1、2、10、11、14、16、18a、18b、19）" in summary
    assert "的数值依据合成演示记录计算，其状态仅作演示" in summary
    assert "已建10个，在建1个，规划3个" in summary
    assert "微型消防站按规划口径另计：20个，其中20个为合成演示记录" in summary


def test_html_marks_values_from_synthetic_records(html_zh: str) -> None:
    table = _section(html_zh, "indicators")
    rows = {
        m.group(1): _text(m.group(0))
        for m in re.finditer(r"<tr[^>]*>\s*<td class=\"center\">(\d+)</td>.*?</tr>", table, re.S)
    }
    for number in ("1", "2", "10", "11"):
        assert "（合成数据）" in rows[number] and "依据合成演示记录计算" in rows[number], number
    assert "98.19%" in rows["10"] and "消防水源记录498条中498条为合成记录" in rows["10"]
    assert "消防水源记录360条中360条为合成记录" in rows["11"]
    assert "警情记录104条中104条为合成记录" in rows["2"]
    for number in ("8", "9", "13"):  # from the plan's stations and personnel: real records
        assert "合成" not in rows[number], number
    assert table.count('<tr class="synthetic">') == len(MENTOUGOU_SYNTHETIC_INDICATORS)


def test_html_annual_table_matches_the_plan(html_zh: str) -> None:
    stats = _section(html_zh, "statistics")
    cells = re.findall(r'<td class="num">([^<]*)</td>', stats)
    for figure in ("122", "116", "93", "113", "104", "548"):
        assert figure in cells
    assert "10,501,052.84" in cells  # direct loss in yuan
    assert "39.6" in cells  # resident population in 万人
    text = _text(stats)
    assert "合计/年均" in text and "2021—2025年火灾情况统计" in text
    assert "只有火灾类警情" in text  # no calls-by-category table for fire-only records


def test_html_quality_findings_and_recommendations(html_zh: str) -> None:
    quality = _text(_section(html_zh, "quality"))
    assert "直接财产损失列标注单位为“万元”，但数值量级为“元”" in quality
    assert "十万人口火灾死亡率印有“%”符号" in quality
    assert quality.count("错误") >= 2
    problems = _text(_section(html_zh, "problems"))
    # built from the computed values, nothing invented
    assert (
        "【未达标（合成数据）·约束性】万人火灾事故发生率：2025年为2.63，目标≤2.4。建议："
        in problems
    )
    assert "【预警·预期性】万人常住人口拥有消防员：2025年为7.3，目标≥7.0" in problems
    assert "9项指标因缺少记录无法评估" in problems
    assert "直接财产损失列标注单位" in problems


def test_html_stations_by_status(html_zh: str) -> None:
    stations = _text(_section(html_zh, "stations"))
    assert "（消防救援站及各类队伍，不含微型消防站）：已建10个，在建1个，规划3个" in stations
    assert re.search(r"军庄消防救援站\s+一级普通消防站\s+在建", stations)
    assert re.search(r"小园消防救援站\s+一级普通消防站\s+规划\s+2030", stations)
    # The 20 synthetic micro stations are counted apart, not listed as stations.
    assert "微型消防站按规划口径另计：20个，其中20个为合成演示记录" in stations
    table_rows = re.findall(r'<tr class="station-(\w+)">', _section(html_zh, "stations"))
    assert len(table_rows) == 14 and table_rows.count("existing") == 10


def test_html_says_the_incidents_are_synthetic(html_zh: str) -> None:
    banner = _text(html_zh[: html_zh.index('<section id="summary">')])
    # Every synthetic record the report uses, kind by kind: 548 + 20 + 498 = 1066.
    assert (
        "本报告使用的记录中有1066条为合成数据（警情记录548条、站点记录20条（其中微型消防站20个）、"
        "消防水源记录498条）" in banner
    )
    prov = _text(_section(html_zh, "provenance"))
    assert "548条警情记录中有548条为合成记录" in prov
    assert "本报告使用的其他合成记录：站点记录20条（其中微型消防站20个）、消防水源记录498条" in prov
    assert "数据库中另有本报告未使用的合成记录：" in prov and "灭火救援预案10份" in prov
    assert "门头沟规划 表1" in prov  # where the population figures come from


def test_html_is_self_contained(html_zh: str, html_en: str) -> None:
    for page in (html_zh, html_en):
        refs = re.findall(r'\b(?:src|href)\s*=\s*"([^"]*)"', page)
        assert all(r.startswith("#") for r in refs), refs  # only in-page SVG glyph references
        assert "http://" not in page and "https://" not in page
        assert "<link" not in page and "<script" not in page and "<img" not in page
        assert page.count("<svg") == 3  # fires, deaths, fires per 10k (no other calls)
        ids = re.findall(r'\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids))  # several inline SVGs, no clashing ids


def test_charts_carry_chinese_labels_and_the_target(html_zh: str) -> None:
    charts = _section(html_zh, "charts")
    assert "<!-- 历年火灾起数（起） -->" in charts
    assert "<!-- 规划目标 ≤2.4（mtg-02） -->" in charts
    assert "NotoSansCJK" in charts or find_cjk_font() is None


# ------------------------------------------------------------------------------- HTML, en


def test_english_report(html_en: str) -> None:
    text = _text(html_en)
    assert "Annual fire deaths per 100,000" in text
    assert "Monitoring and evaluation report" in text
    for word in ("On track", "At risk", "Missed", "No data", "Binding", "Expected"):
        assert word in text
    assert "The direct-loss column is headed 万元" in text  # the finding's English message
    assert "548 of the 548 incident records used in this report are synthetic" in text
    assert "1066 of the records used in this report are synthetic (548 incident records" in text
    assert (
        "Of these, 9 (no. 1, 2, 10, 11, 14, 16, 18a, 18b, 19) are computed from synthetic demo "
        "records" in text
    )
    # none of the Chinese interface strings leaks into the English page
    for zh in ("目标指标完成进度", "突出问题及对策建议", "数据来源说明", "合计/年均", "缺少："):
        assert zh not in text
    statuses = set(re.findall(r'<td class="status [a-z_]+" [^>]*>([^<]+)</td>', html_en))
    # The only missed indicator (mtg-02) rests on the synthetic incidents; the equipment rates
    # at risk (mtg-18a/b) on the synthetic inventory.
    assert statuses == {
        "On track",
        "On track (synthetic data)",
        "At risk",
        "At risk (synthetic data)",
        "Missed (synthetic data)",
        "No data",
    }
    assert '<html lang="en">' in html_en


# ---------------------------------------------------------------------------- Beibei 2020


def test_beibei_tables_calls_and_derived_population(beibei: Report) -> None:
    assert beibei.years == (2016, 2017, 2018, 2019, 2020)
    page = render_html(beibei, lang="zh")
    stats = _section(page, "statistics")
    cells = re.findall(r'<td class="num">([^<]*)</td>', stats)
    for figure in ("751", "720", "709", "795", "745", "3720", "13949", "8223", "1845", "161"):
        assert figure in cells
    assert "83.33*" in cells  # derived population, marked
    assert "表2 2016—2020年接警出动分类统计" in _text(stats)
    assert page.count("<svg") == 4  # + calls by category, stacked
    prov = _text(_section(page, "provenance"))
    assert "推算值（由规划自身指标反推，非统计公布数字）" in prov
    assert "derived: 5 stations ÷ 0.6 per 100k" in prov
    assert "13949条警情记录中有13949条为合成记录" in prov


# ----------------------------------------------------------------------------------- PDF


def test_pdf_embeds_the_cjk_font_and_reads_back(
    pdf: tuple[Path, dict[str, Any]], mentougou_status: dict[str, int]
) -> None:
    out, info = pdf
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert info["out"] == str(out) and info["format"] == "pdf"
    assert info["pages"] >= 3
    assert info["indicators"] == mentougou_status
    assert info["findings"] == 2
    assert info["synthetic_records"] == MENTOUGOU_SYNTHETIC_USED
    if not (shutil.which("pdffonts") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdffonts, pdftotext) not installed: cannot inspect the PDF")
    fonts = subprocess.run(
        ["pdffonts", str(out)], capture_output=True, text=True, check=True
    ).stdout
    cjk = [ln for ln in fonts.splitlines() if re.search(r"CJK|SourceHan|WenQuanYi", ln)]
    assert cjk, fonts
    assert all(ln.split()[-5] == "yes" for ln in cjk), fonts  # the "emb" column
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "门头沟" in text and "548" in text
    assert "十万人口（常住人口）年火灾死亡率" in text.replace(" ", "")
    pages = info["pages"]
    assert f"第{pages}页/共{pages}页" in text.replace(" ", "")  # page numbers


# ----------------------------------------------------------------------------------- CLI


def test_bad_suffix_is_refused(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.docx"
    result = runner.invoke(
        APP, ["report", "--district", "mentougou", "--year", "2025", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "'.docx'" in result.stderr and ".html, .pdf" in result.stderr
    assert not out.exists()


def test_existing_file_is_not_overwritten(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    out.write_text("keep me", encoding="utf-8")
    args = ["report", "--district", "beibei", "--year", "2020", "--out", str(out)]
    args += ["--db", demo_url]
    result = runner.invoke(APP, args)
    assert result.exit_code == 2
    assert _squash(f"{out} already exists; pass --overwrite") in _squash(result.stderr)
    assert out.read_text(encoding="utf-8") == "keep me"

    result = runner.invoke(APP, [*args, "--overwrite", "--lang", "en", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["pages"] is None and info["findings"] == 1
    assert info["indicators"] == {"on_track": 1, "at_risk": 1, "missed": 0, "no_data": 5}
    assert "Fire and rescue stations per 100,000" in out.read_text(encoding="utf-8")


def test_unknown_district_and_language(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    base = ["report", "--year", "2025", "--out", str(out), "--db", demo_url]
    result = runner.invoke(APP, [*base, "--district", "nowhere"])
    assert result.exit_code == 2
    assert "no district 'nowhere'" in result.stderr
    result = runner.invoke(APP, [*base, "--district", "mentougou", "--lang", "fr"])
    assert result.exit_code == 2
    assert "--lang must be zh or en, got 'fr'" in result.stderr
    assert not out.exists()


def test_missing_cjk_font_is_a_clear_warning(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("firegrid.report.render.find_cjk_font", lambda: None)
    out = tmp_path / "r.html"
    args = ["report", "--district", "mentougou", "--year", "2025", "--out", str(out)]
    result = runner.invoke(APP, [*args, "--db", demo_url])
    assert result.exit_code == 0, result.output
    assert "no CJK font found" in " ".join(result.stderr.split())
    assert "fonts-noto-cjk" in result.stderr
    assert out.exists()
