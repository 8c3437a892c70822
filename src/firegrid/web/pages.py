"""What the dashboard page shows, gathered from the queries and services (no HTTP here)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from firegrid.accounts.models import User
from firegrid.accounts.service import Permission, has_permission
from firegrid.config import Settings
from firegrid.coverage.config import load_standards
from firegrid.coverage.service import COVERAGE_CLASSES
from firegrid.dispatch.levels import max_level
from firegrid.dispatch.status import INCIDENT_TRANSITIONS, UNIT_TRANSITIONS
from firegrid.districts import queries
from firegrid.districts.queries import DistrictOverview, LocatedStation
from firegrid.indicators.catalog import plans_for_district
from firegrid.statistics.service import AnnualRow, CallsRow, annual_fire_table, calls_table
from firegrid.supervision.repository import latest_credit
from firegrid.supervision.status import HAZARD_TRANSITIONS
from firegrid.types import (
    CreditGrade,
    HazardSeverity,
    HazardStatus,
    IncidentCategory,
    IncidentStatus,
    StationClass,
    UnitStatus,
)
from firegrid.web.i18n import Lang, strings
from firegrid.web.legend import map_styles

__all__ = [
    "Dashboard",
    "SitingPage",
    "SupervisionPage",
    "dashboard",
    "district_choices",
    "siting_page",
    "supervision_page",
]


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard template renders for one district."""

    overview: DistrictOverview
    years: tuple[int, int] | None
    year: int
    year_options: list[int]
    annual: list[AnnualRow]
    calls: list[CallsRow]
    derived_years: frozenset[int]
    unlocated: list[LocatedStation]
    synthetic_records: int
    call_categories: list[tuple[str, str]]
    #: Categories without a single record while other calls exist: shown as "—", not 0.
    unrecorded_categories: frozenset[str]
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def annual_years(self) -> list[AnnualRow]:
        return [r for r in self.annual if r.year is not None]

    @property
    def annual_total(self) -> AnnualRow | None:
        return next((r for r in self.annual if r.year is None), None)


def _unrecorded(calls: list[CallsRow]) -> frozenset[str]:
    total = next((r for r in calls if r.year is None), None)
    if total is None or total.total == 0:
        return frozenset()
    return frozenset(c.value for c in IncidentCategory if getattr(total, c.value) == 0)


def district_choices(session: Session) -> list[DistrictOverview]:
    """The districts of the picker, by code."""
    return queries.district_overviews(session)


def _current_year(timezone: str, now: datetime | None) -> int:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).year


def dashboard(
    session: Session,
    code: str,
    *,
    lang: Lang,
    year: int | None,
    user: User | None,
    settings: Settings,
    api_prefix: str = "/api",
    now: datetime | None = None,
) -> Dashboard:
    """Gather the dashboard of district ``code`` (NotFoundError if unknown)."""
    overview = queries.district_overview(session, code)
    district = overview.district
    span = queries.record_years(session, district)
    current = _current_year(district.timezone, now)
    if span is None:
        annual: list[AnnualRow] = []
        calls: list[CallsRow] = []
        options = [current]
    else:
        annual = annual_fire_table(session, code, span[0], span[1], total=True)
        calls = calls_table(session, code, span[0], span[1], total=True)
        options = list(range(span[0], max(span[1], current) + 1))
    chosen = year if year is not None else (span[1] if span else current)
    if chosen not in options:
        options = sorted({*options, chosen})
    # Every call counted on the page (fires are a subset of calls) that is a generated record.
    synthetic = sum(r.synthetic_records for r in calls if r.year is not None)
    base = f"{api_prefix}/districts/{district.code}"
    config: dict[str, Any] = {
        "lang": lang,
        "strings": strings(lang),
        "district": _district_config(overview, lang),
        "api": {
            "boundary": f"{base}/boundary.geojson",
            "townships": f"{base}/townships.geojson",
            "stations": f"{base}/stations.geojson",
            "incidents": f"{base}/incidents.geojson",
            "indicators": f"{base}/indicators",
            "quality": f"{base}/quality",
            "coverage": f"{base}/coverage",
            "coverage_geojson": f"{base}/coverage.geojson",
            "coverage_gpkg": f"{base}/coverage.gpkg",
            "networks": f"{api_prefix}/networks",
            "login": f"{api_prefix}/auth/login",
            "logout": f"{api_prefix}/auth/logout",
            "water": f"{base}/water.geojson",
            "key_units": f"{base}/key-units.geojson",
            "dispatch_state": f"{base}/dispatch/state",
            "dispatch_stream": f"{base}/dispatch/stream",
            "dispatch_search": f"{base}/dispatch/search",
            "dispatch_recommend": f"{base}/dispatch/recommend",
            "incidents_base": f"{base}/incidents",
            "units_base": f"{base}/units",
            "risk_geojson": f"{base}/risk/index.geojson",
            "risk_index": f"{base}/risk/index",
            "risk_units": f"{base}/risk/units",
            "risk_warnings": f"{base}/risk/warnings",
            "iot_proposals": f"{base}/iot/proposals",
        },
        "year": chosen,
        "record_years": list(span) if span else None,
        "dispatch": _dispatch_config(user),
        "risk": {
            "read": _can(user, Permission.DATA_READ),
            "write": _can(user, Permission.PLANS_WRITE),
            "next_period": _next_month(district.timezone, now),
        },
        "iot": {"poll_s": IOT_POLL_S},
        "user": None if user is None else {"username": user.username, "role": user.role.value},
        "tiles": {"url": settings.tile_url, "attribution": settings.tile_attribution},
        "styles": map_styles(lang),
        "coverage": {"minutes": load_standards().coverage_limit_s / 60.0},
        "annual": [
            {"year": r.year, "fires": r.fires, "deaths": r.deaths, "loss_yuan": r.loss_yuan}
            for r in annual
            if r.year is not None
        ],
    }
    return Dashboard(
        overview=overview,
        years=span,
        year=chosen,
        year_options=options,
        annual=annual,
        calls=calls,
        derived_years=frozenset(p.year for p in overview.populations if p.derived),
        unlocated=queries.station_rows(session, district.id, located=False),
        synthetic_records=synthetic,
        call_categories=[(c.value, c.label(lang)) for c in IncidentCategory],
        unrecorded_categories=_unrecorded(calls),
        config=config,
    )


