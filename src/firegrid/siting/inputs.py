"""Read siting inputs from files: cost matrices (CSV), demand weights (CSV), Swain's 55 nodes.

Ids stay at this edge: a :class:`CostMatrix` carries the demand and candidate ids next to a
plain ``float`` matrix, and the models only ever see 0-based indices into it.

Cost-matrix CSV — two layouts, told apart by the header:

* **long** — the header has the columns ``demand``, ``candidate`` and ``cost`` (names are
  case-insensitive and configurable; other columns are ignored). One row per pair; a pair that
  is absent is **unreachable** (``inf``), as in a network distance table cut at some limit.
  Ids are kept in order of first appearance.
* **wide** — any other header: the first column holds demand ids (its header cell is free
  text), every further header cell is a candidate id, and each row gives that demand's cost to
  every candidate. An empty cell or ``inf`` means unreachable.

Costs must be numbers ≥ 0. Every bad row is reported at once as an
:class:`~firegrid.errors.ImportValidationError` naming the data row (header excluded) and the
column; a structural problem (no demand column, duplicate ids) is an
:class:`~firegrid.errors.InvalidInputError`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from firegrid.errors import ImportValidationError, InvalidInputError, RowError
from firegrid.geo.io import CsvTable, read_csv_table

__all__ = [
    "CostMatrix",
    "parse_cost_matrix",
    "parse_swain",
    "parse_weights",
    "read_cost_matrix",
    "read_swain",
    "read_weights",
]

FloatArray = npt.NDArray[np.float64]

_UNREACHABLE = {"inf", "+inf", "infinity", "+infinity"}


@dataclass(frozen=True, eq=False)
class CostMatrix:
    """A demands × candidates cost matrix with its ids (``inf`` = unreachable).

    ``weights`` (one per demand) is set by loaders whose format carries them (Swain) or by
    :meth:`with_weights`; ``layout`` says how the file was read (``long``, ``wide``, ``swain``).
    """

    cost: FloatArray
    demand_ids: tuple[str, ...]
    candidate_ids: tuple[str, ...]
    weights: FloatArray | None = None
    layout: str = "wide"

    def with_weights(self, weights: FloatArray) -> CostMatrix:
        return CostMatrix(self.cost, self.demand_ids, self.candidate_ids, weights, self.layout)

    def candidate_index(self, ids: Sequence[str], what: str = "candidate") -> list[int]:
        """Indices of the given candidate ids; an unknown id is an :class:`InvalidInputError`."""
        pos = {c: j for j, c in enumerate(self.candidate_ids)}
        missing = [i for i in ids if i not in pos]
        if missing:
            raise InvalidInputError(f"{what}: unknown candidate id(s) {', '.join(missing[:5])}")
        return [pos[i] for i in ids]


def _cost_cell(cell: str, *, blank_ok: bool) -> tuple[float, str | None]:
    s = cell.strip()
    if not s:
        return (math.inf, None) if blank_ok else (math.nan, "empty")
    if s.lower() in _UNREACHABLE:
        return math.inf, None
    try:
        v = float(s)
    except ValueError:
        return math.nan, f"not a number: {s!r}"
    if math.isnan(v):
        return math.nan, f"not a number: {s!r}"
    if v < 0:
        return math.nan, f"negative cost {v:g}"
    return v, None


def _find(fields: list[str], name: str) -> str | None:
    low = {f.lower(): f for f in fields}
    return low.get(name.lower())


def parse_cost_matrix(
    data: bytes,
    *,
    source: str = "cost matrix",
    demand_col: str = "demand",
    candidate_col: str = "candidate",
    cost_col: str = "cost",
) -> CostMatrix:
    """Parse a cost-matrix CSV (long or wide layout, see the module docstring)."""
    table = read_csv_table(data, source=source)
    names = [_find(table.fields, c) for c in (demand_col, candidate_col, cost_col)]
    if all(n is not None for n in names):
        d, c, k = (n for n in names if n is not None)
        return _parse_long(table, source, d, c, k)
    return _parse_wide(table, source)


def _parse_long(table: CsvTable, source: str, dcol: str, ccol: str, kcol: str) -> CostMatrix:
    errors: list[RowError] = []
    dpos: dict[str, int] = {}
    cpos: dict[str, int] = {}
    seen: dict[tuple[int, int], int] = {}
    ii: list[int] = []
    jj: list[int] = []
    vv: list[float] = []
    for row, rec in table.rows:
        dem, can = rec.get(dcol, "").strip(), rec.get(ccol, "").strip()
        bad = False
        if not dem:
            errors.append(RowError(row, dcol, "empty demand id"))
            bad = True
        if not can:
            errors.append(RowError(row, ccol, "empty candidate id"))
            bad = True
        v, err = _cost_cell(rec.get(kcol, ""), blank_ok=False)
        if err:
            errors.append(RowError(row, kcol, err))
            bad = True
        if bad:
            continue
        i = dpos.setdefault(dem, len(dpos))
        j = cpos.setdefault(can, len(cpos))
        first = seen.get((i, j))
        if first is not None:
            errors.append(RowError(row, ccol, f"pair ({dem}, {can}) already given on row {first}"))
            continue
        seen[(i, j)] = row
        ii.append(i)
        jj.append(j)
        vv.append(v)
    if errors:
        raise ImportValidationError(errors, source=source)
    cost = np.full((len(dpos), len(cpos)), math.inf)
    cost[np.asarray(ii, dtype=np.int64), np.asarray(jj, dtype=np.int64)] = vv
    return CostMatrix(cost, tuple(dpos), tuple(cpos), None, "long")


def _parse_wide(table: CsvTable, source: str) -> CostMatrix:
    if len(table.fields) < 2:
        raise InvalidInputError(
            f"{source}: need either the columns demand,candidate,cost (long layout) or a demand "
            f"id column followed by one column per candidate (wide layout); header is "
            f"{','.join(table.fields)}"
        )
    id_col, cand = table.fields[0], table.fields[1:]
    empty = [k + 2 for k, c in enumerate(cand) if not c]
    if empty:
        raise InvalidInputError(f"{source}: header column {empty[0]} has no candidate id")
    errors: list[RowError] = []
    ids: list[str] = []
    first_row: dict[str, int] = {}
    rows: list[list[float]] = []
    for row, rec in table.rows:
        dem = rec.get(id_col, "").strip()
        if not dem:
            errors.append(RowError(row, id_col or "demand", "empty demand id"))
        elif dem in first_row:
            errors.append(
                RowError(row, id_col or "demand", f"demand {dem} already on row {first_row[dem]}")
            )
        else:
            first_row[dem] = row
        if "*" in rec:
            errors.append(RowError(row, "*", f"more cells than header columns: {rec['*']}"))
        vals: list[float] = []
        for c in cand:
            v, err = _cost_cell(rec.get(c, ""), blank_ok=True)
            if err:
                errors.append(RowError(row, c, err))
            vals.append(v)
        ids.append(dem)
        rows.append(vals)
    if errors:
        raise ImportValidationError(errors, source=source)
    return CostMatrix(np.asarray(rows, dtype=np.float64), tuple(ids), tuple(cand), None, "wide")


def read_cost_matrix(
    path: str | Path,
    *,
    demand_col: str = "demand",
    candidate_col: str = "candidate",
    cost_col: str = "cost",
) -> CostMatrix:
    """Read a cost-matrix CSV file (long or wide layout, see the module docstring)."""
    p = Path(path)
    return parse_cost_matrix(
        _read_bytes(p),
        source=p.name,
        demand_col=demand_col,
        candidate_col=candidate_col,
        cost_col=cost_col,
    )


def parse_weights(
    data: bytes,
    demand_ids: Sequence[str],
    *,
    source: str = "weights",
    id_col: str = "id",
    weight_col: str = "weight",
) -> FloatArray:
    """Weights CSV (``id,weight``) → one weight per demand, in ``demand_ids`` order.

    Every demand needs a weight; an unknown id, a duplicate, or a weight that is not a finite
    number ≥ 0 is reported with its row.
    """
    table = read_csv_table(data, source=source)
    icol, wcol = _find(table.fields, id_col), _find(table.fields, weight_col)
    if icol is None or wcol is None:
        raise InvalidInputError(
            f"{source}: need columns {id_col},{weight_col}; header is {','.join(table.fields)}"
        )
    pos = {d: i for i, d in enumerate(demand_ids)}
    w = np.full(len(demand_ids), math.nan)
    errors: list[RowError] = []
    where: dict[str, int] = {}
    for row, rec in table.rows:
        did = rec.get(icol, "").strip()
        cell = rec.get(wcol, "").strip()
        if did not in pos:
            errors.append(RowError(row, icol, f"unknown demand id {did!r}" if did else "empty id"))
            continue
        if did in where:
            errors.append(RowError(row, icol, f"demand {did} already on row {where[did]}"))
            continue
        where[did] = row
        try:
            v = float(cell)
        except ValueError:
            errors.append(RowError(row, wcol, f"not a number: {cell!r}" if cell else "empty"))
            continue
        if not math.isfinite(v) or v < 0:
            errors.append(RowError(row, wcol, f"weight {cell} is not a finite number ≥ 0"))
            continue
        w[pos[did]] = v
    if errors:
        raise ImportValidationError(errors, source=source)
    missing = [demand_ids[int(i)] for i in np.flatnonzero(np.isnan(w))]
    if missing:
        more = f" (+{len(missing) - 5} more)" if len(missing) > 5 else ""
        raise InvalidInputError(f"{source}: no weight for demand(s) {', '.join(missing[:5])}{more}")
    return w


def read_weights(
    path: str | Path, demand_ids: Sequence[str], *, id_col: str = "id", weight_col: str = "weight"
) -> FloatArray:
    """Read a weights CSV file (see :func:`parse_weights`)."""
    p = Path(path)
    return parse_weights(
        _read_bytes(p), demand_ids, source=p.name, id_col=id_col, weight_col=weight_col
    )


_NUM = re.compile(r"[,\s]+")


def parse_swain(text: str, *, source: str = "swain.dat") -> tuple[CostMatrix, FloatArray]:
    """Swain's 55-node data: lines ``id, x, y, population`` (commas and/or spaces, trailing
    separators allowed; an optional first line with the node count).

    Returns the Euclidean cost matrix (every node is a demand and a candidate, ids as written,
    weights = population) and the ``(n, 2)`` coordinates.
    """
    errors: list[RowError] = []
    ids: list[str] = []
    xyw: list[tuple[float, float, float]] = []
    declared: int | None = None
    for line_no, line in enumerate(text.splitlines(), start=1):
        tokens = [t for t in _NUM.split(line.strip()) if t]
        if not tokens:
            continue
        if len(tokens) == 1 and not ids and declared is None and tokens[0].isdigit():
            declared = int(tokens[0])
            continue
        if len(tokens) != 4:
            errors.append(
                RowError(line_no, "line", f"expected id, x, y, population; got {line.strip()!r}")
            )
            continue
        try:
            x, y, pop = (float(t) for t in tokens[1:])
        except ValueError:
            errors.append(
                RowError(line_no, "line", f"x, y, population must be numbers: {line.strip()!r}")
            )
            continue
        if not all(math.isfinite(v) for v in (x, y, pop)) or pop < 0:
            errors.append(RowError(line_no, "population", f"bad values in {line.strip()!r}"))
            continue
        ids.append(tokens[0])
        xyw.append((x, y, pop))
    if errors:
        raise ImportValidationError(errors, source=source)
    if not ids:
        raise InvalidInputError(f"{source}: no nodes")
    if declared is not None and declared != len(ids):
        raise InvalidInputError(f"{source}: header says {declared} nodes, file has {len(ids)}")
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InvalidInputError(f"{source}: duplicate node id(s) {', '.join(dup)}")
    arr = np.asarray(xyw, dtype=np.float64)
    xy = arr[:, :2]
    cost = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    matrix = CostMatrix(cost, tuple(ids), tuple(ids), arr[:, 2].copy(), "swain")
    return matrix, xy


def read_swain(path: str | Path) -> tuple[CostMatrix, FloatArray]:
    """Read Swain's 55-node file (see :func:`parse_swain`)."""
    p = Path(path)
    try:
        text = _read_bytes(p).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{p.name}: not a text file ({exc.reason})") from None
    return parse_swain(text, source=p.name)


def _read_bytes(p: Path) -> bytes:
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise InvalidInputError(f"no such file: {p}") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{p} is a directory, not a file") from None
    except OSError as exc:
        raise InvalidInputError(f"cannot read {p}: {exc.strerror}") from None
