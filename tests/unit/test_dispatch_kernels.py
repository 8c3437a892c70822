"""Pure command-centre kernels: XF/T 1340 levels, run cards, unit choice, status moves."""

from __future__ import annotations

import numpy as np
import pytest

from firegrid.dispatch.levels import alarm_level, level_label, max_level
from firegrid.dispatch.recommend import Fleet, alternatives, choose_units
from firegrid.dispatch.runcards import load_run_cards, parse_run_cards
from firegrid.dispatch.status import (
    UNIT_TRANSITIONS,
    check_incident_transition,
    check_unit_transition,
)
from firegrid.errors import ConfigurationError, ConflictError, InvalidInputError
from firegrid.types import IncidentStatus, UnitStatus


@pytest.mark.parametrize(
    ("persons", "building", "large", "level"),
    [
        (0, None, False, 1),
        (0, "ordinary", True, 2),
        (0, "high_rise", False, 2),
        (0, "underground", True, 3),
        (1, None, False, 2),
        (2, "ordinary", False, 2),
        (3, None, False, 3),
        (9, None, False, 3),
        (10, None, False, 4),
        (29, None, False, 4),
        (30, None, False, 5),
        (500, "high_rise", True, 5),
    ],
)
def test_fire_levels_follow_the_xft1340_bands(
    persons: int, building: str | None, large: bool, level: int
) -> None:
    assert alarm_level("fire", trapped=persons, building_class=building, large_area=large) == level


def test_rescue_and_other_levels() -> None:
    assert [alarm_level("rescue", trapped=n) for n in (0, 2, 3, 10, 30)] == [1, 1, 2, 3, 4]
    assert alarm_level("social_assistance", trapped=40) == 1
    assert (max_level("fire"), max_level("rescue"), max_level("other")) == (5, 4, 1)
    assert level_label("fire", 5) == "五级（红）" and level_label("rescue", 1, "en").endswith(
        "(blue)"
    )
    with pytest.raises(InvalidInputError, match="trapped"):
        alarm_level("fire", trapped=-1)


def test_bundled_run_cards_cover_every_level_and_the_published_example() -> None:
    cards = load_run_cards()
    assert cards.ref == "firegrid-default@1"
    one, four = cards.card("fire", 1), cards.card("fire", 4)
    # The published detachment example: level 1 ≥ 2 appliances, ≥ 12 firefighters, 1–2
    # stations; level 4 ≥ 25 appliances, ≥ 120 firefighters, 5–8 stations.
    assert (one.appliances, one.personnel, one.stations) == (2, 12, 1)
    assert (four.appliances, four.personnel, four.stations) == (25, 120, 5)
    high = cards.card("fire", 3, building_class="high_rise")
    assert sum(n.count for n in high.needs if n.types == {"aerial_ladder"}) == 2
    water = cards.card("rescue", 1, subtype="water")
    assert any(n.specialty == "water" for n in water.needs)
    with pytest.raises(InvalidInputError, match="out of range for rescue: 1–4"):
        cards.card("rescue", 5)


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ('types = ["water_tender"]', None),
        ('types = ["pumper"]', "unknown unit type 'pumper'"),
        ("count = 0", "count must be a positive integer"),
    ],
)
def test_run_card_files_are_checked(patch: str, message: str | None) -> None:
    from importlib import resources

    text = (
        resources.files("firegrid.dispatch").joinpath("data", "run_cards.toml").read_text("utf-8")
    )
    first = 'needs = [{ types = ["water_tender", "foam", "cafs"], count = 2 }]'
    assert first in text
    if patch.startswith("count"):
        bad = text.replace(first, 'needs = [{ types = ["water_tender"], count = 0 }]', 1)
    else:
        bad = text.replace(first, f"needs = [{{ {patch}, count = 2 }}]", 1)
    if message is None:
        parse_run_cards(bad, source="x.toml")
    else:
        with pytest.raises(ConfigurationError, match=message):
            parse_run_cards(bad, source="x.toml")
    missing = text.replace("level = 5\n", "level = 4\n", 1)
    with pytest.raises(ConfigurationError, match="second card for fire level 4"):
        parse_run_cards(missing, source="x.toml")


