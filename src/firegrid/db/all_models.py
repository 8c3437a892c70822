"""Import every ORM model so ``Base.metadata`` is complete (Alembic, tests)."""

from firegrid.accounts import audit as _audit  # noqa: F401  (registers the audit listener)
from firegrid.accounts.models import ApiToken, AuditLog, User
from firegrid.buildings.models import Building
from firegrid.db.revisions import DataRevision
from firegrid.dispatch.models import Assignment, PrePlan, Unit, UnitStatusEvent
from firegrid.districts.models import District, DistrictPopulation, Place, Township
from firegrid.equipment.models import EquipmentEvent, EquipmentItem, EquipmentMaintenance
from firegrid.imports.models import ImportBatch, RejectedRow
from firegrid.incidents.models import Incident
from firegrid.iot.models import AlarmState, IncidentProposal, IotDevice, IotEvent, IotRejected
from firegrid.network.models import RoadNetwork
from firegrid.personnel.models import Certificate, ConflictOfInterest, Person, PersonnelCount
from firegrid.risk.models import RiskModelRecord, RiskWarning
from firegrid.stations.models import Apparatus, Station
from firegrid.statistics.models import PublishedFigure
from firegrid.supervision.models import (
    CreditScore,
    Hazard,
    HazardEvent,
    Inspection,
    InspectionDraw,
    KeyUnitDecision,
    Penalty,
    SelfInspection,
    UnitClosure,
)
from firegrid.training.models import TrainingAttendance, TrainingSession
from firegrid.water.models import (
    WaterInspection,
    WaterSource,
    WaterStatusEvent,
    WaterTicket,
    WaterTicketEvent,
)

__all__ = [
    "AlarmState",
    "ApiToken",
    "Apparatus",
    "Assignment",
    "AuditLog",
    "Building",
    "Certificate",
    "ConflictOfInterest",
    "CreditScore",
    "DataRevision",
    "District",
    "DistrictPopulation",
    "EquipmentEvent",
    "EquipmentItem",
    "EquipmentMaintenance",
    "Hazard",
    "HazardEvent",
    "ImportBatch",
    "Incident",
    "IncidentProposal",
    "Inspection",
    "InspectionDraw",
    "IotDevice",
    "IotEvent",
    "IotRejected",
    "KeyUnitDecision",
    "Penalty",
    "Person",
    "PersonnelCount",
    "Place",
    "PrePlan",
    "PublishedFigure",
    "RejectedRow",
    "RiskModelRecord",
    "RiskWarning",
    "RoadNetwork",
    "SelfInspection",
    "Station",
    "Township",
    "TrainingAttendance",
    "TrainingSession",
    "Unit",
    "UnitClosure",
    "UnitStatusEvent",
    "User",
    "WaterInspection",
    "WaterSource",
    "WaterStatusEvent",
    "WaterTicket",
    "WaterTicketEvent",
]
