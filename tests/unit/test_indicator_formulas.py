from datetime import date

import pytest

from firegrid.errors import ConfigurationError
from firegrid.indicators._supervision_formulas import _as_of
from firegrid.indicators.catalog import all_plans, load_plan
from firegrid.indicators.formulas import (
    FORMULA_FUNCTIONS,
    FormulaContext,
    Need,
    SyntheticInput,
    _synthetic,
)
from firegrid.indicators.service import synthetic_note


def test_every_catalogue_formula_has_a_computation() -> None:
    keys = {ind.formula for plan in all_plans() for ind in plan.indicators}
    assert keys <= set(FORMULA_FUNCTIONS), keys - set(FORMULA_FUNCTIONS)


def test_only_synthetic_records_make_a_synthetic_basis() -> None:
    assert _synthetic("incidents", 0, 104) == ()
    assert _synthetic("incidents", 3, 104) == (SyntheticInput("incidents", 3, 104),)
    with pytest.raises(ConfigurationError, match="'hydrants'"):
        _synthetic("hydrants", 1, 1)


def test_synthetic_note_names_every_kind_in_both_languages() -> None:
    assert synthetic_note((), "zh") == synthetic_note((), "en") == ""
    inputs = (SyntheticInput("incidents", 3, 104), SyntheticInput("water_sources", 498, 498))
    assert synthetic_note(inputs, "zh") == (
        "依据合成演示记录计算（警情记录104条中3条为合成记录；消防水源记录498条中498条为合成记录），"
        "数值与状态仅作演示，不代表真实情况。"
    )
    en = synthetic_note(inputs, "en")
    assert "3 of 104 incident records are synthetic; 498 of 498 water-source records" in en
    assert en.startswith("Computed from synthetic demo records")


# ------------------------------------------------ supervision, people register and IoT formulas

RECORD_FORMULAS = {
    "non_site_inspection_share": "mtg-05",
    "key_unit_standardisation_rate": "mtg-06",
    "building_facility_four_rates": "mtg-07",
    "special_rescue_certified_count": "mtg-15",
    "enforcement_certificate_share": "mtg-16",
    "iot_install_rate": "mtg-20",
}


def _ctx(year: int, today: date) -> FormulaContext:
    ind = load_plan("mentougou-2026-2030").indicator("mtg-16")
    # Only year and today are read before any query: no session is needed for these cases.
    return FormulaContext(
        session=None,  # type: ignore[arg-type]
        district=None,  # type: ignore[arg-type]
        year=year,
        period_start=2026,
        period_end=2030,
        indicator=ind,
        today=today,
    )


def test_record_formulas_are_wired_not_pending() -> None:
    plan = load_plan("mentougou-2026-2030")
    for key, ident in RECORD_FORMULAS.items():
        assert plan.indicator(ident).formula == key
        # the placeholder of the pending formulas is a closure named "fn"; real ones have names
        assert FORMULA_FUNCTIONS[key].__module__.endswith("_supervision_formulas"), key
    assert FORMULA_FUNCTIONS["self_built_house_dual_exit_rate"].__name__ == "fn"  # still pending


def test_a_year_after_today_has_not_begun() -> None:
    for key in RECORD_FORMULAS:
        fv = FORMULA_FUNCTIONS[key](_ctx(2027, date(2026, 11, 24)))
        assert fv.value is None and fv.synthetic == ()
        assert fv.missing == (Need("2027年尚未开始（今天为2026-11-24）", "2027 has not begun yet"),)


def test_the_as_of_date_is_year_end_or_today() -> None:
    assert _as_of(_ctx(2025, date(2026, 11, 24))) == date(2025, 12, 31)
    assert _as_of(_ctx(2026, date(2026, 11, 24))) == date(2026, 11, 24)


def test_new_record_kinds_are_named_in_both_languages() -> None:
    inputs = (SyntheticInput("people", 9, 9), SyntheticInput("certificates", 9, 9))
    assert synthetic_note(inputs, "zh") == (
        "依据合成演示记录计算（人员名录记录9条中9条为合成记录；证书记录9条中9条为合成记录），"
        "数值与状态仅作演示，不代表真实情况。"
    )
    for kind in ("inspections", "self_inspections", "buildings", "iot_devices"):
        assert _synthetic(kind, 1, 2) == (SyntheticInput(kind, 1, 2),)
