"""Plan indicators: the five-year plans' targets as versioned data, and their status kernel.

``catalog`` loads and validates the plan files (``data/*.toml``, or a district's own file);
``kernels`` judges a computed value against a target (pure: no I/O, no clock).
"""

from firegrid.indicators.catalog import (
    FORMULAS,
    INPUT_KINDS,
    UNITS,
    Binding,
    Indicator,
    Plan,
    all_plans,
    load_plan,
    load_plan_file,
    parse_plan,
    plans_for_district,
)
from firegrid.indicators.kernels import (
    EQ_REL_TOL,
    MET_REL_TOL,
    Comparison,
    Kind,
    Reason,
    Status,
    StatusCode,
    Target,
    TargetSpec,
    evaluate_status,
    expected_share,
)

__all__ = [
    "EQ_REL_TOL",
    "FORMULAS",
    "INPUT_KINDS",
    "MET_REL_TOL",
    "UNITS",
    "Binding",
    "Comparison",
    "Indicator",
    "Kind",
    "Plan",
    "Reason",
    "Status",
    "StatusCode",
    "Target",
    "TargetSpec",
    "all_plans",
    "evaluate_status",
    "expected_share",
    "load_plan",
    "load_plan_file",
    "parse_plan",
    "plans_for_district",
]
