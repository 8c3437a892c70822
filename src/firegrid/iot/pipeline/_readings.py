"""Pure helpers that read decoded up-link objects: the alarm :class:`Flags` of a state report,
the event kind they mean, and :func:`readings_from_adu`, which normalises a decoded ADU."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from firegrid.iot.models import (
    EventKind,
)
from firegrid.iot.pipeline._envelope import Reading

_INFO_TYPES = frozenset({4, 5, 6, 7, 8, 24, 25, 26, 28})
_FAULT_KEYS = (
    "fault",
    "power_fault",
    "main_power_fault",
    "backup_power_fault",
    "bus_fault",
    "channel_fault",
    "line_fault",
)


@dataclass(frozen=True, slots=True)
class Flags:
    fire: bool = False
    fault: bool = False
    supervisory: bool = False
    disabled: bool = False

    @property
    def active(self) -> bool:
        return self.fire or self.fault or self.supervisory or self.disabled


def flags_of(state: Mapping[str, Any]) -> Flags:
    """The alarm flags of a decoded state dict. Bit 0 (normal/test) is ignored on purpose:
    real devices often leave it at 0 on genuine alarms."""
    return Flags(
        fire=bool(state.get("fire")),
        fault=any(bool(state.get(k)) for k in _FAULT_KEYS),
        supervisory=bool(state.get("supervisory")),
        disabled=bool(state.get("disabled")),
    )


def kind_of(flags: Flags) -> EventKind:
    """The event kind of a state report: the most urgent flag wins."""
    if flags.fire:
        return EventKind.FIRE
    if flags.fault:
        return EventKind.FAULT
    if flags.supervisory:
        return EventKind.SUPERVISORY
    return EventKind.STATE


def _int(obj: Mapping[str, Any], key: str) -> int | None:
    v = obj.get(key)
    return int(v) if isinstance(v, int) else None


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    v = obj.get(key)
    return v[:200] if isinstance(v, str) and v else None


def _analog_name(obj: Mapping[str, Any]) -> str | None:
    from firegrid.iot.adu import analog_type

    code = obj.get("analog_type")
    at = analog_type(code) if isinstance(code, int) else None
    return (at.name_zh or at.name) if at is not None else _text(obj, "description")


def readings_from_adu(
    adu_type: int | None, objects: Sequence[Mapping[str, Any]]
) -> tuple[Reading, ...]:
    """Normalise the objects of a decoded ADU (``adu_type`` None: a heartbeat)."""
    if adu_type is None:
        return (Reading(kind=EventKind.HEARTBEAT),)
    out: list[Reading] = []
    for obj in objects or ({},):
        state = obj.get("state")
        ids: tuple[int | None, ...] = (
            _int(obj, "system_type"),
            _int(obj, "system_address"),
            _int(obj, "component_type"),
            _int(obj, "component_address"),
        )
        if adu_type in (1, 2, 21) and isinstance(state, Mapping):
            if adu_type == 21:  # the transmission device itself
                ids = (0, 0, 0, 0)
            fl = flags_of(state)
            base = Reading(
                kind=kind_of(fl),
                adu_type=adu_type,
                state={k: v for k, v in state.items() if isinstance(v, bool)},
                description=_text(obj, "description"),
                reset=adu_type == 1 and bool(state.get("reset")),
            )
        elif adu_type == 3:
            value = obj.get("value")
            base = Reading(
                kind=EventKind.ANALOG,
                adu_type=3,
                value=float(value) if isinstance(value, int | float) else None,
                unit=_text(obj, "unit"),
                description=_analog_name(obj),
            )
        else:
            kind = EventKind.INFO if adu_type in _INFO_TYPES else EventKind.OTHER
            base = Reading(kind=kind, adu_type=adu_type, description=_text(obj, "description"))
        out.append(
            replace(
                base,
                system_type=ids[0],
                system_address=ids[1],
                component_type=ids[2],
                component_address=ids[3],
            )
        )
    return tuple(out)


def apply_flags(current: Flags, reading_flags: Flags) -> tuple[Flags, bool]:
    """The new flags after a state report, and whether fire rose (a new fire alarm)."""
    return reading_flags, reading_flags.fire and not current.fire
