"""Status of a plan indicator in one year: a pure kernel (no I/O, no clock, no database).

``evaluate_status(indicator, value, year=..., period_start=..., period_end=...)`` compares the
value an adapter computed for ``year`` with the indicator's target and returns a :class:`Status`:
one of ``on_track``, ``at_risk``, ``missed`` or ``no_data``, with a machine-readable
:class:`Reason` so the UI can say why.

Comparisons
-----------
``le``  the value must not exceed the target (death rate ≤ 0.25);
``ge``  the value must reach the target (hydrant intact rate ≥ 96%);
``eq``  the value must equal the target within ``EQ_REL_TOL × max(1, |target|)`` (1e-6 relative:
        wide enough for float noise from sums and divisions, far narrower than any printed
        precision). ``le`` and ``ge`` accept a value within ``MET_REL_TOL × max(1, |target|)``
        (1e-9) of the target as meeting it, so 0.1 + 0.2 meets a target of 0.3.

The *margin* of a met ``le``/``ge`` target is how far the value is on the good side:
``target − value`` for ``le``, ``value − target`` for ``ge``.

Warning band
------------
A met target whose margin is at most ``warning_band × |target|`` is *at risk* (reason
``within_warning_band``): it holds, but only just. The boundary itself is inside the band (the
margin must be strictly larger to be on track). A band of 0, or a target of 0, switches the
warning off — a 100% target cannot be beaten, so its band must be 0. ``eq`` targets have no band.
Cumulative targets use the trajectory instead of the band.

Kinds
-----
The deadline is ``indicator.due_year`` when the plan sets one (e.g. "by the end of 2027"), else
``period_end``.

``annual``
    The target holds in every year (a death rate). Not met → ``missed`` (``target_not_met``);
    met within the band → ``at_risk``; met with a larger margin → ``on_track`` (``target_met``).
    The year and the period do not enter.
``cumulative``
    A count reached over the plan period (3 stations built, 260 hydrants); only ``ge`` with a
    positive target. ``progress = value / target`` is compared with the linear trajectory
    ``expected_share(year) = (year − start + 1) / (deadline − start + 1)``, 0 before the period
    and 1 from the deadline on. Target reached → ``on_track`` (``target_reached``); not reached
    in or after the deadline year → ``missed`` (``target_not_reached``); otherwise progress at or
    above the expected share → ``on_track`` (``on_trajectory``), below → ``at_risk``
    (``behind_trajectory``).
``level``
    A state to reach by the deadline (a rate of 100%). Met → ``on_track``, or ``at_risk`` within
    the band; not met before the deadline year → ``at_risk`` (``target_not_yet_met``); not met in
    or after the deadline year → ``missed`` (``target_not_met``).

``value is None`` gives ``no_data`` (``no_value``) for every kind. A NaN or infinite value is an
error, not missing data: adapters must say "no data" explicitly.

A year that is not over
-----------------------
The kernel reads no clock: the caller passes ``today`` (``None``, the default, judges every year
as finished — the historical reading). The evaluated ``year`` is *not over* when
``year >= today.year``; its value is then a figure to date, and ``Status.year_complete`` is false.
``missed`` is said of a figure that can no longer change for the better, so in a year that is
not over:

* a quantity that accumulates within the year (``accumulates_in_year``: people trained this
  year, fires this year) below a ``ge`` target — or below an ``eq`` target — is ``at_risk``
  (``year_not_over``: "the year is not over, the count can still reach the target"), with
  ``progress = value / target``. A met ``ge`` count stays met (counts only grow); an ``le``
  count already above its cap is ``missed`` (it cannot fall again); an ``le`` count within its
  cap keeps its usual status, a status *to date*;
* a ``cumulative`` count not reached in its deadline year is ``at_risk`` (``year_not_over``), not
  ``missed`` (``target_not_reached``): the deadline is the end of that year;
* a ``level`` not met in its deadline year is ``at_risk`` (``target_not_yet_met``), as before the
  deadline year, for the same reason.

Annual states and rates that do not accumulate (an intact rate, a pass rate) are judged on the
figure to date as usual; only ``year_complete`` says the year is still running.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from firegrid.errors import InvalidInputError

__all__ = [
    "EQ_REL_TOL",
    "MET_REL_TOL",
    "Comparison",
    "Kind",
    "Reason",
    "Status",
    "StatusCode",
    "Target",
    "TargetSpec",
    "evaluate_status",
    "expected_share",
]

#: Relative tolerance for ``le``/``ge``: float noise must not turn a met target into a miss.
MET_REL_TOL = 1e-9
#: Relative tolerance for ``eq`` targets.
EQ_REL_TOL = 1e-6


class Comparison(StrEnum):
    """How a value is compared with the target."""

    LE = "le"
    GE = "ge"
    EQ = "eq"


class Kind(StrEnum):
    """When the target applies: every year, as a running count, or as an end state."""

    ANNUAL = "annual"
    CUMULATIVE = "cumulative"
    LEVEL = "level"


class StatusCode(StrEnum):
    """Traffic-light status of an indicator in a year."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    MISSED = "missed"
    NO_DATA = "no_data"


