"""Key-unit classification by versioned provincial rules (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.supervision.keyunits import (
    KeyUnitAttrs,
    classify,
    load_key_unit_rules,
    parse_key_unit_rules,
)

RULES = load_key_unit_rules()
ON = date(2026, 1, 1)


@pytest.mark.parametrize(
    ("attrs", "key", "rule"),
    [
        (KeyUnitAttrs("shop", floor_area_m2=1000), True, "shop"),
        (KeyUnitAttrs("shop", floor_area_m2=999), False, "shop"),
        (KeyUnitAttrs("hotel", rooms=50), True, "hotel"),
        (KeyUnitAttrs("hotel", rooms=49), False, "hotel"),
        (KeyUnitAttrs("entertainment", floor_area_m2=200), True, "entertainment"),
        (KeyUnitAttrs("hospital", beds=50), True, "hospital"),
        (KeyUnitAttrs("elderly_home", beds=49), False, "elderly_home"),
        (KeyUnitAttrs("school", boarding_beds=100), True, "school"),
        (KeyUnitAttrs("kindergarten", beds=50), True, "kindergarten"),
        (KeyUnitAttrs("bus_station", hall_area_m2=500), True, "station"),
        (KeyUnitAttrs("museum", floor_area_m2=1999), False, "library_exhibition"),
        (KeyUnitAttrs("filling_station"), True, "filling_station"),
        (KeyUnitAttrs("government"), True, "government"),
        (KeyUnitAttrs("broadcasting"), True, "broadcasting"),
        (KeyUnitAttrs("flammable_store"), True, "flammable"),
    ],
)
def test_national_baseline_thresholds(attrs: KeyUnitAttrs, key: bool, rule: str) -> None:
    c = classify(attrs, "重庆市", on=ON, rules=RULES)
    assert c.ruleset_ref.startswith("national")
    assert c.is_key_unit is key and not c.undetermined
    assert c.rule_id == rule
    if key:
        assert c.rule_ref.endswith(f":{rule}") and c.category


def test_beijing_shops_are_judged_by_its_own_figures() -> None:
    shop = KeyUnitAttrs("shop", floor_area_m2=2000, underground_area_m2=0)
    national = classify(shop, "重庆市", on=ON, rules=RULES)
    beijing = classify(shop, "北京市", on=ON, rules=RULES)
    assert national.is_key_unit and not beijing.is_key_unit
    assert beijing.ruleset_ref.startswith("beijing")
    assert "3000" in beijing.reason_zh
    big = classify(KeyUnitAttrs("shop", floor_area_m2=3000), "北京", on=ON, rules=RULES)
    assert big.is_key_unit and big.rule_id == "shop_above_ground" and not big.confirm
    under = classify(
        KeyUnitAttrs("shop", floor_area_m2=500, underground_area_m2=1000),
        "Beijing",
        on=ON,
        rules=RULES,
    )
    assert under.is_key_unit and under.rule_id == "shop_underground"
    # Beijing figures not read in an official text say so
    hotel = classify(KeyUnitAttrs("hotel", rooms=80), "北京市", on=ON, rules=RULES)
    assert hotel.is_key_unit and hotel.confirm


def test_missing_figures_make_it_undetermined_and_name_them() -> None:
    c = classify(KeyUnitAttrs("hospital"), "重庆市", on=ON, rules=RULES)
    assert c.undetermined and not c.is_key_unit and c.missing == ("beds",)
    assert "beds" in c.reason_en
    other = classify(KeyUnitAttrs("residential", floor_area_m2=90000), "重庆市", on=ON, rules=RULES)
    assert not other.is_key_unit and not other.undetermined and other.rule_id is None


def test_effective_dates_pick_the_set_in_force() -> None:
    shop = KeyUnitAttrs("shop", floor_area_m2=2000, underground_area_m2=0)
    # before Beijing's set took effect the national baseline applied
    assert classify(shop, "北京市", on=date(2010, 1, 1), rules=RULES).is_key_unit
    assert not classify(shop, "北京市", on=date(2026, 1, 1), rules=RULES).is_key_unit
    with pytest.raises(InvalidInputError, match="no key-unit rule set in force"):
        classify(shop, "北京市", on=date(1999, 1, 1), rules=RULES)


def test_a_newer_provincial_set_supersedes_from_its_date() -> None:
    raw = {
        "sets": [
            {
                "id": "n",
                "version": "1",
                "province": "national",
                "effective_from": date(2002, 5, 1),
                "rules": [
                    {
                        "id": "shop",
                        "category": "商场",
                        "occupancy": ["shop"],
                        "attr": "floor_area_m2",
                        "min": 1000,
                    }
                ],
            },
            {
                "id": "x",
                "version": "2",
                "province": "x",
                "effective_from": date(2027, 1, 1),
                "rules": [
                    {
                        "id": "shop",
                        "category": "商场",
                        "occupancy": ["shop"],
                        "attr": "floor_area_m2",
                        "min": 5000,
                    }
                ],
            },
        ]
    }
    rules = parse_key_unit_rules(raw)
    shop = KeyUnitAttrs("shop", floor_area_m2=2000)
    assert classify(shop, "x", on=date(2026, 12, 31), rules=rules).is_key_unit
    late = classify(shop, "x", on=date(2027, 1, 1), rules=rules)
    assert not late.is_key_unit and late.ruleset_ref == "x@2"


def test_malformed_rules_are_refused_with_the_rule_named() -> None:
    bad = {
        "sets": [
            {
                "id": "n",
                "version": "1",
                "province": "national",
                "effective_from": date(2002, 1, 1),
                "rules": [
                    {"id": "shop", "category": "商场", "occupancy": ["shop"], "attr": "area"}
                ],
            }
        ]
    }
    with pytest.raises(ConfigurationError, match="rule shop: unknown attr 'area'"):
        parse_key_unit_rules(bad)
