"""The demo districts reproduce every published figure of their plans, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from firegrid.accounts.models import AuditLog
from firegrid.cli.main import app
from firegrid.db.session import Database
from firegrid.demo.service import load_demo
from firegrid.incidents.models import Incident
from firegrid.statistics.service import annual_fire_table, calls_table


def test_mentougou_table1_reproduces_exactly(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s:
        rows = annual_fire_table(s, "mentougou", 2021, 2025, total=True)
    by_year = {r.year: r for r in rows}
    assert [by_year[y].fires for y in range(2021, 2026)] == [122, 116, 93, 113, 104]
    assert [by_year[y].injuries for y in range(2021, 2026)] == [0, 1, 2, 2, 0]
    assert [by_year[y].deaths for y in range(2021, 2026)] == [0, 1, 1, 1, 0]
    assert [by_year[y].population for y in range(2021, 2026)] == [
        396_000,
        396_000,
        397_000,
        396_000,
        396_000,
    ]
    assert [by_year[y].death_rate_per_100k for y in range(2021, 2026)] == [
        0.0,
        0.25,
        0.25,
        0.25,
        0.0,
    ]
    total = by_year[None]
    assert (total.fires, total.injuries, total.deaths) == (548, 5, 3)
    assert total.death_rate_per_100k == 0.15
    # The loss column is printed in 元 under a 万元 heading; records carry it as 元.
    assert [by_year[y].loss_yuan for y in range(2021, 2026)] == [
        950620.9,
        386192.5,
        1425578.13,
        2274340.0,
        5464321.31,
    ]
    assert total.loss_yuan == 10501052.84
    assert total.synthetic_records == 548


def test_beibei_fire_and_call_tables_reproduce_exactly(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s:
        fires = annual_fire_table(s, "beibei", 2016, 2020, total=True)
        calls = calls_table(s, "beibei", 2016, 2020, total=True)
    assert [r.fires for r in fires] == [751, 720, 709, 795, 745, 3720]
    assert [r.deaths for r in fires] == [2, 0, 1, 1, 1, 5]
    assert [r.injuries for r in fires] == [0] * 6
    # 353.8242 万元 … 2481.4353 万元, exactly (money is integer fen).
    assert [r.loss_yuan for r in fires] == [
        3538242.0,
        2092879.0,
        2297677.0,
        14701093.0,
        2184462.0,
        24814353.0,
    ]
    assert [(r.total, r.fire, r.rescue, r.social_assistance, r.other) for r in calls] == [
        (2398, 751, 355, 1260, 32),
        (2549, 720, 328, 1478, 23),
        (2753, 709, 373, 1645, 26),
        (2965, 795, 386, 1746, 38),
        (3284, 745, 403, 2094, 42),
        (13949, 3720, 1845, 8223, 161),
    ]
    # Population is derived for 2020 only (5 stations ÷ 0.6 per 100k); 1 death → 1.2 per million.
    assert fires[4].population == 833_333
    assert fires[4].deaths_per_million == 1.2
    assert fires[0].population is None and fires[0].death_rate_per_100k is None


def test_every_demo_incident_is_marked_synthetic(demo_db: Database) -> None:
    with demo_db.session(actor="t") as s:
        total = s.scalar(select(func.count()).select_from(Incident))
        real = s.scalar(select(func.count()).where(Incident.synthetic.is_(False)))
        sources = set(s.scalars(select(Incident.source).distinct()))
    assert total == 548 + 13949
    assert real == 0
    assert all(src.startswith("synthetic:") for src in sources)


def test_cli_contract_stats_json(demo_url: str) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "stats",
            "annual",
            "--district",
            "mentougou",
            "--from",
            "2021",
            "--to",
            "2025",
            "--db",
            demo_url,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [r["fires"] for r in rows] == [122, 116, 93, 113, 104]
    assert set(rows[0]) >= {
        "year",
        "fires",
        "injuries",
        "deaths",
        "loss_yuan",
        "population",
        "death_rate_per_100k",
    }
    res = runner.invoke(
        app,
        [
            "stats",
            "calls",
            "--district",
            "beibei",
            "--from",
            "2016",
            "--to",
            "2020",
            "--db",
            demo_url,
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert rows[0] == {
        "year": 2016,
        "total": 2398,
        "fire": 751,
        "rescue": 355,
        "social_assistance": 1260,
        "other": 32,
        "synthetic_records": 2398,
    }
    res = runner.invoke(
        app,
        [
            "stats",
            "annual",
            "--district",
            "nowhere",
            "--from",
            "2021",
            "--to",
            "2025",
            "--db",
            demo_url,
            "--json",
        ],
    )
    assert res.exit_code == 2
    assert "nowhere" in res.stderr


@pytest.mark.slow
def test_loading_twice_changes_nothing(database: Database) -> None:
    first = load_demo(database, "beibei", actor="t1")
    assert first.counts["incidents"]["inserted"] == 13949
    with database.session(actor="t") as s:
        audit_rows = s.scalar(select(func.count()).select_from(AuditLog))
    second = load_demo(database, "beibei", actor="t2")
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in second.counts.values()), second
    with database.session(actor="t") as s:
        # Only the demo_load action itself is added; no record-level writes.
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audit_rows + 1
        assert s.scalar(select(func.count()).select_from(Incident)) == 13949
