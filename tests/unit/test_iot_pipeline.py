"""Pure parts of the IoT pipeline: alarm flags, ADU normalisation, frame identity, the MQTT
topic and message schema, simulator frames."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from firegrid.errors import InvalidInputError
from firegrid.iot.adu import decode_adu, encode_adu
from firegrid.iot.codec import decode_frame, encode_frame
from firegrid.iot.gateway import frame_envelope
from firegrid.iot.models import EventKind
from firegrid.iot.mqtt import parse_message, reading_schema, subscription, topic_fields
from firegrid.iot.pipeline import Flags, flags_of, kind_of, readings_from_adu
from firegrid.iot.service import Rate
from firegrid.iot.simulator import SimDevice, SimStats, frame_key

T = "firegrid/{district}/{device}/reading"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_a_fire_with_bit0_clear_is_still_a_fire() -> None:
    # Real devices leave "normal" at 0 on genuine alarms, and some set it on alarms too.
    assert flags_of({"normal": False, "fire": True}).fire
    assert flags_of({"normal": True, "fire": True}).fire
    assert kind_of(flags_of({"normal": True})) is EventKind.STATE
    assert flags_of({"main_power_fault": True}) == Flags(fault=True)
    assert kind_of(Flags(fire=True, fault=True)) is EventKind.FIRE  # the most urgent wins


def test_readings_from_decoded_adus() -> None:
    comp = encode_adu(
        2,
        (
            {
                "system_type": 1,
                "system_address": 2,
                "component_type": 42,
                "component_address": 77,
                "state": {"fault": True},
                "description": "3F 感烟",
                "time": None,
            },
        ),
    )
    adu = decode_adu(comp)
    assert adu is not None
    (r,) = readings_from_adu(adu.type, adu.objects)
    assert (r.kind, r.system_address, r.component_address, r.description) == (
        EventKind.FAULT,
        2,
        77,
        "3F 感烟",
    )
    analog = decode_adu(
        encode_adu(
            3,
            (
                {
                    "system_type": 1,
                    "system_address": 0,
                    "component_type": 99,
                    "component_address": 5,
                    "analog_type": 5,
                    "value": 312.5,
                    "time": None,
                },
            ),
        )
    )
    assert analog is not None
    (a,) = readings_from_adu(analog.type, analog.objects)
    assert a.kind is EventKind.ANALOG and a.value == pytest.approx(312.5) and a.unit == "kPa"
    assert a.state is None  # a value says nothing about alarms
    assert readings_from_adu(None, ())[0].kind is EventKind.HEARTBEAT
    reset = decode_adu(
        encode_adu(1, ({"system_type": 1, "system_address": 0, "state": {"reset": True}},))
    )
    assert reset is not None and readings_from_adu(reset.type, reset.objects)[0].reset


def test_a_retransmission_has_the_identity_of_the_original() -> None:
    rng = np.random.default_rng(1)
    dev = SimDevice(0xABC, host="", port=0, rate_per_s=1, rng=rng, stats=SimStats())
    _, frame = dev.next_frame("fire")
    data = encode_frame(frame)
    one = frame_envelope(decode_frame(data), received_at=NOW, raw=data)
    two = frame_envelope(decode_frame(data), received_at=NOW, raw=data)
    _, later = dev.next_frame("fire")
    three = frame_envelope(later, received_at=NOW, raw=encode_frame(later))
    assert one.dedupe_key == two.dedupe_key != three.dedupe_key
    assert (one.address, one.dedupe_key) == frame_key(frame)
    assert one.readings[0].kind is EventKind.FIRE


@pytest.mark.parametrize("kind", ["heartbeat", "analog", "normal", "fault", "fire", "reset"])
def test_simulated_frames_decode(kind: str) -> None:
    dev = SimDevice(
        7, host="", port=0, rate_per_s=1, rng=np.random.default_rng(0), stats=SimStats()
    )
    _, frame = dev.next_frame(kind)
    back = decode_frame(encode_frame(frame))
    assert back == frame
    decoded = decode_adu(back.adu)
    assert (decoded is None) == (kind == "heartbeat")


def test_topic_template() -> None:
    assert subscription(T) == "firegrid/+/+/reading"
    assert topic_fields(T, "firegrid/mentougou/pump-1/reading") == ("mentougou", "pump-1")
    with pytest.raises(InvalidInputError, match="does not match"):
        topic_fields(T, "firegrid/mentougou/pump-1/status")
    with pytest.raises(InvalidInputError):
        subscription("firegrid/{device}")


def _msg(**kw: object) -> bytes:
    base: dict[str, object] = {"v": 1, "seq": 5, "ts": "2026-11-23T18:30:00+08:00"}
    return json.dumps({**base, **kw}).encode()


def test_mqtt_readings_map_to_alarm_flags() -> None:
    topic = "firegrid/t/pump-1/reading"
    low = parse_message(
        T,
        topic,
        _msg(kind="water_pressure", value=0.08, unit="MPa", status="low", channel=2),
        received_at=NOW,
    )
    (r,) = low.readings
    assert (low.district, low.code) == ("t", "pump-1")
    assert r.kind is EventKind.ANALOG and r.value == pytest.approx(0.08) and r.unit == "MPa"
    assert r.state == {"fire": False, "fault": False, "supervisory": True}
    assert r.component_address == 2
    assert low.device_time == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    fire = parse_message(T, topic, _msg(kind="fire_alarm", status="fire"), received_at=NOW)
    assert fire.readings[0].kind is EventKind.FIRE
    again = parse_message(T, topic, _msg(kind="fire_alarm", status="fire"), received_at=NOW)
    assert again.dedupe_key == fire.dedupe_key  # a QoS 1 redelivery is recognised


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xfe", "not UTF-8 JSON"),
        (b"{", "not UTF-8 JSON"),
        (_msg(kind="water_pressure", value=0.3), "'unit' is a required property"),
        (_msg(kind="water_pressure", value=0.3, unit="m"), "unit"),
        (_msg(kind="fire_alarm", status="fire", value=1), "value"),
        (_msg(kind="smoke", status="fire"), "kind"),
        (_msg(kind="heartbeat", extra=1), "Additional properties"),
        (_msg(kind="heartbeat", ts="yesterday"), "ts"),
        (_msg(kind="heartbeat", device="other"), "differs from the topic"),
    ],
)
def test_bad_mqtt_messages_are_refused_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason):
        parse_message(T, "firegrid/t/pump-1/reading", payload, received_at=NOW)


def test_the_schema_examples_validate() -> None:
    for example in reading_schema()["examples"]:
        env = parse_message(
            T, "firegrid/t/s/reading", json.dumps(example).encode(), received_at=NOW
        )
        assert env.readings


def test_rates() -> None:
    assert Rate(1, 4).value == 0.25
    assert Rate(0, 0).value is None
