"""Truth tables of the indicator status kernel."""

from __future__ import annotations

from datetime import date

import pytest

from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.indicators import (
    Comparison,
    Kind,
    Reason,
    Status,
    StatusCode,
    Target,
    TargetSpec,
    evaluate_status,
    expected_share,
    load_plan,
    parse_plan,
)

ON, RISK, MISS, NONE = (
    StatusCode.ON_TRACK,
    StatusCode.AT_RISK,
    StatusCode.MISSED,
    StatusCode.NO_DATA,
)
PERIOD = {"period_start": 2026, "period_end": 2030}


def judge(target: TargetSpec, value: float | None, year: int = 2027) -> tuple[StatusCode, Reason]:
    s = evaluate_status(target, value, year=year, **PERIOD)
    return s.status, s.reason


# Bands chosen so that band × target is exact in binary: the boundary is tested exactly.
ANNUAL_LE = Target(2.0, Comparison.LE, Kind.ANNUAL, warning_band=0.25)  # band 0.5
ANNUAL_GE = Target(8.0, Comparison.GE, Kind.ANNUAL, warning_band=0.25)  # band 2.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, (ON, Reason.TARGET_MET)),
        (1.49, (ON, Reason.TARGET_MET)),
        (1.5, (RISK, Reason.WITHIN_WARNING_BAND)),  # margin == band: inside the band
        (2.0, (RISK, Reason.WITHIN_WARNING_BAND)),
        (2.01, (MISS, Reason.TARGET_NOT_MET)),
        (None, (NONE, Reason.NO_VALUE)),
    ],
)
def test_annual_le(value: float | None, expected: tuple[StatusCode, Reason]) -> None:
    assert judge(ANNUAL_LE, value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (10.01, (ON, Reason.TARGET_MET)),
        (10.0, (RISK, Reason.WITHIN_WARNING_BAND)),
        (8.0, (RISK, Reason.WITHIN_WARNING_BAND)),
        (7.99, (MISS, Reason.TARGET_NOT_MET)),
        (None, (NONE, Reason.NO_VALUE)),
    ],
)
def test_annual_ge(value: float | None, expected: tuple[StatusCode, Reason]) -> None:
    assert judge(ANNUAL_GE, value) == expected


def test_annual_ignores_the_year() -> None:
    for year in (2020, 2026, 2030, 2035):
        assert judge(ANNUAL_LE, 2.01, year) == (MISS, Reason.TARGET_NOT_MET)
        assert judge(ANNUAL_LE, 1.0, year) == (ON, Reason.TARGET_MET)


def test_zero_band_and_zero_target_switch_the_warning_off() -> None:
    full = Target(100.0, Comparison.GE, Kind.ANNUAL, warning_band=0.0)
    assert judge(full, 100.0) == (ON, Reason.TARGET_MET)
    assert judge(full, 99.9) == (MISS, Reason.TARGET_NOT_MET)
    zero = Target(0.0, Comparison.LE, Kind.ANNUAL, warning_band=0.05)
    assert judge(zero, 0.0) == (ON, Reason.TARGET_MET)
    assert judge(zero, 0.1) == (MISS, Reason.TARGET_NOT_MET)


def test_float_noise_does_not_turn_a_met_target_into_a_miss() -> None:
    t = Target(0.3, Comparison.LE, Kind.ANNUAL, warning_band=0.0)
    assert 0.1 + 0.2 > 0.3  # the noise is real
    assert judge(t, 0.1 + 0.2) == (ON, Reason.TARGET_MET)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5.0, (ON, Reason.TARGET_MET)),
        (5.0 + 4e-6, (ON, Reason.TARGET_MET)),  # within EQ_REL_TOL × 5
        (5.0 - 4e-6, (ON, Reason.TARGET_MET)),
        (5.0 + 6e-6, (MISS, Reason.TARGET_NOT_MET)),
        (4.9, (MISS, Reason.TARGET_NOT_MET)),
        (None, (NONE, Reason.NO_VALUE)),
    ],
)
def test_annual_eq_has_a_tolerance_and_no_band(
    value: float | None, expected: tuple[StatusCode, Reason]
) -> None:
    assert judge(Target(5.0, Comparison.EQ, Kind.ANNUAL, warning_band=0.5), value) == expected


LEVEL_GE = Target(90.0, Comparison.GE, Kind.LEVEL, warning_band=0.05)  # band 4.5


