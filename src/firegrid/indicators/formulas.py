"""Indicator values computed from the records — one function per formula key of the catalogue.

A formula returns ``value=None`` with the reasons in ``missing`` whenever the records it needs do
not exist; it never substitutes a published or assumed figure. Rates are rounded to the
precision the plans print (two decimals), so "≤0.25" is judged on the same figure a reader of
the plan sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.districts.models import District, Township
from firegrid.districts.repository import populations
from firegrid.errors import ConfigurationError
from firegrid.incidents.models import Incident
from firegrid.indicators.catalog import Indicator
from firegrid.personnel.models import PersonnelCount
from firegrid.stations.models import Apparatus, Station
from firegrid.statistics.service import RATE_DECIMALS, year_bounds_utc
from firegrid.types import (
    ApparatusStatus,
    IncidentCategory,
    PersonnelCategory,
    Staffing,
    StationClass,
    StationStatus,
    TownshipKind,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

__all__ = ["FORMULA_FUNCTIONS", "FormulaContext", "FormulaValue", "compute"]


@dataclass(frozen=True)
class FormulaContext:
    session: Session
    district: District
    year: int
    period_start: int
    period_end: int
    indicator: Indicator


@dataclass(frozen=True)
class FormulaValue:
    value: float | None
    missing: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


FormulaFn = Callable[[FormulaContext], FormulaValue]
FORMULA_FUNCTIONS: dict[str, FormulaFn] = {}

#: Station classes counted as fire & rescue stations (消防救援站) in per-capita station figures.
STATION_CLASSES = frozenset(
    {
        StationClass.LEVEL1,
        StationClass.LEVEL2,
        StationClass.SMALL,
        StationClass.SPECIAL,
        StationClass.WATER,
        StationClass.AVIATION,
    }
)
FULLTIME_TEAM_STAFFING = frozenset({Staffing.GOV_FULLTIME, Staffing.TOWNSHIP_FULLTIME})


def formula(key: str) -> Callable[[FormulaFn], FormulaFn]:
    def register(fn: FormulaFn) -> FormulaFn:
        FORMULA_FUNCTIONS[key] = fn
        return fn

    return register


def compute(ctx: FormulaContext) -> FormulaValue:
    fn = FORMULA_FUNCTIONS.get(ctx.indicator.formula)
    if fn is None:
        raise ConfigurationError(
            f"indicator {ctx.indicator.id}: no computation for formula {ctx.indicator.formula!r}"
        )
    return fn(ctx)


# -- shared pieces -----------------------------------------------------------------------------


def _population(ctx: FormulaContext) -> tuple[int | None, list[str]]:
    pop = populations(ctx.session, ctx.district.id).get(ctx.year)
    if pop is None:
        return None, [f"resident population (常住人口) of {ctx.year}"]
    return pop.population, []


def _fire_counts(ctx: FormulaContext) -> tuple[int, int, int]:
    """(records of any category, fires, fire deaths) in the local calendar year."""
    start, end = year_bounds_utc(ctx.district, ctx.year, ctx.year)
    in_year = (
        Incident.district_id == ctx.district.id,
        Incident.received_at >= start,
        Incident.received_at < end,
    )
    records = ctx.session.scalar(select(func.count()).where(*in_year)) or 0
    fires, deaths = ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(Incident.deaths), 0)).where(
            *in_year, Incident.category == IncidentCategory.FIRE
        )
    ).one()
    return int(records), int(fires), int(deaths)


def _rate(count: float, population: int, per: int) -> float:
    return round(count / population * per, RATE_DECIMALS)


def _incident_rate(ctx: FormulaContext, *, what: str, per: int) -> FormulaValue:
    pop, missing = _population(ctx)
    records, fires, deaths = _fire_counts(ctx)
    if records == 0:
        missing.append(f"incident records of {ctx.year}")
    if missing or pop is None:
        return FormulaValue(None, tuple(missing))
    count = deaths if what == "deaths" else fires
    return FormulaValue(_rate(count, pop, per), detail={what: count, "population": pop, "per": per})


def _existing_stations(ctx: FormulaContext) -> list[Station]:
    """Stations in service at the end of the year (commissioned that year or before)."""
    rows = ctx.session.scalars(
        select(Station).where(
            Station.district_id == ctx.district.id, Station.status == StationStatus.EXISTING
        )
    )
    return [s for s in rows if s.commissioned_year is None or s.commissioned_year <= ctx.year]


def _personnel(ctx: FormulaContext, keep: Callable[[PersonnelCategory], bool]) -> int | None:
    rows = ctx.session.scalars(
        select(PersonnelCount).where(
            PersonnelCount.district_id == ctx.district.id, PersonnelCount.year == ctx.year
        )
    ).all()
    if not rows:
        return None
    district_level = [r for r in rows if r.station_id is None]
    use = district_level or rows  # district totals win; else add up the stations
    return sum(r.count for r in use if keep(PersonnelCategory(r.category)))


def _percent(num: int, den: int) -> float:
    return round(num / den * 100, RATE_DECIMALS)


# -- fire situation ------------------------------------------------------------------------------


@formula("fire_deaths_per_100k")
def _deaths_100k(ctx: FormulaContext) -> FormulaValue:
    return _incident_rate(ctx, what="deaths", per=100_000)


@formula("fire_deaths_per_million")
def _deaths_million(ctx: FormulaContext) -> FormulaValue:
    return _incident_rate(ctx, what="deaths", per=1_000_000)


@formula("fires_per_10k")
def _fires_10k(ctx: FormulaContext) -> FormulaValue:
    return _incident_rate(ctx, what="fires", per=10_000)


@formula("building_fires_per_100k")
def _building_fires(ctx: FormulaContext) -> FormulaValue:
    pop, missing = _population(ctx)
    start, end = year_bounds_utc(ctx.district, ctx.year, ctx.year)
    flags = ctx.session.scalars(
        select(Incident.building_fire).where(
            Incident.district_id == ctx.district.id,
            Incident.category == IncidentCategory.FIRE,
            Incident.received_at >= start,
            Incident.received_at < end,
        )
    ).all()
    if not flags:
        missing.append(f"fire records of {ctx.year}")
    unknown = sum(1 for f in flags if f is None)
    if unknown:
        missing.append(f"building-fire flag on {unknown} of {len(flags)} fire records")
    if missing or pop is None:
        return FormulaValue(None, tuple(missing))
    n = sum(1 for f in flags if f)
    return FormulaValue(_rate(n, pop, 100_000), detail={"building_fires": n, "population": pop})


# -- infrastructure ------------------------------------------------------------------------------


@formula("stations_built_in_period")
def _stations_built(ctx: FormulaContext) -> FormulaValue:
    rows = ctx.session.scalars(
        select(Station).where(
            Station.district_id == ctx.district.id,
            Station.station_class.in_(STATION_CLASSES),
        )
    ).all()
    built = [
        s.name
        for s in rows
        if s.status == StationStatus.EXISTING
        and s.commissioned_year is not None
        and ctx.period_start <= s.commissioned_year <= ctx.year
    ]
    planned = [
        s.name
        for s in rows
        if s.status in (StationStatus.PLANNED, StationStatus.UNDER_CONSTRUCTION)
        and s.planned_year is not None
        and ctx.period_start <= s.planned_year <= ctx.period_end
    ]
    return FormulaValue(float(len(built)), detail={"built": built, "planned_in_period": planned})


@formula("stations_per_100k")
def _stations_per_100k(ctx: FormulaContext) -> FormulaValue:
    pop, missing = _population(ctx)
    stations = [s for s in _existing_stations(ctx) if s.station_class in STATION_CLASSES]
    if not stations:
        missing.append("station register (no existing stations recorded)")
    if missing or pop is None:
        return FormulaValue(None, tuple(missing))
    return FormulaValue(
        _rate(len(stations), pop, 100_000),
        detail={"stations": len(stations), "population": pop},
    )


def _team_rate(ctx: FormulaContext, kinds: frozenset[TownshipKind]) -> FormulaValue:
    towns = ctx.session.scalars(
        select(Township).where(Township.district_id == ctx.district.id)
    ).all()
    towns = [t for t in towns if TownshipKind(t.kind) in kinds]
    if not towns:
        return FormulaValue(None, ("township register (街道/乡镇) of the district",))
    with_team = {
        s.township_id
        for s in _existing_stations(ctx)
        if s.township_id is not None
        and (
            Staffing(s.staffing) in FULLTIME_TEAM_STAFFING
            or s.station_class in (StationClass.GOV_FULLTIME, StationClass.TOWNSHIP_TEAM)
        )
    }
    covered = sorted(t.name_zh for t in towns if t.id in with_team)
    return FormulaValue(
        _percent(len(covered), len(towns)),
        detail={"covered": covered, "townships": len(towns)},
    )


@formula("township_fulltime_team_rate")
def _township_team_rate(ctx: FormulaContext) -> FormulaValue:
    return _team_rate(ctx, frozenset(TownshipKind))


@formula("gov_fulltime_team_coverage")
def _gov_team_coverage(ctx: FormulaContext) -> FormulaValue:
    # The Beibei figure (2 teams ↔ 25 %) counts towns (镇/乡), not sub-districts.
    return _team_rate(ctx, frozenset({TownshipKind.TOWN, TownshipKind.TOWNSHIP}))


def _water_rate(ctx: FormulaContext, kinds: frozenset[WaterSourceKind] | None) -> FormulaValue:
    q = select(WaterSource.status).where(
        WaterSource.district_id == ctx.district.id,
        WaterSource.status.notin_([WaterSourceStatus.PLANNED, WaterSourceStatus.REMOVED]),
    )
    if kinds is not None:
        q = q.where(WaterSource.kind.in_(kinds))
    statuses = ctx.session.scalars(q).all()
    what = "hydrant" if kinds else "water-source"
    if not statuses:
        return FormulaValue(None, (f"{what} register with inspection status (fed by: water)",))
    intact = sum(1 for s in statuses if s == WaterSourceStatus.IN_SERVICE)
    return FormulaValue(
        _percent(intact, len(statuses)), detail={"intact": intact, "registered": len(statuses)}
    )


@formula("water_source_intact_rate")
def _water_intact(ctx: FormulaContext) -> FormulaValue:
    return _water_rate(ctx, None)


@formula("hydrant_intact_rate")
def _hydrant_intact(ctx: FormulaContext) -> FormulaValue:
    return _water_rate(ctx, frozenset({WaterSourceKind.HYDRANT}))


@formula("hydrants_built_in_period")
def _hydrants_built(ctx: FormulaContext) -> FormulaValue:
    years = ctx.session.scalars(
        select(WaterSource.commissioned_year).where(
            WaterSource.district_id == ctx.district.id,
            WaterSource.kind == WaterSourceKind.HYDRANT,
        )
    ).all()
    if not years:
        return FormulaValue(None, ("hydrant register with commissioning years (fed by: water)",))
    built = sum(1 for y in years if y is not None and ctx.period_start <= y <= ctx.year)
    return FormulaValue(float(built), detail={"hydrants_registered": len(years)})


@formula("hydrant_built_rate")
def _hydrant_built_rate(ctx: FormulaContext) -> FormulaValue:
    return FormulaValue(
        None,
        (
            "number of hydrants required by the water plan (应建数)",
            "hydrant register (fed by: water)",
        ),
    )


# -- firefighting and rescue ---------------------------------------------------------------------


def _per_10k_people(
    ctx: FormulaContext, keep: Callable[[PersonnelCategory], bool], what: str
) -> FormulaValue:
    pop, missing = _population(ctx)
    n = _personnel(ctx, keep)
    if n is None:
        missing.append(f"personnel counts of {ctx.year} ({what})")
    if missing or pop is None or n is None:
        return FormulaValue(None, tuple(missing))
    return FormulaValue(_rate(n, pop, 10_000), detail={what: n, "population": pop})


@formula("firefighters_per_10k")
def _firefighters(ctx: FormulaContext) -> FormulaValue:
    return _per_10k_people(ctx, lambda c: c.is_firefighter, "firefighters")


@formula("fulltime_firefighters_per_10k")
def _fulltime(ctx: FormulaContext) -> FormulaValue:
    return _per_10k_people(ctx, lambda c: c.is_fulltime, "full-time firefighters")


@formula("fire_engines_per_10k")
def _engines(ctx: FormulaContext) -> FormulaValue:
    pop, missing = _population(ctx)
    rows = ctx.session.scalars(
        select(Apparatus).where(Apparatus.district_id == ctx.district.id)
    ).all()
    in_service = [
        a
        for a in rows
        if a.status == ApparatusStatus.IN_SERVICE
        and (a.commission_year is None or a.commission_year <= ctx.year)
    ]
    if not in_service:
        planned = sum(1 for a in rows if a.status == ApparatusStatus.PLANNED)
        missing.append(
            "in-service fleet register"
            + (f" (only {planned} planned purchases recorded)" if planned else "")
        )
    if missing or pop is None:
        return FormulaValue(None, tuple(missing))
    return FormulaValue(
        _rate(len(in_service), pop, 10_000),
        detail={"vehicles": len(in_service), "population": pop},
    )


# -- inputs that later work supplies ---------------------------------------------------------------


def _pending(key: str, needs: str) -> None:
    def fn(ctx: FormulaContext) -> FormulaValue:
        fed = ", ".join(ctx.indicator.fed_by)
        return FormulaValue(None, (needs + (f" (fed by: {fed})" if fed else ""),))

    FORMULA_FUNCTIONS[key] = fn


_EQUIPMENT = "equipment inventory against the station equipment standard"

for _key, _needs in {
    "non_site_inspection_share": "inspection records (on-site and non-site)",
    "key_unit_standardisation_rate": "key-unit register with standardisation assessments",
    "building_facility_four_rates": "building fire-facility records (完好, 检测, 维保, 持证)",
    "self_built_house_dual_exit_rate": "register of villagers' self-built commercial houses",
    "breathing_air_stations_built": "breathing-air refill stations register",
    "training_pass_rate": "training and assessment records",
    "special_rescue_certified_count": "national special-rescue certification records",
    "enforcement_certificate_share": "enforcement-staff register with certificates",
    "new_station_equipment_rate": _EQUIPMENT,
    "existing_station_equipment_rate": _EQUIPMENT,
    "existing_small_station_equipment_rate": _EQUIPMENT + " (small stations)",
    "public_skills_training_per_year": "public skills-training records",
    "iot_install_rate": "IoT device register of units with a fire control room",
}.items():
    _pending(_key, _needs)
