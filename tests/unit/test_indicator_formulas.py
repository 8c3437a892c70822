from firegrid.indicators.catalog import all_plans
from firegrid.indicators.formulas import FORMULA_FUNCTIONS


def test_every_catalogue_formula_has_a_computation() -> None:
    keys = {ind.formula for plan in all_plans() for ind in plan.indicators}
    assert keys <= set(FORMULA_FUNCTIONS), keys - set(FORMULA_FUNCTIONS)
