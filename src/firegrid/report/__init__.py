"""The plan monitoring-and-evaluation report (规划实施监测评估报告).

``service`` gathers the data (indicators, annual tables, stations, findings, provenance) into
frozen dataclasses; ``charts`` draws the trend charts (pure: data in, SVG/PNG bytes out);
``render`` lays the report out as self-contained HTML or as an A4 PDF (WeasyPrint).
"""

from firegrid.report.render import (
    FORMATS,
    MissingFontWarning,
    RenderedReport,
    check_output_path,
    find_cjk_font,
    render_html,
    render_pdf,
    write_report,
)
from firegrid.report.service import Report, build_report, choose_plan

__all__ = [
    "FORMATS",
    "MissingFontWarning",
    "RenderedReport",
    "Report",
    "build_report",
    "check_output_path",
    "choose_plan",
    "find_cjk_font",
    "render_html",
    "render_pdf",
    "write_report",
]
