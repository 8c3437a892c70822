"""Turn a :class:`~firegrid.report.service.Report` into a self-contained HTML page or an A4 PDF.

All wording lives in one string table, ``templates/strings.toml`` (Chinese and English, loaded
into :data:`STRINGS`); enum labels come from ``firegrid.types`` and colours from
``firegrid.web.legend``, as on the dashboard. The HTML is read offline: CSS and charts (SVG,
text as glyph paths) are inlined and nothing is fetched. The PDF is laid out by WeasyPrint from
the same template (A4, page numbers, table headers repeated on every page) with the CJK font
embedded.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from matplotlib import font_manager

from firegrid import __version__
from firegrid.errors import ConflictError, InvalidInputError
from firegrid.indicators.kernels import StatusCode
from firegrid.report._figures import _charts
from firegrid.report._strings import (
    STRINGS,
    Lang,
    _after,
    _baseline,
    _call_cells,
    _explanation,
    _loss,
    _micro_line,
    _problem_lines,
    _rate,
    _status_label,
    _summary_synthetic,
    _synthetic_parts,
    _target,
    _value,
    _wan,
    parse_lang,
    t,
)
from firegrid.report.charts import ChartFont
from firegrid.report.service import Report
from firegrid.statistics.service import AnnualRow
from firegrid.types import IncidentCategory, StationClass, StationStatus
from firegrid.web.legend import INDICATOR_STATUS_COLOURS

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
                        "status_label": _status_label(row, lang),
                        "synthetic": row.synthetic,
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
        "micro_line": _micro_line(report, lang),
        "micro_after": _after(_micro_line(report, lang), lang),
        "summary_synthetic": _summary_synthetic(report, lang),
        "stations": [
            {
                "name": t("station_synthetic", lang, name=s.name) if s.synthetic else s.name,
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
        "synthetic_parts": _synthetic_parts(prov.synthetic_used, prov, lang),
        "synthetic_other": _synthetic_parts(
            tuple(c for c in prov.synthetic_used if c.kind != "incidents"), prov, lang
        ),
        "synthetic_unused": _synthetic_parts(prov.synthetic_unused, prov, lang),
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
