"""The data of a plan monitoring-and-evaluation report (监测评估报告), built from the services.

The plans ask for a periodic evaluation of 目标完成进度, 工程建设进展, and 突出问题及对策建议
(门头沟“十五五”规划 §七(四)). :func:`build_report` gathers everything such a report shows —
indicator statuses, the annual tables, the station register, the data-quality findings and the
provenance of every figure — into frozen dataclasses. No HTML and no wording here: the
renderer (``firegrid.report.render``) chooses the language and the layout.

Honesty rules the report keeps
------------------------------
* An indicator whose value rests on synthetic records carries the flag and the synthetic inputs
  of :class:`~firegrid.indicators.service.IndicatorResult`; the summary counts such indicators
  apart (:attr:`Report.synthetic_indicators`).
* Micro stations (微型消防站) are not fire stations: the plans count them apart, so the station
  register of the report (:attr:`Report.stations`, :attr:`Report.station_counts`) holds the
  stations and teams of every other class and :attr:`Report.micro_stations` the micro stations.
* :class:`Provenance` counts every kind of synthetic record the report uses, kind by kind
  (incidents of the tabulated years, station register entries, water sources, vehicles), and
  names the synthetic records of the district it does not use (dispatch units, buildings and
  key units, pre-plans), so that no figure understates what is generated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.dispatch.models import PrePlan, Unit
from firegrid.districts.repository import get_district, populations
from firegrid.errors import InvalidInputError, NotFoundError
from firegrid.incidents.models import Incident
from firegrid.indicators.catalog import Plan, load_plan, plans_for_district
from firegrid.indicators.formulas import SyntheticInput
from firegrid.indicators.kernels import StatusCode
from firegrid.indicators.service import IndicatorResult, evaluate_district
from firegrid.quality.checks import Finding
from firegrid.quality.service import district_findings
from firegrid.stations.models import Apparatus, Station
from firegrid.statistics.service import (
    AnnualRow,
    CallsRow,
    annual_fire_table,
    calls_table,
    year_bounds_utc,
)
from firegrid.types import StationClass, StationStatus
from firegrid.water.models import WaterSource

__all__ = [
    "STATUS_ORDER",
    "IndicatorGroup",
    "IndicatorRow",
    "PopulationSource",
    "Provenance",
    "Report",
    "StationRow",
    "SyntheticCount",
    "build_report",
    "choose_plan",
]

#: Order in which statuses are counted and listed (worst first after the good news).
STATUS_ORDER: tuple[str, ...] = tuple(s.value for s in StatusCode)

_STATION_ORDER = {s.value: i for i, s in enumerate(StationStatus)}


@dataclass(frozen=True)
class IndicatorRow:
    """One plan indicator as evaluated for the report year."""

    id: str
    number: int
    category_zh: str
    category_en: str
    name_zh: str
    name_en: str
    unit: str
    unit_zh: str
    value: float | None
    target: float
    target_text: str
    comparison: str
    kind: str
    binding: str
    baseline: float | None
    baseline_year: int | None
    baseline_text: str
    status: str
    reason: str
    missing: tuple[str, ...]
    missing_zh: tuple[str, ...]
    fed_by: tuple[str, ...]
    warning_band: float
    deadline: int
    progress: float | None
    expected_share: float | None
    note_zh: str
    note_en: str
    #: Synthetic records the value rests on, per kind (empty: a value from real records only).
    synthetic_inputs: tuple[SyntheticInput, ...] = ()

    @property
    def synthetic(self) -> bool:
        """True when the value (and so its status) rests on synthetic demo records."""
        return bool(self.synthetic_inputs)

    @property
    def ref(self) -> str:
        """The plan's number with its letter where two share one (18a, 18b), else the number."""
        tail = self.id.rsplit("-", 1)[-1].lstrip("0")
        return tail if tail and not tail.isdigit() else str(self.number)


@dataclass(frozen=True)
class IndicatorGroup:
    """The indicators of one plan category (火灾形势, 基础设施 …), in the plan's order."""

    category_zh: str
    category_en: str
    rows: tuple[IndicatorRow, ...]


