"""The hazard rectification loop (隐患整改闭环) — allowed moves; anything else is refused.

found → ordered (责令限期改正) → rectifying → reinspecting (unit reports done) → closed (销案)
after a passed re-inspection, or back to rectifying after a failed one. Any open state may be
escalated (penalty / 重大火灾隐患 挂牌督办); an escalated hazard still has to be rectified.
"""

from __future__ import annotations

from firegrid.transitions import check_transition
from firegrid.types import HazardStatus

__all__ = ["HAZARD_TRANSITIONS", "OPEN", "REINSPECTION_MOVES", "check_hazard_transition"]

H = HazardStatus
HAZARD_TRANSITIONS: dict[HazardStatus, frozenset[HazardStatus]] = {
    H.FOUND: frozenset({H.ORDERED, H.ESCALATED}),
    H.ORDERED: frozenset({H.RECTIFYING, H.ESCALATED}),
    H.RECTIFYING: frozenset({H.REINSPECTING, H.ESCALATED}),
    H.REINSPECTING: frozenset({H.CLOSED, H.RECTIFYING, H.ESCALATED}),
    H.ESCALATED: frozenset({H.RECTIFYING}),
    H.CLOSED: frozenset(),
}
#: States in which a hazard is not yet resolved.
OPEN = frozenset(set(H) - {H.CLOSED})
#: Moves that record a re-inspection's outcome (the finder may not make them).
REINSPECTION_MOVES = frozenset({(H.REINSPECTING, H.CLOSED), (H.REINSPECTING, H.RECTIFYING)})


def check_hazard_transition(hazard_id: int, old: HazardStatus, new: HazardStatus) -> None:
    """Raise ConflictError naming the hazard and the allowed moves if ``old → new`` is not one."""
    check_transition(f"hazard {hazard_id}", HAZARD_TRANSITIONS, old, new, none="none (closed)")
