"""Turn a :class:`~firegrid.report.service.Report` into a self-contained HTML page or an A4 PDF.

All wording lives in one string table, ``templates/strings.toml`` (Chinese and English, loaded
into :data:`STRINGS`); enum labels come from ``firegrid.types`` and colours from
``firegrid.web.legend``, as on the dashboard. The HTML is read offline: CSS and charts (SVG,
text as glyph paths) are inlined and nothing is fetched. The PDF is laid out by WeasyPrint from
the same template (A4, page numbers, table headers repeated on every page) with the CJK font
embedded.
"""

from __future__ import annotations

import base64
import os
import re
import string
import subprocess
import tempfile
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, cast

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from matplotlib import font_manager

from firegrid import __version__
from firegrid.errors import ConfigurationError, ConflictError, InvalidInputError
from firegrid.indicators.kernels import StatusCode
from firegrid.report.charts import ChartFont, ChartSize, bar_chart, line_chart, stacked_bar_chart
from firegrid.report.service import IndicatorRow, Report
from firegrid.statistics.service import AnnualRow, CallsRow
from firegrid.types import IncidentCategory, StationClass, StationStatus
from firegrid.web.legend import INCIDENT_COLOURS, INDICATOR_STATUS_COLOURS

__all__ = [
    "CJK_FAMILIES",
    "FORMATS",
    "STRINGS",
    "Lang",
    "MissingFontWarning",
    "RenderedReport",
    "check_output_path",
    "find_cjk_font",
    "parse_lang",
    "render_html",
    "render_pdf",
    "t",
    "write_report",
]

Lang = Literal["zh", "en"]
#: Output suffix → format.
FORMATS: Final[dict[str, str]] = {".html": "html", ".pdf": "pdf"}
#: CJK families to look for, best first (Simplified-Chinese faces of the Debian packages).
CJK_FAMILIES: Final[tuple[str, ...]] = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing CN",
)

_STRINGS_FILE = "strings.toml"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _load_strings() -> dict[str, tuple[str, str]]:
    """Read ``templates/strings.toml``; every key needs ``zh`` and ``en`` with equal fields."""
    source = f"firegrid/report/templates/{_STRINGS_FILE}"
    raw = tomllib.loads(
        resources.files("firegrid.report").joinpath("templates", _STRINGS_FILE).read_text("utf-8")
    )
    table: dict[str, tuple[str, str]] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict) or set(entry) != {"zh", "en"}:
            raise ConfigurationError(f"{source}: [{key}] must hold exactly zh and en")
        zh, en = entry["zh"], entry["en"]
        if not isinstance(zh, str) or not isinstance(en, str):
            raise ConfigurationError(f"{source}: [{key}] zh and en must be strings")
        if _placeholders(zh) != _placeholders(en):
            raise ConfigurationError(
                f"{source}: [{key}] placeholders differ: zh {sorted(_placeholders(zh))}, "
                f"en {sorted(_placeholders(en))}"
            )
        table[key] = (zh, en)
    return table


#: ``{key: (zh, en)}`` from ``templates/strings.toml``; placeholders are filled by :func:`t`.
STRINGS: Final[dict[str, tuple[str, str]]] = _load_strings()

_SENTINEL_PAGE = "\x00page\x00"
_SENTINEL_PAGES = "\x00pages\x00"


class MissingFontWarning(UserWarning):
    """No CJK font was found: Chinese text would render as empty boxes."""


@dataclass(frozen=True)
class RenderedReport:
    """A report written to disk."""

    out: Path
    format: str
    size_bytes: int
    #: Number of pages (PDF only).
    pages: int | None = None


def parse_lang(lang: str) -> Lang:
    """``zh`` or ``en``; anything else is an InvalidInputError."""
    if lang not in ("zh", "en"):
        raise InvalidInputError(f"--lang must be zh or en, got {lang!r}")
    return cast(Lang, lang)


def t(key: str, lang: Lang, **values: object) -> str:
    """The string ``key`` in ``lang`` with its placeholders filled."""
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


# ------------------------------------------------------------------------------------ fonts


def _fc_match(family: str) -> Path | None:
    try:
        done = subprocess.run(
            ["fc-match", "--format=%{file}\n%{family}", family],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) < 2 or family not in lines[1].split(","):
        return None
    return Path(lines[0])