#: How often the command centre asks for new IoT fire alarms. A proposal changes no unit or
#: incident, so the dispatch stream does not announce it: the panel polls (one indexed query
#: of the district's proposals) and also refreshes at once on every dispatch ``state`` event.
IOT_POLL_S = 5


def _can(user: User | None, permission: Permission) -> bool:
    return user is not None and has_permission(user, permission)


def _today(timezone: str, now: datetime | None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone)).date()


def _next_month(timezone: str, now: datetime | None) -> str:
    """``YYYY-MM`` of the month after today in the district's time zone."""
    today = _today(timezone, now)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return f"{year:04d}-{month:02d}"


#: Rescue sub-types the intake offers (the run cards add specialist teams for most of them).
RESCUE_SUBTYPES = ("water", "mountain", "hazmat", "collapse", "traffic")


def _dispatch_config(user: User | None) -> dict[str, Any]:
    """What the command-centre panel may do for this user, and the moves it may offer."""
    # A unit is dispatched by assigning it, and an incident's first states follow from its
    # units: the panel offers only the moves a dispatcher makes by hand.
    manual_incident = {IncidentStatus.CONTROLLED, IncidentStatus.CLOSED}
    return {
        "read": user is not None and has_permission(user, Permission.DATA_READ),
        "write": user is not None and has_permission(user, Permission.DISPATCH_WRITE),
        "unit_next": {
            old.value: [s.value for s in UnitStatus if s in nxt and s is not UnitStatus.DISPATCHED]
            for old, nxt in UNIT_TRANSITIONS.items()
        },
        "incident_next": {
            old.value: [s.value for s in IncidentStatus if s in nxt and s in manual_incident]
            for old, nxt in INCIDENT_TRANSITIONS.items()
        },
        "max_level": {c.value: max_level(c) for c in IncidentCategory},
        "subtypes": list(RESCUE_SUBTYPES),
    }


@dataclass(frozen=True)
class SitingPage:
    """What the siting page renders for one district (its results come from the API)."""

    overview: DistrictOverview
    #: Station classes a new station may have (those that guard a district), with labels.
    new_station_classes: list[tuple[str, str]]
    config: dict[str, Any] = field(default_factory=dict)


def _district_config(overview: DistrictOverview, lang: Lang) -> dict[str, Any]:
    district = overview.district
    return {
        "code": district.code,
        "name": district.name_en if lang == "en" and district.name_en else district.name_zh,
        "bbox": overview.bbox,
        "timezone": district.timezone,
        "source": district.source,
    }


def siting_page(
    session: Session,
    code: str,
    *,
    lang: Lang,
    settings: Settings,
    api_prefix: str = "/api",
) -> SitingPage:
    """Gather the siting page of district ``code`` (NotFoundError if unknown)."""
    overview = queries.district_overview(session, code)
    base = f"{api_prefix}/districts/{overview.district.code}"
    standards = load_standards()
    classes = [c for c in StationClass if c in COVERAGE_CLASSES]
    config: dict[str, Any] = {
        "lang": lang,
        "strings": strings(lang),
        "district": _district_config(overview, lang),
        "api": {
            "boundary": f"{base}/boundary.geojson",
            "townships": f"{base}/townships.geojson",
            "stations": f"{base}/stations.geojson",
            "networks": f"{api_prefix}/networks",
            "best": f"{base}/siting/best",
            "compare": f"{base}/siting/compare",
            "whatif": f"{base}/siting/whatif",
        },
        "tiles": {"url": settings.tile_url, "attribution": settings.tile_attribution},
        "styles": map_styles(lang),
        "defaults": {
            "minutes": standards.coverage_limit_s / 60.0,
            "p": 3,
            "candidate_spacing_m": 500,
        },
        "coverage_classes": [c.value for c in classes],
    }
    return SitingPage(
        overview=overview,
        new_station_classes=[(c.value, c.label(lang)) for c in classes],
        config=config,
    )


