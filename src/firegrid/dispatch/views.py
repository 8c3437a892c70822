"""JSON views of incidents and units shared by the recommendation, the lifecycle and the map."""

from __future__ import annotations

from typing import Any

from firegrid.dispatch.levels import LEVEL_COLOURS, level_label
from firegrid.dispatch.models import Unit
from firegrid.incidents.models import Incident
from firegrid.stations.models import Station
from firegrid.types import (
    IncidentCategory,
    IncidentStatus,
    UnitStatus,
    UnitType,
)

__all__ = ["incident_out", "unit_out"]


def incident_out(inc: Incident, lang: str = "zh") -> dict[str, Any]:
    cat = IncidentCategory(inc.category)
    status = IncidentStatus(inc.status)
    level = inc.alarm_level
    return {
        "id": inc.id,
        "external_id": inc.external_id,
        "category": cat.value,
        "category_label": cat.label(lang),
        "subtype": inc.subtype,
        "status": status.value,
        "status_label": status.label(lang),
        "level": level,
        "level_auto": inc.alarm_level_auto,
        "level_label": level_label(cat, level, lang) if level else None,
        "level_colour": LEVEL_COLOURS[cat][level][0] if level else None,
        "building_class": inc.building_class.value if inc.building_class else None,
        "building_id": inc.building_id,
        "reported_trapped": inc.reported_trapped,
        "reported_casualties": inc.reported_casualties,
        "address": inc.address,
        "lon": inc.lon,
        "lat": inc.lat,
        "received_at": inc.received_at.isoformat(),
        "dispatched_at": inc.dispatched_at.isoformat() if inc.dispatched_at else None,
        "first_arrival_at": inc.first_arrival_at.isoformat() if inc.first_arrival_at else None,
        "controlled_at": inc.controlled_at.isoformat() if inc.controlled_at else None,
        "closed_at": inc.closed_at.isoformat() if inc.closed_at else None,
        "synthetic": inc.synthetic,
    }


def unit_out(u: Unit, station: Station | None, lang: str = "zh") -> dict[str, Any]:
    status = UnitStatus(u.status)
    ut = UnitType(u.unit_type)
    at_station = u.lon is None or u.lat is None
    return {
        "id": u.id,
        "call_sign": u.call_sign,
        "station": station.name if station else None,
        "station_id": u.station_id,
        "type": ut.value,
        "type_label": ut.label(lang),
        "crew": u.crew,
        "status": status.value,
        "status_label": status.label(lang),
        "status_at": u.status_at.isoformat(),
        "incident_id": u.incident_id,
        "lon": (station.lon if station else None) if at_station else u.lon,
        "lat": (station.lat if station else None) if at_station else u.lat,
        "version": u.version,
        "synthetic": u.synthetic,
    }