@cache
def find_cjk_font() -> ChartFont | None:
    """The first installed CJK font of :data:`CJK_FAMILIES`, via matplotlib or fontconfig."""
    entries = font_manager.fontManager.ttflist
    for family in CJK_FAMILIES:
        for entry in entries:
            if entry.name == family and entry.weight in (400, "normal", "regular"):
                return ChartFont(Path(entry.fname), family)
    # matplotlib's font cache may predate the font's installation: ask fontconfig.
    for family in CJK_FAMILIES:
        path = _fc_match(family)
        if path is not None and path.exists():
            return ChartFont(path, family)
    return None


def _font_or_warn() -> ChartFont | None:
    # English reports too: station names, places and quoted figures stay Chinese.
    font = find_cjk_font()
    if font is None:
        warnings.warn(
            "no CJK font found (looked for: "
            + ", ".join(CJK_FAMILIES)
            + "): Chinese text will render as boxes. Install Debian's fonts-noto-cjk.",
            MissingFontWarning,
            stacklevel=3,
        )
    return font


# ----------------------------------------------------------------------------- formatting


def _num(v: float | None, lang: Lang) -> str:
    if v is None:
        return t("none", lang)
    if float(v).is_integer():
        return f"{int(v):,}" if abs(v) >= 10_000 else str(int(v))
    if abs(v) >= 10_000:
        return f"{v:,.2f}"
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _value(row: IndicatorRow, lang: Lang) -> str:
    text = _num(row.value, lang)
    return text + "%" if row.value is not None and row.unit == "percent" else text


def _target(row: IndicatorRow, lang: Lang) -> str:
    if row.target_text:
        return row.target_text
    return _num(row.target, lang) + ("%" if row.unit == "percent" else "")


def _baseline(row: IndicatorRow, lang: Lang) -> str:
    if row.baseline is None and not row.baseline_text:
        return t("none", lang)
    text = row.baseline_text or _num(row.baseline, lang)
    if row.baseline_year is None:
        return text
    return t("baseline_year", lang, v=text, year=row.baseline_year)


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}"


def _explanation(row: IndicatorRow, lang: Lang) -> str:
    if row.status == StatusCode.NO_DATA.value:
        items = row.missing if lang == "en" else row.missing_zh
        return t("missing", lang) + t("list_sep", lang).join(items)
    text = t(f"reason_{row.reason}", lang)
    if row.kind == "cumulative" and row.progress is not None:
        text += t("list_sep", lang) + t(
            "progress", lang, p=_pct(row.progress), e=_pct(row.expected_share)
        )
    return text


def _loss(v: float | None, lang: Lang) -> str:
    return t("none", lang) if v is None else f"{v:,.2f}"


def _rate(v: float | None, lang: Lang) -> str:
    return t("none", lang) if v is None else f"{v:.2f}"


def _wan(persons: int | None, lang: Lang) -> str:
    if persons is None:
        return t("none", lang)
    return f"{persons / 10_000:.2f}".rstrip("0").rstrip(".")


def _call_cells(row: CallsRow) -> list[int]:
    """All calls, then one count per category in the enum's order (the table's columns)."""
    return [row.total, *(int(getattr(row, cat.value)) for cat in IncidentCategory)]


def _problem_lines(report: Report, lang: Lang) -> list[str]:
    lines: list[str] = []
    for row in report.problems:
        head = t(
            "problem_head",
            lang,
            status=t(f"status_{row.status}", lang),
            binding=t(f"binding_{row.binding}", lang),
            name=row.name_en if lang == "en" else row.name_zh,
            year=report.year,
            value=_value(row, lang),
            target=_target(row, lang),
        )
        key = f"advice_{row.reason}"
        advice = t(
            key if key in STRINGS else "advice_default",
            lang,
            band=_num(row.warning_band * 100, lang),
            p=_pct(row.progress),
            e=_pct(row.expected_share),
            deadline=row.deadline,
        )
        lines.append(head + advice)
    no_data = report.no_data
    if no_data:
        modules = sorted({m for r in no_data for m in r.fed_by})
        names = [t(f"module_{m}", lang) if f"module_{m}" in STRINGS else m for m in modules]
        lines.append(
            t(
                "problem_no_data",
                lang,
                n=len(no_data),
                numbers=t("enum_sep", lang).join(str(r.number) for r in no_data),
                modules=t("problem_no_data_modules", lang, modules=t("enum_sep", lang).join(names))
                if names
                else "",
            )
        )
    for f in report.findings:
        lines.append(
            t(
                "problem_finding",
                lang,
                severity=t(f"severity_{f.severity}", lang),
                message=f.message_en if lang == "en" else f.message,
            )
        )
    return lines or [t("problems_none", lang)]


