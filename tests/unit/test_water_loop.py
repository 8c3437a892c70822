"""The water-source loop (pure): ticket moves, the 完好 checklist, status at an instant,
month-end intact counts and the planning list."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from firegrid.errors import ConflictError, InvalidInputError
from firegrid.types import WaterSourceKind as K
from firegrid.types import WaterSourceStatus as W
from firegrid.types import WaterTicketStatus as T
from firegrid.water.maintenance import (
    SourceHistory,
    assess,
    check_ticket_transition,
    intact_counts,
    month_end_utc,
    planning_list,
    status_at,
)
from firegrid.water.standards import load_water_standards


def test_loop_moves_forward_and_a_failed_recheck_goes_back_to_notified() -> None:
    for a, b in [
        (T.DISCOVERED, T.NOTIFIED),
        (T.NOTIFIED, T.REPAIRING),
        (T.REPAIRING, T.NOTIFIED),
        (T.REPAIRING, T.RECHECKED),
    ]:
        check_ticket_transition("7", a, b)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (T.DISCOVERED, T.REPAIRING),
        (T.DISCOVERED, T.RECHECKED),
        (T.RECHECKED, T.NOTIFIED),
        (T.NOTIFIED, T.RECHECKED),
    ],
)
def test_skipping_a_step_or_reopening_is_refused(old: T, new: T) -> None:
    with pytest.raises(ConflictError, match="allowed from"):
        check_ticket_transition("7", old, new)


def test_checklist_fails_on_a_false_item_or_a_low_reading_but_not_on_unchecked() -> None:
    std = load_water_standards()
    ok = assess(
        std, K.HYDRANT, {"body_intact": True, "no_leak": None}, pressure_mpa=0.2, flow_l_s=20
    )
    assert ok.intact and ok.failed == ()
    bad = assess(std, K.HYDRANT, {"no_leak": False}, pressure_mpa=0.1, flow_l_s=20)
    assert not bad.intact and bad.failed == ("no_leak", "pressure")
    # A pool has no pressure criterion.
    assert assess(std, K.POOL, {}, pressure_mpa=0.01).intact
    with pytest.raises(InvalidInputError, match="unknown checklist items"):
        assess(std, K.HYDRANT, {"paint": True})


def _t(m: int, d: int) -> datetime:
    return datetime(2026, m, d, tzinfo=UTC)


def test_status_at_reads_the_history_before_after_and_without_events() -> None:
    src = SourceHistory(
        K.HYDRANT,
        W.IN_SERVICE,
        None,
        ((_t(1, 10), W.IN_SERVICE, W.FAULTY), (_t(2, 5), W.FAULTY, W.IN_SERVICE)),
    )
    assert status_at(src, _t(1, 1)) == W.IN_SERVICE  # before the first event: its from_status
    assert status_at(src, _t(1, 31)) == W.FAULTY
    assert status_at(src, _t(2, 28)) == W.IN_SERVICE
    assert status_at(SourceHistory(K.POOL, W.FAULTY, None), _t(1, 1)) == W.FAULTY


def test_month_end_counts_exclude_planned_removed_and_not_yet_built() -> None:
    end, year = month_end_utc("2026-01", "Asia/Shanghai")
    assert end == datetime(2026, 1, 31, 16, tzinfo=UTC) and year == 2026
    sources = [
        SourceHistory(K.HYDRANT, W.IN_SERVICE, 2000),
        SourceHistory(
            K.HYDRANT,
            W.IN_SERVICE,
            None,
            ((_t(1, 20), W.IN_SERVICE, W.FAULTY), (_t(2, 3), W.FAULTY, W.IN_SERVICE)),
        ),
        SourceHistory(K.HYDRANT, W.PLANNED, None),
        SourceHistory(K.HYDRANT, W.IN_SERVICE, 2027),
        SourceHistory(K.POOL, W.REMOVED, None, ((_t(3, 1), W.IN_SERVICE, W.REMOVED),)),
    ]
    total, by_kind = intact_counts(sources, end, year)
    assert (total.intact, total.registered) == (2, 3)
    assert total.rate_percent == 66.67
    assert (by_kind[K.HYDRANT].intact, by_kind[K.HYDRANT].registered) == (1, 2)
    assert by_kind[K.POOL].rate_percent == 100.0
    with pytest.raises(InvalidInputError, match="YYYY-MM"):
        month_end_utc("2026-13", "UTC")


def test_planning_list_ranks_populous_places_then_long_road_gaps() -> None:
    analysis = {
        "uncovered": [
            {
                "label": "小村",
                "weight": 50,
                "hydrant_distance_m": 900,
                "geometry": {"type": "Point", "coordinates": [116.0, 40.0]},
            },
            {
                "label": "大村",
                "weight": 800,
                "hydrant_distance_m": 200,
                "geometry": {"type": "Point", "coordinates": [116.1, 40.0]},
            },
        ],
        "gaps": {
            "type": "MultiLineString",
            "coordinates": [[[116.0, 40.0], [116.001, 40.0]], [[116.0, 40.1], [116.01, 40.1]]],
        },
    }
    items = planning_list(analysis, road_metres_per_hydrant=240.0)
    assert [i.label for i in items] == ["大村", "小村", "road gap 2", "road gap 1"]
    assert items[2].hydrants_proposed == 4  # ~852 m of road / 240 m
    assert items[3].hydrants_proposed == 1
    assert [i.rank for i in items] == [1, 2, 3, 4]
