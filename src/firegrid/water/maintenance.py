"""Pure rules of the water-source loop: ticket moves, the 完好 checklist, status history, the
monthly intact rate and the new-hydrant planning list. No database, no clock.

The maintenance loop (发现 → 通报 → 维修 → 复核)
-----------------------------------------------
::

    discovered ──► notified ──► repairing ──► rechecked (closed)
                       ▲             │
                       └─────────────┘  recheck failed: the repairer is notified again

Each ticket state sets the source's status: discovered/notified → ``faulty``, repairing →
``out_of_service`` (under repair), rechecked → ``in_service``. Dispatch offers only
``in_service`` sources, so a defective or repairing source drops out of every recommendation.

Intact rate (完好率) of a month
-------------------------------
``intact ÷ registered`` at the instant the month ends (local midnight of the 1st of the next
month in the district's time zone), overall and per kind, where

* a source's status at an instant is the ``to_status`` of its last status event at or before it;
  before its first event it had that event's ``from_status``; a source with no event has its
  current status throughout (status changes are recorded since the history was introduced);
* **registered** = it exists then (``commissioned_year`` unknown or ≤ the month's year) and its
  status is neither ``planned`` (not built) nor ``removed`` (demolished);
* **intact** = registered and ``in_service``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from firegrid.errors import InvalidInputError
from firegrid.transitions import check_transition
from firegrid.types import WaterSourceKind, WaterSourceStatus, WaterTicketStatus
from firegrid.water.standards import WaterStandards

__all__ = [
    "NOT_REGISTERED",
    "SOURCE_STATUS_FOR_TICKET",
    "TICKET_TRANSITIONS",
    "Assessment",
    "IntactCount",
    "PlanningItem",
    "SourceHistory",
    "assess",
    "check_ticket_transition",
    "intact_counts",
    "month_end_utc",
    "planning_list",
    "status_at",
]

T = WaterTicketStatus
TICKET_TRANSITIONS: dict[WaterTicketStatus, frozenset[WaterTicketStatus]] = {
    T.DISCOVERED: frozenset({T.NOTIFIED}),
    T.NOTIFIED: frozenset({T.REPAIRING}),
    T.REPAIRING: frozenset({T.RECHECKED, T.NOTIFIED}),
    T.RECHECKED: frozenset(),
}

W = WaterSourceStatus
SOURCE_STATUS_FOR_TICKET: dict[WaterTicketStatus, WaterSourceStatus] = {
    T.DISCOVERED: W.FAULTY,
    T.NOTIFIED: W.FAULTY,
    T.REPAIRING: W.OUT_OF_SERVICE,
    T.RECHECKED: W.IN_SERVICE,
}
#: Statuses that are not counted as registered (not built yet, or demolished).
NOT_REGISTERED = frozenset({W.PLANNED, W.REMOVED})


def check_ticket_transition(ticket: str, old: WaterTicketStatus, new: WaterTicketStatus) -> None:
    """Raise ConflictError naming the ticket and the allowed moves unless ``old → new`` is one."""
    check_transition(f"water ticket {ticket}", TICKET_TRANSITIONS, old, new, none="none (closed)")


# -- the 完好 checklist -----------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    intact: bool
    #: Failed checklist items and readings (``pressure``, ``flow``), in checklist order.
    failed: tuple[str, ...]


def assess(
    standards: WaterStandards,
    kind: WaterSourceKind,
    checks: Mapping[str, bool | None],
    *,
    pressure_mpa: float | None = None,
    flow_l_s: float | None = None,
) -> Assessment:
    """Judge an inspection: every checked item must hold and readings meet the kind's minimum.

    Unchecked items (``None``) and readings not taken do not fail the inspection.
    """
    unknown = set(checks) - set(standards.items)
    if unknown:
        raise InvalidInputError(
            f"unknown checklist items {sorted(unknown)}; known: {', '.join(standards.items)}"
        )
    for name, value in (("pressure_mpa", pressure_mpa), ("flow_l_s", flow_l_s)):
        if value is not None and (not math.isfinite(value) or value < 0):
            raise InvalidInputError(f"{name} must be a non-negative number, got {value}")
    failed = [item for item in standards.items if checks.get(item) is False]
    rule = standards.readings.get(kind)
    if rule is not None:
        if (
            pressure_mpa is not None
            and rule.min_pressure_mpa is not None
            and pressure_mpa < rule.min_pressure_mpa
        ):
            failed.append("pressure")
        if flow_l_s is not None and rule.min_flow_l_s is not None and flow_l_s < rule.min_flow_l_s:
            failed.append("flow")
    return Assessment(intact=not failed, failed=tuple(failed))


# -- status history and the monthly intact rate ---------------------------------------------------


@dataclass(frozen=True)
class SourceHistory:
    """One source: kind, current status, commissioning year and its status events in time
    order as ``(at, from_status, to_status)``."""

    kind: WaterSourceKind
    status: WaterSourceStatus
    commissioned_year: int | None
    events: tuple[tuple[datetime, WaterSourceStatus, WaterSourceStatus], ...] = ()


def status_at(src: SourceHistory, at: datetime) -> WaterSourceStatus:
    """The source's status at instant ``at`` (see the module docstring)."""
    last: WaterSourceStatus | None = None
    for t, old, new in src.events:
        if t <= at:
            last = new
        else:
            return last if last is not None else old
    return last if last is not None else src.status