@dataclass(frozen=True)
class StationRow:
    """One entry of the station register (a station or a team)."""

    name: str
    station_class: str
    status: str
    planned_year: int | None
    commissioned_year: int | None
    synthetic: bool


@dataclass(frozen=True)
class PopulationSource:
    """Where the resident population of one year comes from."""

    year: int
    population: int
    source: str
    derived: bool
    note: str


@dataclass(frozen=True)
class SyntheticCount:
    """Synthetic records of one kind (``kind``: a key of the report's string table)."""

    kind: str
    count: int


@dataclass(frozen=True)
class Provenance:
    """What the report's figures rest on, and how much of it is synthetic.

    ``synthetic_*`` count the synthetic records the report uses: incidents of the tabulated
    years, entries of the station register (micro stations included, ``synthetic_micro_stations``
    of them micro stations), the district's water sources and vehicles (the register the water
    and fleet indicators read). ``synthetic_unused`` names synthetic records of the district the
    report does not use (dispatch units, buildings and key units, pre-plans), kind by kind.
    """

    incident_records: int
    synthetic_incidents: int
    incident_sources: tuple[str, ...]
    synthetic_stations: int
    synthetic_apparatus: int
    populations: tuple[PopulationSource, ...]
    plan_source_document: str
    plan_source: str
    plan_version: str
    district_source: str
    synthetic_micro_stations: int = 0
    synthetic_water_sources: int = 0
    synthetic_unused: tuple[SyntheticCount, ...] = ()

    @property
    def synthetic_used(self) -> tuple[SyntheticCount, ...]:
        """The synthetic records the report uses, kind by kind (kinds with none left out)."""
        counts = (
            SyntheticCount("incidents", self.synthetic_incidents),
            SyntheticCount("stations", self.synthetic_stations),
            SyntheticCount("water_sources", self.synthetic_water_sources),
            SyntheticCount("apparatus", self.synthetic_apparatus),
        )
        return tuple(c for c in counts if c.count)

    @property
    def synthetic_records(self) -> int:
        """Every synthetic record the report uses (the sum of :attr:`synthetic_used`)."""
        return sum(c.count for c in self.synthetic_used)


@dataclass(frozen=True)
class Report:
    """Everything a monitoring-and-evaluation report shows, language-neutral."""

    district_code: str
    district_name_zh: str
    district_name_en: str
    plan_id: str
    plan_title_zh: str
    plan_title_en: str
    period_start: int
    period_end: int
    year: int
    generated_at: datetime
    status_counts: dict[str, int]
    indicator_groups: tuple[IndicatorGroup, ...]
    #: Years of the annual tables: the plan's previous period, extended to ``year`` by the
    #: later years that have records.
    years: tuple[int, ...]
    #: One row per year of ``years`` plus the total / average row (``year`` None).
    annual_rows: tuple[AnnualRow, ...]
    #: Same years and total row; ``total == 0`` means the year has no records at all.
    calls_rows: tuple[CallsRow, ...]
    #: Indicator of the plan measured as fires per 10,000 residents (a chart's target line).
    fires_per_10k_indicator: IndicatorRow | None
    #: The station register: stations and teams of every class but micro stations.
    stations: tuple[StationRow, ...]
    findings: tuple[Finding, ...]
    provenance: Provenance
    #: Micro stations (微型消防站), counted apart from the stations as the plans do.
    micro_stations: tuple[StationRow, ...] = ()

    @property
    def indicators(self) -> tuple[IndicatorRow, ...]:
        """Every indicator, in the plan's order."""
        return tuple(r for g in self.indicator_groups for r in g.rows)

    @property
    def problems(self) -> tuple[IndicatorRow, ...]:
        """Missed then at-risk indicators, binding ones first (突出问题)."""
        rank = {StatusCode.MISSED.value: 0, StatusCode.AT_RISK.value: 1}
        bad = [r for r in self.indicators if r.status in rank]
        return tuple(sorted(bad, key=lambda r: (rank[r.status], r.binding != "binding")))

    @property
    def no_data(self) -> tuple[IndicatorRow, ...]:
        """Indicators that could not be evaluated for lack of records."""
        return tuple(r for r in self.indicators if r.status == StatusCode.NO_DATA.value)

    @property
    def synthetic_indicators(self) -> tuple[IndicatorRow, ...]:
        """Indicators whose value and status rest on synthetic demo records."""
        return tuple(r for r in self.indicators if r.synthetic)

    @property
    def station_counts(self) -> dict[str, int]:
        """Entries of the station register by status (every status, zero included)."""
        counts = Counter(s.status for s in self.stations)
        return {s.value: counts[s.value] for s in StationStatus}

    @property
    def micro_station_counts(self) -> dict[str, int]:
        """Micro stations: ``existing`` (in service) and ``synthetic`` (generated for a demo)."""
        return {
            "total": len(self.micro_stations),
            "existing": sum(1 for s in self.micro_stations if s.status == "existing"),
            "synthetic": sum(1 for s in self.micro_stations if s.synthetic),
        }

    @property
    def has_other_calls(self) -> bool:
        """True when the records hold calls other than fires (the calls table is worth showing)."""
        return any(r.total > r.fire for r in self.calls_rows)

    @property
    def year_before_period(self) -> bool:
        """The evaluated year precedes the plan period: a baseline (基期) evaluation."""
        return self.year < self.period_start