def _fleet(
    rows: list[tuple[str, int, int, float, bool]], specialty: list[str | None] | None = None
) -> Fleet:
    return Fleet(
        unit_type=[r[0] for r in rows],
        specialty=specialty or [None] * len(rows),
        station=np.array([r[1] for r in rows], dtype=np.int64),
        crew=np.array([r[2] for r in rows], dtype=np.int64),
        eta_s=np.array([r[3] for r in rows]),
        available=np.array([r[4] for r in rows]),
    )


def test_nearest_available_units_fill_the_card_and_the_minimums() -> None:
    card = load_run_cards().card("fire", 1)
    fleet = _fleet(
        [
            ("water_tender", 1, 6, 200.0, False),  # nearest, but busy
            ("water_tender", 1, 6, 210.0, True),
            ("foam", 2, 4, 300.0, True),
            ("water_tender", 3, 6, 400.0, True),
            ("team", 9, 4, 90.0, True),  # micro station, 1.5 min away
            ("rescue", 2, 5, 100.0, True),
        ]
    )
    pick = choose_units(fleet, card)
    # first responder (micro team), then tender 1 and the foam: 10 firefighters on appliances
    # < 12 (the team's 4 do not count), so the next tender too.
    assert pick.chosen == (4, 1, 2, 3)
    assert pick.complete and pick.totals == {"units": 4, "appliances": 3, "stations": 3, "crew": 16}
    assert pick.need_of[0] == 0  # the optional first-responder need


def test_a_scarce_type_is_kept_for_the_need_that_only_it_meets() -> None:
    card = load_run_cards().card("fire", 1, building_class="flammable")
    # Needs: tenders/foam/CAFS ×2 and foam/CAFS ×1. One foam unit only: it must go to the
    # foam need, and two water tenders to the general one.
    fleet = _fleet(
        [
            ("foam", 1, 6, 100.0, True),
            ("water_tender", 1, 6, 150.0, True),
            ("water_tender", 2, 6, 500.0, True),
        ]
    )
    pick = choose_units(fleet, card)
    assert sorted(pick.chosen) == [0, 1, 2] and pick.complete


def test_shortfalls_are_counted_and_alternatives_include_busy_and_substitutes() -> None:
    card = load_run_cards().card("fire", 1, building_class="high_rise")
    fleet = _fleet(
        [
            ("water_tender", 1, 6, 100.0, True),
            ("water_tender", 1, 6, 100.0, True),
            ("aerial_ladder", 2, 4, 300.0, False),
            ("high_spray", 3, 4, 600.0, True),
        ]
    )
    pick = choose_units(fleet, card)
    k = next(i for i, n in enumerate(card.needs) if n.types == {"aerial_ladder"})
    assert pick.missing[k] == 1 and not pick.complete
    assert alternatives(fleet, card, k, pick) == [2, 3]
    # Light units never make up the appliance or station minimums.
    lone = _fleet([("team", 1, 10, 60.0, True), ("motorcycle", 2, 2, 60.0, True)])
    p2 = choose_units(lone, load_run_cards().card("fire", 1))
    assert p2.appliances_short == 2 and p2.stations_short == 1


def test_every_unit_status_move_is_either_allowed_or_refused_by_name() -> None:
    allowed = {(a, b) for a, nxt in UNIT_TRANSITIONS.items() for b in nxt}
    assert (UnitStatus.ON_SCENE, UnitStatus.RETURNING) in allowed
    for a in UnitStatus:
        for b in UnitStatus:
            if (a, b) in allowed:
                check_unit_transition("U1", a, b)
            else:
                with pytest.raises(ConflictError, match=f"U1: cannot go from {a.value}"):
                    check_unit_transition("U1", a, b)
    with pytest.raises(ConflictError, match="none \\(closed\\)"):
        check_incident_transition("X", IncidentStatus.CLOSED, IncidentStatus.RECEIVED)
