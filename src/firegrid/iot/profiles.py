"""Vendor profiles and the standard's code tables for GB/T 26875.3 ADUs (versioned TOML data).

A *vendor profile* describes what the standard leaves to manufacturers:

* private ADU types 128-254 — each a fixed-size object made of typed fields;
* private analog types 128-255, or a different scale for a standard analog type
  (e.g. a pressure sensor that sends 0.001 MPa under code 4);
* bit-0 semantics: many devices leave bit 0 ("normal") at 0 on genuine alarms, some never
  set it at all. ``bit0 = "as_sent"`` (default) reports ``state.normal`` as sent;
  ``bit0 = "meaningless"`` drops ``normal`` from decoded ``state`` dicts (the raw bit stays
  in ``state_raw``). Alarm bits are never suppressed either way.

Profile file (``data/profiles/<name>.toml``)::

    name = "example"
    description = "…"
    bit0 = "meaningless"            # or "as_sent"

    [analog_types.4]                # override a standard scale
    name = "pressure_mpa"; unit = "MPa"; scale = 0.001

    [types.130]                     # a private ADU type
    name = "water_level"
    object_size = 15                # optional; checked against the fields
    fields = [
      { name = "system_type", kind = "u8" },
      { name = "level", kind = "i16", scale = 0.01, unit = "m" },
      { name = "flags", kind = "flags8", bits = ["low", "high"] },
      { name = "label", kind = "text", size = 4 },     # GB 18030, NUL-padded
      { name = "time", kind = "time" },
    ]

Field kinds: ``u8 u16 u32 i8 i16 i32`` (little-endian; ``scale``/``unit`` optional),
``flags8 flags16`` (``bits`` names bit 0 upwards), ``time`` (6 bytes), ``text`` and
``bytes`` (``size`` bytes). Malformed files raise :class:`ConfigurationError` naming the
file, type and field.

The standard's own tables (analog types and scales, system and component type names) are
``data/gbt26875_3.toml``; its sources are cited there.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from firegrid.errors import ConfigurationError, NotFoundError

__all__ = [
    "FIELD_KINDS",
    "AnalogType",
    "FieldSpec",
    "PrivateType",
    "StandardTables",
    "VendorProfile",
    "available_profiles",
    "load_profile",
    "parse_profile",
    "standard_tables",
]

# kind -> (struct code, size in bytes); text/bytes take their size from the field
FIELD_KINDS: dict[str, tuple[str, int]] = {
    "u8": ("B", 1),
    "u16": ("H", 2),
    "u32": ("I", 4),
    "i8": ("b", 1),
    "i16": ("h", 2),
    "i32": ("i", 4),
    "flags8": ("B", 1),
    "flags16": ("H", 2),
    "time": ("6s", 6),
    "text": ("s", 0),
    "bytes": ("s", 0),
}


@dataclass(frozen=True, slots=True)
class AnalogType:
    """An analog value type: ``value = raw * scale`` in ``unit``."""

    code: int
    name: str
    unit: str
    scale: float
    name_zh: str = ""
    confirm: bool = False  # scale not confirmed against the printed standard

    @property
    def decimals(self) -> int:
        """Decimal places that ``scale`` carries (0.1 -> 1, 0.001 -> 3, 1 -> 0)."""
        text = f"{self.scale:.10f}".rstrip("0")
        return len(text.split(".")[1]) if "." in text else 0


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a private object."""

    name: str
    kind: str
    size: int
    scale: float | None = None
    unit: str | None = None
    bits: tuple[str, ...] = ()

    @property
    def struct_code(self) -> str:
        code = FIELD_KINDS[self.kind][0]
        return f"{self.size}s" if code == "s" else code


@dataclass(frozen=True, slots=True)
class PrivateType:
    """A private ADU type (128-254): fixed-size objects of ``fields``."""

    code: int
    name: str
    fields: tuple[FieldSpec, ...]

    @property
    def object_size(self) -> int:
        return sum(f.size for f in self.fields)


@dataclass(frozen=True, slots=True)
class VendorProfile:
    """What one vendor's devices do beyond (or against) the standard."""

    name: str
    description: str = ""
    bit0_meaningful: bool = True
    types: Mapping[int, PrivateType] = field(default_factory=dict)
    analog_types: Mapping[int, AnalogType] = field(default_factory=dict)
    source: str = ""


@dataclass(frozen=True, slots=True)
class StandardTables:
    """The standard's code tables (``data/gbt26875_3.toml``)."""

    version: str
    analog_types: Mapping[int, AnalogType]
    system_types: Mapping[int, str]
    component_types: Mapping[int, str]