def choose_plan(district_code: str, year: int, plan_id: str | None = None) -> Plan:
    """The plan a report for ``year`` evaluates: the named one, the one in force, or the next."""
    if plan_id is not None:
        plan = load_plan(plan_id)
        if plan.district != district_code:
            raise InvalidInputError(
                f"plan {plan_id!r} belongs to district {plan.district!r}, not {district_code!r}"
            )
        return plan
    plans = plans_for_district(district_code)
    if not plans:
        raise NotFoundError(f"district {district_code!r} has no five-year plan with indicators")
    in_force = [p for p in plans if p.period_start <= year <= p.period_end]
    if in_force:
        return in_force[-1]
    # A year before a plan is that plan's baseline: the report measures the starting point.
    upcoming = [p for p in plans if p.period_start > year]
    return upcoming[0] if upcoming else plans[-1]


def _row(result: IndicatorResult, plan: Plan) -> IndicatorRow:
    ind = result.indicator
    return IndicatorRow(
        id=ind.id,
        number=ind.number,
        category_zh=ind.category_zh,
        category_en=ind.category_en,
        name_zh=ind.name_zh,
        name_en=ind.name_en,
        unit=ind.unit,
        unit_zh=ind.unit_zh,
        value=result.value,
        target=ind.target,
        target_text=ind.target_text,
        comparison=ind.comparison.value,
        kind=ind.kind.value,
        binding=ind.binding.value,
        baseline=ind.baseline,
        baseline_year=ind.baseline_year,
        baseline_text=ind.baseline_text,
        status=result.status,
        reason=result.reason,
        missing=tuple(m.en for m in result.missing),
        missing_zh=tuple(m.zh for m in result.missing),
        fed_by=ind.fed_by,
        warning_band=ind.warning_band,
        deadline=ind.due_year or plan.period_end,
        progress=result.progress,
        expected_share=result.expected_share,
        note_zh=ind.note_zh,
        note_en=ind.note_en,
        synthetic_inputs=result.synthetic_inputs,
    )


def _count_synthetic(
    session: Session,
    model: type[WaterSource | Apparatus | Unit | Building | PrePlan],
    district: int,
) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.district_id == district, model.synthetic.is_(True))
        )
        or 0
    )


def _groups(rows: list[IndicatorRow]) -> tuple[IndicatorGroup, ...]:
    order: list[tuple[str, str]] = []
    members: dict[tuple[str, str], list[IndicatorRow]] = {}
    for r in rows:
        key = (r.category_zh, r.category_en)
        if key not in members:
            order.append(key)
            members[key] = []
        members[key].append(r)
    return tuple(IndicatorGroup(zh, en, tuple(members[(zh, en)])) for zh, en in order)


def _table_years(session: Session, code: str, plan: Plan, year: int) -> tuple[int, int]:
    """First and last year of the annual tables (see :attr:`Report.years`)."""
    length = plan.period_end - plan.period_start + 1
    first = min(plan.period_start - length, year)
    prev_end = plan.period_start - 1
    if year <= prev_end:
        return first, year
    later = calls_table(session, code, prev_end + 1, year)
    with_records = [r.year for r in later if r.year is not None and r.total > 0]
    return first, max([prev_end, *with_records])


