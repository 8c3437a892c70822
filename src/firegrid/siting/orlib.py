"""Read OR-Library p-median instances (Beasley 1990) into an all-pairs cost matrix.

Format (``pmed1.txt`` … ``pmed40.txt``)::

    n m p            # vertices, edges, medians
    i j cost         # m undirected edges, vertices numbered 1..n

Every vertex is both a client and a candidate site, and the cost of serving client ``i`` from
site ``j`` is the length of a shortest ``i``–``j`` path. When the same vertex pair appears more
than once, the **last** occurrence's cost counts (Beasley's own generator overwrote its matrix
entry; the published optima were computed that way), so the edges are de-duplicated before the
shortest paths are taken — summing or keeping the minimum of duplicates gives different optima.

This module reads files; the solver (:mod:`firegrid.siting.pmedian`) only sees the matrix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from firegrid.errors import InvalidInputError

__all__ = ["OrlibInstance", "parse_orlib", "read_orlib", "read_orlib_optima"]


@dataclass(frozen=True, eq=False)
class OrlibInstance:
    """An OR-Library p-median instance.

    ``cost[i, j]`` is the shortest-path length from vertex ``i + 1`` to vertex ``j + 1`` (0-based
    indices inside, 1-based OR-Library vertex ids at the edge: add one to a site index).
    """

    name: str
    n: int
    p: int
    n_edges: int
    cost: npt.NDArray[np.float64] = field(repr=False)


def _number(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise ValueError(token)
    return value


def parse_orlib(text: str, *, name: str = "orlib") -> OrlibInstance:
    """Parse the text of an OR-Library p-median file.

    Parameters
    ----------
    text
        The file's contents.
    name
        Used in error messages and as the instance name.

    Returns
    -------
    OrlibInstance
        With the all-pairs shortest-path matrix (scipy's Dijkstra on the de-duplicated graph).

    Raises
    ------
    InvalidInputError
        Naming the line (1-based) and the offending text: a malformed header or edge line, a
        vertex outside ``1..n``, a negative cost, fewer or more edge lines than the header says,
        or a graph that is not connected (some client could not be served at all).
    """
    lines = text.splitlines()
    rows = [(k + 1, line.split()) for k, line in enumerate(lines) if line.strip()]
    if not rows:
        raise InvalidInputError(f"{name}: empty file, expected a header line 'n m p'")
    head_no, head = rows[0]
    try:
        if len(head) != 3:
            raise ValueError
        n, m, p = (int(t) for t in head)
    except ValueError:
        raise InvalidInputError(
            f"{name} line {head_no}: expected the header 'n m p' (three integers), "
            f"got {lines[head_no - 1].strip()!r}"
        ) from None
    if n < 1 or m < 0 or not 1 <= p <= n:
        raise InvalidInputError(
            f"{name} line {head_no}: header needs n >= 1, m >= 0 and 1 <= p <= n, "
            f"got n={n} m={m} p={p}"
        )
    edges = rows[1:]
    if len(edges) < m:
        last = edges[-1][0] if edges else head_no
        raise InvalidInputError(
            f"{name} line {last}: the header promises {m} edges but the file ends after "
            f"{len(edges)}"
        )
    if len(edges) > m:
        extra_no = edges[m][0]
        raise InvalidInputError(
            f"{name} line {extra_no}: unexpected content after the {m} edges the header "
            f"declares: {lines[extra_no - 1].strip()!r}"
        )
    # Last occurrence wins: a dict keyed by the unordered pair, overwritten in file order.
    pair_cost: dict[tuple[int, int], float] = {}
    for line_no, tokens in edges:
        try:
            if len(tokens) != 3:
                raise ValueError
            i, j, c = int(tokens[0]), int(tokens[1]), _number(tokens[2])
        except ValueError:
            raise InvalidInputError(
                f"{name} line {line_no}: expected an edge 'i j cost' (two vertex ids and a "
                f"number), got {lines[line_no - 1].strip()!r}"
            ) from None
        if not (1 <= i <= n and 1 <= j <= n):
            raise InvalidInputError(
                f"{name} line {line_no}: vertex ids must be in 1..{n}, got {i} and {j}"
            )
        if c < 0:
            raise InvalidInputError(f"{name} line {line_no}: negative edge cost {c:g}")
        if i == j:  # a loop never shortens a path; keep the file's intent visible, not fatal
            continue
        pair_cost[(min(i, j) - 1, max(i, j) - 1)] = c
    cost = _all_pairs(n, pair_cost)
    if not np.isfinite(cost).all():
        a, b = np.argwhere(~np.isfinite(cost))[0]
        raise InvalidInputError(
            f"{name}: the graph is not connected (no path from vertex {a + 1} to vertex {b + 1})"
        )
    return OrlibInstance(name=name, n=n, p=p, n_edges=m, cost=cost)


def _all_pairs(n: int, pair_cost: dict[tuple[int, int], float]) -> npt.NDArray[np.float64]:
    if not pair_cost:
        out = np.full((n, n), np.inf)
        np.fill_diagonal(out, 0.0)
        return out
    ij = np.array(list(pair_cost), dtype=np.int64)
    w = np.fromiter(pair_cost.values(), dtype=np.float64, count=len(pair_cost))
    # Zero-length edges are real edges: csgraph treats *explicit* zeros of a sparse matrix as
    # edges, and the pairs are unique here, so the COO -> CSR conversion keeps them as they are.
    graph = sp.csr_array((w, (ij[:, 0], ij[:, 1])), shape=(n, n))
    return np.asarray(shortest_path(graph, method="D", directed=False), dtype=np.float64)


def read_orlib(path: str | Path) -> OrlibInstance:
    """Read an OR-Library p-median file (see :func:`parse_orlib`); the name is the file stem."""
    path = Path(path)
    return parse_orlib(path.read_text(encoding="ascii", errors="replace"), name=path.stem)


def read_orlib_optima(path: str | Path) -> dict[str, int]:
    """Read OR-Library's ``pmedopt.txt`` (``pmed1 5819`` per line, a header line first)."""
    path = Path(path)
    optima: dict[str, int] = {}
    for line_no, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        tokens = line.split()
        if len(tokens) == 2 and tokens[1].lstrip("-").isdigit():
            optima[tokens[0]] = int(tokens[1])
        elif tokens and line_no > 1:
            raise InvalidInputError(
                f"{path.name} line {line_no}: expected 'name value', got {line.strip()!r}"
            )
    return optima
