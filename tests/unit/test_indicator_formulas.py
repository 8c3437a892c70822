import pytest

from firegrid.errors import ConfigurationError
from firegrid.indicators.catalog import all_plans
from firegrid.indicators.formulas import FORMULA_FUNCTIONS, SyntheticInput, _synthetic
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
