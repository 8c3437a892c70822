"""GB/T 26875.3-2011 application data units (ADU): decode and encode every type.

Pure: bytes in, plain dicts out (JSON-ready apart from ``datetime`` values). An ADU is
``type u8 | object count u8 | objects``; integers are little-endian; each standard object
has a fixed size except the configuration texts (types 6 and 26: a length byte, then
that many bytes of GB 18030 text). Object layouts (bytes), from GB/T 26875.3-2011 §8.2
tables 3-… as summarised in DOMAIN.md and public reproductions of the standard's text
(gongliff.cn/m/biaozhun/864.html; anquanfagui.com thread-192); marked *(confirm)* where
only secondary sources gave the layout:

Up-link (command 2 send data, or 5 reply to a read):

====  ======================================  ====================================================
type  meaning                                 object
====  ======================================  ====================================================
1     system state                            sys type 1, sys addr 1, state u16, time 6 = 10
2     component state                         sys type, sys addr, comp type 1, comp addr u32,
                                              state u16, description 31 (GB 18030), time = 46
3     component analog value                  sys type, sys addr, comp type, comp addr u32,
                                              analog type 1, value i16, time = 16
4     system operation record                 sys type, sys addr, operation flags 1, operator 1,
                                              time = 10
5     system software version                 sys type, sys addr, major 1, minor 1 = 4
6     system configuration                    sys type, sys addr, length L, text L = 3 + L
7     component configuration                 sys type, sys addr, comp type, comp addr u32,
                                              description 31 = 38
8     system time                             sys type, sys addr, time = 8
21    transmission-device state               state flags 1, time = 7
24    transmission-device operation record    operation flags 1, operator 1, time = 8
25    transmission-device software version    major 1, minor 1 = 2
26    transmission-device configuration       length L, text L = 1 + L
28    transmission-device time                time = 6
====  ======================================  ====================================================

Down-link (command 4 request for reads, 1 control for 89-91):
61 system state, 65 software version, 66 configuration, 68 time — sys type, sys addr (2);
62 component state, 63 analog value, 67 component configuration — sys type, sys addr,
comp addr u32 (6) *(confirm)*; 64 operation records — sys type, sys addr, count 1, start
time 6 (9); 81, 85, 86, 88 device state/version/configuration/time and 82, 83, 87
(reserved codes) — one reserved byte; 84 device operation records — count 1, start time 6
(7); 89 initialise — one reserved byte; 90 clock sync — time 6; 91 duty check — timeout in
minutes 1.

Bit tables: system state (type 1) as DOMAIN.md; component state (type 2) bits 0-7 as the
system's and bit 8 power fault *(confirm)*; operation flags (type 4) reset, silence, manual
alarm, alarm cleared, self-test, acknowledge, test; device operation (type 24) the same
with bit 5 duty-check reply; device state (type 21) normal, fire, fault, main power
fault, backup power fault, channel fault, line fault.

Decoded objects use the names the pipeline and the CLI contract expect, e.g. type 2::

    {"system_type", "system_address", "component_type", "component_address",
     "state": {"normal": bool, "fire": bool, ...}, "state_raw": int,
     "description": str, "time": datetime | None}

Bit 0 ("normal") is reported as sent: real devices leave it 0 on genuine alarms, so
nothing here drops or downgrades an alarm for it; a vendor profile may declare it
meaningless (then ``state`` has no ``normal`` key). Analog values carry ``raw`` (the
int16), ``value`` (scaled, ``None`` for an unknown analog type) and ``unit``; scales are
data in ``data/gbt26875_3.toml`` and may be overridden per vendor profile. Text is GB 18030;
undecodable bytes become U+FFFD rather than losing the object. Private types 128-254 are
decoded by the vendor profile's field layouts (:mod:`firegrid.iot.profiles`).

Errors: :class:`AduError` (an :class:`InvalidInputError`) names the type, object index and
byte offset; encoding bad values raises :class:`InvalidInputError` naming the field.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from firegrid.errors import InvalidInputError
from firegrid.iot.codec import parse_time, time_bytes
from firegrid.iot.profiles import (
    AnalogType,
    FieldSpec,
    PrivateType,
    VendorProfile,
    standard_tables,
)

__all__ = [
    "COMPONENT_STATE_BITS",
    "DEVICE_OPERATION_BITS",
    "DEVICE_STATE_BITS",
    "DOWNLINK_TYPES",
    "OPERATION_BITS",
    "SYSTEM_STATE_BITS",
    "UPLINK_TYPES",
    "Adu",
    "AduError",
    "analog_type",
    "component_type_name",
    "decode_adu",
    "encode_adu",
    "parse_time",
    "system_type_name",
    "time_bytes",
    "type_name",
]

SYSTEM_STATE_BITS = (
    "normal",
    "fire",
    "fault",
    "disabled",
    "supervisory",
    "started",
    "feedback",
    "delay",
    "main_power_fault",
    "backup_power_fault",
    "bus_fault",
    "manual",
    "config_changed",
    "reset",
)
COMPONENT_STATE_BITS = (
    "normal",
    "fire",
    "fault",
    "disabled",
    "supervisory",
    "started",
    "feedback",
    "delay",
    "power_fault",
)
OPERATION_BITS = (
    "reset",
    "silence",
    "manual_alarm",
    "alarm_cleared",
    "self_test",
    "acknowledge",
    "test",
)
DEVICE_OPERATION_BITS = (
    "reset",
    "silence",
    "manual_alarm",
    "alarm_cleared",
    "self_test",
    "duty_check_reply",
    "test",
)
DEVICE_STATE_BITS = (
    "normal",
    "fire",
    "fault",
    "main_power_fault",
    "backup_power_fault",
    "channel_fault",
    "line_fault",
)

_ZERO_TIME = bytes(6)
_DESC = 31  # description bytes in types 2 and 7


class AduError(InvalidInputError):
    """An ADU that cannot be decoded: ``type``, object ``index`` and byte ``offset`` say where."""

    def __init__(self, type: int | None, index: int | None, offset: int, reason: str) -> None:
        self.type = type
        self.index = index
        self.offset = offset
        self.reason = reason
        where = f"ADU type {type}" if type is not None else "ADU"
        if index is not None:
            where += f" object {index}"
        super().__init__(f"{where} at byte {offset}: {reason}")

    def __reduce__(self) -> tuple[object, ...]:
        return (AduError, (self.type, self.index, self.offset, self.reason))


@dataclass(frozen=True, slots=True)
class Adu:
    """A decoded ADU: its type and one dict per information object."""

    type: int
    objects: tuple[dict[str, Any], ...]


# ---------------------------------------------------------------- scalar helpers


def _text(b: bytes) -> str:
    # C-string, NUL or space padded; GB 18030 trail bytes are never 0x00 or 0x20
    return b.split(b"\0", 1)[0].rstrip(b" ").decode("gb18030", "replace")


def _text_bytes(value: Any, size: int | None, name: str) -> bytes:
    if not isinstance(value, str):
        raise InvalidInputError(f"{name}: expected text, got {value!r}")
    try:
        raw = value.encode("gb18030")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(f"{name}: {value!r} is not GB 18030 text") from exc
    if size is not None:
        if len(raw) > size:
            raise InvalidInputError(
                f"{name}: {value!r} is {len(raw)} bytes in GB 18030, at most {size}"
            )
        raw = raw.ljust(size, b"\0")
    return raw


_flag_cache: dict[tuple[tuple[str, ...], int, bool], dict[str, bool]] = {}


def _flags(names: tuple[str, ...], raw: int, bit0: bool = True) -> dict[str, bool]:
    key = (names, raw, bit0)
    cached = _flag_cache.get(key)
    if cached is None:
        cached = {n: bool(raw >> i & 1) for i, n in enumerate(names)}
        if not bit0:
            cached.pop("normal", None)
        if len(_flag_cache) < 65536:
            _flag_cache[key] = cached
    return dict(cached)


def _flags_raw(obj: Mapping[str, Any], name: str, names: tuple[str, ...]) -> int:
    raw = obj.get(f"{name}_raw")
    if raw is not None:
        return int(raw)
    flags = obj.get(name)
    if not isinstance(flags, Mapping):
        raise InvalidInputError(f"{name}: give {name}_raw or a {{flag: bool}} mapping")
    unknown = set(flags) - set(names)
    if unknown:
        raise InvalidInputError(f"{name}: unknown flag(s) {sorted(unknown)}; known: {names}")
    return sum(1 << i for i, n in enumerate(names) if flags.get(n))


def analog_type(code: int, profile: VendorProfile | None = None) -> AnalogType | None:
    """The analog type ``code`` (profile first, then the standard), or ``None``."""
    if profile is not None and code in profile.analog_types:
        return profile.analog_types[code]
    return standard_tables().analog_types.get(code)


def system_type_name(code: int) -> str | None:
    """Chinese name of a standard system type code, ``None`` if reserved/user-defined."""
    return standard_tables().system_types.get(code)


def component_type_name(code: int) -> str | None:
    """Chinese name of a standard component type code, ``None`` if reserved/user-defined."""
    return standard_tables().component_types.get(code)


# ---------------------------------------------------------------- layouts

# field kinds of the standard layouts
_INT, _TIME, _TEXT, _VTEXT, _FLAGS, _ANALOG, _BYTES, _SCALED = range(8)


@dataclass(frozen=True, slots=True)
class _F:
    name: str
    kind: int
    code: str  # struct code ("" for variable text)
    bits: tuple[str, ...] = ()
    size: int = 0  # text/bytes size
    scale: float = 1.0
    decimals: int = 0
    unit: str | None = None
    signed: bool = False


class _Layout:
    __slots__ = ("decode_one", "fields", "name", "size", "struct", "variable")

    def __init__(self, name: str, fields: Sequence[_F]) -> None:
        self.name = name
        self.fields = tuple(fields)
        self.variable = any(f.kind == _VTEXT for f in fields)
        fmt = "<" + "".join(f.code for f in fields)
        self.struct = None if self.variable else struct.Struct(fmt)
        self.size = 0 if self.struct is None else self.struct.size


def _u8(name: str) -> _F:
    return _F(name, _INT, "B")


_SYS = (_u8("system_type"), _u8("system_address"))
_COMP = (_u8("component_type"), _F("component_address", _INT, "I"))
_ADDR = (_F("component_address", _INT, "I"),)
_T = _F("time", _TIME, "6s")
_RESERVED = (_u8("reserved"),)

_STANDARD: dict[int, _Layout] = {
    1: _Layout("system_state", (*_SYS, _F("state", _FLAGS, "H", SYSTEM_STATE_BITS), _T)),
    2: _Layout(
        "component_state",
        (
            *_SYS,
            *_COMP,
            _F("state", _FLAGS, "H", COMPONENT_STATE_BITS),
            _F("description", _TEXT, f"{_DESC}s", size=_DESC),
            _T,
        ),
    ),
    3: _Layout("analog_value", (*_SYS, *_COMP, _u8("analog_type"), _F("raw", _ANALOG, "h"), _T)),
    4: _Layout(
        "operation_record",
        (*_SYS, _F("operation", _FLAGS, "B", OPERATION_BITS), _u8("operator_id"), _T),
    ),
    5: _Layout("software_version", (*_SYS, _u8("major"), _u8("minor"))),
    6: _Layout("system_configuration", (*_SYS, _F("configuration", _VTEXT, ""))),
    7: _Layout(
        "component_configuration",
        (*_SYS, *_COMP, _F("description", _TEXT, f"{_DESC}s", size=_DESC)),
    ),
    8: _Layout("system_time", (*_SYS, _T)),
    21: _Layout("device_state", (_F("state", _FLAGS, "B", DEVICE_STATE_BITS), _T)),
    24: _Layout(
        "device_operation_record",
        (_F("operation", _FLAGS, "B", DEVICE_OPERATION_BITS), _u8("operator_id"), _T),
    ),
    25: _Layout("device_software_version", (_u8("major"), _u8("minor"))),
    26: _Layout("device_configuration", (_F("configuration", _VTEXT, ""),)),
    28: _Layout("device_time", (_T,)),
    # down-link reads
    61: _Layout("read_system_state", _SYS),
    62: _Layout("read_component_state", (*_SYS, *_ADDR)),
    63: _Layout("read_analog_value", (*_SYS, *_ADDR)),
    64: _Layout("read_operation_records", (*_SYS, _u8("count"), _F("start_time", _TIME, "6s"))),
    65: _Layout("read_software_version", _SYS),
    66: _Layout("read_system_configuration", _SYS),
    67: _Layout("read_component_configuration", (*_SYS, *_ADDR)),
    68: _Layout("read_system_time", _SYS),
    81: _Layout("read_device_state", _RESERVED),
    82: _Layout("reserved_82", _RESERVED),
    83: _Layout("reserved_83", _RESERVED),
    84: _Layout("read_device_operation_records", (_u8("count"), _F("start_time", _TIME, "6s"))),
    85: _Layout("read_device_software_version", _RESERVED),
    86: _Layout("read_device_configuration", _RESERVED),
    87: _Layout("reserved_87", _RESERVED),
    88: _Layout("read_device_time", _RESERVED),
    # down-link control
    89: _Layout("initialise_device", _RESERVED),
    90: _Layout("sync_clock", (_T,)),
    91: _Layout("duty_check", (_u8("timeout_min"),)),
}

UPLINK_TYPES = frozenset(k for k in _STANDARD if k < 61)
DOWNLINK_TYPES = frozenset(k for k in _STANDARD if k >= 61)


def type_name(code: int, profile: VendorProfile | None = None) -> str | None:
    """The snake_case name of ADU type ``code`` (standard or the profile's), else ``None``."""
    layout = _layout(code, profile)
    return None if layout is None else layout.name


@lru_cache(maxsize=256)
def _private_layout(ptype: PrivateType) -> _Layout:
    fields: list[_F] = []
    for f in ptype.fields:
        fields.append(_private_field(f))
    return _Layout(ptype.name, fields)


def _private_field(f: FieldSpec) -> _F:
    if f.kind == "time":
        return _F(f.name, _TIME, "6s")
    if f.kind == "text":
        return _F(f.name, _TEXT, f"{f.size}s", size=f.size)
    if f.kind == "bytes":
        return _F(f.name, _BYTES, f"{f.size}s", size=f.size)
    if f.kind in ("flags8", "flags16"):
        return _F(f.name, _FLAGS, f.struct_code, f.bits)
    if f.scale is not None:
        decimals = AnalogType(0, "", "", f.scale).decimals
        return _F(f.name, _SCALED, f.struct_code, scale=f.scale, decimals=decimals, unit=f.unit)
    return _F(f.name, _INT, f.struct_code)


def _layout(code: int, profile: VendorProfile | None) -> _Layout | None:
    if profile is not None:
        ptype = profile.types.get(code)
        if ptype is not None:
            return _private_layout(ptype)
    return _STANDARD.get(code)


# ---------------------------------------------------------------- decode


@lru_cache(maxsize=64)
def _decimals(scale: float) -> int:
    return AnalogType(0, "", "", scale).decimals


def _fast_component_state(
    v: tuple[Any, ...], bit0: bool, profile: VendorProfile | None
) -> dict[str, Any]:
    # type 2 is most of the traffic: a hand-unrolled _convert (same output)
    desc = v[5]
    return {
        "system_type": v[0],
        "system_address": v[1],
        "component_type": v[2],
        "component_address": v[3],
        "state": _flags(COMPONENT_STATE_BITS, v[4], bit0),
        "state_raw": v[4],
        "description": desc.split(b"\0", 1)[0].rstrip(b" ").decode("gb18030", "replace")
        if desc[0]
        else "",
        "time": None if v[6] == _ZERO_TIME else parse_time(v[6]),
    }


def _fast_analog(v: tuple[Any, ...], bit0: bool, profile: VendorProfile | None) -> dict[str, Any]:
    raw = v[5]
    at = analog_type(v[4], profile)
    if at is None:
        value: float | None = None
        unit = None
    else:
        value = raw if at.scale == 1 else round(raw * at.scale, _decimals(at.scale))
        unit = at.unit
    return {
        "system_type": v[0],
        "system_address": v[1],
        "component_type": v[2],
        "component_address": v[3],
        "analog_type": v[4],
        "raw": raw,
        "value": value,
        "unit": unit,
        "time": None if v[6] == _ZERO_TIME else parse_time(v[6]),
    }


_FAST = {2: _fast_component_state, 3: _fast_analog}


def _convert(
    layout: _Layout,
    values: tuple[Any, ...],
    bit0: bool,
    profile: VendorProfile | None,
) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for f, v in zip(layout.fields, values, strict=True):
        kind = f.kind
        if kind == _INT:
            obj[f.name] = v
        elif kind == _TIME:
            obj[f.name] = None if v == _ZERO_TIME else parse_time(v)
        elif kind == _FLAGS:
            obj[f.name] = _flags(f.bits, v, bit0)
            obj[f.name + "_raw"] = v
        elif kind in (_TEXT, _VTEXT):
            obj[f.name] = _text(v)
        elif kind == _ANALOG:
            obj["raw"] = v
            at = analog_type(obj["analog_type"], profile)
            if at is None:
                obj["value"] = None
                obj["unit"] = None
            else:
                obj["value"] = v if at.scale == 1 else round(v * at.scale, _decimals(at.scale))
                obj["unit"] = at.unit
        elif kind == _SCALED:
            obj[f.name] = round(v * f.scale, f.decimals)
            obj[f.name + "_raw"] = v
            if f.unit is not None:
                obj[f.name + "_unit"] = f.unit
        else:  # _BYTES
            obj[f.name] = v.hex()
    return obj


def _decode_variable(
    t: int, layout: _Layout, adu: bytes, count: int, bit0: bool, profile: VendorProfile | None
) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    off = 2
    n = len(adu)
    for i in range(count):
        values: list[Any] = []
        for f in layout.fields:
            if f.kind == _VTEXT:
                if off >= n:
                    raise AduError(t, i, off, f"{f.name}: length byte missing")
                length = adu[off]
                if off + 1 + length > n:
                    raise AduError(
                        t, i, off, f"{f.name}: length {length} but {n - off - 1} bytes remain"
                    )
                values.append(adu[off + 1 : off + 1 + length])
                off += 1 + length
            else:
                size = struct.calcsize("<" + f.code)
                if off + size > n:
                    raise AduError(t, i, off, f"{f.name}: needs {size} bytes, {n - off} remain")
                values.append(struct.unpack_from("<" + f.code, adu, off)[0])
                off += size
        objects.append(_convert(layout, tuple(values), bit0, profile))
    if off != n:
        raise AduError(t, None, off, f"{n - off} byte(s) after {count} object(s)")
    return objects


def decode_adu(adu: bytes, *, command: int = 2, profile: VendorProfile | None = None) -> Adu | None:
    """Decode an ADU; ``None`` for an empty one (a heartbeat, confirm or deny).

    ``command`` is the frame's command: for user-defined commands (128-255) an ADU whose
    type no layout describes is returned opaque (``{"raw": hex}``) instead of raising.
    """
    if not adu:
        return None
    t = adu[0]
    if len(adu) < 2:
        raise AduError(t, None, 1, "object count missing")
    count = adu[1]
    layout = _layout(t, profile)
    if layout is None:
        if command >= 128:
            return Adu(t, ({"raw": bytes(adu[1:]).hex()},))
        hint = " (private type: load the vendor's profile)" if 128 <= t <= 254 else ""
        raise AduError(t, None, 0, f"unknown ADU type {t}{hint}")
    bit0 = profile is None or profile.bit0_meaningful
    if layout.struct is None:
        return Adu(t, tuple(_decode_variable(t, layout, bytes(adu), count, bit0, profile)))
    size = layout.size
    need = 2 + count * size
    have = len(adu)
    if have < need:
        index = (have - 2) // size
        raise AduError(
            t,
            index,
            2 + index * size,
            f"{count} object(s) of {size} bytes need {need} bytes, the ADU has {have}",
        )
    if have > need:
        raise AduError(t, None, need, f"{have - need} byte(s) after {count} object(s)")
    if t in _FAST and (profile is None or t not in profile.types):
        fast = _FAST[t]
        if count == 1:
            return Adu(t, (fast(layout.struct.unpack_from(adu, 2), bit0, profile),))
        return Adu(
            t,
            tuple(
                fast(values, bit0, profile)
                for values in layout.struct.iter_unpack(memoryview(adu)[2:need])
            ),
        )
    if count == 1:
        return Adu(t, (_convert(layout, layout.struct.unpack_from(adu, 2), bit0, profile),))
    return Adu(
        t,
        tuple(
            _convert(layout, values, bit0, profile)
            for values in layout.struct.iter_unpack(memoryview(adu)[2:need])
        ),
    )


# ---------------------------------------------------------------- encode


def _int(obj: Mapping[str, Any], name: str, code: str) -> int:
    if name not in obj:
        raise InvalidInputError(f"missing field {name!r}")
    value = obj[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(f"{name}: expected an integer, got {value!r}")
    bits = struct.calcsize(code) * 8
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if code.islower() else (0, (1 << bits) - 1)
    if not lo <= value <= hi:
        raise InvalidInputError(f"{name}: {value} out of range {lo}..{hi}")
    return value


def _encode_object(layout: _Layout, obj: Mapping[str, Any], profile: VendorProfile | None) -> bytes:
    parts: list[bytes] = []
    for f in layout.fields:
        kind = f.kind
        if kind == _INT:
            parts.append(struct.pack("<" + f.code, _int(obj, f.name, f.code)))
        elif kind == _TIME:
            value = obj.get(f.name)
            if value is not None and not isinstance(value, datetime):
                raise InvalidInputError(f"{f.name}: expected a datetime or None, got {value!r}")
            parts.append(time_bytes(value))
        elif kind == _FLAGS:
            raw = _flags_raw(obj, f.name, f.bits)
            parts.append(struct.pack("<" + f.code, _int({f.name: raw}, f.name, f.code)))
        elif kind == _TEXT:
            parts.append(_text_bytes(obj.get(f.name, ""), f.size, f.name))
        elif kind == _VTEXT:
            text = _text_bytes(obj.get(f.name, ""), None, f.name)
            if len(text) > 255:
                raise InvalidInputError(f"{f.name}: {len(text)} bytes, at most 255")
            parts.append(bytes((len(text),)) + text)
        elif kind == _ANALOG:
            if obj.get("raw") is not None:
                raw = _int(obj, "raw", "h")
            else:
                at = analog_type(_int(obj, "analog_type", "B"), profile)
                value = obj.get("value")
                if at is None or not isinstance(value, int | float):
                    raise InvalidInputError(
                        "analog value: give raw, or value with a known analog_type"
                    )
                raw = _int({"value": round(value / at.scale)}, "value", "h")
            parts.append(struct.pack("<h", raw))
        elif kind == _SCALED:
            if obj.get(f.name + "_raw") is not None:
                raw = _int(obj, f.name + "_raw", f.code)
            else:
                value = obj.get(f.name)
                if not isinstance(value, int | float):
                    raise InvalidInputError(f"{f.name}: expected a number, got {value!r}")
                raw = _int({f.name: round(value / f.scale)}, f.name, f.code)
            parts.append(struct.pack("<" + f.code, raw))
        else:  # _BYTES
            value = obj.get(f.name, "")
            try:
                raw_bytes = bytes.fromhex(value) if isinstance(value, str) else bytes(value)
            except (ValueError, TypeError) as exc:
                raise InvalidInputError(f"{f.name}: not hex or bytes: {value!r}") from exc
            if len(raw_bytes) > f.size:
                raise InvalidInputError(f"{f.name}: {len(raw_bytes)} bytes, at most {f.size}")
            parts.append(raw_bytes.ljust(f.size, b"\0"))
    return b"".join(parts)


def encode_adu(
    type: int,
    objects: Sequence[Mapping[str, Any]],
    *,
    profile: VendorProfile | None = None,
) -> bytes:
    """Encode an ADU of ``type`` from object dicts shaped like :func:`decode_adu`'s output.

    Flags may be given as ``<name>_raw`` (wins, keeps reserved bits) or as a
    ``{flag: bool}`` mapping; analog values as ``raw`` or as ``value`` in the type's unit.
    """
    layout = _layout(type, profile)
    if layout is None:
        raise InvalidInputError(f"unknown ADU type {type} (private types need a vendor profile)")
    if len(objects) > 255:
        raise InvalidInputError(f"{len(objects)} objects, an ADU holds at most 255")
    body = [bytes((type, len(objects)))]
    for i, obj in enumerate(objects):
        try:
            body.append(_encode_object(layout, obj, profile))
        except InvalidInputError as exc:
            raise InvalidInputError(f"ADU type {type} object {i}: {exc}") from exc
    data = b"".join(body)
    if len(data) > 1024:
        raise InvalidInputError(
            f"ADU type {type} with {len(objects)} objects is {len(data)} bytes, at most 1024"
        )
    return data