def _int_key(key: str, where: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise ConfigurationError(f"{where}: key {key!r} is not an integer code") from None


def _analog(code: int, raw: Any, where: str) -> AnalogType:
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{where}: expected a table")
    try:
        scale = float(raw["scale"])
        name = str(raw["name"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"{where}: needs name and numeric scale ({exc})") from exc
    if not 0 <= code <= 255 or scale <= 0:
        raise ConfigurationError(f"{where}: code must be 0..255 and scale > 0")
    return AnalogType(
        code=code,
        name=name,
        unit=str(raw.get("unit", "")),
        scale=scale,
        name_zh=str(raw.get("name_zh", "")),
        confirm=bool(raw.get("confirm", False)),
    )


def _field(raw: Any, where: str) -> FieldSpec:
    if not isinstance(raw, dict) or "name" not in raw or "kind" not in raw:
        raise ConfigurationError(f"{where}: a field needs name and kind")
    kind = str(raw["kind"])
    if kind not in FIELD_KINDS:
        raise ConfigurationError(f"{where}: unknown kind {kind!r} (one of {sorted(FIELD_KINDS)})")
    size = FIELD_KINDS[kind][1]
    if size == 0:
        size = raw.get("size", 0)
        if not isinstance(size, int) or not 1 <= size <= 1022:
            raise ConfigurationError(f"{where}: {kind} needs size 1..1022, got {size!r}")
    bits = tuple(str(b) for b in raw.get("bits", ()))
    if bits and kind not in ("flags8", "flags16"):
        raise ConfigurationError(f"{where}: bits only apply to flags8/flags16")
    if len(bits) > size * 8:
        raise ConfigurationError(f"{where}: {len(bits)} bit names for a {size * 8}-bit field")
    scale = raw.get("scale")
    if scale is not None and (kind[0] not in "ui" or not float(scale) > 0):
        raise ConfigurationError(f"{where}: scale only applies to integer kinds and must be > 0")
    return FieldSpec(
        name=str(raw["name"]),
        kind=kind,
        size=size,
        scale=None if scale is None else float(scale),
        unit=None if raw.get("unit") is None else str(raw["unit"]),
        bits=bits,
    )


def parse_profile(text: str, *, source: str) -> VendorProfile:
    """Parse a vendor profile; :class:`ConfigurationError` names the file, type and field."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: {exc}") from exc
    if "name" not in doc:
        raise ConfigurationError(f"{source}: missing name")
    bit0 = doc.get("bit0", "as_sent")
    if bit0 not in ("as_sent", "meaningless"):
        raise ConfigurationError(f"{source}: bit0 must be 'as_sent' or 'meaningless', not {bit0!r}")
    types: dict[int, PrivateType] = {}
    for key, raw in dict(doc.get("types", {})).items():
        where = f"{source} types.{key}"
        code = _int_key(key, where)
        if not 128 <= code <= 254:
            raise ConfigurationError(f"{where}: private types are 128..254")
        if not isinstance(raw, dict) or not raw.get("fields"):
            raise ConfigurationError(f"{where}: needs fields")
        fields = tuple(_field(f, f"{where}.fields[{i}]") for i, f in enumerate(raw["fields"]))
        names = [f.name for f in fields]
        if len(set(names)) != len(names):
            raise ConfigurationError(f"{where}: duplicate field names in {names}")
        ptype = PrivateType(code=code, name=str(raw.get("name", f"type_{code}")), fields=fields)
        declared = raw.get("object_size")
        if declared is not None and declared != ptype.object_size:
            raise ConfigurationError(
                f"{where}: object_size {declared} but fields add up to {ptype.object_size}"
            )
        if ptype.object_size + 2 > 1024:
            raise ConfigurationError(f"{where}: object of {ptype.object_size} bytes is too big")
        types[code] = ptype
    analog = {
        code: _analog(code, raw, f"{source} analog_types.{key}")
        for key, raw in dict(doc.get("analog_types", {})).items()
        for code in (_int_key(key, f"{source} analog_types"),)
    }
    return VendorProfile(
        name=str(doc["name"]),
        description=str(doc.get("description", "")),
        bit0_meaningful=bit0 == "as_sent",
        types=types,
        analog_types=analog,
        source=source,
    )


def _profiles_dir() -> Any:
    return resources.files("firegrid.iot").joinpath("data", "profiles")


def available_profiles() -> list[str]:
    """Names of the bundled vendor profiles."""
    return sorted(
        p.name.removesuffix(".toml") for p in _profiles_dir().iterdir() if p.name.endswith(".toml")
    )


@lru_cache(maxsize=32)
def load_profile(name_or_path: str) -> VendorProfile:
    """A bundled profile by name, or a profile file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.exists():
        try:
            return parse_profile(path.read_text("utf-8"), source=str(path))
        except OSError as exc:
            raise ConfigurationError(f"{path}: cannot read profile: {exc}") from exc
    bundled = _profiles_dir().joinpath(f"{name_or_path}.toml")
    if not bundled.is_file():
        raise NotFoundError(
            f"no vendor profile {name_or_path!r} (bundled: {', '.join(available_profiles())})"
        )
    return parse_profile(
        bundled.read_text("utf-8"), source=f"firegrid/iot/data/profiles/{name_or_path}.toml"
    )


@lru_cache(maxsize=1)
def standard_tables() -> StandardTables:
    """The standard's analog, system-type and component-type tables."""
    source = "firegrid/iot/data/gbt26875_3.toml"
    text = resources.files("firegrid.iot").joinpath("data", "gbt26875_3.toml").read_text("utf-8")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{source}: {exc}") from exc
    return StandardTables(
        version=str(doc.get("version", "")),
        analog_types={
            code: _analog(code, raw, f"{source} analog_types.{key}")
            for key, raw in doc.get("analog_types", {}).items()
            for code in (_int_key(key, source),)
        },
        system_types={_int_key(k, source): str(v) for k, v in doc["system_types"].items()},
        component_types={_int_key(k, source): str(v) for k, v in doc["component_types"].items()},
    )
