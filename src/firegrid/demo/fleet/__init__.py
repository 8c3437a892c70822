"""Demo command-centre records: dispatchable units, micro stations, water sources, key units and
their pre-plans — generated where the plans publish none, reproduced where they publish a figure.

Honest-data rule: a count the plan prints is reproduced exactly (Mentougou's 6 water cranes, 48
pools, 84 wells and 360 hydrants); whatever the demo needs beyond it (positions, statuses, fleets,
building attributes) is generated with a seeded ``numpy.random.Generator``, stored with
``synthetic = True`` and a ``source`` saying what it was generated from.

The package has two halves. The planners (``plan_*``, ``render_pre_plan``) are pure: plain
dataclasses and an RNG in, plain rows out. The loaders (``load_*``) read the district's records,
call a planner and write its rows with :func:`~firegrid.db.upsert.upsert_rows` on natural keys
(unit call sign, water-source code, building code, one pre-plan per building), so loading twice
changes nothing.
"""

from firegrid.demo.fleet._key_units import (
    Nearby,
    PlannedBuilding,
    plan_key_units,
    pre_plan_order,
    render_pre_plan,
)
from firegrid.demo.fleet._loaders import (
    FleetContext,
    load_key_units,
    load_micro_stations,
    load_units,
    load_water_sources,
)
from firegrid.demo.fleet._spec import (
    ClassFleet,
    FleetSpec,
    KeyUnitCategory,
    KeyUnitSpec,
    load_fleet_spec,
    load_key_unit_spec,
)
from firegrid.demo.fleet._units import (
    ApparatusInfo,
    MicroSite,
    PlannedUnit,
    Poi,
    StationInfo,
    plan_micro_sites,
    plan_units,
    short_name,
)
from firegrid.demo.fleet._water import Anchors, PlannedWater, plan_water_sources

__all__ = [
    "Anchors",
    "ApparatusInfo",
    "ClassFleet",
    "FleetContext",
    "FleetSpec",
    "KeyUnitCategory",
    "KeyUnitSpec",
    "MicroSite",
    "Nearby",
    "PlannedBuilding",
    "PlannedUnit",
    "PlannedWater",
    "Poi",
    "StationInfo",
    "load_fleet_spec",
    "load_key_unit_spec",
    "load_key_units",
    "load_micro_stations",
    "load_units",
    "load_water_sources",
    "plan_key_units",
    "plan_micro_sites",
    "plan_units",
    "plan_water_sources",
    "pre_plan_order",
    "render_pre_plan",
    "short_name",
]
