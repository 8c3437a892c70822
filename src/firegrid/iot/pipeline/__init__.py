"""The alarm pipeline: store every up-link event durably, then let the transport confirm it.

Both transports (the GB/T 26875.3 gateway and the MQTT ingest) turn what they receive into
:class:`Envelope` objects — one frame or message, its identity for duplicate detection and the
:class:`Reading` objects it carries — and hand them to :class:`Pipeline`. The pipeline

1. **group-commits**: envelopes arriving within ``window_s`` (a few ms) share one transaction, so
   a single SQLite writer keeps up with thousands of frames per second; the caller's future
   resolves only *after the commit returned*, and only then does the gateway send its confirm
   (a confirmed frame survives a crash of the gateway);
2. **drops duplicates** (same device + dedupe key: serial number and device time) but reports
   them as such, so the gateway still confirms — the device retransmitted because our confirm
   was lost;
3. keeps the **alarm state** of every device × system × component (fire, fault, supervisory,
   disabled; a system reset clears its components) and
4. turns the **rising edge of a fire flag** into an :class:`IncidentProposal` for the command
   centre *in the same transaction* as the event, so the proposal exists before the device
   sees its confirm.

Unknown devices (decision, documented for operators): a GB/T 26875 address nobody registered is
**created as unregistered** in ``default_district`` when the pipeline has one (commissioning a
building's device needs no prior paperwork, and a fire alarm from it still reaches the command
centre — without a building, so the dispatcher supplies the location on accept); without a
default district it is **refused** and the gateway answers with a deny. MQTT sensors name
their district in the topic and are created unregistered the same way when ``register_unknown``
is true.

Audit: device registration, online/offline transitions, alarm-state changes and proposals are
ORM writes (audited row by row). The event rows themselves and the last-seen timestamps are
bulk SQL — auditing each heartbeat would double the write load — and each batch records one
audit entry ``iot_ingest`` saying how many events from how many devices it stored.
"""

from firegrid.iot.pipeline._batch import (
    ACTOR,
    MAX_RAW_BYTES,
    MAX_REJECTED_BYTES,
    ingest,
    mark_offline,
    mark_stale_offline,
    offline_cutoff,
    store_rejected,
)
from firegrid.iot.pipeline._envelope import Envelope, Outcome, Reading, Result
from firegrid.iot.pipeline._readings import (
    Flags,
    apply_flags,
    flags_of,
    kind_of,
    readings_from_adu,
)
from firegrid.iot.pipeline._writer import Pipeline

__all__ = [
    "ACTOR",
    "MAX_RAW_BYTES",
    "MAX_REJECTED_BYTES",
    "Envelope",
    "Flags",
    "Outcome",
    "Pipeline",
    "Reading",
    "Result",
    "apply_flags",
    "flags_of",
    "ingest",
    "kind_of",
    "mark_offline",
    "mark_stale_offline",
    "offline_cutoff",
    "readings_from_adu",
    "store_rejected",
]