# --- supervision & records page -----------------------------------------------------------------

#: Indicator formulas of a district's plan whose targets the supervision page compares with.
_TARGET_FORMULAS = (
    "non_site_inspection_share",
    "building_facility_four_rates",
    "water_source_intact_rate",
    "training_pass_rate",
    "public_skills_training_per_year",
)


def _plan_targets(code: str) -> dict[str, float]:
    """Targets of the district's latest bundled plan, by indicator formula."""
    out: dict[str, float] = {}
    for plan in plans_for_district(code):  # oldest first: the latest plan wins
        for ind in plan.indicators:
            if ind.formula in _TARGET_FORMULAS:
                out[ind.formula] = ind.target
    return out


@dataclass(frozen=True)
class CreditSummary:
    """The latest stored credit grade of each key unit (none until someone scores them)."""

    as_of: date | None
    grades: list[tuple[str, str, int]]
    scored: int


def _credit_summary(session: Session, district_id: int, today: date, lang: Lang) -> CreditSummary:
    latest = latest_credit(session, district_id, today)
    counts = Counter(c.grade.value for c in latest.values())
    as_of = max((c.as_of for c in latest.values()), default=None)
    return CreditSummary(
        as_of=as_of,
        grades=[(g.value, g.label(lang), counts.get(g.value, 0)) for g in CreditGrade],
        scored=len(latest),
    )


@dataclass(frozen=True)
class SupervisionPage:
    """What the supervision & records page renders for one district (the rest is fetched)."""

    overview: DistrictOverview
    credit: CreditSummary
    can_read: bool
    can_inspect: bool
    config: dict[str, Any] = field(default_factory=dict)


def supervision_page(
    session: Session,
    code: str,
    *,
    lang: Lang,
    user: User | None,
    settings: Settings,
    api_prefix: str = "/api",
    now: datetime | None = None,
) -> SupervisionPage:
    """Gather the supervision & records page of district ``code`` (NotFoundError if unknown)."""
    overview = queries.district_overview(session, code)
    district = overview.district
    base = f"{api_prefix}/districts/{district.code}"
    today = _today(district.timezone, now)
    this_month = f"{today.year:04d}-{today.month:02d}"
    first = date(today.year - 1, today.month, 1)
    can_read = _can(user, Permission.DATA_READ)
    config: dict[str, Any] = {
        "lang": lang,
        "strings": strings(lang),
        "district": _district_config(overview, lang),
        "api": {
            "draws": f"{base}/draws",
            "draw_base": f"{api_prefix}/draws",
            "key_units": f"{base}/key-units",
            "hazards": f"{base}/hazards",
            "hazards_overdue": f"{base}/hazards/overdue",
            "hazard_base": f"{api_prefix}/hazards",
            "credit": f"{base}/credit",
            "credit_severe": f"{base}/credit/severe",
            "non_site_share": f"{base}/inspections/non-site-share",
            "four_rates": f"{base}/four-rates",
            "water_series": f"{base}/water/intact-rate/series",
            "water_tickets": f"{base}/water/tickets",
            "replacement": f"{base}/vehicles/replacement-plan",
            "compliance": f"{base}/equipment-compliance",
            "training": f"{base}/training/summary",
        },
        "read": can_read,
        "inspect": _can(user, Permission.INSPECTIONS_WRITE),
        "today": today.isoformat(),
        "year": today.year,
        "this_month": this_month,
        "next_month": _next_month(district.timezone, now),
        "series": {"start": f"{first.year:04d}-{first.month:02d}", "end": this_month},
        "targets": _plan_targets(district.code),
        "hazard_next": {
            old.value: [s.value for s in HazardStatus if s in nxt]
            for old, nxt in HAZARD_TRANSITIONS.items()
        },
        "hazard_status": {s.value: s.label(lang) for s in HazardStatus},
        "hazard_severity": {s.value: s.label(lang) for s in HazardSeverity},
        "credit_grade": {g.value: g.label(lang) for g in CreditGrade},
        "styles": {"risk_level": map_styles(lang)["risk_level"]},
    }
    return SupervisionPage(
        overview=overview,
        credit=_credit_summary(session, district.id, today, lang),
        can_read=can_read,
        can_inspect=config["inspect"],
        config=config,
    )
