"""The road graph: compact CSR arrays plus node coordinates (pure: numpy/scipy only).

Conventions every network module follows:

* Nodes are ``0..n-1`` with WGS84 ``lon``/``lat``; IDs from the source (OSM node ids) are kept
  in ``node_source_id`` for provenance only — kernels never see them ("ids at the edge").
* Edges are **directed straight segments** sorted by tail node: the out-edges of node ``u`` are
  ``indptr[u]:indptr[u+1]`` and lead to ``head[...]``. A two-way street is two edges; a one-way
  street one. Ways are *not* simplified to intersections, so an edge's geometry is the segment
  between its two nodes (exact road length, snapping and isochrone geometry need nothing else).
* Travel times are per vehicle: ``time_light_s`` for light vehicles, ``time_heavy_s`` for heavy
  appliances, ``inf`` where that vehicle may not pass (e.g. lanes narrower than 4 m).
* Parallel edges between the same pair of nodes may exist (two ways sharing nodes); shortest-
  path code must keep the minimum, not the sum (``scipy.sparse`` sums duplicates!) — use
  :meth:`RoadGraph.csr`, which does this.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from firegrid.errors import InvalidInputError

__all__ = ["FORMAT_VERSION", "RoadGraph", "Vehicle"]

#: Bumped whenever the serialised layout changes.
FORMAT_VERSION = 1

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]


class Vehicle(StrEnum):
    LIGHT = "light"
    HEAVY = "heavy"

    @classmethod
    def parse(cls, vehicle: Vehicle | str) -> Vehicle:
        """The vehicle named, or InvalidInputError listing the accepted names."""
        try:
            return cls(vehicle)
        except ValueError:
            accepted = ", ".join(v.value for v in cls)
            raise InvalidInputError(f"unknown vehicle {vehicle!r}; accepted: {accepted}") from None


@dataclass(frozen=True, eq=False)
class RoadGraph:
    indptr: I64
    head: I32
    length_m: F64
    time_light_s: F64
    time_heavy_s: F64
    #: Road class code per edge (an index into the speed profile's class list).
    road_class: npt.NDArray[np.uint8]
    lon: F64
    lat: F64
    node_source_id: I64 | None = None
    #: Names of the road classes indexed by ``road_class``.
    class_names: tuple[str, ...] = field(default=())

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def from_edges(
        cls,
        tail: npt.ArrayLike,
        head: npt.ArrayLike,
        *,
        length_m: npt.ArrayLike,
        time_light_s: npt.ArrayLike,
        time_heavy_s: npt.ArrayLike,
        road_class: npt.ArrayLike,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        node_source_id: npt.ArrayLike | None = None,
        class_names: tuple[str, ...] = (),
    ) -> RoadGraph:
        """Build from an edge list (any order); validates shapes, ranges and values."""
        t = np.asarray(tail, dtype=np.int64)
        h = np.asarray(head, dtype=np.int64)
        lon_a = np.asarray(lon, dtype=np.float64)
        lat_a = np.asarray(lat, dtype=np.float64)
        n, m = len(lon_a), len(t)
        arrays: dict[str, npt.NDArray[Any]] = {
            "head": h,
            "length_m": np.asarray(length_m, dtype=np.float64),
            "time_light_s": np.asarray(time_light_s, dtype=np.float64),
            "time_heavy_s": np.asarray(time_heavy_s, dtype=np.float64),
            "road_class": np.asarray(road_class, dtype=np.uint8),
        }
        for name, arr in arrays.items():
            if arr.shape != (m,):
                raise InvalidInputError(f"{name} has shape {arr.shape}, expected ({m},)")
        if lat_a.shape != (n,):
            raise InvalidInputError(f"lat has shape {lat_a.shape}, expected ({n},)")
        if m and (t.min() < 0 or t.max() >= n or h.min() < 0 or h.max() >= n):
            raise InvalidInputError(f"edge endpoints must be node indices in [0, {n})")
        for name in ("length_m", "time_light_s"):
            a = arrays[name]
            if m and (not np.isfinite(a).all() or (a < 0).any()):
                raise InvalidInputError(f"{name} must be finite and non-negative")
        heavy = arrays["time_heavy_s"]
        if m and (np.isnan(heavy).any() or (heavy < 0).any()):
            raise InvalidInputError("time_heavy_s must be non-negative (inf = impassable)")
        order = np.argsort(t, kind="stable")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, t + 1, 1)
        np.cumsum(indptr, out=indptr)
        src = None if node_source_id is None else np.asarray(node_source_id, dtype=np.int64)
        return cls(
            indptr=indptr,
            head=arrays["head"][order].astype(np.int32),
            length_m=arrays["length_m"][order],
            time_light_s=arrays["time_light_s"][order],
            time_heavy_s=arrays["time_heavy_s"][order],
            road_class=arrays["road_class"][order],
            lon=lon_a,
            lat=lat_a,
            node_source_id=src,
            class_names=tuple(class_names),
        )

    # -- basic properties -----------------------------------------------------------------

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_edges(self) -> int:
        return len(self.head)

    @cached_property
    def tail(self) -> I64:
        """Tail node of every edge (expanded from ``indptr``)."""
        return np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(self.indptr))

    def travel_time_s(self, vehicle: Vehicle | str) -> F64:
        return self.time_heavy_s if Vehicle(vehicle) is Vehicle.HEAVY else self.time_light_s

    def csr(self, vehicle: Vehicle | str = Vehicle.LIGHT, weight: str = "time") -> sp.csr_array:
        """A scipy CSR matrix of travel times (or lengths with ``weight="length"``): parallel
        edges keep their minimum, impassable edges are dropped. Zero-cost edges are kept as a
        tiny positive value, because scipy treats explicit zeros as missing edges."""
        return self._csr(Vehicle(vehicle), weight)

    def _csr(self, vehicle: Vehicle, weight: str) -> sp.csr_array:
        key = (vehicle, weight)
        cache: dict[tuple[Vehicle, str], sp.csr_array] = self.__dict__.setdefault("_csr_cache", {})
        if key not in cache:
            w = self.length_m if weight == "length" else self.travel_time_s(vehicle)
            ok = np.isfinite(w) if weight != "length" else np.isfinite(self.travel_time_s(vehicle))
            t, h, c = self.tail[ok], self.head[ok].astype(np.int64), w[ok]
            # Keep the minimum of parallel edges: sort by (pair, cost) and take the first.
            order = np.lexsort((c, h, t))
            t, h, c = t[order], h[order], c[order]
            first = np.ones(len(t), dtype=bool)
            first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
            t, h, c = t[first], h[first], c[first]
            c = np.where(c > 0, c, np.finfo(np.float64).tiny)
            cache[key] = sp.csr_array((c, (t, h)), shape=(self.n_nodes, self.n_nodes))
        return cache[key]

    def undirected_by_length(self) -> RoadGraph:
        """The same nodes with every edge usable both ways and weighted by its length in
        metres (as ``time_light_s``): distances for hoses and people on foot, who ignore
        one-way rules. Heavy times stay ``inf`` (not meaningful here)."""
        t, h = self.tail, self.head.astype(np.int64)
        both_len = np.concatenate([self.length_m, self.length_m])
        return RoadGraph.from_edges(
            np.concatenate([t, h]),
            np.concatenate([h, t]),
            length_m=both_len,
            time_light_s=both_len,
            time_heavy_s=np.full(len(both_len), np.inf),
            road_class=np.concatenate([self.road_class, self.road_class]),
            lon=self.lon,
            lat=self.lat,
            class_names=self.class_names,
        )

    def road_km(self, mask: npt.NDArray[np.bool_] | None = None) -> float:
        """Length of road in km counting each street once (a two-way street's two directed
        edges count once); ``mask`` selects edges."""
        return float(
            self.undirected_length_m()[mask if mask is not None else slice(None)].sum() / 1000.0
        )

    def undirected_length_m(self) -> F64:
        """Per edge: its length if it represents the street, 0 for the reverse twin of a
        two-way edge (the one with tail > head), so sums count each street once."""
        cached: F64 | None = self.__dict__.get("_undirected")
        if cached is None:
            t, h = self.tail, self.head.astype(np.int64)
            key_fwd = t * self.n_nodes + h
            key_rev = h * self.n_nodes + t
            has_reverse = np.isin(key_rev, key_fwd)
            cached = np.where(has_reverse & (t > h), 0.0, self.length_m)
            self.__dict__["_undirected"] = cached
        return cached

    # -- persistence -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        extra: dict[str, Any] = (
            {} if self.node_source_id is None else {"node_source_id": self.node_source_id}
        )
        np.savez_compressed(
            buf,
            format_version=np.array(FORMAT_VERSION),
            indptr=self.indptr,
            head=self.head,
            length_m=self.length_m,
            time_light_s=self.time_light_s,
            time_heavy_s=self.time_heavy_s,
            road_class=self.road_class,
            lon=self.lon,
            lat=self.lat,
            class_names=np.array(self.class_names, dtype=np.str_),
            **extra,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> RoadGraph:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            version = int(z["format_version"])
            if version != FORMAT_VERSION:
                raise InvalidInputError(
                    f"road graph format {version} is not supported (expected {FORMAT_VERSION}); "
                    "re-import the network"
                )
            return cls(
                indptr=z["indptr"],
                head=z["head"],
                length_m=z["length_m"],
                time_light_s=z["time_light_s"],
                time_heavy_s=z["time_heavy_s"],
                road_class=z["road_class"],
                lon=z["lon"],
                lat=z["lat"],
                node_source_id=z.get("node_source_id"),
                class_names=tuple(str(s) for s in z["class_names"]),
            )
