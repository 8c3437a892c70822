"""The assessment index kernel: normalisation directions, renormalisation without data,
contributions that explain the score, levels at the band edges, and the configuration."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from firegrid.errors import ConfigurationError, InvalidInputError
from firegrid.risk.ahp import InconsistentMatrixError
from firegrid.risk.index import (
    Band,
    Direction,
    Method,
    Normaliser,
    assess,
    level_of,
    parse_index_config,
)

BANDS = (
    Band(1, "I", "低", "low", 85.0),
    Band(2, "II", "中", "medium", 65.0),
    Band(3, "III", "高", "high", 25.0),
    Band(4, "IV", "极高", "very high", 0.0),
)

TOML = """
id = "t"
version = "3"
effective_from = 2026-01-01
name_zh = "测试"
name_en = "Test"
[[bands]]
level = 1
code = "I"
name_zh = "低"
name_en = "low"
min = 85.0
[[bands]]
level = 2
code = "II"
name_zh = "中"
name_en = "medium"
min = 65.0
[[bands]]
level = 3
code = "III"
name_zh = "高"
name_en = "high"
min = 25.0
[[bands]]
level = 4
code = "IV"
name_zh = "极高"
name_en = "very high"
min = 0.0
[criteria]
order = ["hazard", "forces"]
matrix = [[1, 3], ["1/3", 1]]
[[criterion]]
id = "hazard"
name_zh = "火灾危险源"
name_en = "Hazards"
indicators = ["density", "findings"]
matrix = HAZARD
[[criterion]]
id = "forces"
name_zh = "消防力量"
name_en = "Forces"
indicators = ["time", "hydrants"]
matrix = [[1, 1], [1, 1]]
[indicators.density]
name_zh = "密度"
name_en = "Density"
direction = "risk"
good = 0.0
bad = 10.0
[indicators.findings]
name_zh = "隐患"
name_en = "Findings"
direction = "risk"
good = 0.0
bad = 5.0
no_data = true
[indicators.time]
name_zh = "时间"
name_en = "Time"
direction = "risk"
good = 300.0
bad = 900.0
[indicators.hydrants]
name_zh = "消火栓"
name_en = "Hydrants"
direction = "safety"
method = "minmax"
"""


def _config(hazard: str = "[[1, 1], [1, 1]]"):  # type: ignore[no-untyped-def]
    return parse_index_config(TOML.replace("HAZARD", hazard), source="test.toml")


def test_thresholds_point_the_right_way_and_clip() -> None:
    risk = Normaliser(Direction.RISK, Method.THRESHOLDS, good=300, bad=900)
    assert_allclose(risk.safety([0, 300, 600, 900, 5000, np.inf]), [100, 100, 50, 0, 0, 0])
    safe = Normaliser(Direction.SAFETY, Method.THRESHOLDS, good=1, bad=0)
    assert_allclose(safe.safety([1.0, 0.25, 0.0]), [100, 25, 0])
    assert np.isnan(risk.safety([np.nan])[0])
    with pytest.raises(InvalidInputError, match="contradicts"):
        Normaliser(Direction.SAFETY, Method.THRESHOLDS, good=0, bad=1)


def test_minmax_is_relative_to_the_units() -> None:
    risk = Normaliser(Direction.RISK, Method.MINMAX)
    assert_allclose(risk.safety([2, 4, 6]), [100, 50, 0])
    safe = Normaliser(Direction.SAFETY, Method.MINMAX)
    assert_allclose(safe.safety([2, 4, 6]), [0, 50, 100])
    assert_allclose(safe.safety([3, 3]), [100, 100])  # nobody differs: no deficit from it


def test_weights_come_from_the_matrices_and_no_data_is_renormalised_away() -> None:
    cfg = _config()
    assert cfg.ref == "t@3"
    assert_allclose(cfg.global_weights(), [0.375, 0.375, 0.125, 0.125])
    # density 5 (safety 50), time 300 (100), hydrants min-max over two cells.
    values = np.array([[5.0, np.nan, 300.0, 1.0], [0.0, np.nan, 900.0, 0.0]])
    res = assess(values, cfg)
    assert res.excluded == ("findings",)
    # findings (no_data) gets no weight; the rest renormalised: .375/.625, .125/.625, ...
    assert_allclose(res.weights[0], [0.6, 0.0, 0.2, 0.2])
    assert_allclose(res.score, [0.6 * 50 + 0.2 * 100 + 0.2 * 100, 0.6 * 100 + 0 + 0])
    # A cell missing one value renormalises over the rest of its own row only.
    res2 = assess(np.array([[5.0, 1.0, np.nan, 1.0], [5.0, 1.0, 300.0, 0.0]]), cfg)
    assert_allclose(res2.weights[0], [0.75, 0.0, 0.0, 0.25])
    assert_allclose(res2.weights[1], [0.6, 0.0, 0.2, 0.2])


def test_contributions_sum_to_the_score_deficit_and_name_the_cause() -> None:
    cfg = _config()
    rng = np.random.default_rng(7)
    values = np.column_stack(
        [rng.uniform(0, 12, 50), np.full(50, np.nan), rng.uniform(100, 1200, 50), rng.random(50)]
    )
    res = assess(values, cfg)
    assert_allclose(res.contributions.sum(axis=1), 100 - res.score, atol=1e-9)
    assert (res.contributions >= 0).all()
    # A cell far from stations but without hazards: time is its largest cost.
    one = assess(np.array([[0.0, np.nan, 1200.0, 0.5], [0.0, np.nan, 300.0, 0.6]]), cfg)
    assert int(np.argmax(one.contributions[0])) == 2


def test_riskier_inputs_score_lower() -> None:
    cfg = _config()
    res = assess(np.array([[9.0, np.nan, 1000.0, 0.0], [1.0, np.nan, 320.0, 1.0]]), cfg)
    assert res.score[0] < res.score[1] and res.level[0] > res.level[1]


@pytest.mark.parametrize(
    ("score", "level"),
    [(100.0, 1), (85.01, 1), (85.0, 2), (65.01, 2), (65.0, 3), (25.01, 3), (25.0, 4), (0.0, 4)],
)
def test_levels_at_the_band_edges(score: float, level: int) -> None:
    assert level_of(score, BANDS) == level


def test_level_of_refuses_out_of_range_scores() -> None:
    with pytest.raises(InvalidInputError):
        level_of(101.0, BANDS)


def test_a_unit_without_any_value_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="no value for any indicator"):
        assess(np.array([[np.nan, np.nan, np.nan, np.nan]]), _config())


def test_inconsistent_configuration_matrix_is_refused_by_name() -> None:
    # Fine for n = 2 (always consistent); make the hazard group 3×3 and circular.
    bad = TOML.replace(
        'indicators = ["density", "findings"]', 'indicators = ["density", "findings", "x"]'
    )
    bad = bad.replace("HAZARD", '[[1, 3, "1/5"], ["1/3", 1, 3], [5, "1/3", 1]]')
    bad += (
        '[indicators.x]\nname_zh = "x"\nname_en = "x"\ndirection = "risk"\ngood = 0.0\nbad = 1.0\n'
    )
    with pytest.raises(InconsistentMatrixError, match=r"'criterion\.hazard'") as info:
        parse_index_config(bad, source="bad.toml")
    assert info.value.cr >= 0.1


def test_configuration_errors_name_the_field() -> None:
    with pytest.raises(ConfigurationError, match="not reciprocal at row 'hazard'"):
        parse_index_config(
            TOML.replace("HAZARD", "[[1,1],[1,1]]").replace('["1/3", 1]', "[0.5, 1]")
        )
    with pytest.raises(ConfigurationError, match=r"indicators\.time: direction 'risk' contradicts"):
        parse_index_config(
            TOML.replace("HAZARD", "[[1,1],[1,1]]").replace("bad = 900.0", "bad = 100.0")
        )


def test_bundled_configuration_is_consistent_and_complete() -> None:
    from firegrid.risk.service import load_index_config

    cfg = load_index_config()
    assert [c.id for c in cfg.criteria] == ["hazard", "urban", "forces", "prevention", "social"]
    assert [c.name_zh for c in cfg.criteria] == [
        "火灾危险源", "城市基础信息", "消防力量", "火灾预警防控", "社会防控能力",
    ]  # fmt: skip
    assert cfg.criteria_ahp.cr < 0.1 and all(c.ahp.cr < 0.1 for c in cfg.criteria)
    assert cfg.global_weights().sum() == pytest.approx(1.0)
    assert [s.id for s in cfg.indicators if s.no_data] == ["inspection_findings"]
    assert [b.min for b in cfg.bands] == [85.0, 65.0, 25.0, 0.0]
    assert sum(f.weight for f in cfg.building_factors) == pytest.approx(1.0)
