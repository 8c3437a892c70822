"""Command-centre use cases: take a call, recommend units, assign them, track statuses.

Services own the commit and raise firegrid errors. Concurrency: a unit row carries a version
(optimistic lock); of two dispatchers assigning the same unit at once exactly one commits, the
other gets a ConflictError naming the unit and what it is doing now.
"""

from firegrid.dispatch.intake import Intake, create_incident, get_incident, search_locations
from firegrid.dispatch.lifecycle import (
    assign_units,
    dispatch_state,
    set_incident_level,
    set_incident_status,
    set_unit_status,
    state_stamp,
)
from firegrid.dispatch.recommendation import (
    DEFAULT_WATER_CUTOFF_M,
    DEFAULT_WATER_K,
    RecommendOptions,
    recommend_at,
    recommend_for_incident,
)
from firegrid.dispatch.views import incident_out, unit_out

__all__ = [
    "DEFAULT_WATER_CUTOFF_M",
    "DEFAULT_WATER_K",
    "Intake",
    "RecommendOptions",
    "assign_units",
    "create_incident",
    "dispatch_state",
    "get_incident",
    "incident_out",
    "recommend_at",
    "recommend_for_incident",
    "search_locations",
    "set_incident_level",
    "set_incident_status",
    "set_unit_status",
    "state_stamp",
    "unit_out",
]