def month_end_utc(month: str, timezone: str) -> tuple[datetime, int]:
    """The UTC instant month ``YYYY-MM`` ends in ``timezone``, and the month's year."""
    try:
        y_text, m_text = month.strip().split("-")
        year, mon = int(y_text), int(m_text)
        if not 1 <= mon <= 12 or not 1900 <= year <= 2100:
            raise ValueError
    except ValueError:
        raise InvalidInputError(f"month {month!r}: give YYYY-MM, e.g. 2026-01") from None
    nxt = (year + 1, 1) if mon == 12 else (year, mon + 1)
    local = datetime(nxt[0], nxt[1], 1, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC), year


@dataclass(frozen=True)
class IntactCount:
    intact: int
    registered: int

    @property
    def rate_percent(self) -> float | None:
        return round(self.intact / self.registered * 100, 2) if self.registered else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "registered": self.registered,
            "rate_percent": self.rate_percent,
        }


def intact_counts(
    sources: Sequence[SourceHistory], at: datetime, year: int
) -> tuple[IntactCount, dict[WaterSourceKind, IntactCount]]:
    """Intact and registered sources at ``at`` — overall and per kind (kinds with none left out)."""
    per: dict[WaterSourceKind, list[int]] = {}
    for src in sources:
        if src.commissioned_year is not None and src.commissioned_year > year:
            continue
        st = status_at(src, at)
        if st in NOT_REGISTERED:
            continue
        c = per.setdefault(src.kind, [0, 0])
        c[1] += 1
        c[0] += st == W.IN_SERVICE
    by_kind = {k: IntactCount(v[0], v[1]) for k, v in sorted(per.items(), key=lambda kv: kv[0])}
    total = IntactCount(
        sum(c.intact for c in by_kind.values()), sum(c.registered for c in by_kind.values())
    )
    return total, by_kind


# -- the new-hydrant planning list -------------------------------------------------------------


@dataclass(frozen=True)
class PlanningItem:
    rank: int
    #: ``place`` (a settlement beyond the radius) or ``road`` (a road stretch beyond reach).
    kind: str
    label: str
    lon: float
    lat: float
    #: Population (or weight) of the place; 0 for road stretches.
    weight: float
    #: Straight-line distance to the nearest in-service hydrant (places) / gap length (roads).
    distance_m: float
    hydrants_proposed: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "kind": self.kind,
            "label": self.label,
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "weight": self.weight,
            "distance_m": round(self.distance_m, 1),
            "hydrants_proposed": self.hydrants_proposed,
        }


def _line_length_m(coords: Sequence[Sequence[float]]) -> float:
    total = 0.0
    for (x0, y0, *_), (x1, y1, *_) in itertools.pairwise(coords):
        k = math.cos(math.radians((y0 + y1) / 2))
        total += math.hypot((x1 - x0) * 111_320.0 * k, (y1 - y0) * 110_574.0)
    return total


def _midpoint(coords: Sequence[Sequence[float]]) -> tuple[float, float]:
    half = _line_length_m(coords) / 2
    run = 0.0
    for a, b in itertools.pairwise(coords):
        seg = _line_length_m([a, b])
        if run + seg >= half and seg > 0:
            f = (half - run) / seg
            return a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])
        run += seg
    return coords[0][0], coords[0][1]


def planning_list(
    analysis: Mapping[str, Any], *, road_metres_per_hydrant: float, min_gap_m: float = 0.0
) -> list[PlanningItem]:
    """Rank the gaps of a hydrant analysis into places to build hydrants.

    Places beyond the radius come first, by weight (population) then distance, one hydrant
    each; road stretches beyond the along-road distance follow, longest first, with
    ``ceil(length / road_metres_per_hydrant)`` hydrants at the stretch's midpoint.
    """
    items: list[tuple[int, float, float, str, str, float, float, float, int]] = []
    for p in analysis.get("uncovered") or []:
        geom = p.get("geometry") or {}
        coords = geom.get("coordinates") or [p.get("lon"), p.get("lat")]
        if coords[0] is None:
            continue
        dist = float(p.get("hydrant_distance_m") or p.get("distance_m") or 0.0)
        weight = float(p.get("weight", 1.0))
        items.append(
            (0, -weight, -dist, "place", str(p.get("label", "")), coords[0], coords[1], dist, 1)
        )
    gaps = analysis.get("gaps") or {}
    lines: list[Any] = []
    if gaps.get("type") == "MultiLineString":
        lines = gaps.get("coordinates") or []
    elif gaps.get("type") == "LineString":
        lines = [gaps.get("coordinates") or []]
    for i, line in enumerate(lines):
        if len(line) < 2:
            continue
        length = _line_length_m(line)
        if length <= min_gap_m:
            continue
        x, y = _midpoint(line)
        n = max(1, math.ceil(length / road_metres_per_hydrant))
        items.append((1, 0.0, -length, "road", f"road gap {i + 1}", x, y, length, n))
    items.sort(key=lambda t: (t[0], t[1], t[2], t[4]))
    return [
        PlanningItem(
            rank=r + 1,
            kind=t[3],
            label=t[4],
            lon=float(t[5]),
            lat=float(t[6]),
            weight=-t[1],
            distance_m=t[7],
            hydrants_proposed=t[8],
        )
        for r, t in enumerate(items)
    ]
