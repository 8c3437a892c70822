"""Choosing units for a run card (pure: numpy in, a frozen result out).

Greedy by ETA, need by need, scarcest need first: each need takes the ``count`` nearest
available units that match it and are not yet taken; then the card's minimums (appliances,
distinct stations, personnel) are filled with the nearest units of the fill types. Light units
(a micro station's team, a motorcycle) join as first responders but count towards none of the
minimums: those are the fire-service force the level calls for. Whatever
cannot be met is a shortfall, stated per need and per minimum — never silently dropped.

For a need whose candidates match no other need (the usual case: aerial, rescue, water
tenders), nearest-first is optimal for every unit's ETA. Overlapping needs are served
scarcest first so that a rare unit type is not used up by a common need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from firegrid.dispatch.runcards import Card, Need

__all__ = ["LIGHT_TYPES", "Fleet", "Pick", "alternatives", "choose_units"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Unit types that do not count as appliances (消防车) towards a card's minimum.
LIGHT_TYPES = frozenset({"team", "motorcycle"})


@dataclass(frozen=True, eq=False)
class Fleet:
    """The units that could go, as parallel arrays (index = position in the caller's list).

    ``eta_s`` is ``inf`` for a unit that cannot reach the scene; ``available`` marks units that
    may be chosen (the caller decides: available, and returning ones if enabled).
    """

    unit_type: Sequence[str]
    specialty: Sequence[str | None]
    station: I64
    crew: I64
    eta_s: F64
    available: npt.NDArray[np.bool_]
    #: Units already sent to this incident (an escalation adds to them, it does not restart).
    committed: npt.NDArray[np.bool_] | None = None

    def __post_init__(self) -> None:
        n = len(self.unit_type)
        names = ["specialty", "station", "crew", "eta_s", "available"]
        if self.committed is not None:
            names.append("committed")
        for name in names:
            if len(getattr(self, name)) != n:
                raise ValueError(f"Fleet.{name} has {len(getattr(self, name))} entries, not {n}")


@dataclass(frozen=True)
class Pick:
    """The chosen units and what is still missing."""

    #: Fleet indices of the units to send now, sorted by ETA (ties by index).
    chosen: tuple[int, ...]
    #: For each chosen unit, the index of the card need it meets (``None``: a minimum fill).
    need_of: tuple[int | None, ...]
    #: Per card need, how many units could not be found (0 when met; optional needs 0).
    missing: tuple[int, ...]
    stations_short: int = 0
    appliances_short: int = 0
    personnel_short: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    #: Units already at or on their way to this incident that count towards the card.
    kept: tuple[int, ...] = ()

    @property
    def complete(self) -> bool:
        return not any(self.missing) and not (
            self.stations_short or self.appliances_short or self.personnel_short
        )


def _matches(fleet: Fleet, need: Need) -> npt.NDArray[np.bool_]:
    if need.specialty is not None:
        m = np.array([s == need.specialty for s in fleet.specialty], dtype=bool)
        if need.types:
            m &= np.array([t in need.types for t in fleet.unit_type], dtype=bool)
        return m
    return np.array([t in need.types for t in fleet.unit_type], dtype=bool)


def choose_units(fleet: Fleet, card: Card) -> Pick:
    """Choose units for ``card`` from ``fleet`` (see the module docstring)."""
    n = len(fleet.unit_type)
    eta = np.asarray(fleet.eta_s, dtype=np.float64)
    usable = np.asarray(fleet.available, dtype=bool) & np.isfinite(eta)
    order = np.argsort(eta, kind="stable")
    order = order[usable[order]]
    committed = (
        np.zeros(n, dtype=bool)
        if fleet.committed is None
        else np.asarray(fleet.committed, dtype=bool)
    )
    usable &= ~committed
    taken = committed.copy()
    # Units already sent count first (they are at the scene or on their way).
    chosen: list[int] = [int(i) for i in np.flatnonzero(committed)]
    need_of: list[int | None] = [None] * len(chosen)
    missing = [0] * len(card.needs)
    credit = _credit_committed(fleet, card, committed)

    masks = [_matches(fleet, need) & usable for need in card.needs]
    for k, need in enumerate(card.needs):
        if need.max_eta_s is not None:
            masks[k] &= eta <= need.max_eta_s
    # Scarcest first; optional needs (first responders) first of all, as they only add.
    sequence = sorted(
        range(len(card.needs)),
        key=lambda k: (not card.needs[k].optional, int(masks[k].sum()), k),
    )
    for k in sequence:
        need = card.needs[k]
        got = min(credit[k], need.count)
        for i in order:
            if got == need.count:
                break
            if masks[k][i] and not taken[i]:
                taken[i] = True
                chosen.append(int(i))
                need_of.append(k)
                got += 1
        if not need.optional:
            missing[k] = need.count - got

    fill = np.array([t in card.fill_types for t in fleet.unit_type], dtype=bool) & usable
    crew = np.asarray(fleet.crew, dtype=np.int64)
    station = np.asarray(fleet.station, dtype=np.int64)

    def appliances() -> int:
        return sum(1 for i in chosen if fleet.unit_type[i] not in LIGHT_TYPES)

    def stations_used() -> set[int]:
        # Stations sending an appliance: a micro station's team does not make a station.
        return {int(station[i]) for i in chosen if fleet.unit_type[i] not in LIGHT_TYPES}

    def add_fill(new_station_only: bool) -> bool:
        used = stations_used()
        for i in order:
            if fill[i] and not taken[i] and (not new_station_only or int(station[i]) not in used):
                taken[i] = True
                chosen.append(int(i))
                need_of.append(None)
                return True
        return False

    while appliances() < card.appliances and add_fill(False):
        pass
    while len(stations_used()) < card.stations and add_fill(True):
        pass

    def crew_sent() -> int:
        # Firefighters on appliances; a micro station's team helps but is not the force sent.
        return sum(int(crew[i]) for i in chosen if fleet.unit_type[i] not in LIGHT_TYPES)

    while crew_sent() < card.personnel and add_fill(False):
        pass

    new = [j for j in range(len(chosen)) if not committed[chosen[j]]]
    by_eta = sorted(new, key=lambda j: (eta[chosen[j]], chosen[j]))
    chosen_sorted = tuple(chosen[j] for j in by_eta)
    n_stations = len(stations_used())
    n_crew = crew_sent()
    n_app = appliances()
    return Pick(
        chosen=chosen_sorted,
        need_of=tuple(need_of[j] for j in by_eta),
        missing=tuple(missing),
        stations_short=max(0, card.stations - n_stations),
        appliances_short=max(0, card.appliances - n_app),
        personnel_short=max(0, card.personnel - n_crew),
        totals={"units": len(chosen), "appliances": n_app, "stations": n_stations, "crew": n_crew},
        kept=tuple(int(i) for i in np.flatnonzero(committed)),
    )


def _credit_committed(fleet: Fleet, card: Card, committed: npt.NDArray[np.bool_]) -> list[int]:
    """How many already-sent units each need can claim (scarcest need first, each unit once)."""
    credit = [0] * len(card.needs)
    if not committed.any():
        return credit
    free = committed.copy()
    masks = [_matches(fleet, need) & committed for need in card.needs]
    for k in sorted(range(len(card.needs)), key=lambda k: (int(masks[k].sum()), k)):
        for i in np.flatnonzero(masks[k] & free)[: card.needs[k].count]:
            free[i] = False
            credit[k] += 1
    return credit


def alternatives(
    fleet: Fleet, card: Card, need_index: int, pick: Pick, *, limit: int = 3
) -> list[int]:
    """Next-nearest units that could cover a missing need: matching units not chosen (busy or
    not, the caller labels them), then available units of the card's substitute types."""
    need = card.needs[need_index]
    eta = np.asarray(fleet.eta_s, dtype=np.float64)
    taken = set(pick.chosen)
    match = _matches(fleet, need)
    subs = {s for t in need.types for s in card.substitutes.get(t, ())}
    sub = np.array([t in subs for t in fleet.unit_type], dtype=bool) & np.asarray(
        fleet.available, dtype=bool
    )
    out: list[int] = []
    for mask in (match, sub):
        idx = [int(i) for i in np.flatnonzero(mask) if int(i) not in taken and int(i) not in out]
        idx.sort(key=lambda i: (eta[i], i))
        out.extend(idx[: limit - len(out)])
        if len(out) >= limit:
            break
    return out
