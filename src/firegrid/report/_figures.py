"""The report's trend charts: drawn by :mod:`firegrid.report.charts`, inlined in the HTML as
SVG elements and handed to WeasyPrint as ``data:`` URIs."""

from __future__ import annotations

import base64
import re
import warnings
from dataclasses import dataclass

from markupsafe import Markup

from firegrid.report._strings import Lang, _target, t
from firegrid.report.charts import ChartFont, ChartSize, bar_chart, line_chart, stacked_bar_chart
from firegrid.report.service import Report
from firegrid.types import IncidentCategory
from firegrid.web.legend import INCIDENT_COLOURS

_SVG_HEAD_RE = re.compile(r"^.*?(?=<svg\b)", re.S)
_METADATA_RE = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_XMLNS_RE = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')


def _inline_svg(svg: bytes) -> Markup:
    """An SVG document as an element to inline in HTML5 (no prolog, namespaces or metadata).

    The HTML parser puts ``<svg>`` in the SVG namespace by itself; dropping the ``xmlns`` URIs
    keeps the page free of any ``http`` reference. ``xlink:href`` becomes SVG 2's ``href``.
    """
    text = _SVG_HEAD_RE.sub("", svg.decode("utf-8"), count=1)
    text = _METADATA_RE.sub("", text)
    text = _XMLNS_RE.sub("", text)
    text = text.replace("xlink:href=", "href=")
    return Markup(text)  # made by matplotlib from our own data


@dataclass(frozen=True)
class _Chart:
    title: str
    #: Inlined in the HTML page.
    svg: Markup
    #: The same SVG as a ``data:`` URI: WeasyPrint renders it as an image, without reading
    #: the SVG's ``style`` attributes as HTML CSS.
    data_uri: str


def _charts(report: Report, lang: Lang, font: ChartFont | None) -> tuple[list[_Chart], list[str]]:
    """The trend charts, and notes on the charts that cannot be drawn."""
    with warnings.catch_warnings():
        if font is None:
            # Already said once (MissingFontWarning); not once per missing glyph.
            warnings.filterwarnings("ignore", "Glyph .* missing from", UserWarning)
        return _draw_charts(report, lang, font)


def _draw_charts(
    report: Report, lang: Lang, font: ChartFont | None
) -> tuple[list[_Chart], list[str]]:
    years = [r for r in report.annual_rows if r.year is not None]
    calls = [r for r in report.calls_rows if r.year is not None]
    recorded = [(a, c) for a, c in zip(years, calls, strict=True) if c.total > 0]
    if not recorded:
        first, last = report.years[0], report.years[-1]
        return [], [t("chart_records_none", lang, first=first, last=last)]
    labels = [str(a.year) for a, _ in recorded]
    size = ChartSize(width_in=4.6, height_in=3.0)
    out: list[_Chart] = []
    notes: list[str] = []

    def add(key: str, svg: bytes) -> None:
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
        out.append(_Chart(t(key, lang), _inline_svg(svg), uri))

    add(
        "chart_fires",
        bar_chart(
            labels,
            [a.fires for a, _ in recorded],
            title=t("chart_fires", lang),
            font=font,
            size=size,
            colour=INCIDENT_COLOURS[IncidentCategory.FIRE],
            id_prefix="c1-",
        ),
    )
    add(
        "chart_deaths",
        bar_chart(
            labels,
            [a.deaths for a, _ in recorded],
            title=t("chart_deaths", lang),
            font=font,
            size=size,
            colour="#4e342e",
            id_prefix="c2-",
        ),
    )
    rates = [a.fires_per_10k for a, _ in recorded]
    if any(r is not None for r in rates):
        ind = report.fires_per_10k_indicator
        add(
            "chart_rate",
            line_chart(
                labels,
                rates,
                title=t("chart_rate", lang),
                series_label=t("chart_rate_series", lang),
                target=ind.target if ind is not None else None,
                target_label=t("chart_rate_target", lang, target=_target(ind, lang), id=ind.id)
                if ind is not None
                else "",
                font=font,
                size=size,
                id_prefix="c3-",
            ),
        )
    else:
        notes.append(t("chart_rate_none", lang))
    if report.has_other_calls:
        series = [
            (cat.label(lang), [float(getattr(c, cat.value)) for _, c in recorded], colour)
            for cat, colour in INCIDENT_COLOURS.items()
        ]
        add(
            "chart_calls",
            stacked_bar_chart(
                labels,
                series,
                title=t("chart_calls", lang),
                font=font,
                size=size,
                id_prefix="c4-",
            ),
        )
    return out, notes
