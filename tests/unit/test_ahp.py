"""AHP weights and consistency against published worked examples; refusals that say which
matrix and which judgement."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from firegrid.errors import InvalidInputError
from firegrid.risk.ahp import (
    RANDOM_INDEX,
    InconsistentMatrixError,
    ahp_weights,
    geometric_mean_weights,
    parse_judgement,
    random_index,
)

# Saaty, T. L. (2008) "Decision making with the analytic hierarchy process", Int. J. Services
# Sciences 1(1), 83–98: relative consumption of drinks in the US (Table 3). Published priorities
# 0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327 and CR = 0.022 (with RI(7) = 1.35); the same
# figures are reproduced by AHPy's test-suite (PhilipGriffith/AHPy, tests/test_ahp.py).
DRINKS = ("coffee", "wine", "tea", "beer", "sodas", "milk", "water")
DRINKS_MATRIX = np.array(
    [
        [1, 9, 5, 2, 1, 1, 1 / 2],
        [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
        [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
        [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
        [1, 9, 4, 2, 1, 2, 1 / 2],
        [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
        [2, 9, 9, 3, 2, 3, 1],
    ]
)
DRINKS_WEIGHTS = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]

# Saaty (2005) Theory and Applications of the Analytic Network Process, "best city" example:
# criteria Culture, Family, Housing, Jobs, Transportation and four cities; the synthesised
# priorities Bethesda 0.229, Boston 0.275, Pittsburgh 0.385, Santa Fe 0.111 (as reproduced in
# AHPy's test-suite, which rounds local weights to 3 decimals before composing).
CITY_CRITERIA = np.array(
    [
        [1, 1 / 5, 3, 1 / 2, 5],
        [5, 1, 7, 1, 7],
        [1 / 3, 1 / 7, 1, 1 / 4, 3],
        [2, 1, 4, 1, 7],
        [1 / 5, 1 / 7, 1 / 3, 1 / 7, 1],
    ]
)
CITY_ALTERNATIVES = [
    np.array([[1, 1 / 2, 1, 1 / 2], [2, 1, 2.5, 1], [1, 1 / 2.5, 1, 1 / 2.5], [2, 1, 2.5, 1]]),
    np.array([[1, 2, 1 / 3, 4], [1 / 2, 1, 1 / 8, 2], [3, 8, 1, 9], [1 / 4, 1 / 2, 1 / 9, 1]]),
    np.array([[1, 5, 1 / 2, 2.5], [1 / 5, 1, 1 / 9, 1 / 4], [2, 9, 1, 7], [1 / 2.5, 4, 1 / 7, 1]]),
    np.array([[1, 1 / 2, 3, 4], [2, 1, 6, 8], [1 / 3, 1 / 6, 1, 1], [1 / 4, 1 / 8, 1, 1]]),
    np.array(
        [[1, 1.5, 1 / 2, 4], [1 / 1.5, 1, 1 / 3.5, 2.5], [2, 3.5, 1, 9], [1 / 4, 1 / 2.5, 1 / 9, 1]]
    ),
]


def test_saaty_drinks_example_reproduces_the_published_priorities_and_cr() -> None:
    r = ahp_weights(DRINKS_MATRIX, path="drinks", labels=DRINKS)
    assert_allclose(r.weights, DRINKS_WEIGHTS, atol=6e-4)
    assert round(r.cr, 3) == 0.022
    assert r.ri == 1.35 and r.consistent
    # λmax from the published CR: CI = CR·RI, λmax = n + (n−1)·CI ≈ 7.18.
    assert r.lambda_max == pytest.approx(7 + 6 * 0.022 * 1.35, abs=0.01)
    # The geometric-mean check agrees with the eigenvector within a few thousandths.
    assert_allclose(r.weights_gm, r.weights, atol=5e-3)


def test_saaty_city_example_composes_to_the_published_global_priorities() -> None:
    crit = ahp_weights(CITY_CRITERIA, path="criteria").weights
    local = np.column_stack(
        [ahp_weights(m, path=f"alt{i}").weights for i, m in enumerate(CITY_ALTERNATIVES)]
    )
    overall = local @ crit
    assert_allclose(overall, [0.229, 0.275, 0.385, 0.111], atol=1.5e-3)
    assert int(np.argmax(overall)) == 2  # Pittsburgh


def test_a_consistent_matrix_has_lambda_n_and_cr_zero() -> None:
    w = np.array([0.5, 0.3, 0.2])
    r = ahp_weights(w[:, None] / w[None, :])
    assert_allclose(r.weights, w, atol=1e-12)
    assert r.lambda_max == pytest.approx(3.0) and r.cr == pytest.approx(0.0, abs=1e-12)


def test_random_index_is_saatys_table_and_refuses_beyond_15() -> None:
    assert [RANDOM_INDEX[n] for n in range(1, 16)] == [
        0.0, 0.0, 0.52, 0.89, 1.11, 1.25, 1.35, 1.40, 1.45, 1.49, 1.52, 1.54, 1.56, 1.58, 1.59,
    ]  # fmt: skip
    with pytest.raises(InvalidInputError, match="16×16"):
        random_index(16)


def test_inconsistent_matrix_is_refused_naming_path_cr_lambda_and_worst_pair() -> None:
    # A consistent 4×4 matrix (w = .4 .3 .2 .1) with one judgement reversed: b vs d given as
    # 1/9 where the others imply 3.
    w = np.array([0.4, 0.3, 0.2, 0.1])
    m = w[:, None] / w[None, :]
    m[1, 3], m[3, 1] = 1 / 9, 9.0
    with pytest.raises(InconsistentMatrixError) as info:
        ahp_weights(m, path="criterion.hazard", labels=["a", "b", "c", "d"])
    err = info.value
    assert err.path == "criterion.hazard" and err.cr >= 0.1
    msg = str(err)
    assert "'criterion.hazard'" in msg and f"CR = {err.cr:.3f}" in msg
    assert f"λmax = {err.lambda_max:.3f}" in msg
    assert err.worst is not None and (err.worst.row, err.worst.column) == ("b", "d")
    assert "b vs d = 0.1111" in msg
    assert isinstance(err, InvalidInputError)
    # Reporting only: the same matrix with no limit gives its numbers.
    assert ahp_weights(m, cr_limit=None).cr == pytest.approx(err.cr)
    # A 3×3 cycle (a > b > c > a) is refused too.
    with pytest.raises(InconsistentMatrixError, match="'cycle'"):
        ahp_weights([[1, 3, 1 / 5], [1 / 3, 1, 3], [5, 1 / 3, 1]], path="cycle")


def test_worst_pair_is_the_judgement_that_was_perturbed() -> None:
    w = np.array([0.4, 0.3, 0.2, 0.1])
    m = w[:, None] / w[None, :]
    m[1, 3], m[3, 1] = 9.0, 1 / 9  # b vs d should be 3
    r = ahp_weights(m, labels=list("abcd"), cr_limit=None)
    assert r.consistent  # CR ≈ 0.058: accepted, yet the outlier is still named
    assert r.worst is not None and (r.worst.row, r.worst.column) == ("b", "d")


@pytest.mark.parametrize(
    ("matrix", "match"),
    [
        ([[1, 2], [0.4, 1]], r"not reciprocal at row #1, column #2: a_ij = 2 but a_ji = 0.4"),
        ([[1, 2, 3], [0.5, 1, 2]], "square"),
        ([[2, 2], [0.5, 1]], "diagonal entry of #1 must be 1"),
        ([[1, -2], [-0.5, 1]], "row #1, column #2: judgements must be positive"),
        ([[1, float("nan")], [1, 1]], "must be positive"),
    ],
)
def test_malformed_matrices_name_the_row_and_column(matrix: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        ahp_weights(matrix)  # type: ignore[arg-type]


def test_reciprocity_error_uses_labels_and_accepts_rounded_thirds() -> None:
    with pytest.raises(InvalidInputError, match="row 'x', column 'y'"):
        ahp_weights([[1, 3], [0.3, 1]], labels=["x", "y"])
    r = ahp_weights([[1, 3], [0.333, 1]])
    assert_allclose(r.weights, [0.75, 0.25], atol=1e-3)


def test_fractions_in_configuration_and_geometric_mean() -> None:
    assert parse_judgement("1/3") == pytest.approx(1 / 3)
    assert parse_judgement(5) == 5.0
    for bad in ("x", "1/0", True, None):
        with pytest.raises(InvalidInputError):
            parse_judgement(bad)
    assert_allclose(geometric_mean_weights([[1, 4], [0.25, 1]]), [0.8, 0.2])
