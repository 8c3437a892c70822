"""Response-time kernel: hand-computed medians, percentiles, shares; missing and invalid counted."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose

from firegrid.dispatch.metrics import (
    grouped_response_metrics,
    interval_s,
    measure_stats,
    response_metrics,
)
from firegrid.errors import InvalidInputError

NAN = math.nan


def test_median_mean_and_p90_by_hand() -> None:
    # Sorted valid values 100, 200, 300, 400, 1000: median 300, mean 400;
    # p90 at position (5-1)*0.9 = 3.6 → 400 + 0.6 * (1000 - 400) = 760.
    s = measure_stats([300, 1000, 100, 400, 200])
    assert (s.n, s.n_missing, s.n_invalid) == (5, 0, 0)
    assert_allclose([s.median_s, s.mean_s, s.p90_s], [300.0, 400.0, 760.0])


def test_even_count_median_is_mean_of_middle_pair() -> None:
    # 10, 20, 30, 40: median 25; p90 at position 2.7 → 30 + 0.7 * 10 = 37.
    s = measure_stats([40, 10, 30, 20])
    assert_allclose([s.median_s, s.p90_s], [25.0, 37.0])


def test_missing_and_negative_values_are_counted_and_excluded() -> None:
    s = measure_stats([NAN, 120, -30, 60, NAN, -1, 0])
    assert (s.n, s.n_missing, s.n_invalid) == (3, 2, 2)
    # Valid: 0, 60, 120 — the negatives would drag the mean to 21.8 if they were kept.
    assert_allclose([s.median_s, s.mean_s, s.p90_s], [60.0, 60.0, 108.0])


def test_no_valid_value_gives_none_not_nan() -> None:
    s = measure_stats([NAN, -5])
    assert (s.n, s.n_missing, s.n_invalid) == (0, 1, 1)
    assert s.median_s is None and s.mean_s is None and s.p90_s is None


def test_share_within_limit_counts_valid_totals_only() -> None:
    total = [240, 300, 301, 600, NAN, -10]
    m = response_metrics([NAN] * 6, [NAN] * 6, total)
    # 240 and 300 are within 5 minutes (≤ 300 s inclusive) of the 4 valid totals.
    assert (m.count, m.n_within_limit, m.total.n) == (6, 2, 4)
    assert m.share_within_limit == 0.5
    assert (m.total.n_missing, m.total.n_invalid) == (1, 1)
    assert m.turnout.n == 0 and m.turnout.n_missing == 6
    looser = response_metrics([NAN] * 6, [NAN] * 6, total, limit_s=480)
    assert looser.share_within_limit == 0.75


def test_turnout_and_travel_are_summarised_separately() -> None:
    m = response_metrics([30, 60, 90], [200, NAN, 400], [250, 330, 520])
    assert_allclose([m.turnout.median_s, m.travel.median_s, m.total.median_s], [60, 300, 330])
    assert m.travel.n_missing == 1
    assert m.share_within_limit == pytest.approx(1 / 3)


def test_grouping_by_index() -> None:
    groups = [0, 1, 0, 2, 0, 1]
    total = [100, 400, 300, NAN, 200, 200]
    out = grouped_response_metrics(groups, [NAN] * 6, [NAN] * 6, total, n_groups=4, limit_s=300)
    assert [m.count for m in out] == [3, 2, 1, 0]
    assert [m.total.median_s for m in out] == [200.0, 300.0, None, None]
    assert [m.share_within_limit for m in out] == [1.0, 0.5, None, None]
    assert out[2].total.n_missing == 1


def test_interval_keeps_missing_and_negative() -> None:
    d = interval_s([0.0, 10.0, NAN], [90.0, 5.0, 7.0])
    assert d[0] == 90 and d[1] == -5 and np.isnan(d[2])


def test_bad_arguments_name_the_problem() -> None:
    with pytest.raises(InvalidInputError, match="differ in length"):
        response_metrics([1, 2], [1], [1, 2])
    with pytest.raises(InvalidInputError, match="limit_s"):
        response_metrics([1], [1], [1], limit_s=0)
    with pytest.raises(InvalidInputError, match=r"0\.\.1"):
        grouped_response_metrics([0, 2], [1, 1], [1, 1], [1, 1], n_groups=2)


def test_kernel_imports_no_database_or_cli() -> None:
    code = (
        "import sys, firegrid.dispatch.metrics as m; "
        "bad = [k for k in ('sqlalchemy', 'typer', 'fastapi') if k in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