@pytest.mark.parametrize(
    ("value", "year", "expected"),
    [
        (95.0, 2027, (ON, Reason.TARGET_MET)),
        (94.5, 2027, (RISK, Reason.WITHIN_WARNING_BAND)),
        (90.0, 2030, (RISK, Reason.WITHIN_WARNING_BAND)),
        (89.0, 2026, (RISK, Reason.TARGET_NOT_YET_MET)),
        (89.0, 2029, (RISK, Reason.TARGET_NOT_YET_MET)),
        (89.0, 2030, (MISS, Reason.TARGET_NOT_MET)),
        (89.0, 2032, (MISS, Reason.TARGET_NOT_MET)),
        (95.0, 2030, (ON, Reason.TARGET_MET)),
        (None, 2030, (NONE, Reason.NO_VALUE)),
    ],
)
def test_level_ge(value: float | None, year: int, expected: tuple[StatusCode, Reason]) -> None:
    assert judge(LEVEL_GE, value, year) == expected


def test_level_le_and_eq() -> None:
    le = Target(16.0, Comparison.LE, Kind.LEVEL, warning_band=0.25)  # band 4
    assert judge(le, 11.0, 2026) == (ON, Reason.TARGET_MET)
    assert judge(le, 12.0, 2026) == (RISK, Reason.WITHIN_WARNING_BAND)
    assert judge(le, 17.0, 2026) == (RISK, Reason.TARGET_NOT_YET_MET)
    assert judge(le, 17.0, 2030) == (MISS, Reason.TARGET_NOT_MET)
    eq = Target(3.0, Comparison.EQ, Kind.LEVEL)
    assert judge(eq, 2.0, 2029) == (RISK, Reason.TARGET_NOT_YET_MET)
    assert judge(eq, 2.0, 2030) == (MISS, Reason.TARGET_NOT_MET)
    assert judge(eq, 3.0, 2030) == (ON, Reason.TARGET_MET)


def test_due_year_moves_the_level_deadline() -> None:
    t = Target(80.0, Comparison.GE, Kind.LEVEL, warning_band=0.0, due_year=2027)
    assert judge(t, 70.0, 2026) == (RISK, Reason.TARGET_NOT_YET_MET)
    assert judge(t, 70.0, 2027) == (MISS, Reason.TARGET_NOT_MET)
    assert judge(t, 80.0, 2027) == (ON, Reason.TARGET_MET)


@pytest.mark.parametrize(
    ("year", "share"),
    [(2024, 0.0), (2025, 0.0), (2026, 0.2), (2027, 0.4), (2029, 0.8), (2030, 1.0), (2033, 1.0)],
)
def test_expected_share_is_linear_and_clamped(year: int, share: float) -> None:
    assert expected_share(year, **PERIOD) == pytest.approx(share, abs=1e-12)


HYDRANTS = Target(260.0, Comparison.GE, Kind.CUMULATIVE)


@pytest.mark.parametrize(
    ("value", "year", "expected"),
    [
        (0.0, 2025, (ON, Reason.ON_TRAJECTORY)),  # before the period nothing is due
        (52.0, 2026, (ON, Reason.ON_TRAJECTORY)),  # exactly 20 %
        (51.0, 2026, (RISK, Reason.BEHIND_TRAJECTORY)),
        (156.0, 2028, (ON, Reason.ON_TRAJECTORY)),  # exactly 60 %
        (155.0, 2028, (RISK, Reason.BEHIND_TRAJECTORY)),
        (300.0, 2027, (ON, Reason.TARGET_REACHED)),
        (260.0, 2030, (ON, Reason.TARGET_REACHED)),
        (259.0, 2030, (MISS, Reason.TARGET_NOT_REACHED)),
        (259.0, 2031, (MISS, Reason.TARGET_NOT_REACHED)),
        (None, 2028, (NONE, Reason.NO_VALUE)),
    ],
)
def test_cumulative_against_the_linear_trajectory(
    value: float | None, year: int, expected: tuple[StatusCode, Reason]
) -> None:
    assert judge(HYDRANTS, value, year) == expected


def test_cumulative_reports_progress_and_expected_share() -> None:
    s = evaluate_status(HYDRANTS, 104.0, year=2027, **PERIOD)
    assert s == Status(ON, Reason.ON_TRAJECTORY, progress=0.4, expected_share=0.4)
    behind = evaluate_status(HYDRANTS, 65.0, year=2027, **PERIOD)
    assert (behind.progress, behind.expected_share) == (0.25, 0.4)
    assert evaluate_status(ANNUAL_LE, 1.0, year=2027, **PERIOD).progress is None


def test_cumulative_ignores_the_warning_band() -> None:
    t = Target(10.0, Comparison.GE, Kind.CUMULATIVE, warning_band=0.5)
    assert judge(t, 10.0, 2026) == (ON, Reason.TARGET_REACHED)


