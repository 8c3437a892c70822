"""Fire grading by the rules in force on the day; exact synthetic splits; printed-cell parsing."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firegrid.demo.synthetic import PolygonSampler, YearTotals, generate_incidents, split_exact
from firegrid.statistics.grading import grade_fire, rules_for
from firegrid.statistics.published import parse_number, parse_row_key
from firegrid.types import IncidentCategory

WAN = 10_000 * 100  # 1 万元 in fen


def test_rule_set_changes_on_2025_05_01() -> None:
    assert rules_for(date(2025, 4, 30)).id == "mps-2007"
    assert rules_for(date(2025, 5, 1)).id == "xf-2025-17"
    assert rules_for(date(2025, 5, 1)).death_count_days == 30


@pytest.mark.parametrize(
    ("day", "deaths", "serious", "loss_fen", "grade"),
    [
        (date(2020, 1, 1), 3, 0, 0, "major"),
        (date(2020, 1, 1), 0, 10, 0, "major"),
        (date(2020, 1, 1), 2, 9, 999 * WAN, "ordinary"),
        (date(2020, 1, 1), 0, 0, 1000 * WAN, "major"),  # 1000万 was 较大 under the 2007 rules
        (date(2025, 6, 1), 0, 0, 1000 * WAN, "ordinary"),  # … but not from May 2025 (3000万)
        (date(2025, 6, 1), 0, 0, 3000 * WAN, "major"),
        (date(2025, 6, 1), 10, 0, 0, "serious"),
        (date(2025, 6, 1), 0, 0, 30_000 * WAN, "especially_serious"),
        (date(2020, 1, 1), 30, 0, 0, "especially_serious"),
    ],
)
def test_grades(day: date, deaths: int, serious: int, loss_fen: int, grade: str) -> None:
    assert grade_fire(day, deaths=deaths, serious_injuries=serious, loss_fen=loss_fen)[0] == grade


def test_minor_fires_exist_only_under_the_2025_rules() -> None:
    small = {"deaths": 0, "serious_injuries": 0, "injuries": 0, "loss_fen": 999 * 100}
    assert grade_fire(date(2025, 4, 30), **small)[0] == "ordinary"
    assert grade_fire(date(2025, 5, 1), **small)[0] == "minor"
    assert grade_fire(date(2025, 5, 1), **{**small, "injuries": 1})[0] == "ordinary"
    assert grade_fire(date(2025, 5, 1), **{**small, "loss_fen": 1000 * 100})[0] == "ordinary"


@given(st.integers(0, 10**12), st.integers(1, 500), st.integers(0, 2**32 - 1))
def test_split_exact_sums_exactly(total: int, n: int, seed: int) -> None:
    parts = split_exact(total, n, np.random.default_rng(seed))
    assert parts.sum() == total and (parts >= 0).all() and len(parts) == n


def test_generated_incidents_add_up_to_the_totals() -> None:
    from shapely.geometry import box

    totals = [
        YearTotals(
            2020,
            fires=50,
            deaths=3,
            injuries=60,
            loss_fen=123_456_789,
            rescue=7,
            social_assistance=5,
            other=1,
        )
    ]
    recs = generate_incidents(
        totals,
        sampler=PolygonSampler(box(116, 39.8, 116.2, 40)),
        rng=np.random.default_rng(1),
        tz="Asia/Shanghai",
        prefix="T",
    )
    fires = [r for r in recs if r.category is IncidentCategory.FIRE]
    assert len(recs) == 63 and len(fires) == 50
    assert sum(r.deaths for r in fires) == 3 and sum(r.injuries for r in fires) == 60
    assert sum(r.loss_fen or 0 for r in fires) == 123_456_789
    assert all(r.loss_fen is None and r.deaths == 0 for r in recs if r not in fires)
    assert all(116 <= r.lon <= 116.2 and 39.8 <= r.lat <= 40 for r in recs)
    beijing = ZoneInfo("Asia/Shanghai")
    assert {r.received_at.astimezone(beijing).year for r in recs} == {2020}
    assert all(r.received_at.utcoffset() is not None for r in recs)
    again = generate_incidents(
        totals,
        sampler=PolygonSampler(box(116, 39.8, 116.2, 40)),
        rng=np.random.default_rng(1),
        tz="Asia/Shanghai",
        prefix="T",
    )
    assert again == recs  # seeded: reproducible


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("39.6万", 39.6),
        ("1/0.25%", 1.0),
        ("年均0.15%", 0.15),
        ("1900余", 1900.0),
        ("—", None),
        ("10,501,052.84", 10501052.84),
        ("", None),
    ],
)
def test_printed_cells(cell: str, value: float | None) -> None:
    assert parse_number(cell) == value


def test_row_keys() -> None:
    assert parse_row_key("2016年") == ("2016", 2016)
    assert parse_row_key("合  计") == ("total", None)
