"""Benchmark the exact p-median solver against spopt (PuLP + CBC), in one run.

Run from the repository root::

    .venv/bin/python benchmarks/siting.py                  # report (spopt capped at 300 s each)
    .venv/bin/python benchmarks/siting.py --json           # one JSON object on stdout
    .venv/bin/python benchmarks/siting.py --quick          # spopt only on the n = 100 instances
    .venv/bin/python benchmarks/siting.py --spopt-python /tmp/sp/bin/python

Instances (from ``../shared/data`` or ``$FIREGRID_SHARED_DATA``):

* OR-Library ``pmed1`` … ``pmed15`` (Beasley 1990; n = 100–300, p = 5–100), read with
  :func:`firegrid.siting.orlib.read_orlib` (last duplicate edge wins, all-pairs shortest
  paths), checked against ``pmedopt.txt``;
* spopt's San Francisco fixture (205 tracts × 16 stores, network distances, POP2000 weights,
  p = 4; spopt's own test asserts a mean distance of 2982.1268579890657);
* Swain's 55 nodes (Euclidean, population weights), p = 5, against the exact value in
  ``swain55_benchmarks_computed.json``.

Both solvers get the same cost matrix and weights. firegrid is
:func:`firegrid.siting.pmedian.solve_pmedian` in this process (median of ``--repeat`` runs;
the first run of the session is a warm-up and not counted). spopt is
``PMedian.from_cost_matrix(cost, weights, p_facilities=p).solve(PULP_CBC_CMD(msg=False,
timeLimit=cap))`` — its default solver — timed from model construction to the end of
``solve`` in a fresh subprocess of ``--spopt-python`` (default: this interpreter when it can
import spopt, else ``$FIREGRID_SPOPT_PYTHON``), killed ``cap + 120`` s after it starts. A run
that reaches the cap is reported as capped, with CBC's best objective if it has one; the
speed-up is then a lower bound (``>``). Objectives must agree with each other and with the
published optimum (``--json`` says so in ``all_equal``).

``--json`` prints ``{"all_optimal": …, "all_equal": …, "max_firegrid_s": …,
"min_speedup": …, "instances": [...]}``; the markdown table goes to stderr then.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from firegrid.siting.orlib import read_orlib, read_orlib_optima
from firegrid.siting.pmedian import solve_pmedian

REPO = Path(__file__).resolve().parents[1]
FloatArray = npt.NDArray[np.float64]

SPOPT_WORKER = r"""
import json, sys, time
import numpy as np
import pulp
from spopt.locate import PMedian