# --------------------------------------------------------------------------------- charts


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


# ------------------------------------------------------------------------------- template


@cache
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("firegrid.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def _css(font: ChartFont | None, lang: Lang) -> Markup:
    """The stylesheet with the font stack and the page-number label filled in."""
    families = ([font.family] if font else []) + [
        f for f in CJK_FAMILIES if font is None or f != font.family
    ]
    stack = ", ".join(f'"{f}"' for f in families)
    loader = _env().loader
    assert loader is not None
    css = loader.get_source(_env(), "report.css")[0]
    label = t("page", lang, page=_SENTINEL_PAGE, pages=_SENTINEL_PAGES)
    css = css.replace("__FONT_STACK__", stack + ', "PingFang SC", "Microsoft YaHei", sans-serif')
    return Markup(css.replace("__PAGE_LABEL__", _page_counter_css(label)))


def _context(report: Report, lang: Lang, *, pdf: bool) -> dict[str, Any]:
    font = _font_or_warn()
    charts, chart_notes = _charts(report, lang, font)
    en = lang == "en"
    status_colours = {s.value: c for s, c in INDICATOR_STATUS_COLOURS.items()}
    annual = [r for r in report.annual_rows if r.year is not None]
    calls = [r for r in report.calls_rows if r.year is not None]
    recorded = {c.year for c in calls if c.total > 0}
    derived_years = {p.year for p in report.provenance.populations if p.derived}
    generated = report.generated_at.isoformat(sep=" ", timespec="minutes")

    def annual_cells(r: AnnualRow, has_records: bool) -> list[str]:
        dash = t("none", lang)
        pop = _wan(r.population, lang)
        if r.year in derived_years:
            pop += "*"
        return [
            str(r.fires) if has_records else dash,
            str(r.injuries) if has_records else dash,
            str(r.deaths) if has_records else dash,
            _loss(r.loss_yuan, lang) if has_records else dash,
            pop,
            _rate(r.death_rate_per_100k, lang) if has_records else dash,
            _rate(r.fires_per_10k, lang) if has_records else dash,
        ]

    total = report.annual_rows[-1]
    prov = report.provenance
    return {
        "lang": lang,
        "html_lang": "en" if en else "zh-CN",
        "pdf": pdf,
        "t": lambda key, **kw: t(key, lang, **kw),
        "css": _css(font, lang),
        "r": report,
        "district": report.district_name_en if en else report.district_name_zh,
        "plan_title": report.plan_title_en if en else report.plan_title_zh,
        "generated": generated,
        "version": __version__,
        "status_order": list(report.status_counts),
        "status_colours": status_colours,
        "summary_counts": t("summary_sep", lang).join(
            t("summary_count", lang, label=t(f"status_{s}", lang), n=n)
            for s, n in report.status_counts.items()
        ),
        "errors": sum(1 for f in report.findings if f.severity == "error"),
        "groups": [
            {
                "name": g.category_en if en else g.category_zh,
                "rows": [
                    {
                        "number": row.number,
                        "id": row.id,
                        "name": row.name_en if en else row.name_zh,
                        "binding": t(f"binding_{row.binding}", lang),
                        "baseline": _baseline(row, lang),
                        "target": _target(row, lang),
                        "value": _value(row, lang),
                        "status": row.status,
                        "status_label": t(f"status_{row.status}", lang),
                        "explanation": _explanation(row, lang),
                        "missing": row.status == StatusCode.NO_DATA.value,
                    }
                    for row in g.rows
                ],
            }
            for g in report.indicator_groups
        ],
        "annual": [(str(r.year), annual_cells(r, r.year in recorded)) for r in annual],
        "annual_total": (t("total_row", lang), annual_cells(total, bool(recorded))),
        "has_derived": bool(derived_years & set(report.years)),
        "first": report.years[0],
        "last": report.years[-1],
        "calls": [(str(c.year), _call_cells(c)) for c in calls],
        "calls_total": (t("calls_total_row", lang), _call_cells(report.calls_rows[-1])),
        "call_headers": [c.label(lang) for c in IncidentCategory],
        "charts": charts,
        "chart_notes": chart_notes,
        "station_counts": report.station_counts,
        "stations": [
            {
                "name": s.name,
                "class": StationClass(s.station_class).label(lang),
                "status": StationStatus(s.status).label(lang),
                "status_key": s.status,
                "planned_year": s.planned_year or t("none", lang),
                "commissioned_year": s.commissioned_year or t("none", lang),
            }
            for s in report.stations
        ],
        "findings": [
            {
                "severity": f.severity,
                "severity_label": t(f"severity_{f.severity}", lang),
                "table": f.table_code,
                "message": f.message_en if en else f.message,
            }
            for f in report.findings
        ],
        "problems": _problem_lines(report, lang),
        "synthetic": prov.synthetic_records,
        "prov": prov,
        "populations": [
            {
                "year": p.year,
                "population": f"{p.population:,}",
                "kind": t("pop_derived" if p.derived else "pop_printed", lang),
                "derived": p.derived,
                "source": p.source,
                "note": p.note,
            }
            for p in prov.populations
        ],
        "notes": [
            (row.number, row.name_en if en else row.name_zh, row.note_en if en else row.note_zh)
            for row in report.indicators
            if (row.note_en if en else row.note_zh)
        ],
    }


def render_html(report: Report, *, lang: Lang, pdf: bool = False) -> str:
    """The report as one self-contained HTML page (``pdf=True`` adds the print layout)."""
    html = _env().get_template("report.html.j2").render(**_context(report, lang, pdf=pdf))
    return html


def _page_counter_css(label: str) -> str:
    """CSS ``content`` value for the page label with its counters."""
    parts = re.split(f"({_SENTINEL_PAGE}|{_SENTINEL_PAGES})", label)
    out: list[str] = []
    for part in parts:
        if part == _SENTINEL_PAGE:
            out.append("counter(page)")
        elif part == _SENTINEL_PAGES:
            out.append("counter(pages)")
        elif part:
            out.append('"' + part.replace('"', '\\"') + '"')
    return " ".join(out)


def render_pdf(report: Report, *, lang: Lang) -> tuple[bytes, int]:
    """The report as an A4 PDF with the CJK font embedded; returns the bytes and page count."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    html = render_html(report, lang=lang, pdf=True)
    document = HTML(string=html, base_url=None).render()
    data = document.write_pdf()
    if data is None:  # pragma: no cover - write_pdf without a target always returns bytes
        raise RuntimeError("WeasyPrint returned no PDF")
    return data, len(document.pages)


# ---------------------------------------------------------------------------------- files


def check_output_path(out: Path, *, overwrite: bool) -> str:
    """Validate the output file before any work: its suffix gives the format."""
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        allowed = ", ".join(FORMATS)
        raise InvalidInputError(
            f"cannot write a report to {out}: unknown suffix {out.suffix or '(none)'!r} "
            f"(use {allowed})"
        )
    if out.is_dir():
        raise InvalidInputError(f"cannot write a report to {out}: it is a directory")
    if out.exists() and not overwrite:
        raise ConflictError(f"{out} already exists; pass --overwrite to replace it")
    if not out.parent.is_dir():
        raise InvalidInputError(f"cannot write {out}: directory {out.parent} does not exist")
    return fmt


def _write_atomic(out: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes the file private (0600); a report is an ordinary document.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(
    report: Report,
    out: Path,
    *,
    lang: Lang,
    overwrite: bool = False,
    progress: Callable[[str], None] | None = None,
) -> RenderedReport:
    """Render the report to ``out`` (``.html`` or ``.pdf``); never overwrite unless asked."""
    fmt = check_output_path(out, overwrite=overwrite)
    say = progress or (lambda _msg: None)
    if fmt == "html":
        say("rendering HTML")
        data = render_html(report, lang=lang).encode("utf-8")
        pages = None
    else:
        say("rendering PDF")
        data, pages = render_pdf(report, lang=lang)
    _write_atomic(out, data)
    return RenderedReport(out=out, format=fmt, size_bytes=len(data), pages=pages)
