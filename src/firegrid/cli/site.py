"""``firegrid site``: station siting models (LSCP, MCLP, p-median, p-center, backup coverage).

Parse → call the kernel → print. Ids stay here: the CSV's demand and candidate ids are mapped
to indices once, and the result's sites (and any explanation) are mapped back.

Exit codes: 0 solved (optimal, or feasible with a gap on a time limit); 1 the request is
infeasible, or no solution was found in time (the message says why); 2 bad arguments or input.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer

from firegrid.cli.common import JsonOption, emit_json, err_console, handle_errors
from firegrid.errors import InvalidInputError
from firegrid.siting.result import SitingResult, SolveStatus

app = typer.Typer(
    name="site",
    help="Station siting: where new stations go, solved to proven optimality (HiGHS).",
    no_args_is_help=True,
)


class Model(StrEnum):
    LSCP = "lscp"
    MCLP = "mclp"
    PMEDIAN = "pmedian"
    PCENTER = "pcenter"
    BACKUP = "backup"


_NEEDS_RADIUS = {Model.LSCP, Model.MCLP, Model.BACKUP}
_NEEDS_P = {Model.MCLP, Model.PMEDIAN, Model.PCENTER}
_HAS_CAPACITY = {Model.PMEDIAN, Model.PCENTER}


def _ids(text: str | None) -> list[str]:
    return [t.strip() for t in (text or "").split(",") if t.strip()]


def _check_args(model: Model, p: int | None, radius: float | None, capacity: float | None) -> None:
    if model in _NEEDS_RADIUS and radius is None:
        raise InvalidInputError(f"--radius is required for --model {model.value}")
    if model not in _NEEDS_RADIUS and radius is not None:
        raise InvalidInputError(f"--radius does not apply to --model {model.value}")
    if model in _NEEDS_P and p is None:
        raise InvalidInputError(f"--p is required for --model {model.value}")
    if model is Model.LSCP and p is not None:
        raise InvalidInputError("--p does not apply to --model lscp (it finds the fewest sites)")
    if capacity is not None and model not in _HAS_CAPACITY:
        raise InvalidInputError("--capacity applies to --model pmedian and pcenter only")


def _fast_pmedian(
    cost: np.ndarray[Any, Any],
    p: int,
    weights: np.ndarray[Any, Any] | None,
    fixed: list[int],
    forbidden: list[int],
    time_limit: float | None,
) -> SitingResult | None:
    """The fast exact p-median (:mod:`firegrid.siting.pmedian`) when it is installed.

    It handles plain instances (fixed and forbidden sites only); everything else goes to the
    generic :class:`~firegrid.siting.problems.PMedian`.
    """
    try:
        from firegrid.siting.pmedian import solve_pmedian
    except ImportError:  # pragma: no cover - the fast solver ships with firegrid
        return None
    kwargs: dict[str, Any] = {"weights": weights, "fixed": fixed, "forbidden": forbidden}
    if time_limit is not None:
        kwargs["time_limit_s"] = time_limit
    return solve_pmedian(cost, p, **kwargs)


def _relabel(
    result: SitingResult, demand_ids: tuple[str, ...], cand_ids: tuple[str, ...]
) -> dict[str, Any]:
    from firegrid.siting.problems import explain

    out = result.as_dict()
    out["sites"] = [cand_ids[j] for j in result.sites]
    detail = dict(out["detail"])
    for key in ("new_sites", "fixed_sites", "kept_sites", "closed_sites"):
        if key in detail:
            detail[key] = [cand_ids[j] for j in detail[key]]
    if "workload" in detail:
        detail["workload"] = {cand_ids[int(j)]: v for j, v in detail["workload"].items()}
    detail.pop("infeasible", None)
    out["detail"] = detail
    if result.detail.get("infeasible"):
        out["reason"] = explain(result, demand_ids, cand_ids)
    if result.assignment is not None:
        out["assignment"] = {
            demand_ids[i]: (cand_ids[j] if j >= 0 else None)
            for i, j in enumerate(result.assignment.tolist())
        }
    return out


@app.command("matrix")
@handle_errors
def matrix_cmd(
    costs: Annotated[
        Path,
        typer.Option(
            "--costs",
            help="Cost-matrix CSV: long (demand,candidate,cost) or wide (a demand id column, "
            "then one column per candidate).",
        ),
    ],
    model: Annotated[
        Model, typer.Option("--model", help="lscp, mclp, pmedian, pcenter or backup.")
    ],
    p: Annotated[
        int | None,
        typer.Option(
            "--p",
            help="Number of sites (mclp, pmedian, pcenter; backup: default the LSCP minimum).",
        ),
    ] = None,
    radius: Annotated[
        float | None,
        typer.Option(
            "--radius", help="Coverage radius in the matrix's units (lscp, mclp, backup)."
        ),
    ] = None,
    weights: Annotated[
        Path | None,
        typer.Option(
            "--weights",
            help="Weights CSV id,weight (population, risk, calls); default 1 per demand.",
        ),
    ] = None,
    fixed: Annotated[
        str | None,
        typer.Option(
            "--fixed", help="Candidate ids kept open (existing stations), comma-separated."
        ),
    ] = None,
    closable: Annotated[
        str | None,
        typer.Option("--closable", help="Existing stations the model may close, comma-separated."),
    ] = None,
    max_closed: Annotated[
        int | None,
        typer.Option("--max-closed", help="At most this many --closable stations close."),
    ] = None,
    forbidden: Annotated[
        str | None,
        typer.Option("--forbidden", help="Candidate ids that may not open, comma-separated."),
    ] = None,
    min_spacing: Annotated[
        float | None,
        typer.Option(
            "--min-spacing",
            help="No two chosen sites closer (candidates must also be demand rows).",
        ),
    ] = None,
    capacity: Annotated[
        float | None,
        typer.Option(
            "--capacity", help="Workload cap per station in weight units (pmedian, pcenter)."
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Seconds; on reaching it the best solution and its gap are reported.",
        ),
    ] = None,
    threads: Annotated[int | None, typer.Option("--threads", help="Solver threads.")] = None,
    demand_col: Annotated[
        str, typer.Option("--demand-col", help="Long layout: the demand id column.")
    ] = "demand",
    candidate_col: Annotated[
        str, typer.Option("--candidate-col", help="Long layout: the candidate id column.")
    ] = "candidate",
    cost_col: Annotated[
        str, typer.Option("--cost-col", help="Long layout: the cost column.")
    ] = "cost",
    json_out: JsonOption = False,
) -> None:
    """Solve a siting model on a cost matrix from CSV."""
    from firegrid.siting.inputs import read_cost_matrix, read_weights
    from firegrid.siting.problems import LSCP, MCLP, BackupCoverage, PCenter, PMedian
    from firegrid.siting.solve import SolverError, SolverOptions

    _check_args(model, p, radius, capacity)
    if time_limit is not None and time_limit <= 0:
        raise InvalidInputError(f"--time-limit must be > 0, got {time_limit:g}")
    m = read_cost_matrix(
        costs, demand_col=demand_col, candidate_col=candidate_col, cost_col=cost_col
    )
    w = read_weights(weights, m.demand_ids) if weights is not None else None
    fx = m.candidate_index(_ids(fixed), "--fixed")
    cl = m.candidate_index(_ids(closable), "--closable")
    fb = m.candidate_index(_ids(forbidden), "--forbidden")
    cand_cost = None
    if min_spacing is not None:
        rows = {d: i for i, d in enumerate(m.demand_ids)}
        missing = [c for c in m.candidate_ids if c not in rows]
        if missing:
            raise InvalidInputError(
                "--min-spacing needs candidate-to-candidate distances: every candidate must also "
                f"be a demand row (missing: {', '.join(missing[:5])})"
            )
        cand_cost = m.cost[[rows[c] for c in m.candidate_ids], :]
    common: dict[str, Any] = {
        "weights": w,
        "fixed": fx,
        "closable": cl,
        "max_closed": max_closed,
        "forbidden": fb,
        "min_spacing": min_spacing,
        "candidate_cost": cand_cost,
    }
    options = SolverOptions(time_limit_s=time_limit, threads=threads)
    try:
        result: SitingResult | None = None
        if model is Model.LSCP:
            result = LSCP.from_cost_matrix(m.cost, radius=radius or 0.0, **common).solve(
                options=options
            )
        elif model is Model.MCLP:
            assert p is not None
            result = MCLP.from_cost_matrix(m.cost, p=p, radius=radius or 0.0, **common).solve(
                options=options
            )
        elif model is Model.BACKUP:
            result = BackupCoverage.from_cost_matrix(
                m.cost, radius=radius or 0.0, p=p, **common
            ).solve(options=options)
        elif model is Model.PCENTER:
            assert p is not None
            result = PCenter.from_cost_matrix(m.cost, p=p, capacity=capacity, **common).solve(
                options=options
            )
        else:
            assert p is not None
            plain = not cl and max_closed is None and min_spacing is None and capacity is None
            # impossible p: the generic model explains it (infeasible, exit 1)
            plain = plain and len(fx) <= p <= m.cost.shape[1] - len(set(fb))
            if plain:
                result = _fast_pmedian(m.cost, p, w, fx, fb, time_limit)
            if result is None:
                result = PMedian.from_cost_matrix(m.cost, p=p, capacity=capacity, **common).solve(
                    options=options
                )
    except SolverError as exc:
        err_console.print(f"[red]error:[/red] the solver failed: {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    _report(result, m.demand_ids, m.candidate_ids, json_out)


def _report(
    result: SitingResult, demand_ids: tuple[str, ...], cand_ids: tuple[str, ...], json_out: bool
) -> None:
    out = _relabel(result, demand_ids, cand_ids)
    if json_out:
        emit_json(out)
    if result.status in (SolveStatus.INFEASIBLE, SolveStatus.NO_SOLUTION):
        word = "infeasible" if result.status is SolveStatus.INFEASIBLE else "no solution"
        reason = out.get("reason") or f"status {result.status.value} (see the JSON detail)"
        err_console.print(f"[red]{word}:[/red] {reason}", soft_wrap=True)
        raise typer.Exit(1)
    if json_out:
        return
    gap = "" if result.optimal else f"  (gap {100 * (result.gap or 0):.2f} %, not proven optimal)"
    typer.echo(f"{result.model}: {result.status.value}, objective {result.objective:g}{gap}")
    typer.echo(f"  sites ({len(result.sites)}): {', '.join(out['sites'])}")
    for key in ("covered_share", "backup_share", "mean_distance", "max_distance"):
        v = out["detail"].get(key)
        if v is not None:
            typer.echo(f"  {key.replace('_', ' ')}: {v:.4g}")
    typer.echo(f"  {result.seconds:.2f} s")


# ----------------------------------------------------------------------------------------
# `firegrid site pmedian --orlib FILE` (the fast exact p-median on OR-Library instances)
# is added here by the p-median work: register it on ``app`` below this line.
# ----------------------------------------------------------------------------------------


@app.command("pmedian")
@handle_errors
def pmedian_cmd(
    orlib: Annotated[
        Path,
        typer.Option(
            "--orlib",
            help="OR-Library p-median file (pmed1.txt …): 'n m p', then m edges 'i j cost'.",
        ),
    ],
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Seconds; on reaching it the best solution and its gap are reported.",
        ),
    ] = 60.0,
    json_out: JsonOption = False,
) -> None:
    """Solve an OR-Library p-median instance to proven optimality (sites are 1-based vertex ids)."""
    from firegrid.siting.orlib import read_orlib
    from firegrid.siting.pmedian import solve_pmedian

    if not time_limit > 0:
        raise InvalidInputError(f"--time-limit must be > 0, got {time_limit:g}")
    inst = read_orlib(orlib)
    result = solve_pmedian(inst.cost, inst.p, time_limit_s=time_limit)
    sites = [j + 1 for j in result.sites]
    if json_out:
        emit_json(
            {
                "instance": inst.name,
                "p": inst.p,
                "status": result.status.value,
                "objective": result.objective,
                "bound": result.bound,
                "optimal": result.optimal,
                "gap": result.gap,
                "sites": sites,
                "seconds": round(result.seconds, 4),
            }
        )
    if result.objective is None:
        err_console.print(f"[red]no solution:[/red] {result.reason}", soft_wrap=True)
        raise typer.Exit(1)
    if json_out:
        return
    gap = "" if result.optimal else f", gap {100 * (result.gap or 0):.3f} % (not proven)"
    typer.echo(
        f"{inst.name} (n={inst.n}, p={inst.p}): {result.status.value}, objective "
        f"{result.objective:g}, bound {result.bound:g}{gap}, {result.seconds:.2f} s"
    )
    typer.echo(f"  sites: {' '.join(map(str, sites))}")
