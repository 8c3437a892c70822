"""Trend charts of the report, drawn with matplotlib (pure: data in, SVG or PNG bytes out).

Every function takes the figure size and the font explicitly and touches no global state
beyond registering the font file with matplotlib's font manager: figures are made with
:class:`matplotlib.figure.Figure` (no pyplot, no backend switch), inside an ``rc_context``.
SVG text is drawn as glyph paths (``svg.fonttype = "path"``), so the charts render the same on
a machine without the font; each text element is preceded by a ``<!-- text -->`` comment.
Element ids are deterministic and carry a caller-chosen prefix, so several SVGs can be inlined
in one HTML document without clashing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from firegrid.errors import InvalidInputError

__all__ = [
    "ChartFont",
    "ChartSize",
    "Format",
    "bar_chart",
    "line_chart",
    "stacked_bar_chart",
]

Format = Literal["svg", "png"]

#: Fallback family for glyphs the chosen font lacks (ships with matplotlib).
_FALLBACK_FAMILY = "DejaVu Sans"
_BAR_COLOUR = "#c62828"
_LINE_COLOUR = "#1565c0"
_TARGET_COLOUR = "#2e7d32"
_ID_RE = re.compile(r'(\bid=")([^"]+)(")')
_HREF_RE = re.compile(r'(href="#)([^"]+)(")')
_URL_RE = re.compile(r"(url\(#)([^)]+)(\))")


@dataclass(frozen=True)
class ChartFont:
    """A font file and the family name matplotlib knows it by (a face of a ``.ttc``)."""

    path: Path
    family: str


@dataclass(frozen=True)
class ChartSize:
    """Figure size in inches; ``dpi`` applies to PNG output."""

    width_in: float = 6.4
    height_in: float = 2.9
    dpi: int = 150


def _register(font: ChartFont | None) -> list[str]:
    """Make sure matplotlib knows the font file; return the family list to use."""
    if font is None:
        return [_FALLBACK_FAMILY]
    known = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    if font.path not in known:
        font_manager.fontManager.addfont(str(font.path))
    return [font.family, _FALLBACK_FAMILY]


def _rc(font: ChartFont | None, id_prefix: str) -> dict[Any, Any]:
    return {
        "font.family": _register(font),
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.fonttype": "path",
        "svg.hashsalt": id_prefix or "firegrid",
        "axes.unicode_minus": False,
    }


def _check(name: str, labels: Sequence[str], fmt: str, **series: Sequence[float | None]) -> None:
    if fmt not in ("svg", "png"):
        raise InvalidInputError(f"chart format {fmt!r} is not supported (svg or png)")
    if not labels:
        raise InvalidInputError(f"{name}: no data to plot (the list of categories is empty)")
    for key, values in series.items():
        if len(values) != len(labels):
            raise InvalidInputError(
                f"{name}: {key} has {len(values)} values for {len(labels)} categories"
            )
        if all(v is None for v in values):
            raise InvalidInputError(f"{name}: no data to plot ({key} has no values)")


def _prefix_ids(svg: str, prefix: str) -> str:
    svg = _ID_RE.sub(lambda m: f"{m[1]}{prefix}{m[2]}{m[3]}", svg)
    svg = _HREF_RE.sub(lambda m: f"{m[1]}{prefix}{m[2]}{m[3]}", svg)
    return _URL_RE.sub(lambda m: f"{m[1]}{prefix}{m[2]}{m[3]}", svg)


def _finish(fig: Figure, fmt: Format, size: ChartSize, id_prefix: str) -> bytes:
    buf = io.BytesIO()
    if fmt == "svg":
        fig.savefig(buf, format="svg", metadata={"Date": None})
        text = buf.getvalue().decode("utf-8")
        return _prefix_ids(text, id_prefix).encode("utf-8") if id_prefix else text.encode()
    if fmt == "png":
        fig.savefig(buf, format="png", dpi=size.dpi, metadata={"Software": None})
        return buf.getvalue()
    raise InvalidInputError(f"chart format {fmt!r} is not supported (svg or png)")


def _figure(size: ChartSize) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(size.width_in, size.height_in), layout="constrained")
    ax = fig.add_subplot()
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    font: ChartFont | None,
    size: ChartSize,
    ylabel: str = "",
    fmt: Format = "svg",
    colour: str = _BAR_COLOUR,
    id_prefix: str = "",
) -> bytes:
    """Bars of one series (fires or deaths per year), each labelled with its value.

    Parameters
    ----------
    labels
        Category labels (years), one per bar.
    values
        Bar heights.
    title, ylabel
        Texts as shown (any language); no axis label by default (put the unit in the title,
        which reads better in Chinese than a rotated label).
    font
        Font for every text element; None uses matplotlib's DejaVu Sans (no CJK glyphs).
    size
        Figure size.
    fmt
        ``"svg"`` or ``"png"``.
    colour
        Bar colour.
    id_prefix
        Prefix of every SVG element id (for inlining several charts in one page).

    Returns
    -------
    bytes
        The encoded image.

    Raises
    ------
    InvalidInputError
        No categories, or a length mismatch.
    """
    _check("bar_chart", labels, fmt, values=values)
    with matplotlib.rc_context(_rc(font, id_prefix)):
        fig, ax = _figure(size)
        bars = ax.bar(list(labels), list(values), color=colour, width=0.6)
        ax.bar_label(bars, fmt="%g", padding=2)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, max(max(values) * 1.18, 1))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        return _finish(fig, fmt, size, id_prefix)


def line_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    series_label: str,
    font: ChartFont | None,
    size: ChartSize,
    target: float | None = None,
    target_label: str = "",
    ylabel: str = "",
    fmt: Format = "svg",
    id_prefix: str = "",
) -> bytes:
    """A rate per year as a line with markers, against a horizontal target line if given.

    Parameters
    ----------
    labels
        Category labels (years).
    values
        The rate per year; None where it cannot be computed (the line is broken there).
    title, ylabel, series_label
        Texts as shown; ``series_label`` names the line in the legend.
    font, size, fmt, id_prefix
        As for :func:`bar_chart`.
    target
        Target value drawn as a dashed horizontal line; None draws none.
    target_label
        Legend text of the target line.

    Returns
    -------
    bytes
        The encoded image.

    Raises
    ------
    InvalidInputError
        No categories, no value at all, or a length mismatch.
    """
    _check("line_chart", labels, fmt, values=values)
    xs = list(range(len(labels)))
    ys = [float("nan") if v is None else v for v in values]
    with matplotlib.rc_context(_rc(font, id_prefix)):
        fig, ax = _figure(size)
        ax.plot(xs, ys, marker="o", color=_LINE_COLOUR, label=series_label)
        for x, v in zip(xs, values, strict=True):
            if v is not None:
                ax.annotate(
                    f"{v:g}", (x, v), textcoords="offset points", xytext=(0, 6), ha="center"
                )
        top = max(v for v in values if v is not None)
        if target is not None:
            ax.axhline(target, color=_TARGET_COLOUR, linestyle="--", label=target_label)
            top = max(top, target)
        ax.set_xticks(xs, list(labels))
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.set_ylim(0, top * 1.25 if top > 0 else 1)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), frameon=False, ncols=2)
        return _finish(fig, fmt, size, id_prefix)


def stacked_bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float], str]],
    *,
    title: str,
    font: ChartFont | None,
    size: ChartSize,
    ylabel: str = "",
    fmt: Format = "svg",
    id_prefix: str = "",
) -> bytes:
    """Stacked bars: several series (calls by category) per category (year).

    Parameters
    ----------
    labels
        Category labels (years).
    series
        ``(legend label, values, colour)`` per series, stacked bottom-up in this order.
    title, ylabel, font, size, fmt, id_prefix
        As for :func:`bar_chart`.

    Returns
    -------
    bytes
        The encoded image.

    Raises
    ------
    InvalidInputError
        No categories, no series, or a length mismatch.
    """
    if not series:
        raise InvalidInputError("stacked_bar_chart: no data to plot (no series)")
    _check("stacked_bar_chart", labels, fmt, **{name: vals for name, vals, _ in series})
    with matplotlib.rc_context(_rc(font, id_prefix)):
        fig, ax = _figure(size)
        bottom = [0.0] * len(labels)
        for name, vals, colour in series:
            ax.bar(list(labels), list(vals), bottom=bottom, label=name, color=colour, width=0.6)
            bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
        for x, total in enumerate(bottom):
            ax.annotate(
                f"{total:g}", (x, total), textcoords="offset points", xytext=(0, 2), ha="center"
            )
        ax.set_ylim(0, max(max(bottom) * 1.15, 1))
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=len(series), frameon=False)
        return _finish(fig, fmt, size, id_prefix)
