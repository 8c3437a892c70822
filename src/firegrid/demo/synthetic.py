"""Seeded generation of incident records from published annual totals (demo data only).

Every record made here is synthetic and is stored with ``synthetic = True``. The generator
guarantees that the records add up *exactly* to the totals they were made from: fires, deaths,
injuries and direct loss (in fen) per year, and calls per category per year.

Pure: numpy and shapely in, frozen dataclasses out; the caller supplies the RNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from firegrid.types import IncidentCategory

__all__ = [
    "PointSampler",
    "PolygonSampler",
    "SettlementSampler",
    "SyntheticIncident",
    "YearTotals",
    "generate_incidents",
    "split_exact",
]

_M_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True, slots=True)
class YearTotals:
    """Published totals of one year; calls of other categories are optional."""

    year: int
    fires: int
    deaths: int = 0
    injuries: int = 0
    loss_fen: int | None = None
    rescue: int = 0
    social_assistance: int = 0
    other: int = 0


@dataclass(frozen=True, slots=True)
class SyntheticIncident:
    external_id: str
    received_at: datetime
    category: IncidentCategory
    lon: float
    lat: float
    township_index: int | None
    deaths: int
    injuries: int
    loss_fen: int | None


class PointSampler(Protocol):
    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return ``n`` longitudes, latitudes and township indices (-1 = none)."""
        ...


class PolygonSampler:
    """Uniform points inside one polygon (rejection sampling in its bounding box)."""

    def __init__(self, polygon: BaseGeometry) -> None:
        if polygon.is_empty or polygon.area == 0:
            raise ValueError("cannot sample points in an empty polygon")
        self.polygon = polygon
        shapely.prepare(polygon)

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        minx, miny, maxx, maxy = self.polygon.bounds
        lon_out: list[np.ndarray] = []
        lat_out: list[np.ndarray] = []
        got = 0
        while got < n:
            k = max(64, 2 * (n - got))
            lon = rng.uniform(minx, maxx, k)
            lat = rng.uniform(miny, maxy, k)
            inside = shapely.contains_xy(self.polygon, lon, lat)
            lon_out.append(lon[inside])
            lat_out.append(lat[inside])
            got += int(inside.sum())
        lons = np.concatenate(lon_out)[:n]
        lats = np.concatenate(lat_out)[:n]
        return lons, lats, np.full(n, -1, dtype=np.int64)


class SettlementSampler:
    """Points near settlements: a township by weight, then one of its settlements, then a
    small jitter (normal, ``jitter_m`` standard deviation) kept inside the township polygon.
    """

    def __init__(
        self,
        settlements_lon: np.ndarray,
        settlements_lat: np.ndarray,
        settlement_township: np.ndarray,
        township_weights: np.ndarray,
        township_polygons: Sequence[BaseGeometry],
        *,
        jitter_m: float = 150.0,
    ) -> None:
        self.lon = np.asarray(settlements_lon, dtype=float)
        self.lat = np.asarray(settlements_lat, dtype=float)
        self.township = np.asarray(settlement_township, dtype=np.int64)
        weights = np.asarray(township_weights, dtype=float)
        has_points = np.bincount(self.township, minlength=len(weights)) > 0
        weights = np.where(has_points, weights, 0.0)
        if weights.sum() <= 0:
            raise ValueError("no township has both a positive weight and a settlement")
        self.p = weights / weights.sum()
        self.polygons = list(township_polygons)
        for poly in self.polygons:
            shapely.prepare(poly)
        self.jitter_m = jitter_m
        self.members = [np.flatnonzero(self.township == t) for t in range(len(weights))]

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        towns = rng.choice(len(self.p), size=n, p=self.p)
        lon = np.empty(n)
        lat = np.empty(n)
        for i, t in enumerate(towns):
            base = self.members[t][rng.integers(len(self.members[t]))]
            x, y = self.lon[base], self.lat[base]
            for _ in range(5):
                dy = rng.normal(0.0, self.jitter_m) / _M_PER_DEG_LAT
                dx = rng.normal(0.0, self.jitter_m) / (_M_PER_DEG_LAT * np.cos(np.radians(y)))
                if shapely.contains_xy(self.polygons[t], x + dx, y + dy):
                    x, y = x + dx, y + dy
                    break
            lon[i], lat[i] = x, y
        return lon, lat, towns.astype(np.int64)


