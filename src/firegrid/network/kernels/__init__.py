"""Travel-time kernels on a :class:`~firegrid.network.graph.RoadGraph` (pure: numpy/scipy).

Node indices in, arrays out ("ids at the edge, indices inside"); no database, no files.

============================  ===================================================================
:func:`one_to_all`            travel time from one node (or snapped point) to every node
:func:`multi_source`          for every node the best (offset + travel time) over many sources,
                              and which source achieves it — first-due districts and coverage in
                              a single Dijkstra
:func:`many_to_many`          a sources × targets matrix
:func:`route`                 fastest route between two snapped points, with its length and nodes
:func:`sources_from_snaps`    snapped points as (node, start offset) pairs for the above
:func:`times_to_snaps`        from node times to arrival times at snapped points
:func:`times_to_target`       every snapped origin's fastest time to one snapped target (equal
                              to :func:`route`), in one backward search — units to an incident
:func:`nearest_by_distance`   the k snapped points nearest to a snapped origin by network
                              distance (metres, both ways on every street, off-network legs
                              included), in one bounded search — water sources near an incident
============================  ===================================================================

Semantics shared by all kernels:

* Times are seconds for ``vehicle`` ("light" or "heavy"); edges with an infinite time for that
  vehicle are impassable. Parallel edges count with their minimum.
* ``inf`` marks a node that is unreachable, or farther than ``cutoff_s``. A node exactly at the
  cutoff is reachable (``time <= cutoff_s``).
* Results equal networkx's Dijkstra on the same edges to floating-point rounding (tests check
  1e-6 s).

How it is fast. Every search is one call of scipy's compiled Dijkstra
(:func:`scipy.sparse.csgraph.dijkstra`), on a *contracted* graph built once per graph and
vehicle and then cached: chains of degree-2 nodes are contracted and the rest is stored for
search speed (:mod:`~firegrid.network.kernels._contract`), and one search serves many sources
and stops at the cutoff (:mod:`~firegrid.network.kernels._search`).

``benchmarks/network.py`` measures all this against networkx and raw scipy; figures are in
``benchmarks/README.md``. :func:`route` searches the full graph (a single query, and the path
comes out with every node).

Private modules: ``_validate`` (argument checks), ``_contract`` (the contracted graph),
``_search`` (searches on it), ``_snaps`` (snapped points as sources and targets),
``_queries`` (the search kernels and :class:`Route`) and ``_targets`` (the unit-recommendation
kernels: the reversed contracted graph, the by-length graph).
"""

from firegrid.network.kernels._contract import _core as _core  # for the tests and benchmarks
from firegrid.network.kernels._queries import (
    Route,
    many_to_many,
    multi_source,
    one_to_all,
    route,
)
from firegrid.network.kernels._snaps import SnapSources, sources_from_snaps, times_to_snaps
from firegrid.network.kernels._targets import nearest_by_distance, times_to_target

__all__ = [
    "Route",
    "SnapSources",
    "many_to_many",
    "multi_source",
    "nearest_by_distance",
    "one_to_all",
    "route",
    "sources_from_snaps",
    "times_to_snaps",
    "times_to_target",
]
