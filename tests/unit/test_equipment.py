"""EPC-96 tag ids, the equipment lifecycle table and compliance arithmetic (pure)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from firegrid.equipment.lifecycle import (
    EQUIPMENT_TRANSITIONS,
    check_equipment_transition,
    compliance,
    group_rate,
    next_due,
    replacement_year,
    validate_epc,
)
from firegrid.equipment.standards import load_equipment_standards
from firegrid.errors import ConflictError, InvalidInputError
from firegrid.types import EquipmentStatus as E


def test_epc96_is_24_hex_characters_normalised_to_upper_case() -> None:
    assert validate_epc("3034 257b-f7194e4000000001") == "3034257BF7194E4000000001"


@pytest.mark.parametrize(
    ("epc", "why"),
    [
        ("3034257BF7194E400000000", "23 hex"),
        ("3034257BF7194E40000000011", "25 hex"),
        ("3034257BF7194E40000000XZ", "non-hex"),
    ],
)
def test_bad_epc_is_refused_saying_why(epc: str, why: str) -> None:
    with pytest.raises(InvalidInputError, match=why):
        validate_epc(epc)


def test_lifecycle_allows_the_documented_path_and_back_from_repair() -> None:
    path = [E.PROCUREMENT, E.IN_STOCK, E.ISSUED, E.IN_USE, E.REPAIR, E.IN_USE, E.REPAIR, E.SCRAPPED]
    for a, b in itertools.pairwise(path):
        check_equipment_transition("X1", a, b)
    assert EQUIPMENT_TRANSITIONS[E.SCRAPPED] == frozenset()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (E.PROCUREMENT, E.IN_USE),
        (E.SCRAPPED, E.IN_STOCK),
        (E.IN_STOCK, E.REPAIR),
        (E.ISSUED, E.SCRAPPED),
    ],
)
def test_invalid_moves_are_refused_naming_the_allowed_ones(old: E, new: E) -> None:
    with pytest.raises(ConflictError, match=f"X1: cannot go from {old.value}") as exc:
        check_equipment_transition("X1", old, new)
    assert "allowed from" in str(exc.value)


def test_maintenance_due_and_vehicle_replacement_year() -> None:
    assert next_due(date(2026, 1, 1), date(2020, 1, 1), 30) == date(2026, 1, 31)
    assert next_due(None, date(2026, 1, 1), 90) == date(2026, 4, 1)
    assert next_due(None, None, 90) is None
    assert replacement_year(2010, 15) == 2025 and replacement_year(None, 15) is None


def test_compliance_counts_lines_met_and_group_rate_pools_lines() -> None:
    a = compliance({"scba": 10, "radio": 5, "vehicles": 2}, {"scba": 10, "radio": 4, "vehicles": 3})
    assert (a.met, a.lines, a.compliant) == (2, 3, False)
    assert a.shortfalls == {"radio": (5, 4)}
    b = compliance({"scba": 1}, {"scba": 1})
    assert b.compliant and b.rate_percent == 100.0
    assert group_rate([a, b]) == 75.0  # (2 + 1) / (3 + 1)
    assert group_rate([]) is None


def test_bundled_standard_is_a_marked_placeholder_with_the_plan_targets() -> None:
    std = load_equipment_standards()
    assert std.placeholder and "confirm" in std.source.lower()
    assert std.targets == {"new": 100.0, "existing": 90.0, "small": 80.0}
    assert std.service_life_years == 15
