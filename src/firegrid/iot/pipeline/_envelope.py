"""What the transports hand in and get back: :class:`Reading`, :class:`Envelope`,
:class:`Outcome` and :class:`Result`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from firegrid.iot.models import (
    EventKind,
    IotProtocol,
)


@dataclass(frozen=True, slots=True)
class Reading:
    """One up-link object, normalised. ``state`` (flag name → bool) is None for objects that
    say nothing about alarms (analog values, records, heartbeats)."""

    kind: EventKind
    adu_type: int | None = None
    system_type: int | None = None
    system_address: int | None = None
    component_type: int | None = None
    component_address: int | None = None
    state: Mapping[str, Any] | None = None
    value: float | None = None
    unit: str | None = None
    description: str | None = None
    #: A system-state report with the reset bit: clears every component of that system.
    reset: bool = False


@dataclass(frozen=True, slots=True)
class Envelope:
    """One frame or message. ``device_time`` may be naive (device-local wall clock, as GB/T
    26875 sends it): it is read in the device's district time zone."""

    protocol: IotProtocol
    serial: int
    dedupe_key: str
    received_at: datetime
    command: int
    readings: tuple[Reading, ...]
    raw: bytes = b""
    #: GB/T 26875 source address, or …
    address: int | None = None
    #: … the MQTT device name and the district of its topic.
    code: str | None = None
    district: str | None = None
    device_time: datetime | None = None


class Outcome(StrEnum):
    STORED = "stored"
    #: Already stored (a retransmission): confirm again, store nothing.
    DUPLICATE = "duplicate"
    #: Unknown device and the policy refuses it: answer with a deny.
    REFUSED = "refused"
    #: The database failed: do not confirm (the device will retransmit).
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    device_id: int | None = None
    proposal_ids: tuple[int, ...] = ()
    #: Device clock minus centre clock (s), when the frame carried a time.
    clock_offset_s: float | None = None
    reason: str = ""

    @property
    def confirm(self) -> bool:
        """Whether the transport may acknowledge the frame now."""
        return self.outcome in (Outcome.STORED, Outcome.DUPLICATE)
