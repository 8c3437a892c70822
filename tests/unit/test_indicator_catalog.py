"""The bundled plan catalogue matches the plans' indicator tables; bad plan files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from firegrid.errors import ConfigurationError, NotFoundError
from firegrid.indicators import (
    FORMULAS,
    Binding,
    Comparison,
    Kind,
    all_plans,
    load_plan,
    load_plan_file,
    parse_plan,
    plans_for_district,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

MTG_IDS = (
    *(f"mtg-{n:02d}" for n in range(1, 18)),
    "mtg-18a",
    "mtg-18b",
    "mtg-19",
    "mtg-20",
)
BB_IDS = tuple(f"bb-{n:02d}" for n in range(1, 8))

# id -> (formula, target, comparison, kind)
EXPECTED = {
    "mtg-01": ("fire_deaths_per_100k", 0.25, "le", "annual"),
    "mtg-02": ("fires_per_10k", 2.4, "le", "annual"),
    "mtg-03": ("building_fires_per_100k", 16.0, "le", "annual"),
    "mtg-04": ("self_built_house_dual_exit_rate", 100.0, "ge", "level"),
    "mtg-05": ("non_site_inspection_share", 80.0, "ge", "level"),
    "mtg-06": ("key_unit_standardisation_rate", 100.0, "ge", "level"),
    "mtg-07": ("building_facility_four_rates", 90.0, "ge", "level"),
    "mtg-08": ("stations_built_in_period", 3.0, "ge", "cumulative"),
    "mtg-09": ("township_fulltime_team_rate", 100.0, "ge", "level"),
    "mtg-10": ("water_source_intact_rate", 96.0, "ge", "annual"),
    "mtg-11": ("hydrants_built_in_period", 260.0, "ge", "cumulative"),
    "mtg-12": ("breathing_air_stations_built", 1.0, "ge", "cumulative"),
    "mtg-13": ("firefighters_per_10k", 7.0, "ge", "level"),
    "mtg-14": ("training_pass_rate", 95.0, "ge", "annual"),
    "mtg-15": ("special_rescue_certified_count", 5.0, "ge", "level"),
    "mtg-16": ("enforcement_certificate_share", 100.0, "ge", "level"),
    "mtg-17": ("new_station_equipment_rate", 100.0, "ge", "level"),
    "mtg-18a": ("existing_station_equipment_rate", 90.0, "ge", "level"),
    "mtg-18b": ("existing_small_station_equipment_rate", 80.0, "ge", "level"),
    "mtg-19": ("public_skills_training_per_year", 5000.0, "ge", "annual"),
    "mtg-20": ("iot_install_rate", 100.0, "ge", "level"),
    "bb-01": ("fire_deaths_per_million", 2.0, "le", "annual"),
    "bb-02": ("stations_per_100k", 1.0, "ge", "level"),
    "bb-03": ("gov_fulltime_team_coverage", 37.5, "ge", "level"),
    "bb-04": ("hydrant_built_rate", 100.0, "ge", "level"),
    "bb-05": ("hydrant_intact_rate", 99.0, "ge", "level"),
    "bb-06": ("fulltime_firefighters_per_10k", 1.78, "ge", "level"),
    "bb-07": ("fire_engines_per_10k", 0.5, "ge", "level"),
}


def test_bundled_plans_and_their_headers() -> None:
    plans = all_plans()
    assert [p.plan_id for p in plans] == ["beibei-2021-2025", "mentougou-2026-2030"]
    mtg = load_plan("mentougou-2026-2030")
    assert (mtg.district, mtg.period_start, mtg.period_end) == ("mentougou", 2026, 2030)
    assert mtg.title_zh == "北京市门头沟区“十五五”时期消防事业发展建设规划"
    assert mtg.source_table == "拟纳入“十五五”规划的目标指标"
    assert mtg.category_source == "plan"
    assert mtg.version == "1.0"
    bb = load_plan("beibei-2021-2025")
    assert (bb.district, bb.period_start, bb.period_end) == ("beibei", 2021, 2025)
    assert bb.category_source == "firegrid"  # 表3 prints no categories


def test_indicator_counts_and_order() -> None:
    assert load_plan("mentougou-2026-2030").indicator_ids == MTG_IDS
    assert len(MTG_IDS) == 21  # 20 rows, row 18 split in two
    assert load_plan("beibei-2021-2025").indicator_ids == BB_IDS


def test_every_indicator_formula_target_comparison_kind() -> None:
    got = {
        i.id: (i.formula, i.target, i.comparison.value, i.kind.value)
        for p in all_plans()
        for i in p.indicators
    }
    assert got == EXPECTED
    assert {v[0] for v in EXPECTED.values()} <= FORMULAS


@pytest.mark.parametrize(
    ("plan_id", "ind_id", "number", "name_zh", "target_text", "binding"),
    [
        ("mentougou-2026-2030", "mtg-01", 1, "十万人口（常住人口）年火灾死亡率", "≤0.25",
         "expected"),
        ("mentougou-2026-2030", "mtg-02", 2, "万人火灾事故发生率", "≤2.4", "binding"),
        ("mentougou-2026-2030", "mtg-08", 8, "消防救援站建设数量", "3座", "binding"),
        ("mentougou-2026-2030", "mtg-13", 13, "万人常住人口拥有消防员", "≥7.0", "expected"),
        ("mentougou-2026-2030", "mtg-17", 17, "新建城市消防站装备配备达标率", "100%", "binding"),
        ("mentougou-2026-2030", "mtg-19", 19, "深化消防基本技能实操实训，每年组织重点人群开展"
         "“灭火器灭真火、消火栓出真水”培训", "每年5000人", "expected"),
        ("beibei-2021-2025", "bb-01", 1, "年度火灾百万人口死亡率", "2", "binding"),
        ("beibei-2021-2025", "bb-04", 4, "市政消火栓建有率", "100", "binding"),
        ("beibei-2021-2025", "bb-06", 6, "万人专职消防员拥有率", "1.78", "expected"),
    ],
)  # fmt: skip
def test_spot_checks_against_the_printed_tables(
    plan_id: str, ind_id: str, number: int, name_zh: str, target_text: str, binding: str
) -> None:
    ind = load_plan(plan_id).indicator(ind_id)
    assert ind.number == number
    assert ind.name_zh == name_zh
    assert ind.target_text == target_text
    assert ind.binding == Binding(binding)


def test_binding_targets_are_exactly_the_约束性_rows() -> None:
    binding = {i.id for p in all_plans() for i in p.indicators if i.binding == Binding.BINDING}
    assert binding == {"mtg-02", "mtg-04", "mtg-08", "mtg-17", "bb-01", "bb-04", "bb-05"}


def test_mentougou_categories_follow_the_table() -> None:
    cats = {i.id: i.category_zh for i in load_plan("mentougou-2026-2030").indicators}
    assert [cats[f"mtg-{n:02d}"] for n in (1, 4, 8, 13, 20)] == [
        "火灾形势",
        "消防管理",
        "基础设施",
        "灭火救援",
        "智慧消防",
    ]
    assert cats["mtg-03"] == "火灾形势"
    assert cats["mtg-12"] == "基础设施"
    assert cats["mtg-19"] == "灭火救援"


def test_row_18_is_split_into_two_targets() -> None:
    mtg = load_plan("mentougou-2026-2030")
    a, b = mtg.indicator("mtg-18a"), mtg.indicator("mtg-18b")
    assert (a.number, b.number) == (18, 18)
    assert (a.target, b.target) == (90.0, 80.0)
    assert a.name_zh == "既有城市消防站装备配备达标率"
    assert b.name_zh == "既有小型站装备配备达标率"
    assert a.municipal_value == b.municipal_value == "90%,80%"


def test_municipal_column_is_verbatim() -> None:
    mtg = load_plan("mentougou-2026-2030")
    got = {i.id: i.municipal_value for i in mtg.indicators}
    assert got["mtg-01"] == "≤0.25"
    assert got["mtg-06"] == "/"
    assert got["mtg-08"] == "54座"
    assert got["mtg-13"] == "7(10)"
    assert got["mtg-15"] == "≥100人"
    assert got["mtg-19"] == "每年10万人"
    assert all(i.municipal_value is None for i in load_plan("beibei-2021-2025").indicators)


def test_beibei_baselines_are_the_2020_column() -> None:
    bb = load_plan("beibei-2021-2025")
    got = {i.id: (i.baseline, i.baseline_year, i.target) for i in bb.indicators}
    assert got == {
        "bb-01": (2.0, 2020, 2.0),
        "bb-02": (0.6, 2020, 1.0),
        "bb-03": (25.0, 2020, 37.5),
        "bb-04": (100.0, 2020, 100.0),
        "bb-05": (98.0, 2020, 99.0),
        "bb-06": (0.8, 2020, 1.78),
        "bb-07": (0.4, 2020, 0.5),
    }
    assert [i.unit_zh for i in bb.indicators] == ["人", "个", "%", "%", "%", "人", "台"]


def test_mentougou_baselines_only_where_the_text_states_one() -> None:
    mtg = load_plan("mentougou-2026-2030")
    with_baseline = {i.id: (i.baseline, i.baseline_text) for i in mtg.indicators if i.baseline}
    assert with_baseline == {
        "mtg-01": (0.15, "年均0.15"),
        "mtg-10": (97.0, "97%以上"),
        "mtg-11": (360.0, "360座"),
    }
    assert "消火栓完好率达97%以上" in mtg.indicator("mtg-10").baseline_source


def test_plan_inconsistencies_are_recorded() -> None:
    mtg = load_plan("mentougou-2026-2030")
    hydrants = mtg.indicator("mtg-11")
    for wording in ("260", "200余座", "约260座"):
        assert wording in hydrants.note_zh
    assert "54座" in mtg.indicator("mtg-08").note_en
    assert mtg.indicator("mtg-05").due_year == 2027
    assert "95.3%" in load_plan("beibei-2021-2025").indicator("bb-04").note_zh


def test_percent_targets_with_no_headroom_have_no_warning_band() -> None:
    for plan in all_plans():
        for ind in plan.indicators:
            if ind.unit == "percent" and ind.target == 100:
                assert ind.warning_band == 0.0, ind.id


def test_names_are_verbatim_in_the_plan_text() -> None:
    files = {
        "mentougou-2026-2030": SEEDS / "mentougou_2026-2030_plan.txt",
        "beibei-2021-2025": SEEDS / "beibei_2021-2025_plan.txt",
    }
    if not all(f.is_file() for f in files.values()):
        pytest.skip("the plan texts (../shared/seeds) are not available here")
    for plan_id, path in files.items():
        text = path.read_text(encoding="utf-8")
        for ind in load_plan(plan_id).indicators:
            assert ind.name_zh in text, ind.id
            if ind.category_zh and plan_id.startswith("mentougou"):
                assert ind.category_zh in text, ind.id


def test_lookups_by_district_and_unknown_names() -> None:
    assert [p.plan_id for p in plans_for_district("mentougou")] == ["mentougou-2026-2030"]
    assert [p.plan_id for p in plans_for_district("beibei")] == ["beibei-2021-2025"]
    assert plans_for_district("nowhere") == ()
    with pytest.raises(NotFoundError, match="no bundled plan 'mentougou-2031-2035'"):
        load_plan("mentougou-2031-2035")
    with pytest.raises(NotFoundError, match="no indicator 'mtg-99'"):
        load_plan("mentougou-2026-2030").indicator("mtg-99")


# ------------------------------------------------------------------ user-supplied plan files

HEADER = """\
plan_id = "demo-2026-2030"
district = "demo"
title_zh = "示例规划"
title_en = "Demo plan"
period_start = 2026
period_end = 2030
source_document = "示例"
version = "0.1"
"""

GOOD = {
    "id": '"d-01"',
    "number": "1",
    "category_zh": '"火灾形势"',
    "category_en": '"Fire situation"',
    "name_zh": '"十万人口年火灾死亡率"',
    "name_en": '"Fire deaths per 100,000"',
    "unit": '"per_100k"',
    "formula": '"fire_deaths_per_100k"',
    "target": "0.3",
    "comparison": '"le"',
    "kind": '"annual"',
    "binding": '"expected"',
    "inputs": '["incidents", "population"]',
}


def plan_text(*tables: dict[str, str], header: str = HEADER) -> str:
    body = "".join(
        "\n[[indicators]]\n" + "".join(f"{k} = {v}\n" for k, v in t.items()) for t in tables
    )
    return header + body


def with_(**changes: str | None) -> dict[str, str]:
    table = dict(GOOD)
    for key, value in changes.items():
        if value is None:
            table.pop(key, None)
        else:
            table[key] = value
    return table


def percent_ge(**changes: str | None) -> dict[str, str]:
    unit = {"unit": '"percent"', "comparison": '"ge"', "formula": '"hydrant_intact_rate"'}
    return with_(**unit, **changes)


def test_user_plan_file_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(plan_text(GOOD, with_(id='"d-02"', number="2")), encoding="utf-8")
    plan = load_plan_file(path)
    assert plan.indicator_ids == ("d-01", "d-02")
    ind = plan.indicator("d-01")
    assert (ind.target, ind.comparison, ind.kind) == (0.3, Comparison.LE, Kind.ANNUAL)
    assert ind.warning_band == 0.05  # the default
    assert ind.fed_by == ()
    assert plan.source == str(path)
    assert load_plan(path).indicator_ids == ("d-01", "d-02")
    assert load_plan(str(path)).plan_id == "demo-2026-2030"


@pytest.mark.parametrize(
    ("table", "field", "fragment"),
    [
        (with_(target=None), "target", "missing"),
        (with_(name_zh=None), "name_zh", "missing"),
        (with_(target='"0.25"'), "target", "must be a number, got '0.25'"),
        (with_(target="true"), "target", "must be a number, got True"),
        (with_(target="nan"), "target", "must be finite"),
        (with_(comparison='"lt"'), "comparison", "unknown value 'lt' (expected one of: eq, ge,"),
        (with_(kind='"monthly"'), "kind", "unknown value 'monthly'"),
        (with_(binding='"约束性"'), "binding", "unknown value '约束性'"),
        (with_(unit='"per_cent"'), "unit", "unknown value 'per_cent'"),
        (with_(formula='"deaths_rate"'), "formula", "unknown value 'deaths_rate'"),
        (with_(inputs='["incidents", "drones"]'), "inputs", "unknown ['drones']"),
        (with_(inputs="[]"), "inputs", "at least one"),
        (with_(number='"1"'), "number", "must be an integer"),
        (with_(warning_band="1.5"), "warning_band", "must be in [0, 1)"),
        (with_(comparision='"le"'), "comparision", "unknown field"),
        (with_(baseline="0.2"), "baseline_year", "required with baseline"),
        (with_(baseline="0.2", baseline_year="2025"), "baseline_source", "required with baseline"),
        (with_(baseline_year="2025"), "baseline", "baseline_year given without baseline"),
        (with_(due_year="2031"), "due_year", "outside the plan period 2026–2030"),
        (with_(kind='"cumulative"'), "comparison", "a cumulative target needs 'ge'"),
        (percent_ge(target="96"), "warning_band", "96% × (1 + 0.05) ≥ 100%"),
        (percent_ge(target="100"), "warning_band", "leaves no on_track value"),
        (percent_ge(target="120", warning_band="0"), "target", "within 0–100, got 120"),
    ],
)  # fmt: skip
def test_malformed_indicator_is_refused_naming_file_id_and_field(
    table: dict[str, str], field: str, fragment: str
) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_plan(plan_text(table), source="districts/demo.toml")
    message = str(info.value)
    assert message.startswith("districts/demo.toml: indicator 'd-01': ")
    assert f"field {field!r}" in message
    assert fragment in message


def test_duplicate_id_is_refused() -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_plan(plan_text(GOOD, with_(number="2")), source="demo.toml")
    assert str(info.value) == "demo.toml: indicator 'd-01': field 'id': duplicate id 'd-01'"


def test_indicator_without_id_is_named_by_position() -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_plan(plan_text(GOOD, with_(id=None)), source="demo.toml")
    assert str(info.value) == "demo.toml: indicator #2: field 'id': missing"


@pytest.mark.parametrize(
    ("header", "field", "fragment"),
    [
        (HEADER.replace("period_end = 2030", "period_end = 2020"), "period_end", "before"),
        (HEADER.replace('version = "0.1"\n', ""), "version", "missing"),
        (HEADER.replace('plan_id = "demo-2026-2030"', 'plan_id = "Demo 2026"'), "plan_id", "lower"),
        (HEADER + 'category_source = "ai"\n', "category_source", "unknown value 'ai'"),
        (HEADER + 'edition = "2"\n', "edition", "unknown field"),
    ],
)
def test_malformed_header_is_refused(header: str, field: str, fragment: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_plan(plan_text(GOOD, header=header), source="demo.toml")
    message = str(info.value)
    assert message.startswith("demo.toml: plan header: ")
    assert f"field {field!r}" in message
    assert fragment in message


def test_plan_without_indicators_or_bad_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="field 'indicators': missing"):
        parse_plan(HEADER, source="demo.toml")
    with pytest.raises(ConfigurationError, match="field 'indicators': must be a non-empty"):
        parse_plan(HEADER + "indicators = []\n", source="demo.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text(HEADER + "target = = 1\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"broken\.toml: not valid TOML"):
        load_plan_file(broken)
    with pytest.raises(ConfigurationError, match="cannot read plan file"):
        load_plan_file(tmp_path / "absent.toml")
