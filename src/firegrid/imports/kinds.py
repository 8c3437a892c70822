"""What each import kind reads: its columns, natural key, geometry and target table.

Natural keys (re-importing a file matches records on them and changes only what differs):
stations by name, water sources by code, incidents by external id, population by year,
townships by Chinese name, equipment by code — all within the district. The register kinds
(people, training, self_inspections) document theirs in :mod:`firegrid.imports._registers`.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry

from firegrid.districts.models import DistrictPopulation, Township
from firegrid.equipment.models import EquipmentItem
from firegrid.imports._kind import BuildContext, ImportKind
from firegrid.imports._registers import REGISTER_KINDS
from firegrid.imports.fields import (
    Field,
    boolean,
    integer,
    labeled,
    money_fen,
    number,
    text,
    timestamp,
    year,
)
from firegrid.incidents.models import Incident
from firegrid.stations.models import Station
from firegrid.types import (
    EquipmentStatus,
    IncidentCategory,
    LocationPrecision,
    Staffing,
    StationClass,
    StationStatus,
    TownshipKind,
    WaterSourceKind,
    WaterSourceStatus,
)
from firegrid.water.models import WaterSource

__all__ = ["KINDS", "BuildContext", "ImportKind"]


def _township_id(
    values: dict[str, Any], geom: BaseGeometry | None, ctx: BuildContext
) -> int | None:
    name = values.get("township")
    if name:
        town = ctx.township_by_name(name)
        if town is None:
            raise ValueError(f"township: no township named {name!r} in this district")
        return town.id
    if geom is not None:
        c = geom.representative_point()
        town = ctx.township_at(c.x, c.y)
        return town.id if town else None
    return None


# -- stations ----------------------------------------------------------------------------------


def _station_fields(_tz: str) -> tuple[Field, ...]:
    return (
        Field("name", text(128), required=True, aliases=("名称", "站名", "队站名称")),
        Field("class", labeled(StationClass), required=True, aliases=("类别", "类型", "队站类别")),
        Field("status", labeled(StationStatus), required=True, aliases=("状态", "建设状态")),
        Field("staffing", labeled(Staffing), aliases=("性质", "队伍性质")),
        Field("specialty", text(64), aliases=("专业",)),
        Field("planned_year", year(), aliases=("规划年份", "预计建成时间")),
        Field("commissioned_year", year(), aliases=("投用年份",)),
        Field("township", text(64), aliases=("乡镇", "街道", "镇街")),
        Field("location_precision", labeled(LocationPrecision), aliases=("位置精度",)),
        Field("building_area_m2", number(0, 1_000_000), aliases=("建筑面积",)),
        Field("source", text(500), aliases=("来源",)),
        Field("note", text(1000), aliases=("备注",)),
    )


def _station_check(v: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    if v.get("status") == StationStatus.PLANNED and v.get("planned_year") is None:
        out.append(("planned_year", "a planned station needs its planned year"))
    if (
        v.get("status") == StationStatus.EXISTING
        and v.get("planned_year") is not None
        and (v.get("commissioned_year") is None)
    ):
        pass  # a planned year kept on a built station is harmless history
    return out


def _station_row(v: dict[str, Any], geom: BaseGeometry | None, ctx: BuildContext) -> dict[str, Any]:
    assert geom is not None
    cls = StationClass(v["class"])
    return {
        "name": v["name"],
        "station_class": cls,
        "status": v["status"],
        "staffing": v.get("staffing") or Staffing.default_for(cls),
        "specialty": v.get("specialty"),
        "planned_year": v.get("planned_year"),
        "commissioned_year": v.get("commissioned_year"),
        "lon": round(geom.x, 7),
        "lat": round(geom.y, 7),
        "location_precision": v.get("location_precision") or LocationPrecision.EXACT,
        "building_area_m2": v.get("building_area_m2"),
        "township_id": _township_id(v, geom, ctx),
        "source": v.get("source") or "import",
        "note": v.get("note") or "",
    }


# -- water sources -----------------------------------------------------------------------------


def _water_fields(_tz: str) -> tuple[Field, ...]:
    return (
        Field("code", text(64), required=True, aliases=("编号", "消火栓编号")),
        Field("kind", labeled(WaterSourceKind), required=True, aliases=("类型", "水源类型")),
        Field("status", labeled(WaterSourceStatus), required=True, aliases=("状态",)),
        Field("commissioned_year", year(), aliases=("建设年份",)),
        Field("flow_l_s", number(0, 1000), aliases=("流量",)),
        Field("pressure_mpa", number(0, 5), aliases=("压力",)),
        Field("township", text(64), aliases=("乡镇", "街道", "镇街")),
        Field("source", text(500), aliases=("来源",)),
    )


def _water_row(v: dict[str, Any], geom: BaseGeometry | None, ctx: BuildContext) -> dict[str, Any]:
    assert geom is not None
    return {
        "code": v["code"],
        "kind": v["kind"],
        "status": v["status"],
        "commissioned_year": v.get("commissioned_year"),
        "flow_l_s": v.get("flow_l_s"),
        "pressure_mpa": v.get("pressure_mpa"),
        "lon": round(geom.x, 7),
        "lat": round(geom.y, 7),
        "township_id": _township_id(v, geom, ctx),
        "source": v.get("source") or "import",
    }


# -- incidents ---------------------------------------------------------------------------------


def _incident_fields(tz: str) -> tuple[Field, ...]:
    return (
        Field("external_id", text(64), required=True, aliases=("id", "警情编号", "call_id")),
        Field("received_at", timestamp(tz), required=True, aliases=("接警时间", "alarm_time")),
        Field("category", labeled(IncidentCategory), required=True, aliases=("类别", "警情类别")),
        Field("subtype", text(64), aliases=("子类",)),
        Field("address", text(500), aliases=("地址",)),
        Field("township", text(64), aliases=("乡镇", "街道", "镇街")),
        Field("deaths", integer(0, 100_000), aliases=("死亡人数",)),
        Field("injuries", integer(0, 100_000), aliases=("受伤人数",)),
        Field("serious_injuries", integer(0, 100_000), aliases=("重伤人数",)),
        Field("loss_yuan", money_fen, aliases=("直接财产损失", "直接财产损失（元）")),
        Field("building_fire", boolean, aliases=("建筑火灾",)),
        Field("cause", text(64), aliases=("起火原因",)),
        Field("occupancy", text(64), aliases=("起火场所",)),
        Field("households_affected", integer(0, 1_000_000), aliases=("受灾户数",)),
        # Historical response times (optional): they feed the response metrics.
        Field("dispatched_at", timestamp(tz), aliases=("出动时间", "dispatch_time")),
        Field(
            "first_arrival_at",
            timestamp(tz),
            aliases=("arrival_time", "到场时间", "首车到场时间"),
        ),
        Field("station", text(128), aliases=("首到队站", "出动队站", "first_station")),
    )


def _incident_check(v: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    if v.get("category") != IncidentCategory.FIRE:
        for f in ("deaths", "injuries", "loss_yuan", "building_fire"):
            if v.get(f):
                out.append((f, f"{f} is recorded for fires only; this call is {v['category']}"))
    if (v.get("serious_injuries") or 0) > (v.get("injuries") or 0):
        out.append(("serious_injuries", "more serious injuries than injuries"))
    received, dispatched = v.get("received_at"), v.get("dispatched_at")
    arrival = v.get("first_arrival_at")
    if received is not None and dispatched is not None and dispatched < received:
        out.append(
            (
                "dispatched_at",
                f"dispatch {dispatched.isoformat()} is before the alarm {received.isoformat()}",
            )
        )
    if received is not None and arrival is not None and arrival < received:
        out.append(
            (
                "first_arrival_at",
                f"arrival {arrival.isoformat()} is before the alarm {received.isoformat()}",
            )
        )
    elif dispatched is not None and arrival is not None and arrival < dispatched:
        out.append(
            (
                "first_arrival_at",
                f"arrival {arrival.isoformat()} is before the dispatch {dispatched.isoformat()}",
            )
        )
    return out


def _first_station_id(v: dict[str, Any], ctx: BuildContext) -> int | None:
    name = v.get("station")
    if not name:
        return None
    st = ctx.station_by_name(name) if ctx.station_by_name is not None else None
    if st is None:
        raise ValueError(f"station: no station named {name!r} in this district")
    return st.id


def _incident_row(
    v: dict[str, Any], geom: BaseGeometry | None, ctx: BuildContext
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "external_id": v["external_id"],
        "received_at": v["received_at"],
        "category": v["category"],
        "subtype": v.get("subtype"),
        "address": v.get("address"),
        "lon": None if geom is None else round(geom.x, 7),
        "lat": None if geom is None else round(geom.y, 7),
        "location_precision": LocationPrecision.EXACT,
        "township_id": _township_id(v, geom, ctx),
        "deaths": v.get("deaths") or 0,
        "injuries": v.get("injuries") or 0,
        "serious_injuries": v.get("serious_injuries") or 0,
        "loss_fen": v.get("loss_yuan"),
        "building_fire": v.get("building_fire"),
        "cause": v.get("cause"),
        "occupancy": v.get("occupancy"),
        "households_affected": v.get("households_affected"),
        "synthetic": False,
        "source": "import",
    }
    # Lifecycle times and the first station are written only when the file gives them, so
    # re-importing an older file without them never erases what the command centre recorded.
    for f in ("dispatched_at", "first_arrival_at"):
        if v.get(f) is not None:
            row[f] = v[f]
    station_id = _first_station_id(v, ctx)
    if station_id is not None:
        row["first_station_id"] = station_id
    return row


# -- population --------------------------------------------------------------------------------


def _population_fields(_tz: str) -> tuple[Field, ...]:
    return (
        Field("year", year(), required=True, aliases=("年份", "年度")),
        Field(
            "population",
            integer(1, 100_000_000),
            required=True,
            aliases=("常住人口", "resident_population"),
        ),
        Field("source", text(500), aliases=("来源",)),
        Field("note", text(1000), aliases=("备注",)),
    )


def _population_row(
    v: dict[str, Any], _g: BaseGeometry | None, _ctx: BuildContext
) -> dict[str, Any]:
    return {
        "year": v["year"],
        "population": v["population"],
        "source": v.get("source") or "import",
        "derived": False,
        "note": v.get("note") or "",
    }


# -- townships ---------------------------------------------------------------------------------


def _township_fields(_tz: str) -> tuple[Field, ...]:
    return (
        Field("name", text(64), required=True, aliases=("名称", "name_zh", "乡镇", "街道")),
        Field("name_en", text(64)),
        Field("kind", labeled(TownshipKind), aliases=("类型",)),
        Field("population", integer(0, 100_000_000), aliases=("常住人口",)),
        Field("population_year", year(), aliases=("人口年份",)),
        Field("code", text(64), aliases=("编码", "区划代码")),
    )


def _township_row(
    v: dict[str, Any], geom: BaseGeometry | None, _ctx: BuildContext
) -> dict[str, Any]:
    import json

    from shapely.geometry import mapping

    from firegrid.geo.crs import area_km2

    assert geom is not None
    name = v["name"]
    kind = v.get("kind") or (
        TownshipKind.STREET
        if name.endswith("街道")
        else TownshipKind.TOWNSHIP
        if name.endswith("乡")
        else TownshipKind.TOWN
    )
    seat = geom.representative_point()
    return {
        "name_zh": name,
        "name_en": v.get("name_en") or "",
        "kind": kind,
        "code": v.get("code") or "",
        "boundary_geojson": json.dumps(mapping(geom), separators=(",", ":")),
        "area_km2": round(area_km2(geom), 3),
        "population": v.get("population"),
        "population_year": v.get("population_year"),
        "seat_lon": round(seat.x, 6),
        "seat_lat": round(seat.y, 6),
        "source": "import",
    }


# -- equipment items ---------------------------------------------------------------------------


def _epc(cell: Any) -> str:
    from firegrid.equipment.lifecycle import validate_epc
    from firegrid.errors import InvalidInputError

    try:
        return validate_epc(str(cell))
    except InvalidInputError as exc:
        raise ValueError(str(exc)) from None


def _equipment_kind(cell: Any) -> str:
    from firegrid.equipment.standards import load_equipment_standards

    std = load_equipment_standards()
    s = str(cell).strip()
    for key, (zh, en) in std.kinds.items():
        if s in (key, zh) or s.lower() == en.lower():
            return key
    raise ValueError(f"unknown equipment kind {s!r}; kinds: {', '.join(sorted(std.kinds))}")


def _equipment_fields(_tz: str) -> tuple[Field, ...]:
    return (
        Field("code", text(64), required=True, aliases=("编号", "装备编号")),
        Field("kind", _equipment_kind, required=True, aliases=("类型", "装备类型")),
        Field("epc", _epc, aliases=("EPC", "RFID", "标签")),
        Field("name", text(200), aliases=("名称", "装备名称")),
        Field("status", labeled(EquipmentStatus), aliases=("状态",)),
        Field("station", text(128), aliases=("队站", "所属队站")),
        Field("procured_on", timestamp("UTC"), aliases=("采购日期",)),
        Field("source", text(500), aliases=("来源",)),
    )


def _equipment_row(v: dict[str, Any], _g: BaseGeometry | None, ctx: BuildContext) -> dict[str, Any]:
    status = v.get("status") or EquipmentStatus.IN_STOCK
    row: dict[str, Any] = {
        "code": v["code"],
        "kind": v["kind"],
        "epc": v.get("epc"),
        "name": v.get("name") or "",
        "status": status,
        "station_id": _first_station_id(v, ctx),
        "procured_on": v["procured_on"].date() if v.get("procured_on") else None,
        "source": v.get("source") or "import",
    }
    return row


KINDS: dict[str, ImportKind] = {
    k.name: k
    for k in (
        ImportKind(
            "stations", Station, ("name",), _station_fields, "point", _station_row, _station_check
        ),
        ImportKind("water", WaterSource, ("code",), _water_fields, "point", _water_row),
        ImportKind(
            "incidents",
            Incident,
            ("external_id",),
            _incident_fields,
            "optional_point",
            _incident_row,
            _incident_check,
        ),
        ImportKind(
            "population", DistrictPopulation, ("year",), _population_fields, "none", _population_row
        ),
        ImportKind("townships", Township, ("name_zh",), _township_fields, "polygon", _township_row),
        ImportKind(
            "equipment", EquipmentItem, ("code",), _equipment_fields, "none", _equipment_row
        ),
        *REGISTER_KINDS,
    )
}
