"""firegrid.network.speeds: the speed profile and every access / speed / heavy / barrier rule."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.network.speeds import (
    ApplianceSpec,
    BarrierEffect,
    DropReason,
    SpeedProfile,
    WayAttributes,
    barrier_effect,
    default_profile,
    load_profile,
    osm_way_attributes,
    parse_length_m,
    parse_speed_kmh,
    parse_weight_t,
)

PROFILE = default_profile()
APPLIANCE = PROFILE.appliance

CHINESE_CLASSES = {
    "高速公路": "motorway",
    "一级公路": "trunk",
    "二级公路": "primary",
    "三级公路": "secondary",
    "四级公路": "unclassified",
    "等外公路": "track",
    "城市快速路": "trunk",
    "主干路": "primary",
    "次干路": "secondary",
    "支路": "residential",
    "国道": "trunk",
    "省道": "primary",
    "县道": "secondary",
    "乡道": "tertiary",
    "村道": "unclassified",
}
OSM_CLASSES = [
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "track",
    "road",
]


def kept(
    tags: dict[str, str], profile: SpeedProfile = PROFILE, variant: str = "urban"
) -> WayAttributes:
    attrs = osm_way_attributes(tags, profile, variant)
    assert isinstance(attrs, WayAttributes), f"{tags} was dropped: {attrs}"
    return attrs


def class_speed(name: str, variant: str = "urban") -> tuple[float, float]:
    cls = PROFILE.classes[PROFILE.class_code(name)]
    return cls.light_kmh[variant], cls.heavy_kmh[variant]


# --------------------------------------------------------------------------- profile data


def test_packaged_profile_is_versioned_and_says_it_is_uncalibrated() -> None:
    text = (
        resources.files("firegrid.network")
        .joinpath("data", "speed_profiles.toml")
        .read_text(encoding="utf-8")
    )
    raw = tomllib.loads(text)
    assert PROFILE.id == raw["id"] == "firegrid-default"
    assert PROFILE.version == raw["version"]
    assert raw["calibrated"] is False
    assert "(confirm)" in text
    assert PROFILE.variants == ("urban", "suburban", "mountain")
    # Every class of the file is in the profile, in file order (the order is the class code).
    assert PROFILE.class_names == tuple(c["name"] for c in raw["classes"])


@pytest.mark.parametrize("variant", ["urban", "suburban", "mountain"])
def test_every_class_has_positive_light_and_heavy_speeds_in_every_variant(variant: str) -> None:
    for cls in PROFILE.classes:
        assert cls.light_kmh[variant] > 0
        assert cls.heavy_kmh[variant] > 0
        # A heavy appliance is never faster than a light vehicle on the same road.
        assert cls.heavy_kmh[variant] <= cls.light_kmh[variant], cls.name


def test_every_alias_in_the_toml_maps_to_a_class() -> None:
    raw = tomllib.loads(
        resources.files("firegrid.network")
        .joinpath("data", "speed_profiles.toml")
        .read_text(encoding="utf-8")
    )
    assert len(raw["aliases"]) >= 40
    for key, target in raw["aliases"].items():
        assert PROFILE.resolve_class(key) == target
        assert PROFILE.class_names[PROFILE.class_code(target)] == target


@pytest.mark.parametrize(("source", "common"), sorted(CHINESE_CLASSES.items()))
def test_chinese_centre_line_classes_map_to_the_common_list(source: str, common: str) -> None:
    assert PROFILE.resolve_class(source) == common
    assert PROFILE.resolve_class(f" {source} ") == common


@pytest.mark.parametrize("highway", OSM_CLASSES)
def test_every_osm_road_class_is_kept_with_its_class_speed(highway: str) -> None:
    attrs = kept({"highway": highway, "tracktype": "grade1"})
    name = PROFILE.class_names[attrs.road_class]
    assert name == PROFILE.resolve_class(highway)
    light, heavy = class_speed(name)
    cap = PROFILE.tracktype_cap_kmh["grade1"] if name == "track" else float("inf")
    assert attrs.light_kmh == min(light, cap)
    assert attrs.heavy_kmh == min(heavy, cap)


def test_latin_class_names_are_case_insensitive_and_unknown_ones_are_none() -> None:
    assert PROFILE.resolve_class("Primary") == "primary"
    assert PROFILE.resolve_class("TRUNK_LINK") == "trunk_link"
    assert PROFILE.resolve_class("高架桥") is None
    with pytest.raises(InvalidInputError, match="unknown road class 'lane'"):
        PROFILE.class_code("lane")


def test_variants_give_different_speeds() -> None:
    speeds = {v: kept({"highway": "primary"}, variant=v) for v in PROFILE.variants}
    assert len({a.light_kmh for a in speeds.values()}) == 3
    assert speeds["suburban"].heavy_kmh > speeds["urban"].heavy_kmh > speeds["mountain"].heavy_kmh
    with pytest.raises(InvalidInputError, match="unknown speed variant 'rural'"):
        PROFILE.check_variant("rural")


# --------------------------------------------------------------------------- speeds


def test_maxspeed_caps_the_class_speed_but_never_raises_it() -> None:
    light, heavy = class_speed("primary")
    slow = kept({"highway": "primary", "maxspeed": "30"})
    assert (slow.light_kmh, slow.heavy_kmh) == (30.0, 30.0)
    fast = kept({"highway": "primary", "maxspeed": "120"})
    assert (fast.light_kmh, fast.heavy_kmh) == (light, heavy)
    between = kept({"highway": "primary", "maxspeed": str((light + heavy) / 2)})
    assert between.light_kmh == (light + heavy) / 2
    assert between.heavy_kmh == heavy


def test_maxspeed_factor_is_an_option() -> None:
    posted = {"highway": "primary", "maxspeed": "30"}
    faster = PROFILE.with_options(maxspeed_factor=1.2)
    assert kept(posted, faster).light_kmh == pytest.approx(36.0)
    no_cap = PROFILE.with_options(maxspeed_factor=0)
    assert kept(posted, no_cap).light_kmh == class_speed("primary")[0]
    assert no_cap.version == f"{PROFILE.version}+custom"
    assert no_cap.id == PROFILE.id
    with pytest.raises(InvalidInputError, match="maxspeed_factor"):
        PROFILE.with_options(maxspeed_factor=-1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("30 mph", 30 * 1.609344),
        ("walk", 6.0),
        ("50;30", 30.0),
        ("10 knots", 18.52),
        ("none", None),
        ("signals", None),
        ("CN:urban", None),
        ("RU:rural", None),
        ("fast", None),
        ("0", None),
        (None, None),
    ],
)
def test_parse_speed(value: str | None, expected: float | None) -> None:
    got = parse_speed_kmh(value)
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3.5", 3.5),
        ("3,5 m", 3.5),
        ("~4", 4.0),
        ("350 cm", 3.5),
        ("12 ft", 12 * 0.3048),
        ("12'6\"", 12 * 0.3048 + 6 * 0.0254),
        ("4;3", 3.0),
        ("default", None),
        ("narrow", None),
    ],
)
def test_parse_length(value: str, expected: float | None) -> None:
    got = parse_length_m(value)
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7.5", 7.5),
        ("7.5 t", 7.5),
        ("3500 kg", 3.5),
        ("10 st", 9.0718474),
        ("none", None),
        ("unsigned", None),
    ],
)
def test_parse_weight(value: str, expected: float | None) -> None:
    got = parse_weight_t(value)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_track_grade_and_smoothness_cap_speeds() -> None:
    grade5 = kept({"highway": "track", "tracktype": "grade5"})
    assert grade5.light_kmh == PROFILE.tracktype_cap_kmh["grade5"]
    rough = kept({"highway": "residential", "smoothness": "very_bad"})
    assert rough.light_kmh == PROFILE.smoothness_cap_kmh["very_bad"]
    assert (
        kept({"highway": "residential", "smoothness": "good"}).light_kmh
        == class_speed("residential")[0]
    )


# --------------------------------------------------------------------------- what is a road


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"highway": "steps"}, DropReason.STEPS),
        ({"highway": "steps", "emergency": "yes"}, DropReason.STEPS),
        ({"highway": "footway"}, DropReason.NOT_FOR_VEHICLES),
        ({"highway": "path"}, DropReason.NOT_FOR_VEHICLES),
        ({"highway": "cycleway"}, DropReason.NOT_FOR_VEHICLES),
        ({"highway": "pedestrian"}, DropReason.NOT_FOR_VEHICLES),
        ({"highway": "footway", "motor_vehicle": "no"}, DropReason.NOT_FOR_VEHICLES),
        ({"highway": "construction"}, DropReason.CONSTRUCTION),
        ({"highway": "proposed"}, DropReason.PROPOSED),
        ({"highway": "abandoned"}, DropReason.ABANDONED),
        ({"highway": "pedestrian", "area": "yes", "emergency": "yes"}, DropReason.AREA),
        ({"highway": "platform"}, DropReason.NOT_A_ROAD),
        ({"highway": "bus_stop"}, DropReason.NOT_A_ROAD),
        ({"highway": "corridor"}, DropReason.NOT_A_ROAD),
        ({"highway": "residential", "emergency": "no"}, DropReason.EMERGENCY_NO),
        ({"highway": "track", "smoothness": "impassable"}, DropReason.IMPASSABLE),
        ({"building": "yes"}, DropReason.NOT_A_ROAD),
    ],
)
def test_physical_restrictions_and_non_roads_are_dropped(
    tags: dict[str, str], reason: DropReason
) -> None:
    assert osm_way_attributes(tags, PROFILE) == reason


@pytest.mark.parametrize(
    "legal",
    [
        {"access": "private"},
        {"access": "destination"},
        {"access": "customers"},
        {"access": "no"},
        {"access": "delivery"},
        {"motor_vehicle": "no"},
        {"motorcar": "no"},
        {"vehicle": "no"},
        {"access": "agricultural;forestry"},
        {"hgv": "no"},
        {"motor_vehicle:conditional": "no @ (22:00-06:00)"},
    ],
)
def test_legal_restrictions_are_ignored_for_both_vehicles(legal: dict[str, str]) -> None:
    plain = kept({"highway": "residential"})
    restricted = kept({"highway": "residential", **legal})
    assert restricted == plain
    assert restricted.heavy_kmh > 0  # hgv=no included: fire appliances are exempt


@pytest.mark.parametrize(
    "opening",
    [
        {"emergency": "yes"},
        {"emergency": "designated"},
        {"motor_vehicle": "yes"},
        {"motorcar": "destination"},
        {"motor_vehicle": "private"},
    ],
)
def test_emergency_or_motor_access_opens_ways_built_for_people(opening: dict[str, str]) -> None:
    attrs = kept({"highway": "footway", **opening})
    assert PROFILE.class_names[attrs.road_class] == "path"
    # A footway is not assumed wide enough for a pumper …
    assert attrs.heavy_kmh == 0 and attrs.heavy_reason == "path_width"
    # … unless its width says so.
    wide = kept({"highway": "footway", "width": "5", **opening})
    assert wide.heavy_kmh > 0
    square = kept({"highway": "pedestrian", **opening})
    assert PROFILE.class_names[square.road_class] == "pedestrian"
    assert square.heavy_kmh > 0


# --------------------------------------------------------------------------- heavy appliances


@pytest.mark.parametrize(
    ("tags", "reason"),
    [
        ({"width": "3.5"}, "narrow"),
        ({"est_width": "3"}, "narrow"),
        ({"width": "3.9 m"}, "narrow"),
        ({"maxwidth": "2.2"}, "maxwidth"),
        ({"maxheight": "3.2"}, "maxheight"),
        ({"maxheight": "below_default"}, "maxheight"),
        ({"maxweight": "10"}, "maxweight"),
        ({"maxweight": "7500 kg"}, "maxweight"),
        ({"smoothness": "very_bad"}, "smoothness"),
        ({"smoothness": "horrible"}, "smoothness"),
    ],
)
def test_physical_limits_exclude_heavy_appliances_only(tags: dict[str, str], reason: str) -> None:
    attrs = kept({"highway": "unclassified", **tags})
    assert attrs.heavy_kmh == 0.0
    assert attrs.heavy_reason == reason
    assert attrs.light_kmh > 0


@pytest.mark.parametrize(
    "tags",
    [
        {"width": "4"},
        {"width": "7.5"},
        {"est_width": "6"},
        {"maxwidth": "3"},
        {"maxheight": "4.2"},
        {"maxheight": "none"},
        {"maxweight": "20"},
        {"smoothness": "bad"},
    ],
)
def test_roads_within_the_limits_stay_open_to_heavy_appliances(tags: dict[str, str]) -> None:
    attrs = kept({"highway": "unclassified", **tags})
    assert attrs.heavy_kmh > 0
    assert attrs.heavy_reason is None


def test_width_tag_wins_over_est_width() -> None:
    attrs = kept({"highway": "unclassified", "width": "5", "est_width": "3"})
    assert attrs.heavy_kmh > 0


@pytest.mark.parametrize(
    ("tracktype", "width", "heavy_ok"),
    [
        ("grade1", None, True),
        ("grade2", None, True),
        ("grade3", None, False),
        ("grade4", None, False),
        ("grade5", None, False),
        ("grade5", "6", False),
        (None, None, False),
        (None, "4.5", True),
        (None, "3", False),
    ],
)
def test_tracks_are_heavy_passable_only_when_graded_solid_or_measured_wide(
    tracktype: str | None, width: str | None, heavy_ok: bool
) -> None:
    tags = {"highway": "track"}
    if tracktype:
        tags["tracktype"] = tracktype
    if width:
        tags["width"] = width
    attrs = kept(tags)
    assert (attrs.heavy_kmh > 0) is heavy_ok
    assert attrs.light_kmh > 0


def test_appliance_spec_is_configurable() -> None:
    bridge = {"highway": "unclassified", "maxweight": "10"}
    assert kept(bridge).heavy_kmh == 0
    light_engine = PROFILE.with_options(appliance=ApplianceSpec(weight_t=8.0))
    assert kept(bridge, light_engine).heavy_kmh > 0
    lanes = PROFILE.with_options(appliance=ApplianceSpec(min_road_width_m=3.0))
    assert kept({"highway": "unclassified", "width": "3.5"}, lanes).heavy_kmh > 0


# --------------------------------------------------------------------------- one-way


@pytest.mark.parametrize(
    ("tags", "direction"),
    [
        ({"oneway": "yes"}, 1),
        ({"oneway": "1"}, 1),
        ({"oneway": "true"}, 1),
        ({"oneway": "-1"}, -1),
        ({"oneway": "reverse"}, -1),
        ({"oneway": "no"}, 0),
        ({"oneway": "reversible"}, 0),
        ({"oneway": "alternating"}, 0),
        ({"junction": "roundabout"}, 1),
        ({"junction": "circular"}, 1),
        ({"junction": "roundabout", "oneway": "no"}, 0),
        ({}, 0),
    ],
)
def test_oneway(tags: dict[str, str], direction: int) -> None:
    assert kept({"highway": "residential", **tags}).oneway == direction


def test_motorways_are_implied_one_way_unless_tagged_otherwise() -> None:
    assert kept({"highway": "motorway"}).oneway == 1
    assert kept({"highway": "motorway", "oneway": "no"}).oneway == 0
    assert kept({"highway": "trunk"}).oneway == 0


def test_respect_oneway_is_an_option() -> None:
    both = PROFILE.with_options(respect_oneway=False)
    assert kept({"highway": "residential", "oneway": "yes"}, both).oneway == 0
    assert kept({"highway": "residential", "junction": "roundabout"}, both).oneway == 0


# --------------------------------------------------------------------------- barriers


@pytest.mark.parametrize(
    ("tags", "effect"),
    [
        ({}, BarrierEffect.NONE),
        ({"highway": "traffic_signals"}, BarrierEffect.NONE),
        ({"barrier": "bollard"}, BarrierEffect.ALL),
        ({"barrier": "block"}, BarrierEffect.ALL),
        ({"barrier": "cycle_barrier"}, BarrierEffect.ALL),
        ({"barrier": "yes"}, BarrierEffect.ALL),
        ({"barrier": "bollard", "bollard": "rising"}, BarrierEffect.ALL),
        ({"barrier": "bollard", "emergency": "yes"}, BarrierEffect.NONE),
        ({"barrier": "bollard", "motor_vehicle": "yes"}, BarrierEffect.NONE),
        ({"barrier": "bollard", "access": "yes"}, BarrierEffect.ALL),
        ({"barrier": "gate"}, BarrierEffect.NONE),
        ({"barrier": "gate", "access": "private"}, BarrierEffect.NONE),
        ({"barrier": "lift_gate", "access": "no"}, BarrierEffect.NONE),
        ({"barrier": "gate", "locked": "yes"}, BarrierEffect.ALL),
        ({"barrier": "gate", "locked": "yes", "emergency": "yes"}, BarrierEffect.NONE),
        ({"barrier": "toll_booth"}, BarrierEffect.NONE),
        ({"barrier": "cattle_grid"}, BarrierEffect.NONE),
        ({"barrier": "height_restrictor", "maxheight": "3.0"}, BarrierEffect.HEAVY),
        ({"barrier": "height_restrictor", "maxheight": "4.5"}, BarrierEffect.NONE),
        ({"barrier": "height_restrictor"}, BarrierEffect.HEAVY),
        ({"barrier": "gate", "width": "2.4"}, BarrierEffect.HEAVY),
        ({"barrier": "gate", "width": "3"}, BarrierEffect.NONE),
        ({"maxheight": "3.2"}, BarrierEffect.HEAVY),
        ({"maxweight": "5"}, BarrierEffect.HEAVY),
    ],
)
def test_barrier_effect(tags: dict[str, str], effect: BarrierEffect) -> None:
    assert barrier_effect(tags, APPLIANCE) is effect


# --------------------------------------------------------------------------- loading


def _write_profile(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
id = "test"
version = "7"
variants = ["urban"]
[[classes]]
name = "primary"
urban = [50, 40]
[[classes]]
name = "track"
urban = [20, 10]
[aliases]
"主干路" = "primary"
"""


