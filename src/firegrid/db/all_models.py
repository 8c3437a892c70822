"""Import every ORM model so ``Base.metadata`` is complete (Alembic, tests)."""

from firegrid.accounts import audit as _audit  # noqa: F401  (registers the audit listener)
from firegrid.accounts.models import ApiToken, AuditLog, User
from firegrid.buildings.models import Building
from firegrid.db.revisions import DataRevision
from firegrid.dispatch.models import Assignment, PrePlan, Unit, UnitStatusEvent
from firegrid.districts.models import District, DistrictPopulation, Place, Township
from firegrid.imports.models import ImportBatch, RejectedRow
from firegrid.incidents.models import Incident
from firegrid.network.models import RoadNetwork
from firegrid.personnel.models import PersonnelCount
from firegrid.risk.models import RiskModelRecord, RiskWarning
from firegrid.stations.models import Apparatus, Station
from firegrid.statistics.models import PublishedFigure
from firegrid.water.models import WaterSource

__all__ = [
    "ApiToken",
    "Apparatus",
    "Assignment",
    "AuditLog",
    "Building",
    "DataRevision",
    "District",
    "DistrictPopulation",
    "ImportBatch",
    "Incident",
    "PersonnelCount",
    "Place",
    "PrePlan",
    "PublishedFigure",
    "RejectedRow",
    "RiskModelRecord",
    "RiskWarning",
    "RoadNetwork",
    "Station",
    "Township",
    "Unit",
    "UnitStatusEvent",
    "User",
    "WaterSource",
]
