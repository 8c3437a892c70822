"""Plausibility checks on published statistics, as printed (pure: figures in, findings out).

Each check looks at the cells of one published table and reports at most one finding per
column, naming the rows concerned, so a user sees the fault once with all its evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Cell", "Finding", "QualityThresholds", "run_checks"]


@dataclass(frozen=True)
class Cell:
    table_code: str
    row_key: str
    year: int | None
    column_key: str
    column_heading: str
    declared_unit: str
    raw_text: str
    value: float | None
    measure: str | None = None


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str  # "error" (the figure cannot be right as printed) or "warning"
    table_code: str
    column_key: str
    rows: tuple[str, ...]
    message: str
    message_en: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "table": self.table_code,
            "column": self.column_key,
            "rows": list(self.rows),
            "message": self.message,
            "message_en": self.message_en,
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class QualityThresholds:
    #: An average direct loss per fire above this (yuan) is implausible for a district.
    max_mean_loss_per_fire_yuan: float = 5_000_000.0
    #: Printed vs recomputed rate tolerance (the plans round to 2 decimals).
    rate_tolerance: float = 0.006
    #: Tolerance on totals (money printed to 2–4 decimals).
    total_tolerance: float = 0.011


def _by_table(cells: Iterable[Cell]) -> dict[str, list[Cell]]:
    out: dict[str, list[Cell]] = defaultdict(list)
    for c in cells:
        out[c.table_code].append(c)
    return out


def _grid(cells: Sequence[Cell]) -> dict[str, dict[str, Cell]]:
    grid: dict[str, dict[str, Cell]] = defaultdict(dict)
    for c in cells:
        grid[c.column_key][c.row_key] = c
    return grid


def _wan_multiplier(unit: str) -> float:
    return 10_000.0 if unit.startswith("万") else 1.0


def _check_loss_unit(
    table: str, grid: dict[str, dict[str, Cell]], th: QualityThresholds
) -> list[Finding]:
    loss, fires = grid.get("loss"), grid.get("fires")
    if not loss or not fires:
        return []
    bad: list[str] = []
    means: dict[str, float] = {}
    for row, cell in loss.items():
        f = fires.get(row)
        if cell.value is None or f is None or not f.value:
            continue
        mean_yuan = cell.value * _wan_multiplier(cell.declared_unit) / f.value
        means[row] = mean_yuan
        if mean_yuan > th.max_mean_loss_per_fire_yuan:
            bad.append(row)
    if not bad:
        return []
    any_cell = next(iter(loss.values()))
    worst = max(bad, key=lambda r: means[r])
    as_yuan = loss[worst].value / fires[worst].value  # type: ignore[operator]
    return [
        Finding(
            code="loss_unit_mismatch",
            severity="error",
            table_code=table,
            column_key="loss",
            rows=tuple(bad),
            message=(
                f"直接财产损失列标注单位为“{any_cell.declared_unit}”，但数值量级为“元”："
                f"按{any_cell.declared_unit}计，{worst}年平均每起火灾损失"
                f"{means[worst]:,.0f}元，不可信；按元计为{as_yuan:,.0f}元/起。"
            ),
            message_en=(
                f"The direct-loss column is headed {any_cell.declared_unit} (10,000 yuan) but its "
                f"magnitudes are yuan: read as {any_cell.declared_unit} the {worst} mean loss "
                f"would be {means[worst]:,.0f} yuan per fire, which is implausible; read as yuan "
                f"it is {as_yuan:,.0f} yuan per fire."
            ),
            evidence={
                "declared_unit": any_cell.declared_unit,
                "mean_loss_per_fire_yuan_as_declared": {r: round(means[r]) for r in bad},
                "threshold_yuan": th.max_mean_loss_per_fire_yuan,
            },
        )
    ]


def _check_rate_percent(
    table: str, grid: dict[str, dict[str, Cell]], th: QualityThresholds
) -> list[Finding]:
    out: list[Finding] = []
    for column, cells in grid.items():
        if "rate_per_100k" not in column and "rate_per_10k" not in column:
            continue
        per = 100_000 if "100k" in column else 10_000
        bad = [row for row, c in cells.items() if "%" in c.raw_text.split("/")[-1]]
        if not bad:
            continue
        deaths, pop = grid.get("deaths", {}), grid.get("population", {})
        checked: dict[str, float] = {}
        for row in bad:
            d, p = deaths.get(row), pop.get(row)
            if d and p and d.value is not None and p.value:
                persons = p.value * _wan_multiplier(p.declared_unit or "万")
                checked[row] = round(d.value / persons * per, 2)
        agrees = all(
            cells[r].value is not None and abs(cells[r].value - v) <= th.rate_tolerance  # type: ignore[operator]
            for r, v in checked.items()
        )
        example = next((r for r in bad if cells[r].value), bad[0])
        printed = cells[example].raw_text
        value = cells[example].value or 0.0
        out.append(
            Finding(
                code="rate_percent_sign",
                severity="error",
                table_code=table,
                column_key=column,
                rows=tuple(bad),
                message=(
                    f"十万人口火灾死亡率印有“%”符号（如{example}年“{printed}”）：该指标单位是"
                    f"“人/十万人”，不是百分比；{value}%相当于每十万人{value * 1000:g}人。"
                    + (
                        "按死亡人数与常住人口复算与所印数值一致，应去掉“%”。"
                        if checked and agrees
                        else ""
                    )
                ),
                message_en=(
                    f"Death rates per 100,000 are printed with a % sign (e.g. {example}: "
                    f"“{printed}”); the unit is deaths per 100,000 residents, not a percentage — "
                    f"{value}% would be {value * 1000:g} per 100,000."
                    + (
                        " Recomputed from deaths and population the printed numbers are right "
                        "without the sign."
                        if checked and agrees
                        else ""
                    )
                ),
                evidence={
                    "recomputed_per_100k": checked,
                    "printed": {r: cells[r].raw_text for r in bad},
                },
            )
        )
    return out


def _check_totals(
    table: str, grid: dict[str, dict[str, Cell]], th: QualityThresholds
) -> list[Finding]:
    out: list[Finding] = []
    for column, cells in grid.items():
        if "rate" in column or column == "population" or "total" not in cells:
            continue
        years = [c for r, c in cells.items() if c.year is not None]
        if not years or any(c.value is None for c in years) or cells["total"].value is None:
            continue
        s = sum(c.value for c in years)  # type: ignore[misc]
        printed = cells["total"].value
        if abs(s - printed) > th.total_tolerance:
            out.append(
                Finding(
                    code="total_mismatch",
                    severity="error",
                    table_code=table,
                    column_key=column,
                    rows=("total",),
                    message=f"“{cells['total'].column_heading}”合计{printed:g}，与各年之和{s:g}不符。",
                    message_en=f"{column}: printed total {printed:g} differs from the sum of the "
                    f"years {s:g}.",
                    evidence={"printed_total": printed, "sum_of_years": s},
                )
            )
    return out


def _check_measures(cells: Sequence[Cell]) -> list[Finding]:
    """Two columns that report the same measure for the same row must agree."""
    groups: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for c in cells:
        if c.measure and c.value is not None:
            groups[(c.measure, c.row_key)].append(c)
    out: list[Finding] = []
    for (measure, row), group in sorted(groups.items()):
        values = {c.value for c in group}
        if len(values) > 1:
            shown = "；".join(f"{c.column_heading}：{c.raw_text}" for c in group)
            shown_en = "; ".join(f"{c.column_key} = {c.raw_text}" for c in group)
            out.append(
                Finding(
                    code="conflicting_figures",
                    severity="warning",
                    table_code=group[0].table_code,
                    column_key=measure,
                    rows=(row,),
                    message=f"同一指标“{measure}”（{row}）在规划中有不同数值：{shown}。",
                    message_en=f"The plan prints different figures for {measure} ({row}): "
                    f"{shown_en}.",
                    evidence={c.column_key: c.raw_text for c in group},
                )
            )
    return out


def run_checks(
    cells: Iterable[Cell],
    *,
    thresholds: QualityThresholds | None = None,
) -> list[Finding]:
    """Run every check on the published cells of one district."""
    th = thresholds or QualityThresholds()
    all_cells = list(cells)
    out: list[Finding] = []
    for table, tcells in sorted(_by_table(all_cells).items()):
        grid = _grid(tcells)
        out += _check_loss_unit(table, grid, th)
        out += _check_rate_percent(table, grid, th)
        out += _check_totals(table, grid, th)
    out += _check_measures(all_cells)
    return out
