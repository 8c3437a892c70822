"""Pure rules of equipment: EPC-96 tag ids, lifecycle moves, maintenance due dates, vehicle
replacement and compliance with a station standard. No database, no clock.

Lifecycle (采、供、管、发、修)::

    procurement ─► in_stock ─► issued ─► in_use ─► repair ─► in_use (back from repair)
                     ▲  │         │        │  │      │ │
                     │  └─► scrapped ◄─────┘  │      │ └─► scrapped
                     └── returned ◄───────────┴──────┘
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from firegrid.errors import InvalidInputError
from firegrid.transitions import check_transition
from firegrid.types import EquipmentStatus

__all__ = [
    "COUNTED",
    "EQUIPMENT_TRANSITIONS",
    "Compliance",
    "VehicleAge",
    "check_equipment_transition",
    "compliance",
    "group_rate",
    "next_due",
    "replacement_year",
    "validate_epc",
]

E = EquipmentStatus
EQUIPMENT_TRANSITIONS: dict[EquipmentStatus, frozenset[EquipmentStatus]] = {
    E.PROCUREMENT: frozenset({E.IN_STOCK}),
    E.IN_STOCK: frozenset({E.ISSUED, E.SCRAPPED}),
    E.ISSUED: frozenset({E.IN_USE, E.IN_STOCK}),
    E.IN_USE: frozenset({E.REPAIR, E.IN_STOCK, E.SCRAPPED}),
    E.REPAIR: frozenset({E.IN_USE, E.IN_STOCK, E.SCRAPPED}),
    E.SCRAPPED: frozenset(),
}
#: Statuses counted as a station's equipment (配备): issued to it, in use, or away for repair.
COUNTED = frozenset({E.ISSUED, E.IN_USE, E.REPAIR})

_EPC96 = re.compile(r"^[0-9A-F]{24}$")


def validate_epc(text: str) -> str:
    """An EPC-96 tag id: 24 hexadecimal characters (spaces/dashes allowed, case ignored).

    Returns the canonical upper-case form; raises InvalidInputError saying what is wrong.
    """
    raw = str(text)
    s = re.sub(r"[\s\-:]", "", raw).upper()
    if not _EPC96.match(s):
        bad = sorted({c for c in s if c not in "0123456789ABCDEF"})
        why = f"non-hex characters {''.join(bad)!r}" if bad else f"{len(s)} hex characters"
        raise InvalidInputError(f"EPC {raw!r} is not an EPC-96 tag id (24 hex characters): {why}")
    return s


def check_equipment_transition(item: str, old: EquipmentStatus, new: EquipmentStatus) -> None:
    """Raise ConflictError naming the item and the allowed moves unless ``old → new`` is one."""
    check_transition(f"equipment {item}", EQUIPMENT_TRANSITIONS, old, new, none="none (scrapped)")


def next_due(last: date | None, since: date | None, interval_days: int) -> date | None:
    """Next maintenance date: ``last`` (else ``since``, e.g. procurement) + interval."""
    base = last or since
    return base + timedelta(days=interval_days) if base is not None else None


def replacement_year(commission_year: int | None, service_life_years: int) -> int | None:
    """The year a vehicle reaches its service life (commission year + life)."""
    return None if commission_year is None else commission_year + service_life_years


@dataclass(frozen=True)
class VehicleAge:
    code: str
    commission_year: int | None
    replacement_year: int | None
    age_years: int | None
    #: True when the replacement year is this year or earlier.
    due: bool


@dataclass(frozen=True)
class Compliance:
    """One station against its class standard: which lines (kind → count) are met."""

    lines: int
    met: int
    shortfalls: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def rate_percent(self) -> float | None:
        return round(self.met / self.lines * 100, 2) if self.lines else None

    @property
    def compliant(self) -> bool:
        return self.lines > 0 and self.met == self.lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "lines_met": self.met,
            "rate_percent": self.rate_percent,
            "compliant": self.compliant,
            "shortfalls": {
                k: {"required": r, "held": h} for k, (r, h) in sorted(self.shortfalls.items())
            },
        }


def compliance(required: Mapping[str, int], held: Mapping[str, int]) -> Compliance:
    """Lines of the standard met by what a station holds (a line is met at ≥ its count)."""
    short = {k: (r, int(held.get(k, 0))) for k, r in required.items() if held.get(k, 0) < r}
    return Compliance(lines=len(required), met=len(required) - len(short), shortfalls=short)


def group_rate(stations: Sequence[Compliance]) -> float | None:
    """装备配备达标率 of a group of stations: Σ lines met ÷ Σ lines required (percent)."""
    lines = sum(c.lines for c in stations)
    return round(sum(c.met for c in stations) / lines * 100, 2) if lines else None
