"""GB/T 26875.3 application data units: every type, scaling, bit 0, GB 18030, profiles, CLI."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from firegrid.cli.iot_codec import decode_cmd
from firegrid.errors import ConfigurationError, InvalidInputError, NotFoundError
from firegrid.iot.adu import (
    DOWNLINK_TYPES,
    UPLINK_TYPES,
    Adu,
    AduError,
    component_type_name,
    decode_adu,
    encode_adu,
    system_type_name,
)
from firegrid.iot.codec import Frame, decode_frame, encode_frame
from firegrid.iot.profiles import available_profiles, load_profile, parse_profile

T = datetime(2024, 5, 1, 8, 30, 15)
SYS = {"system_type": 1, "system_address": 2}
COMP = {**SYS, "component_type": 42, "component_address": 0x0103_002A}


def _state(**on: bool) -> dict[str, Any]:
    return dict(on)


# one representative object per standard type, shaped like decode_adu's output
SAMPLES: dict[int, dict[str, Any]] = {
    1: {**SYS, "state_raw": 0b10_0000_0000_0011, "time": T},
    2: {**COMP, "state_raw": 0b11, "description": "1号楼3层烟感", "time": T},
    3: {**COMP, "analog_type": 3, "raw": 253, "time": T},
    4: {**SYS, "operation_raw": 0b101, "operator_id": 7, "time": T},
    5: {**SYS, "major": 3, "minor": 12},
    6: {**SYS, "configuration": "火灾报警控制器 JB-QB-GST200 共8回路"},
    7: {**COMP, "description": "B1 消防水泵房 喷淋泵"},
    8: {**SYS, "time": T},
    21: {"state_raw": 0b0000_0011, "time": T},
    24: {"operation_raw": 0b10_0000, "operator_id": 1, "time": T},
    25: {"major": 2, "minor": 1},
    26: {"configuration": "用户信息传输装置 v2"},
    28: {"time": T},
    61: {**SYS},
    62: {**SYS, "component_address": 99},
    63: {**SYS, "component_address": 99},
    64: {**SYS, "count": 10, "start_time": T},
    65: {**SYS},
    66: {**SYS},
    67: {**SYS, "component_address": 99},
    68: {**SYS},
    81: {"reserved": 0},
    82: {"reserved": 0},
    83: {"reserved": 0},
    84: {"count": 5, "start_time": T},
    85: {"reserved": 0},
    86: {"reserved": 0},
    87: {"reserved": 0},
    88: {"reserved": 0},
    89: {"reserved": 0},
    90: {"time": T},
    91: {"timeout_min": 10},
}
SIZES = {1: 10, 2: 46, 3: 16, 4: 10, 5: 4, 7: 38, 8: 8, 21: 7, 24: 8, 25: 2, 28: 6}


def test_every_standard_type_has_a_sample() -> None:
    assert set(SAMPLES) == UPLINK_TYPES | DOWNLINK_TYPES
    assert {1, 2, 3, 4, 5, 6, 7, 8, 21, 24, 25, 26, 28} == UPLINK_TYPES
    assert set(range(61, 69)) | set(range(81, 92)) == DOWNLINK_TYPES


@pytest.mark.parametrize("adu_type", sorted(SAMPLES))
def test_round_trip_every_type(adu_type: int) -> None:
    obj = SAMPLES[adu_type]
    data = encode_adu(adu_type, [obj, obj])
    assert data[:2] == bytes([adu_type, 2])
    if adu_type in SIZES:
        assert len(data) == 2 + 2 * SIZES[adu_type]
    adu = decode_adu(data)
    assert adu is not None and adu.type == adu_type and len(adu.objects) == 2
    for key, value in obj.items():
        assert adu.objects[0][key] == value, key
    assert encode_adu(adu_type, adu.objects) == data  # decoded objects re-encode exactly
    # inside a frame as well
    frame = Frame(5, (1, 0), T, 1, 2, 2 if adu_type < 61 else 4, data)
    assert decode_adu(decode_frame(encode_frame(frame)).adu) == adu


def test_golden_component_alarm_byte_by_byte() -> None:
    desc = "1号楼3层烟感".encode("gb18030")
    assert len(desc) == 12
    data = bytes(
        [0x02, 0x01]  # type 2, one object
        + [0x01, 0x02]  # system type 1 (火灾报警系统), system address 2
        + [0x2A]  # component type 42 (点型光电感烟火灾探测器)
        + [0x2A, 0x00, 0x03, 0x01]  # component address 0x0103002A, little-endian
        + [0x02, 0x00]  # state: bit 1 fire, bit 0 (normal) left at 0 as devices do
        + list(desc)
        + [0x00] * 19  # description padded to 31 bytes
        + [0x0F, 0x1E, 0x08, 0x01, 0x05, 0x18]  # 08:30:15 on 2024-05-01
    )
    adu = decode_adu(data)
    assert adu == Adu(
        2,
        (
            {
                "system_type": 1,
                "system_address": 2,
                "component_type": 42,
                "component_address": 0x0103002A,
                "state": {
                    "normal": False,
                    "fire": True,
                    "fault": False,
                    "disabled": False,
                    "supervisory": False,
                    "started": False,
                    "feedback": False,
                    "delay": False,
                    "power_fault": False,
                },
                "state_raw": 2,
                "description": "1号楼3层烟感",
                "time": T,
            },
        ),
    )
    assert encode_adu(2, adu.objects) == data  # type: ignore[union-attr]


def test_system_state_flags_follow_the_bit_table() -> None:
    data = encode_adu(1, [{**SYS, "state_raw": (1 << 1) | (1 << 8) | (1 << 13), "time": None}])
    state = decode_adu(data).objects[0]["state"]  # type: ignore[union-attr]
    on = sorted(k for k, v in state.items() if v)
    assert on == ["fire", "main_power_fault", "reset"]
    assert len(state) == 14


def test_flags_can_be_given_by_name() -> None:
    data = encode_adu(2, [{**COMP, "state": {"fire": True, "normal": True}, "time": T}])
    assert decode_adu(data).objects[0]["state_raw"] == 0b11  # type: ignore[union-attr]
    with pytest.raises(InvalidInputError, match="unknown flag"):
        encode_adu(2, [{**COMP, "state": {"smoke": True}}])


def test_device_state_and_operation_bits() -> None:
    dev = decode_adu(encode_adu(21, [{"state_raw": 0b0010_0100, "time": T}]))
    assert {k for k, v in dev.objects[0]["state"].items() if v} == {  # type: ignore[union-attr]
        "fault",
        "channel_fault",
    }
    op = decode_adu(encode_adu(24, [{"operation_raw": 0b10_0000, "operator_id": 0, "time": T}]))
    assert op.objects[0]["operation"]["duty_check_reply"] is True  # type: ignore[union-attr]


# ------------------------------------------------------------------- analog values


@pytest.mark.parametrize(
    ("analog_type", "raw", "value", "unit"),
    [
        (3, 253, 25.3, "°C"),
        (3, -105, -10.5, "°C"),
        (5, 3125, 312.5, "kPa"),
        (6, 150, 15.0, "%LEL"),
        (8, 2201, 220.1, "V"),
        (1, 42, 42, "件"),
        (2, 1234, 12.34, "m"),
    ],
)
def test_analog_values_are_scaled_by_type(
    analog_type: int, raw: int, value: float, unit: str
) -> None:
    data = encode_adu(3, [{**COMP, "analog_type": analog_type, "raw": raw, "time": T}])
    obj = decode_adu(data).objects[0]  # type: ignore[union-attr]
    assert (obj["raw"], obj["value"], obj["unit"]) == (raw, value, unit)


def test_analog_encode_from_value() -> None:
    data = encode_adu(3, [{**COMP, "analog_type": 3, "value": -10.5, "time": T}])
    assert decode_adu(data).objects[0]["raw"] == -105  # type: ignore[union-attr]


def test_unknown_analog_type_keeps_raw_without_guessing() -> None:
    data = encode_adu(3, [{**COMP, "analog_type": 200, "raw": 77, "time": T}])
    obj = decode_adu(data).objects[0]  # type: ignore[union-attr]
    assert (obj["raw"], obj["value"], obj["unit"]) == (77, None, None)


def test_profile_overrides_pressure_scale_and_adds_analog_type() -> None:
    prof = load_profile("example_water")
    data = encode_adu(3, [{**COMP, "analog_type": 4, "raw": 350, "time": T}])
    assert decode_adu(data).objects[0]["value"] == 35.0  # type: ignore[union-attr]  # 0.1 MPa
    obj = decode_adu(data, profile=prof).objects[0]  # type: ignore[union-attr]
    assert (obj["value"], obj["unit"]) == (0.35, "MPa")
    lvl = encode_adu(3, [{**COMP, "analog_type": 130, "raw": 245, "time": T}])
    assert decode_adu(lvl, profile=prof).objects[0]["value"] == 2.45  # type: ignore[union-attr]


# ------------------------------------------------------------------- bit 0


def test_alarm_with_bit0_clear_is_reported_as_sent() -> None:
    data = encode_adu(2, [{**COMP, "state_raw": 0b10, "description": "", "time": T}])
    state = decode_adu(data).objects[0]["state"]  # type: ignore[union-attr]
    assert state["fire"] is True and state["normal"] is False


def test_profile_may_declare_bit0_meaningless_but_never_drops_the_alarm() -> None:
    prof = load_profile("bit0_unreliable")
    data = encode_adu(2, [{**COMP, "state_raw": 0b10, "time": T}])
    obj = decode_adu(data, profile=prof).objects[0]  # type: ignore[union-attr]
    assert "normal" not in obj["state"]
    assert obj["state"]["fire"] is True and obj["state_raw"] == 0b10
    # re-encoding from the decoded object keeps the raw word
    assert encode_adu(2, [obj], profile=prof) == data


# ------------------------------------------------------------------- text


def test_gb18030_description_round_trip_and_padding() -> None:
    for pad in (b"\0", b" "):
        raw = "1号楼3层烟感".encode("gb18030").ljust(31, pad)
        data = bytes([7, 1, 1, 2, 42, 1, 0, 0, 0]) + raw
        assert decode_adu(data).objects[0]["description"] == "1号楼3层烟感"  # type: ignore[union-attr]


def test_description_too_long_names_the_field() -> None:
    with pytest.raises(InvalidInputError, match=r"description.*at most 31"):
        encode_adu(2, [{**COMP, "state_raw": 1, "description": "很长" * 10, "time": T}])


def test_undecodable_description_does_not_lose_the_alarm() -> None:
    data = bytearray(encode_adu(2, [{**COMP, "state_raw": 2, "description": "", "time": T}]))
    data[11:13] = b"\x81\x20"  # a lead byte without a valid trail byte
    obj = decode_adu(bytes(data)).objects[0]  # type: ignore[union-attr]
    assert obj["state"]["fire"] is True and "\ufffd" in obj["description"]


# ------------------------------------------------------------------- errors


def test_empty_adu_is_a_heartbeat() -> None:
    assert decode_adu(b"") is None


def test_truncated_object_error_names_type_index_offset() -> None:
    data = encode_adu(2, [SAMPLES[2], SAMPLES[2]])[:-10]
    with pytest.raises(AduError) as info:
        decode_adu(data)
    err = info.value
    assert (err.type, err.index, err.offset) == (2, 1, 48)
    assert "ADU type 2 object 1 at byte 48" in str(err)


def test_trailing_bytes_are_an_error() -> None:
    with pytest.raises(AduError, match="1 byte"):
        decode_adu(encode_adu(8, [SAMPLES[8]]) + b"\x00")


def test_variable_text_length_overflow() -> None:
    data = bytes([6, 1, 1, 2, 50]) + b"abc"
    with pytest.raises(AduError) as info:
        decode_adu(data)
    assert (info.value.type, info.value.index, info.value.offset) == (6, 0, 4)


def test_unknown_and_private_types() -> None:
    with pytest.raises(AduError, match="unknown ADU type 9"):
        decode_adu(bytes([9, 1, 0]))
    with pytest.raises(AduError, match="vendor's profile"):
        decode_adu(bytes([130, 1]) + bytes(17))
    # a user-defined command carries opaque data
    assert decode_adu(bytes([250, 1, 0xAB]), command=200) == Adu(250, ({"raw": "01ab"},))


def test_missing_count() -> None:
    with pytest.raises(AduError, match="object count missing"):
        decode_adu(b"\x02")


# ------------------------------------------------------------------- vendor profiles


def test_private_type_round_trip_with_profile() -> None:
    prof = load_profile("example_water")
    obj = {
        "system_type": 11,
        "system_address": 1,
        "component_address": 12,
        "level": 2.45,
        "alarms": {"low": True},
        "battery": 87,
        "signal": -71,
        "time": T,
    }
    data = encode_adu(130, [obj], profile=prof)
    assert len(data) == 2 + 17
    got = decode_adu(data, profile=prof).objects[0]  # type: ignore[union-attr]
    assert got["level"] == 2.45 and got["level_raw"] == 245 and got["level_unit"] == "m"
    assert got["alarms"] == {"low": True, "high": False, "sensor_fault": False}
    assert (got["signal"], got["time"]) == (-71, T)
    label = encode_adu(131, [{"component_address": 1, "label": "东区消防水池"}], profile=prof)
    assert decode_adu(label, profile=prof).objects[0]["label"] == "东区消防水池"  # type: ignore[union-attr]


def test_bundled_profiles_load() -> None:
    assert {"bit0_unreliable", "example_water"} <= set(available_profiles())
    with pytest.raises(NotFoundError, match="no vendor profile"):
        load_profile("nope")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('name = "x"\nbit0 = "maybe"', "bit0"),
        ('name = "x"\n[types.20]\nfields = [{name="a", kind="u8"}]', "128..254"),
        ('name = "x"\n[types.130]\nfields = [{name="a", kind="u7"}]', r"fields\[0\].*unknown kind"),
        (
            'name = "x"\n[types.130]\nobject_size = 3\nfields = [{name="a", kind="u16"}]',
            "object_size 3 but fields add up to 2",
        ),
        ('name = "x"\n[types.130]\nfields = [{name="a", kind="text"}]', "size"),
    ],
)
def test_malformed_profile_names_the_problem(text: str, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        parse_profile(text, source="vendor.toml")


def test_code_tables() -> None:
    assert system_type_name(1) == "火灾报警系统"
    assert component_type_name(42) == "点型光电感烟火灾探测器"
    assert system_type_name(200) is None


# ------------------------------------------------------------------- CLI


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("decode")(decode_cmd)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps "decode" a sub-command
        pass

    return app


def _alarm_hex() -> str:
    adu = encode_adu(2, [{**COMP, "state_raw": 0b10, "description": "1号楼3层烟感", "time": T}])
    data = encode_frame(Frame(77, (1, 0), T, 0x112233, 0, 2, adu))
    return " ".join(f"{b:02X}" for b in data)


def test_cli_decode_json() -> None:
    result = CliRunner().invoke(_app(), ["decode", _alarm_hex(), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["serial"] == 77 and out["command"] == 2 and out["source"] == 0x112233
    assert out["time"] == "2024-05-01T08:30:15"
    obj = out["adu"]["objects"][0]
    assert out["adu"]["type"] == 2
    assert obj["state"]["fire"] is True and obj["description"] == "1号楼3层烟感"
    assert {"system_type", "system_address", "component_type", "component_address", "time"} <= set(
        obj
    )


def test_cli_decode_text() -> None:
    result = CliRunner().invoke(_app(), ["decode", _alarm_hex()])
    assert result.exit_code == 0
    assert "state=[fire]" in result.stdout and "1号楼3层烟感" in result.stdout


def test_cli_malformed_frame_exits_nonzero_with_reason() -> None:
    bad = _alarm_hex()[:-8] + "00 23 23"  # wrong checksum
    result = CliRunner().invoke(_app(), ["decode", bad, "--json"])
    assert result.exit_code != 0
    out = json.loads(result.stdout)
    assert out["reason"] == "bad_checksum" and "checksum" in out["error"]
    result = CliRunner().invoke(_app(), ["decode", "zz", "--json"])
    assert result.exit_code != 0 and json.loads(result.stdout)["reason"] == "bad_hex"