class Reason(StrEnum):
    """Why a status was given (stable codes for the UI)."""

    NO_VALUE = "no_value"
    TARGET_MET = "target_met"
    WITHIN_WARNING_BAND = "within_warning_band"
    TARGET_NOT_MET = "target_not_met"
    TARGET_NOT_YET_MET = "target_not_yet_met"
    TARGET_REACHED = "target_reached"
    ON_TRAJECTORY = "on_trajectory"
    BEHIND_TRAJECTORY = "behind_trajectory"
    TARGET_NOT_REACHED = "target_not_reached"
    #: Below the target in a year that is not over: the count can still reach it.
    YEAR_NOT_OVER = "year_not_over"


class TargetSpec(Protocol):
    """What the kernel needs of an indicator (``catalog.Indicator`` and ``Target`` satisfy it)."""

    @property
    def target(self) -> float: ...

    @property
    def comparison(self) -> Comparison: ...

    @property
    def kind(self) -> Kind: ...

    @property
    def warning_band(self) -> float: ...

    @property
    def due_year(self) -> int | None: ...

    @property
    def accumulates_in_year(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Target:
    """A bare target, for callers and tests that have no catalogue indicator."""

    target: float
    comparison: Comparison
    kind: Kind
    warning_band: float = 0.05
    due_year: int | None = None
    #: The value is a count that only grows during the year (people trained this year).
    accumulates_in_year: bool = False


@dataclass(frozen=True, slots=True)
class Status:
    """Result of :func:`evaluate_status`.

    ``progress`` (value ÷ target) and ``expected_share`` are set for cumulative indicators, and
    ``progress`` for a count below its target in a year that is not over (``year_not_over``).
    ``year_complete`` is false when the evaluated year is not over: the value is a figure to date.
    """

    status: StatusCode
    reason: Reason
    progress: float | None = None
    expected_share: float | None = None
    year_complete: bool = True


def expected_share(year: int, *, period_start: int, period_end: int) -> float:
    """Share of a cumulative target due by the end of ``year`` on a linear trajectory.

    Parameters
    ----------
    year
        Calendar year evaluated.
    period_start, period_end
        First and last year of the trajectory (both inclusive).

    Returns
    -------
    float
        ``(year − start + 1) / (end − start + 1)``, clamped to ``[0, 1]``.
    """
    if period_start > period_end:
        raise InvalidInputError(f"period_start {period_start} is after period_end {period_end}")
    if year < period_start:
        return 0.0
    if year >= period_end:
        return 1.0
    return (year - period_start + 1) / (period_end - period_start + 1)


def _scale(target: float) -> float:
    return max(1.0, abs(target))


def _margin(comparison: Comparison, value: float, target: float) -> float:
    """How far ``value`` is on the good side of ``target`` (negative: not met)."""
    return target - value if comparison == Comparison.LE else value - target


def _met(comparison: Comparison, value: float, target: float) -> bool:
    if comparison == Comparison.EQ:
        return abs(value - target) <= EQ_REL_TOL * _scale(target)
    return _margin(comparison, value, target) >= -MET_REL_TOL * _scale(target)


def _within_band(spec: TargetSpec, value: float) -> bool:
    """True if a met target holds by no more than the warning band."""
    band = spec.warning_band * abs(spec.target)
    if spec.comparison == Comparison.EQ or band <= 0.0:
        return False
    return _margin(spec.comparison, value, spec.target) <= band + MET_REL_TOL * _scale(spec.target)


def _met_status(spec: TargetSpec, value: float) -> Status:
    if _within_band(spec, value):
        return Status(StatusCode.AT_RISK, Reason.WITHIN_WARNING_BAND)
    return Status(StatusCode.ON_TRACK, Reason.TARGET_MET)


def _cumulative(
    spec: TargetSpec, value: float, *, year: int, start: int, deadline: int, year_over: bool
) -> Status:
    if spec.comparison != Comparison.GE:
        raise InvalidInputError(
            f"a cumulative target needs comparison 'ge', got {str(spec.comparison)!r}"
        )
    if not spec.target > 0:
        raise InvalidInputError(f"a cumulative target must be positive, got {spec.target}")
    progress = value / spec.target
    share = expected_share(year, period_start=start, period_end=deadline)
    if _met(Comparison.GE, value, spec.target):
        return Status(StatusCode.ON_TRACK, Reason.TARGET_REACHED, progress, share)
    if year >= deadline and year_over:
        return Status(StatusCode.MISSED, Reason.TARGET_NOT_REACHED, progress, share)
    if year >= deadline:  # the deadline year is running: the count can still get there
        return Status(StatusCode.AT_RISK, Reason.YEAR_NOT_OVER, progress, share)
    if progress >= share - MET_REL_TOL:
        return Status(StatusCode.ON_TRACK, Reason.ON_TRAJECTORY, progress, share)
    return Status(StatusCode.AT_RISK, Reason.BEHIND_TRAJECTORY, progress, share)


def evaluate_status(
    indicator: TargetSpec,
    value: float | None,
    *,
    year: int,
    period_start: int,
    period_end: int,
    today: date | None = None,
) -> Status:
    """Status of ``indicator`` in ``year`` given the value computed for that year.

    Parameters
    ----------
    indicator
        Target, comparison, kind, warning band and optional due year (see the module docstring).
    value
        The indicator's value for ``year``, in the indicator's unit (percentages 0–100);
        ``None`` when there is no data.
    year
        Calendar year the value describes.
    period_start, period_end
        The plan period (inclusive); ``indicator.due_year``, when set, replaces ``period_end``
        as the deadline.
    today
        The date of the evaluation. ``year >= today.year`` means the year is not over (see "A
        year that is not over" in the module docstring); ``None`` judges every year as finished.

    Returns
    -------
    Status
        ``on_track``, ``at_risk``, ``missed`` or ``no_data`` with its reason code.

    Raises
    ------
    InvalidInputError
        On a NaN/infinite value, an empty period, a deadline before the period, or a
        cumulative target that is not a positive ``ge`` target.
    """
    if period_start > period_end:
        raise InvalidInputError(f"period_start {period_start} is after period_end {period_end}")
    deadline = indicator.due_year if indicator.due_year is not None else period_end
    if deadline < period_start:
        raise InvalidInputError(f"due_year {deadline} is before period_start {period_start}")
    year_over = today is None or year < today.year
    if value is None:
        return Status(StatusCode.NO_DATA, Reason.NO_VALUE, year_complete=year_over)
    value = float(value)
    if not math.isfinite(value):
        raise InvalidInputError(f"indicator value must be finite or None, got {value}")

    st = _judge(
        indicator, value, year=year, start=period_start, deadline=deadline, year_over=year_over
    )
    if year_over:
        return st
    return Status(st.status, st.reason, st.progress, st.expected_share, year_complete=False)


def _judge(
    indicator: TargetSpec, value: float, *, year: int, start: int, deadline: int, year_over: bool
) -> Status:
    if indicator.kind == Kind.CUMULATIVE:
        return _cumulative(
            indicator, value, year=year, start=start, deadline=deadline, year_over=year_over
        )
    if _met(indicator.comparison, value, indicator.target):
        return _met_status(indicator, value)
    if indicator.kind == Kind.LEVEL and (year < deadline or (year == deadline and not year_over)):
        return Status(StatusCode.AT_RISK, Reason.TARGET_NOT_YET_MET)
    # A count that only grows can still climb to a ge/eq target while the year runs; one above
    # an le cap (or above an eq target) cannot come down again.
    can_still_reach = indicator.comparison != Comparison.LE and value < indicator.target
    running_count = indicator.kind == Kind.ANNUAL and indicator.accumulates_in_year
    if running_count and not year_over and can_still_reach:
        progress = value / indicator.target if indicator.target > 0 else None
        return Status(StatusCode.AT_RISK, Reason.YEAR_NOT_OVER, progress)
    return Status(StatusCode.MISSED, Reason.TARGET_NOT_MET)
