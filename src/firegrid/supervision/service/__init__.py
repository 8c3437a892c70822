"""Supervision record use cases: people register, inspections, hazards, self-checks, penalties.

Services own the commit and raise firegrid errors. A hazard row carries a version (optimistic
lock): of two people moving the same hazard at once exactly one commits, the other gets a
ConflictError. The person who found a hazard may not record its re-inspection (closing it or
sending it back): PermissionDeniedError says so.
"""

from firegrid.supervision.service._common import Actor
from firegrid.supervision.service._hazards import (
    create_hazard,
    hazard_events,
    hazard_out,
    list_hazards,
    move_hazard,
    overdue_hazards,
    record_penalty,
)
from firegrid.supervision.service._inspections import (
    NON_SITE_TARGET,
    inspection_out,
    list_inspections,
    non_site_share,
    record_inspection,
)
from firegrid.supervision.service._people import (
    add_certificate,
    add_conflict,
    close_unit,
    create_person,
    list_people,
    person_out,
)
from firegrid.supervision.service._self_checks import (
    list_self_inspections,
    review_self_inspection,
    self_inspection_out,
    submit_self_inspection,
)

__all__ = [
    "NON_SITE_TARGET",
    "Actor",
    "add_certificate",
    "add_conflict",
    "close_unit",
    "create_hazard",
    "create_person",
    "hazard_events",
    "hazard_out",
    "inspection_out",
    "list_hazards",
    "list_inspections",
    "list_people",
    "list_self_inspections",
    "move_hazard",
    "non_site_share",
    "overdue_hazards",
    "person_out",
    "record_inspection",
    "record_penalty",
    "review_self_inspection",
    "self_inspection_out",
    "submit_self_inspection",
]
