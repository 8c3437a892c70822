"""Response metrics from incidents and unit records, historical timing imports, Toronto's fires.

Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import typer
from sqlalchemy import func, select
from typer.testing import CliRunner

from firegrid.cli.dispatch_metrics import metrics as metrics_cmd
from firegrid.db.base import Base
from firegrid.db.session import Database
from firegrid.dispatch.metrics_service import (
    ATTRIBUTION_NEAREST,
    ATTRIBUTION_RECORDED,
    ATTRIBUTION_UNITS,
    response_metrics,
)
from firegrid.dispatch.models import Assignment, Unit
from firegrid.dispatch.toronto import import_toronto
from firegrid.districts.models import District, Township
from firegrid.errors import InvalidInputError, NotFoundError
from firegrid.imports.service import run_import
from firegrid.incidents.models import Incident
from firegrid.stations.models import Station
from firegrid.types import (
    IncidentCategory,
    LocationPrecision,
    StationClass,
    StationStatus,
    TownshipKind,
    UnitType,
)

SH = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SH)  # type: ignore[misc]


def _station(district_id: int, name: str, lon: float, lat: float, **kw: Any) -> Station:
    return Station(
        district_id=district_id,
        name=name,
        station_class=StationClass.LEVEL1,
        status=kw.pop("status", StationStatus.EXISTING),
        lon=lon,
        lat=lat,
        location_precision=LocationPrecision.EXACT,
        **kw,
    )


@pytest.fixture
def district(database: Database) -> dict[str, int]:
    """A Beijing-time district with two stations, a planned one, a township and two units."""
    with database.session(actor="setup") as s:
        d = District(code="mtg", name_zh="门头沟区", timezone="Asia/Shanghai")
        other = District(code="other", name_zh="别区", timezone="Asia/Shanghai")
        s.add_all([d, other])
        s.flush()
        town = Township(district_id=d.id, name_zh="大峪街道", kind=TownshipKind.STREET)
        dayu = _station(d.id, "大峪站", 116.10, 39.94)
        chengzi = _station(d.id, "城子站", 116.05, 39.90)
        # Nearer to incident I2 than 大峪站, but only planned: never attributed.
        planned = _station(d.id, "规划站", 116.120, 39.960, status=StationStatus.PLANNED)
        s.add_all([town, dayu, chengzi, planned])
        s.flush()
        u1 = Unit(
            district_id=d.id,
            station_id=dayu.id,
            call_sign="大峪-1",
            unit_type=UnitType.WATER_TENDER,
        )
        u2 = Unit(
            district_id=d.id,
            station_id=chengzi.id,
            call_sign="城子-1",
            unit_type=UnitType.WATER_TENDER,
        )
        s.add_all([u1, u2])
        s.flush()
        ids = {
            "district": d.id,
            "other": other.id,
            "town": town.id,
            "dayu": dayu.id,
            "chengzi": chengzi.id,
            "u1": u1.id,
            "u2": u2.id,
        }
        s.commit()
    return ids


def _incident(ids: dict[str, int], ext: str, received: datetime, **kw: Any) -> Incident:
    return Incident(
        district_id=kw.pop("district_id", ids["district"]),
        external_id=ext,
        received_at=received,
        category=IncidentCategory.FIRE,
        **kw,
    )


@pytest.fixture
def calls(database: Database, district: dict[str, int]) -> dict[str, int]:
    """Six calls in January–February 2025 (local), one after the window, one elsewhere."""
    ids = district
    with database.session(actor="setup") as s:
        # I1 23:50 on 31 Jan: two units; the second one dispatched arrives first (300 s).
        i1 = _incident(ids, "I1", local(2025, 1, 31, 23, 50), township_id=ids["town"])
        # I2 00:30 on 1 Feb Beijing time is still 31 January in UTC; no unit records.
        i2 = _incident(
            ids,
            "I2",
            local(2025, 2, 1, 0, 30),
            first_arrival_at=local(2025, 2, 1, 0, 36),
            lon=116.115,
            lat=39.955,
        )
        i3 = _incident(
            ids,
            "I3",
            local(2025, 2, 10, 12, 0),
            first_arrival_at=local(2025, 2, 10, 12, 4),
            first_station_id=ids["dayu"],
        )
        i4 = _incident(ids, "I4", local(2025, 2, 15, 8, 0))  # no arrival, no place, no station
        # 07:00 on 1 January Beijing time is 31 December in UTC: inside the local window.
        i6 = _incident(
            ids,
            "I6",
            local(2025, 1, 1, 7, 0),
            first_arrival_at=local(2025, 1, 1, 7, 3, 20),
            first_station_id=ids["chengzi"],
        )
        # A clock error: arrival a minute before the alarm (invalid, not refused).
        i8 = _incident(
            ids,
            "I8",
            local(2025, 2, 20, 10, 0),
            first_arrival_at=local(2025, 2, 20, 9, 59),
            first_station_id=ids["chengzi"],
        )
        # 00:10 on 1 March Beijing time is 28 February in UTC: outside the window.
        i5 = _incident(
            ids, "I5", local(2025, 3, 1, 0, 10), first_arrival_at=local(2025, 3, 1, 0, 12)
        )
        elsewhere = _incident(
            ids,
            "X1",
            local(2025, 2, 2, 12, 0),
            district_id=ids["other"],
            first_arrival_at=local(2025, 2, 2, 12, 1),
        )
        s.add_all([i1, i2, i3, i4, i5, i6, i8, elsewhere])
        s.flush()
        s.add_all(
            [
                Assignment(
                    incident_id=i1.id,
                    unit_id=ids["u1"],
                    station_id=ids["dayu"],
                    dispatched_at=local(2025, 1, 31, 23, 51),
                    en_route_at=local(2025, 1, 31, 23, 52),
                    on_scene_at=local(2025, 1, 31, 23, 56),
                ),
                Assignment(
                    incident_id=i1.id,
                    unit_id=ids["u2"],
                    station_id=ids["chengzi"],
                    dispatched_at=local(2025, 1, 31, 23, 53),
                    en_route_at=local(2025, 1, 31, 23, 54),
                    on_scene_at=local(2025, 1, 31, 23, 55),
                ),
                Assignment(
                    incident_id=i3.id,
                    unit_id=ids["u1"],
                    station_id=ids["dayu"],
                    dispatched_at=local(2025, 2, 10, 12, 1),
                    en_route_at=local(2025, 2, 10, 12, 2),
                ),
            ]
        )
        s.commit()
    return ids


def test_metrics_from_incidents_and_unit_records(database: Database, calls: dict[str, int]) -> None:
    with database.session(actor="t") as s:
        out = response_metrics(s, "mtg", "2025-01-01", "2025-02-28")
    json.dumps(out, allow_nan=False)  # JSON-able, no NaN leaks out
    assert (out["district"], out["from"], out["to"], out["limit_s"]) == (
        "mtg",
        "2025-01-01",
        "2025-02-28",
        300.0,
    )
    o = out["overall"]
    # Totals: I6 200, I3 240, I1 300 (first unit on scene), I2 360; I4 missing; I8 −60 invalid.
    assert o["count"] == 6
    assert (o["total"]["n"], o["total"]["n_missing"], o["total"]["n_invalid"]) == (4, 1, 1)
    assert o["total"]["median_s"] == pytest.approx(270.0)
    assert o["total"]["mean_s"] == pytest.approx(275.0)
    assert o["total"]["p90_s"] == pytest.approx(342.0)
    assert (o["n_within_limit"], o["share_within_limit"]) == (3, 0.75)
    # Turn-out and travel of the first unit dispatched (I1: 60 s and 240 s; I3: 60 s, no arrival).
    assert (o["turnout"]["n"], o["turnout"]["median_s"], o["turnout"]["n_missing"]) == (2, 60, 4)
    assert (o["travel"]["n"], o["travel"]["median_s"], o["travel"]["n_missing"]) == (1, 240, 5)

    months = {m["month"]: m for m in out["by_month"]}
    assert list(months) == ["2025-01", "2025-02"]
    assert months["2025-01"]["count"] == 2  # I6 and I1 — UTC months would say 1 and 2 others
    assert months["2025-01"]["total"]["median_s"] == pytest.approx(250.0)
    assert months["2025-02"]["count"] == 4  # I2 (31 Jan in UTC), I3, I4, I8
    assert months["2025-02"]["share_within_limit"] == 0.5

    st = {g["station"]: g for g in out["by_station"]}
    assert list(st) == ["城子站", "大峪站", None]
    assert st["城子站"]["count"] == 3  # I1 by the unit first on scene, I6 and I8 recorded
    assert ATTRIBUTION_UNITS in st["城子站"]["station_attribution"]
    assert st["大峪站"]["count"] == 2  # I3 recorded, I2 nearest existing (not the planned one)
    assert st["大峪站"]["n_nearest_station"] == 1
    assert ATTRIBUTION_NEAREST in st["大峪站"]["station_attribution"]
    assert ATTRIBUTION_RECORDED in st["大峪站"]["station_attribution"]
    assert st[None]["count"] == 1
    assert any(ATTRIBUTION_NEAREST in n for n in out["notes"])
    assert any("could not be attributed" in n for n in out["notes"])

    towns = {g["township"]: g["count"] for g in out["by_township"]}
    assert towns == {"大峪街道": 1, None: 5}


def test_window_limit_and_groups_are_honoured(database: Database, calls: dict[str, int]) -> None:
    with database.session(actor="t") as s:
        feb = response_metrics(
            s, "mtg", "2025-02-01", "2025-03-01", limit_s=360, group_by=("month",)
        )
        with pytest.raises(InvalidInputError, match="before date_from"):
            response_metrics(s, "mtg", "2025-02-01", "2025-01-01")
        with pytest.raises(InvalidInputError, match="unknown group_by"):
            response_metrics(s, "mtg", "2025-02-01", "2025-02-02", group_by=("castle",))
        with pytest.raises(NotFoundError, match="nope"):
            response_metrics(s, "nope", "2025-02-01", "2025-02-02")
    assert "by_station" not in feb and "by_township" not in feb
    months = {m["month"]: m["count"] for m in feb["by_month"]}
    assert months == {"2025-02": 4, "2025-03": 1}  # I5 at 00:10 local on 1 March is March
    # 360 s counts as within a 6-minute limit: I2 360, I3 240, I5 120 of 3 valid.
    assert feb["overall"]["share_within_limit"] == 1.0


def test_cli_prints_json_and_a_table(calls: dict[str, int], db_url: str) -> None:
    app = typer.Typer()
    app.command("metrics")(metrics_cmd)
    app.command("noop")(lambda: None)  # two commands, so "metrics" is a subcommand
    runner = CliRunner()
    base = ["metrics", "--district", "mtg", "--from", "2025-01-01", "--to", "2025-02-28"]
    res = runner.invoke(app, [*base, "--db", db_url, "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert body["overall"]["share_within_limit"] == 0.75
    res = runner.invoke(app, [*base, "--db", db_url, "--limit-s", "240"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "城子站" in res.stdout and "50.0%" in res.stdout  # 200 and 240 of 4 within 240 s
    res = runner.invoke(app, [*base[:4], "2025-13-01", *base[5:], "--db", db_url])
    assert res.exit_code == 2 and "not a date" in res.output


# -- historical imports ----------------------------------------------------------------------


def _snapshot(db: Database) -> dict[str, int]:
    with db.session(actor="t") as s:
        return {
            t.name: s.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def test_import_of_timing_fields_rejects_bad_rows_and_writes_nothing(
    database: Database, district: dict[str, int], tmp_path: Path
) -> None:
    bad = (
        "external_id,received_at,category,dispatched_at,arrival_time,station\n"
        "H1,2024-06-01 10:00:00,fire,2024-06-01 10:01:00,2024-06-01 10:05:30,大峪站\n"
        "H2,2024-06-02 10:00:00,fire,,2024-06-02 09:58:00,城子站\n"
        "H3,2024-06-03 10:00:00,fire,,2024-06-03 10:04:00,不存在站\n"
    )
    path = tmp_path / "history.csv"
    path.write_text(bad, encoding="utf-8")
    before = _snapshot(database)
    report = run_import(database, "incidents", path, district_code="mtg", actor="t")
    assert not report.written and report.accepted == 0 and report.rejected == 2
    assert {(e.row, e.field) for e in report.errors} == {(2, "arrival_time"), (3, "station")}
    reasons = {e.row: e.reason for e in report.errors}
    assert "before the alarm" in reasons[2]
    assert "不存在站" in reasons[3]
    assert _snapshot(database) == before

    path.write_text(bad.replace("09:58:00", "10:06:00").replace("不存在站", "城子站"), "utf-8")
    report = run_import(database, "incidents", path, district_code="mtg", actor="t")
    assert report.written, report.errors
    with database.session(actor="t") as s:
        h1 = s.scalars(select(Incident).where(Incident.external_id == "H1")).one()
        out = response_metrics(s, "mtg", "2024-06-01", "2024-06-30")
    assert h1.first_station_id == district["dayu"]
    assert h1.dispatched_at == local(2024, 6, 1, 10, 1)
    assert h1.first_arrival_at == local(2024, 6, 1, 10, 5, 30)
    # Totals 330, 360, 240 s: median 330, one of three within 5 minutes.
    assert out["overall"]["total"]["median_s"] == pytest.approx(330.0)
    assert out["overall"]["n_within_limit"] == 1
    assert {g["station"]: g["count"] for g in out["by_station"]} == {"城子站": 2, "大峪站": 1}
    assert out["overall"]["station_attribution"] == ATTRIBUTION_RECORDED

    # Re-importing an older export without the timing columns keeps the recorded times.
    old = tmp_path / "old.csv"
    old.write_text("external_id,received_at,category\nH1,2024-06-01 10:00:00,fire\n", "utf-8")
    assert run_import(database, "incidents", old, district_code="mtg", actor="t").written
    with database.session(actor="t") as s:
        h1 = s.scalars(select(Incident).where(Incident.external_id == "H1")).one()
    assert h1.first_arrival_at == local(2024, 6, 1, 10, 5, 30)
    assert h1.first_station_id == district["dayu"]


# -- Toronto -----------------------------------------------------------------------------------


def _pandas_toronto(csv_path: Path, years: tuple[int, int]) -> Any:
    """Monthly median total response and share ≤ 300 s, straight from the raw CSV."""
    import pandas as pd

    raw = pd.read_csv(csv_path, dtype=str)
    # The times say +00:00 but are Toronto wall-clock time (see firegrid.dispatch.toronto).
    alarm = pd.to_datetime(raw["tfs_alarm_time"].str.slice(0, 19), format="%Y-%m-%d %H:%M:%S")
    arrival = pd.to_datetime(raw["tfs_arrival_time"].str.slice(0, 19), format="%Y-%m-%d %H:%M:%S")
    keep = alarm.dt.year.between(*years)
    tz = "America/Toronto"
    a = alarm[keep].dt.tz_localize(tz, ambiguous="raise", nonexistent="raise")
    b = arrival[keep].dt.tz_localize(tz, ambiguous="raise", nonexistent="raise")
    df = pd.DataFrame(
        {"month": alarm[keep].dt.strftime("%Y-%m"), "total": (b - a).dt.total_seconds()}
    )
    assert (df["total"] >= 0).all() and df["total"].notna().all()
    df["within"] = df["total"] <= 300
    return df


def test_toronto_2017_2018_matches_pandas_on_the_raw_csv(
    database: Database, shared_data: Path
) -> None:
    inc_csv = shared_data / "toronto" / "fire_incidents_2011-2018.csv"
    st_csv = shared_data / "toronto" / "fire_stations.csv"
    result = import_toronto(database, inc_csv, st_csv, years=(2017, 2018))
    assert result.district_created
    assert result.stations.written and result.stations.accepted == 84
    assert result.incidents.written, result.incidents.errors[:5]
    df = _pandas_toronto(inc_csv, (2017, 2018))
    assert result.incidents.accepted == len(df) == 2598

    with database.session(actor="t") as s:
        out = response_metrics(s, "toronto", "2017-01-01", "2018-12-31")
        y2018 = response_metrics(s, "toronto", "2018-01-01", "2018-12-31", group_by=())
    json.dumps(out, allow_nan=False)

    o = out["overall"]
    assert o["count"] == o["total"]["n"] == len(df)
    assert o["total"]["median_s"] == pytest.approx(float(df["total"].median()), abs=1e-9)
    assert o["total"]["mean_s"] == pytest.approx(float(df["total"].mean()), abs=1e-9)
    assert o["total"]["p90_s"] == pytest.approx(float(df["total"].quantile(0.9)), abs=1e-9)
    assert o["n_within_limit"] == int(df["within"].sum())
    assert o["share_within_limit"] == pytest.approx(float(df["within"].mean()), abs=1e-12)

    monthly = df.groupby("month").agg(
        n=("total", "size"), median=("total", "median"), within=("within", "sum")
    )
    got = {m["month"]: m for m in out["by_month"]}
    assert list(got) == list(monthly.index) and len(got) == 24
    for month, row in monthly.iterrows():
        m = got[str(month)]
        assert m["count"] == int(row["n"]), month
        assert m["total"]["median_s"] == pytest.approx(float(row["median"]), abs=1e-9), month
        assert m["n_within_limit"] == int(row["within"]), month
        assert m["share_within_limit"] == pytest.approx(row["within"] / row["n"], abs=1e-12)

    d18 = df[df["month"].str.startswith("2018")]
    assert y2018["overall"]["count"] == len(d18) == 1337
    assert y2018["overall"]["total"]["median_s"] == pytest.approx(d18["total"].median(), abs=1e-9)
    assert y2018["overall"]["share_within_limit"] == pytest.approx(d18["within"].mean())

    # Toronto names no responding station: every fire is attributed to the nearest one.
    assert o["station_attribution"] == ATTRIBUTION_NEAREST
    assert sum(g["count"] for g in out["by_station"]) == len(df)
    assert all(g["station"] is not None for g in out["by_station"])
    assert o["turnout"]["n"] == 0 and o["turnout"]["n_missing"] == len(df)
    assert np.isfinite(o["total"]["p90_s"])


def test_toronto_import_is_idempotent_and_keeps_the_district_zone(
    database: Database, tmp_path: Path
) -> None:
    inc = tmp_path / "inc.csv"
    inc.write_text(
        "latitude,longitude,tfs_alarm_time,tfs_arrival_time\n"
        "43.70,-79.40,2018-07-01 23:58:00+00:00,2018-07-02 00:03:00+00:00\n"
        "43.71,-79.41,2016-07-01 12:00:00+00:00,2016-07-01 12:04:00+00:00\n"
        "43.72,-79.42,2018-07-03 12:00:00+00:00,2018-07-03 11:59:00+00:00\n",
        "utf-8",
    )
    st = tmp_path / "st.csv"
    st.write_text("NAME,LATITUDE,LONGITUDE\nFIRE STATION 1,43.70,-79.40\n", "utf-8")
    strict = import_toronto(database, inc, st, years=(2017, 2018))
    # The arrival before its alarm refuses the file (row 2 of the 2017–2018 extract).
    assert not strict.incidents.written
    assert [(e.row, e.field) for e in strict.incidents.errors] == [(2, "arrival_time")]
    kept = import_toronto(database, inc, st, years=(2017, 2018), keep_valid=True)
    assert kept.incidents.written and kept.incidents.accepted == 1
    assert not kept.district_created and kept.stations.counts["unchanged"] == 1
    with database.session(actor="t") as s:
        row = s.scalars(select(Incident)).one()
        out = response_metrics(s, "toronto", "2018-07-01", "2018-07-01")
    # 23:58 local on 1 July is 03:58 UTC on 2 July: the local day and month hold it.
    assert row.external_id == "TFS-00001"
    assert row.received_at == datetime(2018, 7, 2, 3, 58, tzinfo=ZoneInfo("UTC"))
    assert out["overall"]["count"] == 1 and out["overall"]["total"]["median_s"] == 300.0
