"""IoT sensing (消防物联感知): devices, the event store, alarm state and incident proposals.

* :class:`IotDevice` — a GB/T 26875.3 user-information transmission device (keyed by its 48-bit
  address) or an MQTT sensor (keyed by its topic name), in a district and usually a building (the
  key unit it watches).
* :class:`IotEvent` — every up-link object as received, one row per object of a frame; the
  ``dedupe_key`` (serial number + device time) makes retransmissions idempotent.
* :class:`AlarmState` — the current flags of each device × system × component.
* :class:`IncidentProposal` — a fire alarm offered to the command centre; accepted (an incident
  is created) or dismissed as a false alarm.
* :class:`IotRejected` — input refused (malformed frames, invalid MQTT messages) with the reason.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from firegrid.db.base import Base, TimestampMixin, UTCDateTime, str_enum, utcnow

__all__ = [
    "AlarmState",
    "EventKind",
    "IncidentProposal",
    "IotDevice",
    "IotEvent",
    "IotProtocol",
    "IotRejected",
    "ProposalStatus",
]


class IotProtocol(StrEnum):
    GB26875 = "gb26875"
    MQTT = "mqtt"


class EventKind(StrEnum):
    """What an up-link object means to the centre (the ``kind`` of :class:`IotEvent`)."""

    HEARTBEAT = "heartbeat"
    FIRE = "fire"
    FAULT = "fault"
    SUPERVISORY = "supervisory"
    #: A state report with no alarm flag set (normal, restored, reset …).
    STATE = "state"
    ANALOG = "analog"
    #: Operation records, versions, configurations, times (types 4–8, 24–28).
    INFO = "info"
    #: A vendor-private or otherwise unrecognised ADU, stored raw.
    OTHER = "other"


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    #: Dismissed as a false alarm (counts towards the unit's false-alarm rate).
    DISMISSED = "dismissed"


class IotDevice(TimestampMixin, Base):
    """A transmission device or sensor; ``registered`` is false for devices that announced
    themselves to the gateway before anyone registered them (see ``firegrid.iot.pipeline``)."""

    __tablename__ = "iot_device"
    __table_args__ = (
        UniqueConstraint("district_id", "code"),
        UniqueConstraint("district_id", "address"),
        Index("ix_iot_device_address", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    #: The key unit / building the device watches (null until registered).
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("building.id", ondelete="SET NULL"), index=True
    )
    #: Name used in MQTT topics and the CLI; for GB/T 26875 devices the address in hex.
    code: Mapped[str] = mapped_column(String(64))
    #: GB/T 26875.3 source address (u48); null for MQTT sensors.
    address: Mapped[int | None] = mapped_column(BigInteger)
    protocol: Mapped[IotProtocol] = mapped_column(str_enum(IotProtocol, 16))
    #: Vendor profile name for private types and bit-0 semantics ("" = the standard).
    profile: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(200), default="")
    registered: Mapped[bool] = mapped_column(Boolean, default=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Device clock minus centre clock (s) at the last frame carrying a time.
    clock_offset_s: Mapped[float | None] = mapped_column(Float)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(Text, default="")


class IotEvent(Base):
    """One up-link object as received (a heartbeat is one object with no content)."""

    __tablename__ = "iot_event"
    __table_args__ = (
        UniqueConstraint("device_id", "dedupe_key", "seq"),
        Index("ix_iot_event_device_received", "device_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("iot_device.id", ondelete="CASCADE"))
    #: Frame serial number (GB/T 26875) or message sequence (MQTT).
    serial: Mapped[int] = mapped_column(BigInteger)
    #: Identity of the frame or message for duplicate detection (serial + device time).
    dedupe_key: Mapped[str] = mapped_column(String(64))
    #: Index of the object within its frame.
    seq: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime())
    command: Mapped[int] = mapped_column(Integer)
    adu_type: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, 16))
    system_type: Mapped[int | None] = mapped_column(Integer)
    system_address: Mapped[int | None] = mapped_column(Integer)
    component_type: Mapped[int | None] = mapped_column(Integer)
    component_address: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    value: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(String(200))
    #: The whole frame (or message) as received; shared by the objects of one frame (seq 0 only).
    raw: Mapped[bytes | None] = mapped_column(LargeBinary)


class AlarmState(Base):
    """Current flags of one device × system × component (0/0 for the system itself)."""

    __tablename__ = "iot_alarm_state"
    __table_args__ = (
        UniqueConstraint(
            "device_id",
            "system_type",
            "system_address",
            "component_type",
            "component_address",
            name="uq_iot_alarm_state_component",  # the generated name passes 63 characters
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("iot_device.id", ondelete="CASCADE"))
    system_type: Mapped[int] = mapped_column(Integer, default=0)
    system_address: Mapped[int] = mapped_column(Integer, default=0)
    component_type: Mapped[int] = mapped_column(Integer, default=0)
    component_address: Mapped[int] = mapped_column(BigInteger, default=0)
    fire: Mapped[bool] = mapped_column(Boolean, default=False)
    fault: Mapped[bool] = mapped_column(Boolean, default=False)
    supervisory: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Any flag set (indexed: the alarm view lists these).
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    #: When the current condition began (the first flag set after all were clear).
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    description: Mapped[str] = mapped_column(String(200), default="")
    last_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("iot_event.id", ondelete="SET NULL")
    )


class IncidentProposal(Base):
    """A fire alarm offered to the command centre (proposed → accepted | dismissed)."""

    __tablename__ = "iot_incident_proposal"
    __table_args__ = (Index("ix_iot_incident_proposal_district_status", "district_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="CASCADE"))
    building_id: Mapped[int | None] = mapped_column(
        ForeignKey("building.id", ondelete="SET NULL"), index=True
    )
    device_id: Mapped[int] = mapped_column(ForeignKey("iot_device.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("iot_event.id", ondelete="SET NULL"))
    system_type: Mapped[int] = mapped_column(Integer, default=0)
    system_address: Mapped[int] = mapped_column(Integer, default=0)
    component_type: Mapped[int] = mapped_column(Integer, default=0)
    component_address: Mapped[int] = mapped_column(BigInteger, default=0)
    description: Mapped[str] = mapped_column(String(200), default="")
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    status: Mapped[ProposalStatus] = mapped_column(
        str_enum(ProposalStatus, 16), default=ProposalStatus.PROPOSED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id", ondelete="SET NULL"))


class IotRejected(Base):
    """Input the gateway or the MQTT ingest refused, with the reason (never crashes ingest)."""

    __tablename__ = "iot_rejected"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    protocol: Mapped[IotProtocol] = mapped_column(str_enum(IotProtocol, 16))
    #: Peer address (TCP) or topic (MQTT).
    origin: Mapped[str] = mapped_column(String(256))
    reason: Mapped[str] = mapped_column(Text)
    #: The offending bytes, cut to 4 KiB.
    payload: Mapped[bytes] = mapped_column(LargeBinary)