def test_bad_input_is_an_error_not_a_status() -> None:
    with pytest.raises(InvalidInputError, match="needs comparison 'ge', got 'le'"):
        judge(Target(3.0, Comparison.LE, Kind.CUMULATIVE), 1.0)
    with pytest.raises(InvalidInputError, match=r"must be positive, got 0\.0"):
        judge(Target(0.0, Comparison.GE, Kind.CUMULATIVE), 1.0)
    with pytest.raises(InvalidInputError, match="must be finite or None, got nan"):
        judge(ANNUAL_LE, float("nan"))
    with pytest.raises(InvalidInputError, match="period_start 2030 is after period_end 2026"):
        evaluate_status(ANNUAL_LE, 1.0, year=2027, period_start=2030, period_end=2026)
    with pytest.raises(InvalidInputError, match="due_year 2020 is before period_start 2026"):
        judge(Target(1.0, Comparison.GE, Kind.LEVEL, due_year=2020), 1.0)


# ------------------------------------------------------------------ the catalogue's indicators


def test_mentougou_death_rate_one_death_in_396_thousand_misses() -> None:
    mtg01 = load_plan("mentougou-2026-2030").indicator("mtg-01")
    one_death = 1 / 396_000 * 100_000  # 0.2525…, printed as 0.25 in 表1
    assert judge(mtg01, one_death) == (MISS, Reason.TARGET_NOT_MET)
    assert judge(mtg01, 0.0) == (ON, Reason.TARGET_MET)
    assert judge(mtg01, 0.2375) == (RISK, Reason.WITHIN_WARNING_BAND)  # 0.25 − 5 %
    assert judge(mtg01, 0.2374) == (ON, Reason.TARGET_MET)


def test_catalogue_indicators_feed_the_kernel() -> None:
    mtg = load_plan("mentougou-2026-2030")
    stations = mtg.indicator("mtg-08")  # 3 stations over 2026–2030
    assert judge(stations, 1.0, 2027) == (RISK, Reason.BEHIND_TRAJECTORY)  # 1/3 < 0.4
    assert judge(stations, 2.0, 2027) == (ON, Reason.ON_TRAJECTORY)
    assert judge(stations, 2.0, 2030) == (MISS, Reason.TARGET_NOT_REACHED)
    non_site = mtg.indicator("mtg-05")  # ≥ 80 % by the end of 2027
    assert judge(non_site, 79.0, 2027) == (MISS, Reason.TARGET_NOT_MET)
    assert judge(non_site, 83.0, 2026) == (RISK, Reason.WITHIN_WARNING_BAND)
    assert judge(mtg.indicator("mtg-20"), 100.0, 2030) == (ON, Reason.TARGET_MET)
    bb05 = load_plan("beibei-2021-2025").indicator("bb-05")  # ≥ 99 %, band 0.5 % of 99
    s = evaluate_status(bb05, 99.2, year=2025, period_start=2021, period_end=2025)
    assert (s.status, s.reason) == (RISK, Reason.WITHIN_WARNING_BAND)
    s = evaluate_status(bb05, 98.0, year=2025, period_start=2021, period_end=2025)
    assert (s.status, s.reason) == (MISS, Reason.TARGET_NOT_MET)


# ------------------------------------------------------------- a year that is not over (today)

TRAINED = Target(5000.0, Comparison.GE, Kind.ANNUAL, warning_band=0.05, accumulates_in_year=True)
OCT_2026 = date(2026, 10, 31)


def judge_on(
    target: TargetSpec, value: float | None, year: int, today: date | None
) -> tuple[StatusCode, Reason, bool]:
    s = evaluate_status(target, value, year=year, today=today, **PERIOD)
    return s.status, s.reason, s.year_complete


def test_a_count_below_its_target_is_not_missed_before_the_year_ends() -> None:
    # 4,705 people trained by October against 5,000 a year: the year still has two months.
    s = evaluate_status(TRAINED, 4705.0, year=2026, today=OCT_2026, **PERIOD)
    assert s == Status(RISK, Reason.YEAR_NOT_OVER, progress=0.941, year_complete=False)
    # The same figure once the year is over is a miss; without a date every year is over.
    assert judge_on(TRAINED, 4705.0, 2026, date(2027, 1, 1)) == (MISS, Reason.TARGET_NOT_MET, True)
    assert judge_on(TRAINED, 4705.0, 2026, None) == (MISS, Reason.TARGET_NOT_MET, True)
    # A count already at the target stays met (counts only grow); the band still warns.
    assert judge_on(TRAINED, 5674.0, 2026, OCT_2026) == (ON, Reason.TARGET_MET, False)
    assert judge_on(TRAINED, 5100.0, 2026, OCT_2026) == (RISK, Reason.WITHIN_WARNING_BAND, False)
    # Evaluating a later year than today's is not over either.
    assert judge_on(TRAINED, 0.0, 2027, OCT_2026) == (RISK, Reason.YEAR_NOT_OVER, False)
    assert judge_on(TRAINED, None, 2026, OCT_2026) == (NONE, Reason.NO_VALUE, False)
    assert judge_on(TRAINED, None, 2025, OCT_2026) == (NONE, Reason.NO_VALUE, True)


