"""Allowed status changes of units and incidents (pure); anything else is refused."""

from __future__ import annotations

from firegrid.errors import ConflictError
from firegrid.types import IncidentStatus, UnitStatus

__all__ = [
    "BUSY",
    "INCIDENT_TRANSITIONS",
    "UNIT_TRANSITIONS",
    "check_incident_transition",
    "check_unit_transition",
]

U = UnitStatus
#: ``{from: allowed next states}``. A dispatched or en-route unit may be stood down
#: (→ available); a returning unit may be re-dispatched from the road.
UNIT_TRANSITIONS: dict[UnitStatus, frozenset[UnitStatus]] = {
    U.AVAILABLE: frozenset({U.DISPATCHED, U.OUT_OF_SERVICE}),
    U.DISPATCHED: frozenset({U.EN_ROUTE, U.AVAILABLE}),
    U.EN_ROUTE: frozenset({U.ON_SCENE, U.AVAILABLE}),
    U.ON_SCENE: frozenset({U.RETURNING}),
    U.RETURNING: frozenset({U.AVAILABLE, U.DISPATCHED, U.OUT_OF_SERVICE}),
    U.OUT_OF_SERVICE: frozenset({U.AVAILABLE}),
}
#: States in which a unit is committed to an incident.
BUSY = frozenset({U.DISPATCHED, U.EN_ROUTE, U.ON_SCENE})

S = IncidentStatus
INCIDENT_TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    S.RECEIVED: frozenset({S.DISPATCHED, S.CLOSED}),
    S.DISPATCHED: frozenset({S.FIRST_ARRIVAL, S.CLOSED}),
    S.FIRST_ARRIVAL: frozenset({S.CONTROLLED}),
    S.CONTROLLED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}


def _allowed(moves: frozenset[UnitStatus] | frozenset[IncidentStatus], none: str = "none") -> str:
    return ", ".join(sorted(x.value for x in moves)) or none


def check_unit_transition(call_sign: str, old: UnitStatus, new: UnitStatus) -> None:
    """Raise ConflictError naming the unit and the allowed moves if ``old → new`` is not one."""
    if new not in UNIT_TRANSITIONS[old]:
        raise ConflictError(
            f"unit {call_sign}: cannot go from {old.value} ({old.label()}) to {new.value} "
            f"({new.label()}); allowed from {old.value}: {_allowed(UNIT_TRANSITIONS[old])}"
        )


def check_incident_transition(name: str, old: IncidentStatus, new: IncidentStatus) -> None:
    """Raise ConflictError naming the incident if ``old → new`` is not allowed."""
    if new not in INCIDENT_TRANSITIONS[old]:
        allowed = _allowed(INCIDENT_TRANSITIONS[old], "none (closed)")
        raise ConflictError(
            f"incident {name}: cannot go from {old.value} ({old.label()}) to {new.value} "
            f"({new.label()}); allowed from {old.value}: {allowed}"
        )
