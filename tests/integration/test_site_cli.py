"""``firegrid site matrix`` end to end, and the CSV/Swain readers behind it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from firegrid.cli import site
from firegrid.errors import ImportValidationError, InvalidInputError
from firegrid.siting.inputs import parse_cost_matrix, parse_swain, parse_weights, read_cost_matrix

runner = CliRunner()

# The lead registers the sub-app as ``firegrid site``; mirror that here.
root = typer.Typer()
root.add_typer(site.app, name="site")


@root.callback()
def _root() -> None:
    """firegrid (test root)."""


WIDE = """demand,S1,S2,S3
D1,1,5,9
D2,4,2,8
D3,9,3,0.5
D17,12.3,15,20
"""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _long(wide: str) -> str:
    lines = [ln.split(",") for ln in wide.strip().splitlines()]
    head, rows = lines[0], lines[1:]
    out = ["demand,candidate,cost"]
    for r in rows:
        out += [f"{r[0]},{c},{v}" for c, v in zip(head[1:], r[1:], strict=True) if v]
    return "\n".join(out) + "\n"


def _run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(root, ["site", "matrix", *args])
    return res.exit_code, res.stdout, res.stderr


def test_lscp_infeasible_says_which_demand_and_exits_1(tmp_path: Path) -> None:
    costs = _write(tmp_path, "c.csv", WIDE)
    code, out, err = _run("--costs", str(costs), "--model", "lscp", "--radius", "10", "--json")
    assert code == 1
    assert "demand D17 has no candidate within radius 10 (nearest 12.3)" in _one_line(err)
    doc = json.loads(out)
    assert doc["status"] == "infeasible" and doc["sites"] == []
    assert doc["reason"] == "demand D17 has no candidate within radius 10 (nearest 12.3)"


def test_long_and_wide_layouts_give_the_same_answer_with_ids(tmp_path: Path) -> None:
    wide = _write(tmp_path, "wide.csv", WIDE)
    long = _write(tmp_path, "long.csv", _long(WIDE))
    weights = _write(tmp_path, "w.csv", "id,weight\nD1,10\nD2,5\nD3,1\nD17,2\n")
    docs = []
    for path in (wide, long):
        code, out, err = _run(
            "--costs",
            str(path),
            "--model",
            "mclp",
            "--p",
            "1",
            "--radius",
            "4",
            "--weights",
            str(weights),
            "--json",
        )
        assert code == 0, err
        docs.append(json.loads(out))
    for doc in docs:
        assert doc["status"] == "optimal" and doc["optimal"] is True
        assert doc["sites"] == ["S1"]
        assert doc["objective"] == 15.0  # D1 (10) and D2 (5) within 4 of S1
        assert doc["detail"]["covered_share"] == pytest.approx(15 / 18)
        assert doc["assignment"] == {"D1": "S1", "D2": "S1", "D3": None, "D17": None}


@pytest.mark.parametrize("model", ["pmedian", "pcenter"])
def test_distance_models_report_ids_and_values(tmp_path: Path, model: str) -> None:
    costs = _write(tmp_path, "c.csv", WIDE)
    code, out, err = _run("--costs", str(costs), "--model", model, "--p", "2", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["optimal"] is True
    if model == "pmedian":
        assert doc["sites"] == ["S1", "S3"]
        assert doc["objective"] == pytest.approx(1 + 4 + 0.5 + 12.3)
    else:  # D17 is 12.3 from S1 whatever the second site
        assert "S1" in doc["sites"] and doc["objective"] == pytest.approx(12.3)


def test_rules_by_id_fixed_forbidden_spacing(tmp_path: Path) -> None:
    # every candidate is also a demand row, so spacing distances exist
    square = "id,A,B,C\nA,0,3,6\nB,3,0,3\nC,6,3,0\n"
    costs = _write(tmp_path, "sq.csv", square)
    weights = _write(tmp_path, "w.csv", "id,weight\nA,1\nB,5\nC,5\n")
    base = ["--costs", str(costs), "--model", "mclp", "--p", "2", "--radius", "0"]
    code, out, _ = _run(*base, "--weights", str(weights), "--json")
    assert json.loads(out)["sites"] == ["B", "C"]
    code, out, _ = _run(*base, "--weights", str(weights), "--min-spacing", "4", "--json")
    assert code == 0 and json.loads(out)["sites"] == ["A", "C"]
    code, out, _ = _run(*base, "--forbidden", "C", "--fixed", "A", "--json")
    doc = json.loads(out)
    assert doc["sites"] == ["A", "B"] and doc["detail"]["fixed_sites"] == ["A"]
    code, out, err = _run(*base, "--fixed", "A,B,C", "--json")
    assert code == 1 and "p = 2 but 3 sites are fixed open" in _one_line(err)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "lscp"], "--radius is required for --model lscp"),
        (["--model", "lscp", "--radius", "3", "--p", "2"], "--p does not apply"),
        (["--model", "pmedian"], "--p is required for --model pmedian"),
        (["--model", "mclp", "--p", "1", "--radius", "3", "--capacity", "5"], "--capacity"),
        (["--model", "pmedian", "--p", "1", "--fixed", "S9"], "unknown candidate id(s) S9"),
        (["--model", "pmedian", "--p", "1", "--min-spacing", "2"], "every candidate must"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    costs = _write(tmp_path, "c.csv", WIDE)
    code, out, err = _run("--costs", str(costs), *args)
    assert code == 2
    assert message in _one_line(err)
    assert out == ""


def test_bad_cost_file_names_row_and_column(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.csv", "demand,S1,S2\nD1,1,x\nD2,-3,2\n")
    code, _, err = _run("--costs", str(bad), "--model", "pmedian", "--p", "1")
    assert code != 0
    text = _one_line(err)
    assert "row 1 S2: not a number: 'x'" in text and "row 2 S1: negative cost -3" in text


def test_json_stdout_is_clean_in_a_real_process(tmp_path: Path) -> None:
    """HiGHS prints a banner when a solver object is created; none may reach stdout."""
    costs = _write(tmp_path, "c.csv", WIDE)
    code = (
        "import typer, sys\n"
        "from firegrid.cli import site\n"
        "root = typer.Typer()\n"
        "root.add_typer(site.app, name='site')\n"
        "@root.callback()\n"
        "def _r() -> None: pass\n"
        "root(sys.argv[1:])\n"
    )
    for model in ("lscp", "backup"):
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                "site",
                "matrix",
                "--costs",
                str(costs),
                "--model",
                model,
                "--radius",
                "20",
                "--json",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["status"] == "optimal"


# ---------------------------------------------------------------------- readers


def test_long_layout_missing_pairs_are_unreachable_and_ids_keep_order() -> None:
    m = parse_cost_matrix(b"Demand,Candidate,Cost\nb,x,1\na,y,2\nb,y,inf\n")
    assert m.layout == "long"
    assert m.demand_ids == ("b", "a") and m.candidate_ids == ("x", "y")
    assert m.cost[0, 0] == 1 and np.isinf(m.cost[1, 0]) and np.isinf(m.cost[0, 1])


def test_long_layout_errors_name_rows() -> None:
    with pytest.raises(ImportValidationError) as info:
        parse_cost_matrix(b"demand,candidate,cost\na,x,1\na,x,2\n,y,3\nb,y,\n")
    errors = [(e.row, e.field, e.reason) for e in info.value.errors]
    assert errors == [
        (2, "candidate", "pair (a, x) already given on row 1"),
        (3, "demand", "empty demand id"),
        (4, "cost", "empty"),
    ]


def test_wide_layout_blank_is_unreachable_and_bad_rows_are_reported() -> None:
    m = parse_cost_matrix(b"id,S1,S2\nD1,1,\nD2,inf,3\n")
    assert m.layout == "wide" and np.isinf(m.cost[0, 1]) and np.isinf(m.cost[1, 0])
    with pytest.raises(ImportValidationError) as info:
        parse_cost_matrix(b"id,S1\nD1,1,7\nD1,2\n")
    reasons = [(e.row, e.field) for e in info.value.errors]
    assert reasons == [(1, "*"), (2, "id")]
    with pytest.raises(InvalidInputError, match="header is only"):
        parse_cost_matrix(b"only\n1\n")


def test_weights_must_cover_every_demand() -> None:
    ids = ("D1", "D2")
    assert parse_weights(b"ID,Weight\nD2,3\nD1,1.5\n", ids).tolist() == [1.5, 3.0]
    with pytest.raises(InvalidInputError, match="no weight for demand"):
        parse_weights(b"id,weight\nD1,1\n", ids)
    with pytest.raises(ImportValidationError) as info:
        parse_weights(b"id,weight\nD1,-1\nD9,2\n", ids)
    assert [(e.row, e.field) for e in info.value.errors] == [(1, "weight"), (2, "id")]


def test_swain_reader_accepts_both_published_layouts() -> None:
    comma, _ = parse_swain("01, 0, 0, 5,\n02, 3, 4, 1\n")
    spaced, xy = parse_swain("2\n01 0. 0. 5.\n02 3. 4. 1.\n")
    for m in (comma, spaced):
        assert m.demand_ids == ("01", "02") and m.weights is not None
        assert m.weights.tolist() == [5.0, 1.0] and m.cost[0, 1] == pytest.approx(5.0)
    assert xy.shape == (2, 2)
    with pytest.raises(ImportValidationError, match="row 2 line"):
        parse_swain("01, 0, 0, 5\n02, 3, four, 1\n")


def test_missing_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no such file"):
        read_cost_matrix(tmp_path / "nope.csv")