def test_a_running_count_above_its_cap_is_already_missed() -> None:
    # Fires this year ≤ 20: 21 fires by October cannot come down again; 12 is on track so far.
    fires = Target(20.0, Comparison.LE, Kind.ANNUAL, warning_band=0.25, accumulates_in_year=True)
    assert judge_on(fires, 21.0, 2026, OCT_2026) == (MISS, Reason.TARGET_NOT_MET, False)
    assert judge_on(fires, 12.0, 2026, OCT_2026) == (ON, Reason.TARGET_MET, False)
    exact = Target(3.0, Comparison.EQ, Kind.ANNUAL, accumulates_in_year=True)
    assert judge_on(exact, 2.0, 2026, OCT_2026)[:2] == (RISK, Reason.YEAR_NOT_OVER)
    assert judge_on(exact, 4.0, 2026, OCT_2026)[:2] == (MISS, Reason.TARGET_NOT_MET)


def test_an_annual_state_is_judged_to_date() -> None:
    # A pass rate does not accumulate: below target now is below target (the year is flagged).
    assert judge_on(ANNUAL_GE, 7.0, 2026, OCT_2026) == (MISS, Reason.TARGET_NOT_MET, False)


def test_the_deadline_year_is_not_over_until_it_ends() -> None:
    june_2030 = date(2030, 6, 30)
    s = evaluate_status(HYDRANTS, 259.0, year=2030, today=june_2030, **PERIOD)
    assert (s.status, s.reason, s.expected_share, s.year_complete) == (
        RISK,
        Reason.YEAR_NOT_OVER,
        1.0,
        False,
    )
    assert s.progress == pytest.approx(259 / 260)
    assert judge_on(HYDRANTS, 259.0, 2030, date(2031, 1, 1))[:2] == (
        MISS,
        Reason.TARGET_NOT_REACHED,
    )
    assert judge_on(LEVEL_GE, 89.0, 2030, june_2030)[:2] == (RISK, Reason.TARGET_NOT_YET_MET)
    assert judge_on(LEVEL_GE, 89.0, 2030, date(2031, 1, 1))[:2] == (MISS, Reason.TARGET_NOT_MET)
    # After the deadline year a running year does not help: the deadline has passed.
    assert judge_on(LEVEL_GE, 89.0, 2031, date(2031, 3, 1))[:2] == (MISS, Reason.TARGET_NOT_MET)


def test_catalogue_marks_counts_that_accumulate_within_the_year() -> None:
    mtg = load_plan("mentougou-2026-2030")
    running = sorted(i.id for i in mtg.indicators if i.accumulates_in_year)
    # deaths, fires and building fires per head, and people trained: all counted up in the year
    assert running == ["mtg-01", "mtg-02", "mtg-03", "mtg-19"]
    assert load_plan("beibei-2021-2025").indicator("bb-01").accumulates_in_year
    mtg19 = mtg.indicator("mtg-19")
    assert judge_on(mtg19, 4705.0, 2026, OCT_2026)[:2] == (RISK, Reason.YEAR_NOT_OVER)
    assert judge_on(mtg19, 4705.0, 2026, date(2027, 1, 5))[:2] == (MISS, Reason.TARGET_NOT_MET)
    # mtg-05: ≥ 80 % by the end of 2027 — 79 % in March 2027 is not a miss yet.
    assert judge_on(mtg.indicator("mtg-05"), 79.0, 2027, date(2027, 3, 1))[:2] == (
        RISK,
        Reason.TARGET_NOT_YET_MET,
    )


def test_only_an_annual_indicator_may_accumulate_in_the_year() -> None:
    text = (
        'plan_id = "x"\ndistrict = "x"\ntitle_zh = "x"\ntitle_en = "x"\nperiod_start = 2026\n'
        'period_end = 2030\nsource_document = "x"\nversion = "0.1"\n[[indicators]]\nid = "x-1"\n'
        'number = 1\nname_zh = "x"\nname_en = "x"\nunit = "percent"\nformula = "iot_install_rate"\n'
        'target = 100\ncomparison = "ge"\nkind = "level"\nbinding = "expected"\n'
        'inputs = ["iot_devices"]\nwarning_band = 0.0\naccumulates_in_year = true\n'
    )
    with pytest.raises(ConfigurationError, match=r"accumulates_in_year.*only an annual indicator"):
        parse_plan(text)
    with pytest.raises(ConfigurationError, match="must be true or false"):
        parse_plan(text.replace("true", '"yes"').replace('"level"', '"annual"'))