def test_a_custom_profile_file_loads_and_keeps_its_id_and_version(tmp_path: Path) -> None:
    profile = load_profile(_write_profile(tmp_path, MINIMAL))
    assert (profile.id, profile.version, profile.class_names) == ("test", "7", ("primary", "track"))
    assert kept({"highway": "primary"}, profile).light_kmh == 50.0
    assert profile.resolve_class("主干路") == "primary"
    # The track rule applies by class name even when the file does not spell it out.
    assert kept({"highway": "track"}, profile).heavy_kmh == 0.0
    assert load_profile(None) is default_profile()


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (MINIMAL.replace("urban = [50, 40]", "urban = [50]"), "light, heavy"),
        (MINIMAL.replace('"主干路" = "primary"', '"主干路" = "arterial"'), "unknown classes"),
        (MINIMAL.replace("urban = [20, 10]", "urban = [20, 0]"), "must be > 0"),
        (MINIMAL.replace('variants = ["urban"]', 'variants = ["urban", "mountain"]'), "mountain"),
        (MINIMAL.replace('name = "track"', 'name = "primary"'), "duplicate"),
        ("id = [", "TOMLDecodeError"),
    ],
)
def test_a_broken_profile_is_a_configuration_error(
    tmp_path: Path, broken: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_profile(_write_profile(tmp_path, broken))


def test_a_missing_profile_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such speed profile file"):
        load_profile(tmp_path / "absent.toml")