def build_report(
    session: Session,
    district_code: str,
    year: int,
    *,
    generated_at: datetime,
    plan_id: str | None = None,
) -> Report:
    """Gather the indicators, tables, stations, findings and provenance for one year."""
    if generated_at.tzinfo is None:
        raise InvalidInputError(f"generated_at must be timezone-aware, got {generated_at!r}")
    district = get_district(session, district_code)
    plan = choose_plan(district.code, year, plan_id)
    # The report's date decides whether the year is over (a running year is a figure to date).
    today = generated_at.astimezone(ZoneInfo(district.timezone)).date()
    (plan_result,) = evaluate_district(
        session, district.code, year, plan_id=plan.plan_id, today=today
    )
    rows = [_row(r, plan) for r in plan_result.results]
    counts = Counter(r.status for r in rows)

    first, last = _table_years(session, district.code, plan, year)
    annual = annual_fire_table(session, district.code, first, last, total=True)
    calls = calls_table(session, district.code, first, last, total=True)
    calls_total = calls[-1]

    start, end = year_bounds_utc(district, first, last)
    sources = session.scalars(
        select(Incident.source)
        .where(
            Incident.district_id == district.id,
            Incident.received_at >= start,
            Incident.received_at < end,
        )
        .group_by(Incident.source)
        .order_by(func.count().desc(), Incident.source)
    )
    stations = session.scalars(select(Station).where(Station.district_id == district.id)).all()
    station_rows = sorted(
        (
            StationRow(
                name=s.name,
                station_class=s.station_class.value,
                status=s.status.value,
                planned_year=s.planned_year,
                commissioned_year=s.commissioned_year,
                synthetic=s.synthetic,
            )
            for s in stations
        ),
        key=lambda s: (_STATION_ORDER[s.status], s.planned_year or 0, s.station_class, s.name),
    )
    micro = StationClass.MICRO.value
    pops = populations(session, district.id)
    unused = (
        SyntheticCount("units", _count_synthetic(session, Unit, district.id)),
        SyntheticCount("buildings", _count_synthetic(session, Building, district.id)),
        SyntheticCount("pre_plans", _count_synthetic(session, PrePlan, district.id)),
    )
    provenance = Provenance(
        incident_records=calls_total.total,
        synthetic_incidents=calls_total.synthetic_records,
        incident_sources=tuple(s for s in sources if s),
        synthetic_stations=sum(1 for s in station_rows if s.synthetic),
        synthetic_micro_stations=sum(
            1 for s in station_rows if s.synthetic and s.station_class == micro
        ),
        synthetic_water_sources=_count_synthetic(session, WaterSource, district.id),
        synthetic_apparatus=_count_synthetic(session, Apparatus, district.id),
        synthetic_unused=tuple(c for c in unused if c.count),
        populations=tuple(
            PopulationSource(y, p.population, p.source, p.derived, p.note)
            for y, p in sorted(pops.items())
            if first <= y <= max(last, year)
        ),
        plan_source_document=plan.source_document,
        plan_source=plan.source,
        plan_version=plan.version,
        district_source=district.source,
    )
    return Report(
        district_code=district.code,
        district_name_zh=district.name_zh,
        district_name_en=district.name_en or district.code,
        plan_id=plan.plan_id,
        plan_title_zh=plan.title_zh,
        plan_title_en=plan.title_en,
        period_start=plan.period_start,
        period_end=plan.period_end,
        year=year,
        generated_at=generated_at,
        status_counts={s: counts[s] for s in STATUS_ORDER},
        indicator_groups=_groups(rows),
        years=tuple(range(first, last + 1)),
        annual_rows=tuple(annual),
        calls_rows=tuple(calls),
        fires_per_10k_indicator=next(
            (
                r
                for r, res in zip(rows, plan_result.results, strict=True)
                if res.indicator.formula == "fires_per_10k"
            ),
            None,
        ),
        stations=tuple(s for s in station_rows if s.station_class != micro),
        micro_stations=tuple(s for s in station_rows if s.station_class == micro),
        findings=tuple(district_findings(session, district.code)),
        provenance=provenance,
    )
