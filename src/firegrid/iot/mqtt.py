"""MQTT ingest of 三水一报警 sensors (water pressure, water level, flow, fire alarm).

Sensors publish UTF-8 JSON on ``firegrid/{district}/{device}/reading`` (the template is a
parameter); the payload schema is ``data/mqtt_reading.schema.json`` (JSON Schema 2020-12, also
served by :func:`reading_schema`). Every message is validated; a bad one is stored in
``iot_rejected`` with the reason and never stops the ingest. A valid one becomes an
:class:`~firegrid.iot.pipeline.Envelope` for the same pipeline the GB/T 26875 gateway feeds,
so MQTT readings and TCP alarms land in one alarm view:

* ``status`` ``low`` / ``high`` → a supervisory signal on that channel (e.g. 管网低压),
  ``fault`` → fault, ``fire`` → fire (and an incident proposal), ``normal`` → cleared;
* a reading's value is stored as an analog event with its unit.

Messages are subscribed with QoS 1 and acknowledged to the broker only after the pipeline
committed them (paho's manual acknowledgement), so a crash between receipt and commit makes
the broker deliver the message again; the duplicate is then dropped by ``(device, seq, ts)``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from firegrid.errors import InvalidInputError
from firegrid.iot.codec import dedupe_key
from firegrid.iot.models import EventKind, IotProtocol
from firegrid.iot.pipeline import Envelope, Outcome, Pipeline, Reading, store_rejected

__all__ = [
    "COMPONENT_TYPES",
    "DEFAULT_TOPIC",
    "parse_message",
    "reading_schema",
    "run_mqtt",
    "subscription",
    "topic_fields",
]

log = logging.getLogger(__name__)

DEFAULT_TOPIC = "firegrid/{district}/{device}/reading"
#: Component type numbers firegrid gives MQTT sensor kinds in the alarm state (GB/T 26875
#: component types do not cover them; these are firegrid's own, documented here).
COMPONENT_TYPES: Mapping[str, int] = {
    "water_pressure": 201,
    "water_level": 202,
    "flow": 203,
    "fire_alarm": 204,
    "fault": 205,
    "heartbeat": 0,
}
_STATUS_FLAGS: Mapping[str, dict[str, bool]] = {
    "normal": {"fire": False, "fault": False, "supervisory": False},
    "low": {"fire": False, "fault": False, "supervisory": True},
    "high": {"fire": False, "fault": False, "supervisory": True},
    "fault": {"fire": False, "fault": True, "supervisory": False},
    "fire": {"fire": True, "fault": False, "supervisory": False},
}
_FIELD = re.compile(r"\{(district|device)\}")


@lru_cache(maxsize=1)
def reading_schema() -> dict[str, Any]:
    """The JSON Schema of a reading message."""
    text = (
        resources.files("firegrid.iot")
        .joinpath("data/mqtt_reading.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(reading_schema())


def subscription(template: str = DEFAULT_TOPIC) -> str:
    """The MQTT subscription filter of a topic template (fields become ``+``)."""
    if "{district}" not in template or "{device}" not in template:
        raise InvalidInputError(f"topic template {template!r} needs {{district}} and {{device}}")
    return _FIELD.sub("+", template)


def topic_fields(template: str, topic: str) -> tuple[str, str]:
    """``(district, device)`` of a topic matching ``template`` (InvalidInputError otherwise)."""
    parts, got = template.split("/"), topic.split("/")
    if len(parts) != len(got):
        raise InvalidInputError(f"topic {topic!r} does not match {template!r}")
    out: dict[str, str] = {}
    for want, have in zip(parts, got, strict=True):
        m = _FIELD.fullmatch(want)
        if m:
            if not have:
                raise InvalidInputError(f"topic {topic!r}: empty {m.group(1)}")
            out[m.group(1)] = have
        elif want != have:
            raise InvalidInputError(f"topic {topic!r} does not match {template!r}")
    return out["district"], out["device"]


def parse_message(template: str, topic: str, payload: bytes, *, received_at: datetime) -> Envelope:
    """Validate one message and return its envelope; InvalidInputError names what is wrong."""
    district, device = topic_fields(template, topic)
    if len(device) > 64:
        raise InvalidInputError(f"device name longer than 64 characters in topic {topic!r}")
    try:
        msg = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"payload is not UTF-8 JSON: {exc}") from exc
    errors = sorted(_validator().iter_errors(msg), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        path = [str(p) for p in first.absolute_path]
        schema_path = list(first.absolute_schema_path)
        if not path and schema_path and schema_path[-1] == "properties":
            # A false schema forbids a field for this kind: name the fields concerned.
            node: Any = reading_schema()
            for step in schema_path:
                node = node[step]
            path = [",".join(k for k, v in node.items() if v is False and k in msg)]
        where = "/".join(path) or "(message)"
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidInputError(f"{where}: {first.message}{more}")
    if "device" in msg and msg["device"] != device:
        raise InvalidInputError(f"device {msg['device']!r} differs from the topic's {device!r}")
    ts = datetime.fromisoformat(msg["ts"].replace("Z", "+00:00"))
    kind = msg["kind"]
    channel = int(msg.get("channel", 0))
    seq = msg.get("seq")
    ident = f"{seq}" if seq is not None else hashlib.sha1(payload).hexdigest()[:16]
    if kind == "heartbeat":
        reading = Reading(kind=EventKind.HEARTBEAT)
    else:
        status = msg.get("status", "normal")
        flags = _STATUS_FLAGS[status]
        value = msg.get("value")
        ev_kind = (
            EventKind.FIRE
            if flags["fire"]
            else EventKind.FAULT
            if flags["fault"]
            else EventKind.ANALOG
            if value is not None
            else EventKind.SUPERVISORY
            if flags["supervisory"]
            else EventKind.STATE
        )
        reading = Reading(
            kind=ev_kind,
            system_type=0,
            system_address=0,
            component_type=COMPONENT_TYPES[kind],
            component_address=channel,
            state=dict(flags),
            value=float(value) if value is not None else None,
            unit=msg.get("unit"),
            description=msg.get("description") or kind,
        )
    return Envelope(
        protocol=IotProtocol.MQTT,
        serial=int(seq) if seq is not None else 0,
        dedupe_key=dedupe_key(ident, ts),
        received_at=received_at,
        command=0,
        readings=(reading,),
        raw=payload,
        code=device,
        district=district,
        device_time=ts,
    )


async def run_mqtt(
    pipeline: Pipeline,
    *,
    host: str = "127.0.0.1",
    port: int = 1883,
    template: str = DEFAULT_TOPIC,
    client_id: str = "firegrid-ingest",
    username: str | None = None,
    password: str | None = None,
    clock: Callable[[], datetime] | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Subscribe and feed the pipeline until cancelled (reconnecting after broker outages)."""
    import aiomqtt

    now = clock or pipeline.clock
    topic = subscription(template)
    while True:
        try:
            async with aiomqtt.Client(
                host,
                port,
                identifier=client_id,
                username=username,
                password=password,
                clean_session=False,
            ) as client:
                paho: Any = getattr(client, "_client", None)
                manual = paho is not None and hasattr(paho, "manual_ack_set")
                if manual:
                    paho.manual_ack_set(True)
                await client.subscribe(topic, qos=1)
                if ready is not None:
                    ready.set()
                async for message in client.messages:
                    payload = message.payload
                    raw = payload if isinstance(payload, bytes) else str(payload).encode()
                    done = await _one(pipeline, template, str(message.topic), raw, now())
                    if done and manual and message.qos > 0:
                        paho.ack(message.mid, message.qos)
        except aiomqtt.MqttError as exc:
            log.warning("iot: MQTT broker %s:%d: %s; reconnecting in 2 s", host, port, exc)
            await asyncio.sleep(2.0)


async def _one(
    pipeline: Pipeline, template: str, topic: str, payload: bytes, received_at: datetime
) -> bool:
    """Handle one message; False when the database failed (leave it unacknowledged)."""
    try:
        env = parse_message(template, topic, payload, received_at=received_at)
    except InvalidInputError as exc:
        reason = str(exc)
        log.info("iot: MQTT message on %s rejected: %s", topic, reason)
        await pipeline.run(
            lambda db: store_rejected(
                db, protocol=IotProtocol.MQTT, origin=topic, reason=reason, payload=payload
            )
        )
        return True
    res = await pipeline.submit(env)
    if res.outcome is Outcome.FAILED:
        return False
    if not res.confirm:
        reason = res.reason or res.outcome.value
        await pipeline.run(
            lambda db: store_rejected(
                db, protocol=IotProtocol.MQTT, origin=topic, reason=reason, payload=payload
            )
        )
    return True
