"""Trend charts of the report: Chinese labels really drawn, and empty data refused."""

from __future__ import annotations

import re

import pytest

from firegrid.errors import InvalidInputError
from firegrid.report.charts import (
    ChartFont,
    ChartSize,
    bar_chart,
    line_chart,
    stacked_bar_chart,
)
from firegrid.report.render import find_cjk_font

SIZE = ChartSize(width_in=4.0, height_in=2.5, dpi=60)
YEARS = ["2021", "2022", "2023", "2024", "2025"]


@pytest.fixture(scope="module")
def cjk() -> ChartFont:
    font = find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (Debian fonts-noto-cjk)")
    return font


def test_bar_chart_draws_chinese_as_glyph_paths(cjk: ChartFont) -> None:
    svg = bar_chart(
        YEARS, [122, 116, 93, 113, 104], title="历年火灾起数（起）", font=cjk, size=SIZE
    ).decode()
    assert svg.lstrip().startswith("<?xml")
    assert "<!-- 历年火灾起数（起） -->" in svg  # the text, as matplotlib labels it
    # … drawn with the CJK font's own glyph outlines (<path id="<font>-<glyph>" d=…>): no
    # boxes, and no font needed to view the file. A missing glyph would have been a warning,
    # and warnings are errors here.
    glyphs = set(re.findall(r'<path id="([^"]*CJK[^"]*)" d="M', svg))
    assert len(glyphs) >= len(set("历年火灾起数（）" + "".join(YEARS))), glyphs
    assert "DejaVu" not in svg
    for value in ("122", "116", "93", "113", "104"):
        assert f"<!-- {value} -->" in svg  # bars carry their values


def test_line_chart_with_target_and_gaps(cjk: ChartFont) -> None:
    svg = line_chart(
        YEARS,
        [3.08, None, 2.34, 2.85, 2.63],
        title="万人火灾发生率（起/万人）",
        series_label="万人火灾发生率",
        target=2.4,
        target_label="规划目标 ≤2.4",
        font=cjk,
        size=SIZE,
    ).decode()
    assert "<!-- 规划目标 ≤2.4 -->" in svg
    assert "<!-- 3.08 -->" in svg and "<!-- 2.34 -->" in svg
    assert "stroke-dasharray" in svg  # the dashed target line


def test_stacked_chart_png(cjk: ChartFont) -> None:
    png = stacked_bar_chart(
        YEARS[:2],
        [("火灾扑救", [751, 720], "#d32f2f"), ("社会救助", [1260, 1478], "#2e7d32")],
        title="历年接警出动分类（起）",
        font=cjk,
        size=SIZE,
        fmt="png",
    )
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_ids_are_prefixed_and_output_is_deterministic(cjk: ChartFont) -> None:
    make = lambda: bar_chart(  # noqa: E731
        YEARS, [1, 2, 3, 4, 5], title="死亡人数", font=cjk, size=SIZE, id_prefix="c2-"
    )
    first = make()
    assert first == make()
    svg = first.decode()
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("c2-") for i in ids)
    refs = re.findall(r'href="#([^"]+)"', svg) + re.findall(r"url\(#([^)]+)\)", svg)
    assert refs and all(r in ids for r in refs)


def test_without_a_cjk_font_chinese_glyphs_are_missing() -> None:
    # What the CJK font prevents: matplotlib's own font has no Chinese glyphs (boxes).
    with pytest.warns(UserWarning, match="missing from font"):
        bar_chart(YEARS, [1, 2, 3, 4, 5], title="火灾", font=None, size=SIZE)


def test_english_labels_need_no_cjk_font() -> None:
    svg = bar_chart(YEARS, [0, 1, 1, 1, 0], title="Fire deaths per year", font=None, size=SIZE)
    assert b"<!-- Fire deaths per year -->" in svg


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bar_chart([], [], title="t", font=None, size=SIZE), "no data to plot"),
        (
            lambda: bar_chart(["2021"], [1, 2], title="t", font=None, size=SIZE),
            "values has 2 values for 1 categories",
        ),
        (
            lambda: line_chart(
                YEARS[:2], [None, None], title="t", series_label="s", font=None, size=SIZE
            ),
            r"no data to plot \(values has no values\)",
        ),
        (
            lambda: stacked_bar_chart(YEARS, [], title="t", font=None, size=SIZE),
            r"no data to plot \(no series\)",
        ),
        (
            lambda: bar_chart(YEARS, [1] * 5, title="t", font=None, size=SIZE, fmt="gif"),  # type: ignore[arg-type]
            "chart format 'gif' is not supported",
        ),
    ],
)
def test_bad_data_is_refused_with_a_clear_error(call: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        call()  # type: ignore[operator]