cost = np.load(sys.argv[1]); weights = np.load(sys.argv[2])
p = int(sys.argv[3]); cap = float(sys.argv[4])
t = time.perf_counter()
model = PMedian.from_cost_matrix(cost, weights, p_facilities=p)
model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=cap))
seconds = time.perf_counter() - t
prob = model.problem
print(json.dumps({
    "objective": pulp.value(prob.objective),
    "status": pulp.LpStatus[prob.status],
    "sol_status": int(getattr(prob, "sol_status", 0)),
    "seconds": seconds,
}))
"""


@dataclass
class Instance:
    name: str
    cost: FloatArray
    weights: FloatArray
    p: int
    optimum: float | None
    #: Published optima are integers (OR-Library) or rounded (Swain: 4 decimals).
    tolerance: float = 1e-6


@dataclass
class Row:
    name: str
    n: int
    m: int
    p: int
    optimum: float | None
    firegrid_objective: float | None = None
    firegrid_optimal: bool = False
    firegrid_s: float | None = None
    firegrid_method: str = ""
    spopt_objective: float | None = None
    spopt_s: float | None = None
    spopt_status: str = "not run"
    speedup: float | None = None
    equal: bool | None = None
    notes: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- instances


def shared_data() -> Path:
    env = os.environ.get("FIREGRID_SHARED_DATA")
    for cand in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if cand.is_dir():
            return cand
    raise SystemExit("../shared/data (or $FIREGRID_SHARED_DATA) is absent: nothing to run")


def orlib_instances(data: Path, names: list[str] | None) -> list[Instance]:
    folder = data / "orlib"
    optima = read_orlib_optima(folder / "pmedopt.txt")
    out = []
    for k in range(1, 16):
        name = f"pmed{k}"
        if names and name not in names:
            continue
        inst = read_orlib(folder / f"{name}.txt")
        out.append(Instance(name, inst.cost, np.ones(inst.n), inst.p, float(optima[name])))
    return out


def sf_instance(data: Path) -> Instance:
    folder = data / "spopt_sf"
    with open(folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv") as fh:
        rows = list(csv.DictReader(fh))
    demands = sorted({r["DestinationName"] for r in rows})
    stores = sorted({r["name"] for r in rows})
    di = {d: i for i, d in enumerate(demands)}
    sj = {s: j for j, s in enumerate(stores)}
    cost = np.full((len(demands), len(stores)), np.inf)
    for r in rows:
        cost[di[r["DestinationName"]], sj[r["name"]]] = float(r["distance"])
    with open(folder / "SF_demand_205_centroid_uniform_weight.csv") as fh:
        pop = {r["NAME"]: float(r["POP2000"]) for r in csv.DictReader(fh)}
    w = np.array([pop[d] for d in demands])
    return Instance("sf-205x16", cost, w, 4, 2982.1268579890657 * w.sum(), tolerance=1e-9)


def swain_instance(data: Path, p: int = 5) -> Instance:
    folder = data / "swain55"
    pts = []
    for line in (folder / "swain.dat").read_text().splitlines():
        tokens = [t for t in line.replace(",", " ").split() if t]
        if len(tokens) == 4:
            pts.append([float(t) for t in tokens[1:]])
    arr = np.asarray(pts)
    cost = np.hypot(arr[:, None, 0] - arr[None, :, 0], arr[:, None, 1] - arr[None, :, 1])
    ref = json.loads((folder / "swain55_benchmarks_computed.json").read_text())
    return Instance(f"swain55-p{p}", cost, arr[:, 2], p, ref["pmedian"][str(p)][0], 5e-5)


# ----------------------------------------------------------------------------- solvers


def run_firegrid(inst: Instance, repeat: int) -> tuple[float | None, bool, float, str]:
    times = []
    res = None
    for _ in range(repeat):
        t = time.perf_counter()
        res = solve_pmedian(inst.cost, inst.p, weights=inst.weights)
        times.append(time.perf_counter() - t)
    assert res is not None
    return res.objective, res.optimal, statistics.median(times), str(res.stats.get("method"))


def spopt_python(arg: str | None) -> str | None:
    if arg:
        return arg
    try:
        import spopt  # noqa: F401

        return sys.executable
    except ImportError:
        return os.environ.get("FIREGRID_SPOPT_PYTHON")


def run_spopt(python: str, inst: Instance, cap: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cpath, wpath = Path(tmp) / "cost.npy", Path(tmp) / "w.npy"
        np.save(cpath, inst.cost)
        np.save(wpath, inst.weights)
        cmd = [python, "-c", SPOPT_WORKER, str(cpath), str(wpath), str(inst.p), str(cap)]
        started = time.perf_counter()
        # A session of its own, so the CBC child dies with it on a timeout.
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            out, err = proc.communicate(timeout=cap + 120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return {"status": "killed", "seconds": time.perf_counter() - started}
        if proc.returncode != 0:
            tail = err.strip().splitlines()[-1:] or ["no output"]
            return {"status": f"error: {tail[0]}", "seconds": time.perf_counter() - started}
        result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
        return result


# ----------------------------------------------------------------------------- report


def fmt_s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def fmt_obj(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.0f}" if abs(x - round(x)) < 1e-6 else f"{x:.4f}"


def markdown(rows: list[Row], cap: float) -> str:
    lines = [
        "| instance | n × m | p | optimum | firegrid | firegrid s | spopt (CBC) | spopt s "
        "| speed-up |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        spopt_obj = fmt_obj(r.spopt_objective) if r.spopt_status != "not run" else "not run"
        spopt_s = fmt_s(r.spopt_s)
        speed = "—"
        if r.speedup is not None:
            speed = f"{r.speedup:.0f}×" if r.speedup >= 10 else f"{r.speedup:.1f}×"
        if r.spopt_status in ("capped", "killed"):
            spopt_s = f"> {cap:.0f} (cap)"
            spopt_obj = f"{fmt_obj(r.spopt_objective)} (not proven)"
            speed = f"> {cap / (r.firegrid_s or 1):.0f}×"
        fg = fmt_obj(r.firegrid_objective) + ("" if r.firegrid_optimal else " (gap)")
        ok = " ✓" if r.equal else (" ✗" if r.equal is False else "")
        lines.append(
            f"| {r.name} | {r.n} × {r.m} | {r.p} | {fmt_obj(r.optimum)} | {fg}{ok} | "
            f"{fmt_s(r.firegrid_s)} | {spopt_obj} | {spopt_s} | {speed} |"
        )
    return "\n".join(lines)


def close(a: float | None, b: float | None, tol: float) -> bool:
    return a is not None and b is not None and abs(a - b) <= tol * max(1.0, abs(b))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument(
        "--quick", action="store_true",
        help="spopt only on the n = 100 instances and the small fixtures (firegrid on all)",
    )  # fmt: skip
    parser.add_argument("--spopt-cap", type=float, default=300.0, help="seconds per spopt run")
    parser.add_argument("--spopt-python", help="interpreter that can import spopt")
    parser.add_argument("--no-spopt", action="store_true", help="firegrid only")
    parser.add_argument("--repeat", type=int, default=3, help="firegrid runs per instance")
    parser.add_argument("--instances", help="comma-separated subset, e.g. pmed1,pmed6,sf")
    args = parser.parse_args(argv)
    log = sys.stderr if args.json else sys.stdout

    data = shared_data()
    names = [s.strip() for s in args.instances.split(",")] if args.instances else None
    instances = orlib_instances(data, names)
    if not names or "sf" in names:
        instances.append(sf_instance(data))
    if not names or "swain" in names:
        instances.append(swain_instance(data))
    python = None if args.no_spopt else spopt_python(args.spopt_python)
    if python is None and not args.no_spopt:
        print("spopt not importable (give --spopt-python): firegrid only", file=log)

    solve_pmedian(instances[0].cost, instances[0].p)  # warm-up (imports, first allocations)
    rows: list[Row] = []
    for inst in instances:
        n, m = inst.cost.shape
        row = Row(inst.name, n, m, inst.p, inst.optimum)
        obj, optimal, secs, method = run_firegrid(inst, max(1, args.repeat))
        row.firegrid_objective, row.firegrid_optimal = obj, optimal
        row.firegrid_s, row.firegrid_method = secs, method
        run_it = python is not None and not (
            args.quick and n > 100 and inst.name.startswith("pmed")
        )
        if run_it:
            assert python is not None
            sp = run_spopt(python, inst, args.spopt_cap)
            row.spopt_objective = sp.get("objective")
            row.spopt_s = sp.get("seconds")
            status = str(sp.get("status"))
            capped = (row.spopt_s or 0) >= args.spopt_cap - 1 or sp.get("sol_status") == 2
            row.spopt_status = "capped" if capped and status != "killed" else status
            if row.spopt_status == "Optimal" and row.spopt_s and secs:
                row.speedup = row.spopt_s / secs
        agree = [close(obj, inst.optimum, inst.tolerance) and optimal]
        if row.spopt_status == "Optimal":
            agree.append(close(row.spopt_objective, obj, max(inst.tolerance, 1e-6)))
        row.equal = all(agree)
        rows.append(row)
        print(
            f"{inst.name:>11}: firegrid {fmt_obj(obj)} in {secs:.3f} s ({method}); spopt "
            f"{fmt_obj(row.spopt_objective)} {row.spopt_status} {fmt_s(row.spopt_s)} s"
            f"{'' if row.equal else '  MISMATCH'}",
            file=log, flush=True,
        )  # fmt: skip

    table = markdown(rows, args.spopt_cap)
    print("\n" + table + "\n", file=log)
    speedups = [r.speedup for r in rows if r.speedup is not None]
    summary = {
        "all_optimal": all(r.firegrid_optimal for r in rows),
        "all_equal": all(bool(r.equal) for r in rows),
        "max_firegrid_s": max(r.firegrid_s or 0.0 for r in rows),
        "total_firegrid_s": sum(r.firegrid_s or 0.0 for r in rows),
        "min_speedup": min(speedups) if speedups else None,
        "spopt_cap_s": args.spopt_cap,
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cpus": os.cpu_count(),
            "machine": platform.machine(),
        },
        "instances": [asdict(r) for r in rows],
    }
    print(
        f"all optimal: {summary['all_optimal']}, all equal: {summary['all_equal']}, "
        f"slowest firegrid: {summary['max_firegrid_s']:.3f} s, "
        f"least speed-up: {summary['min_speedup']}",
        file=log,
    )
    if args.json:
        print(json.dumps(summary, indent=2))
    return 0 if summary["all_equal"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
