"""Indicator values computed from the records — one function per formula key of the catalogue.

A formula returns ``value=None`` with the reasons in ``missing`` whenever the records it needs do
not exist; it never substitutes a published or assumed figure. Rates are rounded to the
precision the plans print (two decimals), so "≤0.25" is judged on the same figure a reader of
the plan sees.

Synthetic records
-----------------
Demo districts hold generated records (``synthetic = true``: incidents, micro stations, water
sources, vehicles …). A formula that computes a value also says, in ``FormulaValue.synthetic``,
how many of the records the value rests on are synthetic, per record kind (a
:class:`SyntheticInput`; kinds with no synthetic record are left out). The service flags such a
value (``IndicatorResult.synthetic``) so that no consumer presents it as a real figure. A formula
that returns no value returns no synthetic inputs: there is nothing to flag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
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

__all__ = [
    "FORMULA_FUNCTIONS",
    "SYNTHETIC_KIND_LABELS",
    "FormulaContext",
    "FormulaValue",
    "Need",
    "SyntheticInput",
    "compute",
]


@dataclass(frozen=True)
class FormulaContext:
    session: Session
    district: District
    year: int
    period_start: int
    period_end: int
    indicator: Indicator
    #: The date of the evaluation (injected by the service; formulas never read the clock).
    today: date


@dataclass(frozen=True)
class Need:
    """Data a computation lacks, said in Chinese and in English."""

    zh: str
    en: str


#: Record kinds that may be synthetic, as (zh, en) labels for the notes that say so.
SYNTHETIC_KIND_LABELS: dict[str, tuple[str, str]] = {
    "incidents": ("警情记录", "incident records"),
    "stations": ("站点记录", "station records"),
    "water_sources": ("消防水源记录", "water-source records"),
    "apparatus": ("消防车记录", "vehicle records"),
    "training": ("训练记录", "training records"),
    "equipment": ("装备记录", "equipment records"),
    "inspections": ("检查记录", "inspection records"),
    "self_inspections": ("单位自查记录", "self-inspection records"),
    "buildings": ("单位（建筑）记录", "unit (building) records"),
    "people": ("人员名录记录", "people-register records"),
    "certificates": ("证书记录", "certificate records"),
    "iot_devices": ("物联网设备记录", "IoT device records"),
}


@dataclass(frozen=True)
class SyntheticInput:
    """``synthetic`` of the ``records`` of one kind a value was computed from are generated."""

    kind: str
    synthetic: int
    records: int

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "synthetic": self.synthetic, "records": self.records}


def _synthetic(kind: str, synthetic: int, records: int) -> tuple[SyntheticInput, ...]:
    """The basis to report: empty when none of the records is synthetic."""
    if kind not in SYNTHETIC_KIND_LABELS:
        raise ConfigurationError(f"unknown synthetic record kind {kind!r}")
    return (SyntheticInput(kind, synthetic, records),) if synthetic else ()


@dataclass(frozen=True)
class FormulaValue:
    value: float | None
    missing: tuple[Need, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    #: Synthetic records the value rests on (empty: none, or no value).
    synthetic: tuple[SyntheticInput, ...] = ()


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


def _population(ctx: FormulaContext) -> tuple[int | None, list[Need]]:
    pop = populations(ctx.session, ctx.district.id).get(ctx.year)
    if pop is None:
        return None, [Need(f"{ctx.year}年常住人口", f"resident population of {ctx.year}")]
    return pop.population, []


def _fire_counts(ctx: FormulaContext) -> tuple[int, int, int, int]:
    """(records of any category, synthetic ones among them, fires, fire deaths) in the local
    calendar year."""
    start, end = year_bounds_utc(ctx.district, ctx.year, ctx.year)
    in_year = (
        Incident.district_id == ctx.district.id,
        Incident.received_at >= start,
        Incident.received_at < end,
    )
    records, synthetic = ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Incident.synthetic, 1), else_=0)), 0))
        .select_from(Incident)
        .where(*in_year)
    ).one()
    fires, deaths = ctx.session.execute(
        select(func.count(), func.coalesce(func.sum(Incident.deaths), 0)).where(
            *in_year, Incident.category == IncidentCategory.FIRE
        )
    ).one()
    return int(records), int(synthetic), int(fires), int(deaths)


def _rate(count: float, population: int, per: int) -> float:
    return round(count / population * per, RATE_DECIMALS)


def _incident_rate(ctx: FormulaContext, *, what: str, per: int) -> FormulaValue:
    pop, missing = _population(ctx)
    records, synthetic, fires, deaths = _fire_counts(ctx)
    if records == 0:
        missing.append(Need(f"{ctx.year}年警情记录", f"incident records of {ctx.year}"))
    if missing or pop is None:
        return FormulaValue(None, tuple(missing))
    count = deaths if what == "deaths" else fires
    # The value rests on the year's records (a year with calls but no fire counts 0 fires).
    return FormulaValue(
        _rate(count, pop, per),
        detail={what: count, "population": pop, "per": per},
        synthetic=_synthetic("incidents", synthetic, records),
    )


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
    rows = ctx.session.execute(
        select(Incident.building_fire, Incident.synthetic).where(
            Incident.district_id == ctx.district.id,
            Incident.category == IncidentCategory.FIRE,
            Incident.received_at >= start,
            Incident.received_at < end,
        )
    ).all()
    flags = [f for f, _ in rows]
    if not flags:
        missing.append(Need(f"{ctx.year}年火灾记录", f"fire records of {ctx.year}"))
    unknown = sum(1 for f in flags if f is None)
    if unknown:
        missing.append(
            Need(
                f"{len(flags)}起火灾记录中{unknown}起缺少“建筑火灾”标记",
                f"building-fire flag on {unknown} of {len(flags)} fire records",
            )
        )
    if missing or pop is None:
        return FormulaValue(None, tuple(missing))
    n = sum(1 for f in flags if f)
    return FormulaValue(
        _rate(n, pop, 100_000),
        detail={"building_fires": n, "population": pop},
        synthetic=_synthetic("incidents", sum(1 for _, syn in rows if syn), len(rows)),
    )


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
    # The count rests on the whole register of these classes (a synthetic entry could be counted).
    return FormulaValue(
        float(len(built)),
        detail={"built": built, "planned_in_period": planned},
        synthetic=_synthetic("stations", sum(1 for s in rows if s.synthetic), len(rows)),
    )


@formula("stations_per_100k")
def _stations_per_100k(ctx: FormulaContext) -> FormulaValue:
    pop, missing = _population(ctx)
    stations = [s for s in _existing_stations(ctx) if s.station_class in STATION_CLASSES]
    if not stations:
        missing.append(
            Need("消防站名录（无已建站记录）", "station register (no existing stations)")
        )
    if missing or pop is None:
        return FormulaValue(None, tuple(missing))
    return FormulaValue(
        _rate(len(stations), pop, 100_000),
        detail={"stations": len(stations), "population": pop},
        synthetic=_synthetic("stations", sum(1 for s in stations if s.synthetic), len(stations)),
    )


def _team_rate(ctx: FormulaContext, kinds: frozenset[TownshipKind]) -> FormulaValue:
    towns = ctx.session.scalars(
        select(Township).where(Township.district_id == ctx.district.id)
    ).all()
    towns = [t for t in towns if TownshipKind(t.kind) in kinds]
    if not towns:
        return FormulaValue(None, (Need("乡镇（街道）名录", "township register of the district"),))
    teams = [
        s
        for s in _existing_stations(ctx)
        if s.township_id is not None
        and (
            Staffing(s.staffing) in FULLTIME_TEAM_STAFFING
            or s.station_class in (StationClass.GOV_FULLTIME, StationClass.TOWNSHIP_TEAM)
        )
    ]
    with_team = {s.township_id for s in teams}
    covered = sorted(t.name_zh for t in towns if t.id in with_team)
    return FormulaValue(
        _percent(len(covered), len(towns)),
        detail={"covered": covered, "townships": len(towns)},
        synthetic=_synthetic("stations", sum(1 for s in teams if s.synthetic), len(teams)),
    )


@formula("township_fulltime_team_rate")
def _township_team_rate(ctx: FormulaContext) -> FormulaValue:
    return _team_rate(ctx, frozenset(TownshipKind))


@formula("gov_fulltime_team_coverage")
def _gov_team_coverage(ctx: FormulaContext) -> FormulaValue:
    # The Beibei figure (2 teams ↔ 25 %) counts towns (镇/乡), not sub-districts.
    return _team_rate(ctx, frozenset({TownshipKind.TOWN, TownshipKind.TOWNSHIP}))


def _water_rate(ctx: FormulaContext, kinds: frozenset[WaterSourceKind] | None) -> FormulaValue:
    q = select(WaterSource.status, WaterSource.synthetic).where(
        WaterSource.district_id == ctx.district.id,
        WaterSource.status.notin_([WaterSourceStatus.PLANNED, WaterSourceStatus.REMOVED]),
    )
    if kinds is not None:
        q = q.where(WaterSource.kind.in_(kinds))
    rows = ctx.session.execute(q).all()
    statuses = [st for st, _ in rows]
    what = ("消火栓", "hydrant") if kinds else ("消防水源", "water-source")
    if not statuses:
        return FormulaValue(
            None,
            (
                Need(
                    f"含检查状态的{what[0]}台账（来自：水源管理）",
                    f"{what[1]} register with inspection status (fed by: water)",
                ),
            ),
        )
    intact = sum(1 for s in statuses if s == WaterSourceStatus.IN_SERVICE)
    return FormulaValue(
        _percent(intact, len(statuses)),
        detail={"intact": intact, "registered": len(statuses)},
        synthetic=_synthetic("water_sources", sum(1 for _, syn in rows if syn), len(rows)),
    )


@formula("water_source_intact_rate")
def _water_intact(ctx: FormulaContext) -> FormulaValue:
    return _water_rate(ctx, None)


@formula("hydrant_intact_rate")
def _hydrant_intact(ctx: FormulaContext) -> FormulaValue:
    return _water_rate(ctx, frozenset({WaterSourceKind.HYDRANT}))


@formula("hydrants_built_in_period")
def _hydrants_built(ctx: FormulaContext) -> FormulaValue:
    rows = ctx.session.execute(
        select(WaterSource.commissioned_year, WaterSource.synthetic).where(
            WaterSource.district_id == ctx.district.id,
            WaterSource.kind == WaterSourceKind.HYDRANT,
        )
    ).all()
    years = [y for y, _ in rows]
    if not years:
        return FormulaValue(
            None,
            (
                Need(
                    "含建设年份的消火栓台账（来自：水源管理）",
                    "hydrant register with commissioning years (fed by: water)",
                ),
            ),
        )
    built = sum(1 for y in years if y is not None and ctx.period_start <= y <= ctx.year)
    # Synthetic hydrants' commissioning years are generated: a count of 0 (or any count) built
    # in the period rests on them as much as a positive one.
    return FormulaValue(
        float(built),
        detail={"hydrants_registered": len(years)},
        synthetic=_synthetic("water_sources", sum(1 for _, syn in rows if syn), len(rows)),
    )


@formula("hydrant_built_rate")
def _hydrant_built_rate(ctx: FormulaContext) -> FormulaValue:
    return FormulaValue(
        None,
        (
            Need("供水规划确定的市政消火栓应建数", "number of hydrants required (应建数)"),
            Need("消火栓台账（来自：水源管理）", "hydrant register (fed by: water)"),
        ),
    )


# -- firefighting and rescue ---------------------------------------------------------------------


def _per_10k_people(
    ctx: FormulaContext, keep: Callable[[PersonnelCategory], bool], what: str, what_zh: str
) -> FormulaValue:
    pop, missing = _population(ctx)
    n = _personnel(ctx, keep)
    if n is None:
        missing.append(
            Need(f"{ctx.year}年{what_zh}人数", f"personnel counts of {ctx.year} ({what})")
        )
    if missing or pop is None or n is None:
        return FormulaValue(None, tuple(missing))
    return FormulaValue(_rate(n, pop, 10_000), detail={what: n, "population": pop})


@formula("firefighters_per_10k")
def _firefighters(ctx: FormulaContext) -> FormulaValue:
    return _per_10k_people(ctx, lambda c: c.is_firefighter, "firefighters", "消防员")


@formula("fulltime_firefighters_per_10k")
def _fulltime(ctx: FormulaContext) -> FormulaValue:
    return _per_10k_people(ctx, lambda c: c.is_fulltime, "full-time firefighters", "专职消防员")


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
            Need(
                "在用消防车台账" + (f"（仅有{planned}台计划购置记录）" if planned else ""),
                "in-service fleet register"
                + (f" (only {planned} planned purchases recorded)" if planned else ""),
            )
        )
    if missing or pop is None:
        return FormulaValue(None, tuple(missing))
    return FormulaValue(
        _rate(len(in_service), pop, 10_000),
        detail={"vehicles": len(in_service), "population": pop},
        synthetic=_synthetic(
            "apparatus", sum(1 for a in in_service if a.synthetic), len(in_service)
        ),
    )


# -- inputs that later work supplies ---------------------------------------------------------------


_FED_BY_ZH = {
    "supervision": "监督检查",
    "water": "水源管理",
    "training": "训练考核",
    "equipment": "装备管理",
    "iot": "物联网",
}


def _pending(key: str, needs: tuple[str, str]) -> None:
    def fn(ctx: FormulaContext) -> FormulaValue:
        fed = ctx.indicator.fed_by
        zh = needs[0] + (f"（来自：{'、'.join(_FED_BY_ZH.get(f, f) for f in fed)}）" if fed else "")
        en = needs[1] + (f" (fed by: {', '.join(fed)})" if fed else "")
        return FormulaValue(None, (Need(zh, en),))

    FORMULA_FUNCTIONS[key] = fn


for _key, _needs in {
    "self_built_house_dual_exit_rate": (
        "村民经营性自建房台账",
        "register of villagers' self-built commercial houses",
    ),
    "breathing_air_stations_built": ("换气站点台账", "breathing-air refill stations register"),
}.items():
    _pending(_key, _needs)


# -- water, equipment and training records (issue 7) -------------------------------------------


@formula("training_pass_rate")
def _training_pass_rate(ctx: FormulaContext) -> FormulaValue:
    from firegrid.training.service import year_figures

    fig = year_figures(ctx.session, ctx.district, ctx.year)
    if fig.pass_rate_percent is None:
        return FormulaValue(
            None,
            (
                Need(
                    f"{ctx.year}年消防员专业训练考核记录（来自：训练考核）",
                    f"professional training assessments of {ctx.year} (fed by: training)",
                ),
            ),
        )
    return FormulaValue(
        fig.pass_rate_percent,
        detail={"passed": fig.passed, "assessed": fig.assessed},
        synthetic=_synthetic("training", fig.synthetic_records, fig.records),
    )


@formula("public_skills_training_per_year")
def _public_training(ctx: FormulaContext) -> FormulaValue:
    from firegrid.training.service import year_figures

    fig = year_figures(ctx.session, ctx.district, ctx.year)
    if fig.public_sessions == 0:
        return FormulaValue(
            None,
            (
                Need(
                    f"{ctx.year}年社会面实操实训记录（来自：训练考核）",
                    f"public skills-training records of {ctx.year} (fed by: training)",
                ),
            ),
        )
    return FormulaValue(
        float(fig.people_trained),
        detail={"sessions": fig.public_sessions, "by_group": fig.by_group},
        synthetic=_synthetic("training", fig.synthetic_records, fig.records),
    )


def _equipment_rate(ctx: FormulaContext, group: str) -> FormulaValue:
    from firegrid.equipment.service import equipment_compliance

    out = equipment_compliance(
        ctx.session, ctx.district.code, year=ctx.year, new_since=ctx.period_start
    )
    g = out["groups"][group]
    what = {
        "new": ("新建消防站", "new stations"),
        "existing": ("既有城市消防站", "existing urban stations"),
        "small": ("既有小型站", "existing small stations"),
    }[group]
    if g["rate_percent"] is None:
        return FormulaValue(
            None, (Need(f"{what[0]}及其装备台账", f"{what[1]} with their equipment inventory"),)
        )
    if out["items_counted"] == 0:
        return FormulaValue(
            None,
            (
                Need(
                    "对照队站装备配备标准的装备台账",
                    "equipment inventory against the station standard",
                ),
            ),
        )
    return FormulaValue(
        g["rate_percent"],
        detail={
            "stations": g["stations"],
            "compliant_stations": g["compliant_stations"],
            "standard_version": out["standard_version"],
            "standard_placeholder": out["standard_placeholder"],
        },
        synthetic=_synthetic("equipment", out["synthetic_items"], out["items_counted"]),
    )


@formula("new_station_equipment_rate")
def _new_equipment(ctx: FormulaContext) -> FormulaValue:
    return _equipment_rate(ctx, "new")


@formula("existing_station_equipment_rate")
def _existing_equipment(ctx: FormulaContext) -> FormulaValue:
    return _equipment_rate(ctx, "existing")


@formula("existing_small_station_equipment_rate")
def _small_equipment(ctx: FormulaContext) -> FormulaValue:
    return _equipment_rate(ctx, "small")


# -- supervision, people register and IoT records: registered by importing the module ------------

from firegrid.indicators import _supervision_formulas  # noqa: E402, F401
