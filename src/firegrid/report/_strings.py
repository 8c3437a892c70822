"""The report's wording: the string table ``templates/strings.toml`` (Chinese and English),
:func:`t` to look a string up, and the formatting of values, indicator rows and problems in
either language."""

from __future__ import annotations

import string
import tomllib
from importlib import resources
from typing import Final, Literal, cast

from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.indicators.kernels import StatusCode
from firegrid.indicators.service import synthetic_note
from firegrid.report.service import IndicatorRow, Provenance, Report, SyntheticCount
from firegrid.statistics.service import CallsRow
from firegrid.types import IncidentCategory

Lang = Literal["zh", "en"]

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
    if row.synthetic:
        note = synthetic_note(row.synthetic_inputs, lang)
        text += t("list_sep", lang) + (note[:1].lower() + note[1:] if lang == "en" else note)
    return text


def _status_label(row: IndicatorRow, lang: Lang) -> str:
    """The status as shown: a status resting on synthetic records says so."""
    label = t(f"status_{row.status}", lang)
    return t("status_synthetic", lang, label=label) if row.synthetic else label


def _synthetic_parts(counts: tuple[SyntheticCount, ...], prov: Provenance, lang: Lang) -> str:
    """``警情记录548条、站点记录20条（其中微型消防站20个）…`` for the given kinds."""
    parts = []
    for c in counts:
        if c.kind == "stations" and prov.synthetic_micro_stations:
            parts.append(
                t(
                    "synthetic_kind_stations_micro",
                    lang,
                    n=c.count,
                    micro=prov.synthetic_micro_stations,
                )
            )
        else:
            parts.append(t(f"synthetic_kind_{c.kind}", lang, n=c.count))
    return t("enum_sep", lang).join(parts)


def _summary_synthetic(report: Report, lang: Lang) -> str:
    rows = report.synthetic_indicators
    if not rows:
        return ""
    numbers = t("enum_sep", lang).join(r.ref for r in rows)
    return t("sentence_sep", lang) + t("summary_synthetic", lang, n=len(rows), numbers=numbers)


def _micro_line(report: Report, lang: Lang) -> str:
    m = report.micro_station_counts
    if not m["total"]:
        return ""
    if m["synthetic"]:
        return t("micro_stations_synthetic", lang, n=m["total"], synthetic=m["synthetic"])
    return t("micro_stations", lang, n=m["total"])


def _after(text: str, lang: Lang) -> str:
    """``text`` as a further sentence of a paragraph ("" stays "")."""
    return t("sentence_sep", lang) + text if text else ""


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
            status=_status_label(row, lang),
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
        lines.append(head + t("sentence_sep", lang) + advice)
    no_data = report.no_data
    if no_data:
        modules = sorted({m for r in no_data for m in r.fed_by})
        names = [t(f"module_{m}", lang) if f"module_{m}" in STRINGS else m for m in modules]
        lines.append(
            t(
                "problem_no_data",
                lang,
                n=len(no_data),
                numbers=t("enum_sep", lang).join(r.ref for r in no_data),
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
