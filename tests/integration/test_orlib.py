"""OR-Library p-median: the reader (last duplicate edge wins, errors name the line) and every
instance pmed1–15 solved to its published optimum with a proof."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from firegrid.errors import InvalidInputError
from firegrid.siting.orlib import parse_orlib, read_orlib, read_orlib_optima
from firegrid.siting.pmedian import solve_pmedian

INSTANCES = [f"pmed{k}" for k in range(1, 16)]


@pytest.fixture(scope="module")
def orlib_dir(shared_data: Path) -> Path:
    path = shared_data / "orlib"
    if not (path / "pmedopt.txt").is_file():
        pytest.skip(f"{path} has no OR-Library p-median files")
    return path


@pytest.mark.parametrize("name", INSTANCES)
def test_orlib_instance_is_solved_to_its_published_optimum(orlib_dir: Path, name: str) -> None:
    optimum = read_orlib_optima(orlib_dir / "pmedopt.txt")[name]
    inst = read_orlib(orlib_dir / f"{name}.txt")
    res = solve_pmedian(inst.cost, inst.p)
    assert res.optimal, res.stats
    assert res.objective == optimum
    assert res.bound == optimum and res.gap == 0.0
    assert len(res.sites) == inst.p
    # The objective is the cost of the returned sites, recomputed here.
    assert inst.cost[:, list(res.sites)].min(axis=1).sum() == optimum


# A path 1 - 2 - 3 - 4 whose edge 1-2 is listed twice: first with cost 1, last with cost 9.
DUPLICATE = """\
4 4 1
1 2 1
2 3 5
3 4 5
2 1 9
"""


def test_last_duplicate_edge_counts() -> None:
    inst = parse_orlib(DUPLICATE, name="dup")
    assert inst.cost[0, 1] == inst.cost[1, 0] == 9.0
    assert_array_equal(inst.cost[0], [0, 9, 14, 19])
    res = solve_pmedian(inst.cost, inst.p)
    # Last occurrence (9): 1-median at vertex 2 or 3, total 24. Keeping the first or the
    # smaller cost (1) would give 16, summing the duplicates (10) would give 25.
    assert res.optimal and res.objective == 24.0
    assert res.sites[0] + 1 in (2, 3)


def test_zero_cost_edges_are_edges() -> None:
    inst = parse_orlib("3 2 1\n1 2 0\n2 3 4\n")
    assert_array_equal(inst.cost[0], [0, 0, 4])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("4 3\n", "line 1: expected the header 'n m p'"),
        ("4 3 5\n", "line 1: header needs .* p=5"),
        ("3 2 1\n1 2 5\n2 x 5\n", "line 3: expected an edge 'i j cost'"),
        ("3 2 1\n1 2 5\n2 4 5\n", "line 3: vertex ids must be in 1..3, got 2 and 4"),
        ("3 2 1\n1 2 5\n2 3 -1\n", "line 3: negative edge cost -1"),
        ("3 3 1\n1 2 5\n\n2 3 5\n", "line 4: the header promises 3 edges"),
        ("3 1 1\n1 2 5\n2 3 5\n", "line 3: unexpected content after the 1 edges"),
        ("3 1 1\n1 2 5\n", "not connected .* vertex 1 to vertex 3"),
    ],
)
def test_reader_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        parse_orlib(text, name="bad")


def test_reader_reads_files_and_optima(tmp_path: Path) -> None:
    (tmp_path / "tiny.txt").write_text(DUPLICATE)
    inst = read_orlib(tmp_path / "tiny.txt")
    assert (inst.name, inst.n, inst.p, inst.n_edges) == ("tiny", 4, 1, 4)
    (tmp_path / "opt.txt").write_text("Data file   Optimal solution value\npmed1 5819\n")
    assert read_orlib_optima(tmp_path / "opt.txt") == {"pmed1": 5819}
    (tmp_path / "opt_bad.txt").write_text("Data file\npmed1 lots\n")
    with pytest.raises(InvalidInputError, match="line 2"):
        read_orlib_optima(tmp_path / "opt_bad.txt")


def test_cli_solves_an_orlib_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from firegrid.cli.site import app

    (tmp_path / "tiny.txt").write_text(DUPLICATE)
    out = CliRunner().invoke(app, ["pmedian", "--orlib", str(tmp_path / "tiny.txt"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["objective"] == 24.0 and data["optimal"] is True and data["gap"] == 0.0
    assert data["sites"] in ([2], [3])  # 1-based OR-Library vertex ids
    assert isinstance(data["seconds"], float)


def test_cli_reports_a_bad_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from firegrid.cli.site import app

    (tmp_path / "bad.txt").write_text("3 2 1\n1 2 5\n2 x 5\n")
    out = CliRunner().invoke(app, ["pmedian", "--orlib", str(tmp_path / "bad.txt")])
    assert out.exit_code == 2
    assert "line 3" in out.output


def test_cli_time_limit_is_checked(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from firegrid.cli.site import app

    (tmp_path / "tiny.txt").write_text(DUPLICATE)
    out = CliRunner().invoke(
        app, ["pmedian", "--orlib", str(tmp_path / "tiny.txt"), "--time-limit", "0"]
    )
    assert out.exit_code == 2
    assert "--time-limit" in out.output


# ---------------------------------------------------------------- other published p-median values


def test_swain55_pmedian_optima(shared_data: Path) -> None:
    """Swain's 55 nodes (Euclidean, population weights): the exact values for p = 1..10."""
    folder = shared_data / "swain55"
    rows = [
        [float(t) for t in line.replace(",", " ").split()]
        for line in (folder / "swain.dat").read_text().splitlines()
        if len(line.replace(",", " ").split()) == 4
    ]
    arr = np.asarray(rows)
    ids, xy, pop = arr[:, 0].astype(int), arr[:, 1:3], arr[:, 3]
    cost = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    ref = json.loads((folder / "swain55_benchmarks_computed.json").read_text())["pmedian"]
    for p in range(1, 11):
        value, sites = ref[str(p)]
        res = solve_pmedian(cost, p, weights=pop)
        assert res.optimal and res.objective is not None
        assert abs(res.objective - value) < 5e-5, p  # the reference is rounded to 4 decimals
        assert sorted(int(ids[j]) for j in res.sites) == sites


def test_spopt_san_francisco_pmedian(shared_data: Path) -> None:
    """spopt's own test asserts a mean distance of 2982.1268579890657 for p = 4."""
    folder = shared_data / "spopt_sf"
    with open(folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv") as fh:
        rows = list(csv.DictReader(fh))
    demands = sorted({r["DestinationName"] for r in rows})
    stores = sorted({r["name"] for r in rows})
    cost = np.full((len(demands), len(stores)), np.nan)
    di = {d: i for i, d in enumerate(demands)}
    sj = {s: j for j, s in enumerate(stores)}
    for r in rows:
        cost[di[r["DestinationName"]], sj[r["name"]]] = float(r["distance"])
    with open(folder / "SF_demand_205_centroid_uniform_weight.csv") as fh:
        pop = {r["NAME"]: float(r["POP2000"]) for r in csv.DictReader(fh)}
    w = np.array([pop[d] for d in demands])
    res = solve_pmedian(cost, 4, weights=w)
    assert res.optimal and res.objective is not None
    assert res.detail["mean_distance"] == pytest.approx(2982.1268579890657, rel=1e-12)
    assert [stores[j] for j in res.sites] == ["Store_11", "Store_12", "Store_15", "Store_2"]