def split_exact(total: int, n: int, rng: np.random.Generator, *, sigma: float = 1.5) -> np.ndarray:
    """Split an integer ``total`` into ``n`` non-negative integers with lognormal shares that
    sum to ``total`` exactly (largest-remainder rounding)."""
    if n == 0:
        if total:
            raise ValueError(f"cannot split {total} over zero records")
        return np.zeros(0, dtype=np.int64)
    weights = rng.lognormal(0.0, sigma, n)
    raw = weights / weights.sum() * total
    base = np.floor(raw).astype(np.int64)
    remainder = int(total - base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:remainder]] += 1
    return np.asarray(base, dtype=np.int64)


def _assign_one_each(count: int, n: int, rng: np.random.Generator, what: str) -> np.ndarray:
    """Give ``count`` persons to distinct records (one each) when possible, else spread."""
    out = np.zeros(n, dtype=np.int64)
    if count == 0:
        return out
    if n == 0:
        raise ValueError(f"{count} {what} but no fire records to carry them")
    if count <= n:
        out[rng.choice(n, size=count, replace=False)] = 1
    else:
        np.add.at(out, rng.integers(0, n, size=count), 1)
    return out


def generate_incidents(
    totals: Sequence[YearTotals],
    *,
    sampler: PointSampler,
    rng: np.random.Generator,
    tz: str,
    prefix: str,
) -> list[SyntheticIncident]:
    """Generate the incidents of every year, chronologically numbered ``{prefix}-{year}-{n}``."""
    zone = ZoneInfo(tz)
    out: list[SyntheticIncident] = []
    for t in totals:
        cats = (
            [IncidentCategory.FIRE] * t.fires
            + [IncidentCategory.RESCUE] * t.rescue
            + [IncidentCategory.SOCIAL_ASSISTANCE] * t.social_assistance
            + [IncidentCategory.OTHER] * t.other
        )
        n = len(cats)
        start = datetime(t.year, 1, 1, tzinfo=zone)
        span_s = (datetime(t.year + 1, 1, 1, tzinfo=zone) - start).total_seconds()
        offsets = np.sort(rng.uniform(0.0, span_s, n))
        order = rng.permutation(n)  # categories interleave over the year
        lon, lat, town = sampler.sample(n, rng)
        fire_pos = [i for i in range(n) if cats[order[i]] is IncidentCategory.FIRE]
        deaths = _assign_one_each(t.deaths, len(fire_pos), rng, "deaths")
        injuries = _assign_one_each(t.injuries, len(fire_pos), rng, "injuries")
        losses = split_exact(t.loss_fen, len(fire_pos), rng) if t.loss_fen is not None else None
        fire_k = {pos: k for k, pos in enumerate(fire_pos)}
        for i in range(n):
            cat = cats[order[i]]
            k = fire_k.get(i)
            received = (start + timedelta(seconds=float(offsets[i]))).astimezone(UTC)
            out.append(
                SyntheticIncident(
                    external_id=f"{prefix}-{t.year}-{i + 1:05d}",
                    received_at=received.replace(microsecond=0),
                    category=cat,
                    lon=round(float(lon[i]), 6),
                    lat=round(float(lat[i]), 6),
                    township_index=None if town[i] < 0 else int(town[i]),
                    deaths=int(deaths[k]) if k is not None else 0,
                    injuries=int(injuries[k]) if k is not None else 0,
                    loss_fen=int(losses[k]) if (k is not None and losses is not None) else None,
                )
            )
    return out
