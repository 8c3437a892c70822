"""Pure planners of the key units (synthetic attributes for named POIs) and their demo
pre-plans."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from firegrid.demo.fleet._spec import (
    KeyUnitCategory,
    KeyUnitSpec,
)
from firegrid.demo.fleet._units import (
    Poi,
)


@dataclass(frozen=True)
class PlannedBuilding:
    code: str
    name: str
    category: KeyUnitCategory
    lon: float
    lat: float
    township_id: int | None
    floors_above: int
    floors_below: int
    height_m: float
    floor_area_m2: float
    beds: int | None
    rooms: int | None
    has_control_room: bool


def plan_key_units(
    pois: Sequence[Poi], *, spec: KeyUnitSpec, rng: np.random.Generator
) -> list[PlannedBuilding]:
    """Every named POI of a key-unit kind (one per name), with synthetic attributes."""
    seen: set[str] = set()
    out = []
    for p in sorted(pois, key=lambda p: p.source_id):
        cat = spec.categories.get(p.kind)
        if cat is None or p.name in seen:
            continue
        seen.add(p.name)
        floors = int(rng.integers(cat.floors[0], cat.floors[1] + 1))
        lo, hi = cat.floor_area_m2
        area = round(float(np.exp(rng.uniform(math.log(lo), math.log(hi)))), -1)
        per = cat.beds_per_1000m2 or cat.rooms_per_1000m2
        count = int(area / 1000 * rng.uniform(*per)) if per else None
        below = int(rng.random() < 0.4)
        out.append(
            PlannedBuilding(
                code=p.source_id,
                name=p.name,
                category=cat,
                lon=p.lon,
                lat=p.lat,
                township_id=p.township_id,
                floors_above=floors,
                floors_below=below,
                height_m=round(floors * 3.6 + 0.9, 1),
                floor_area_m2=area,
                beds=count if cat.beds_per_1000m2 else None,
                rooms=count if cat.rooms_per_1000m2 else None,
                # A control room goes with an automatic alarm system: assumed for the large ones.
                has_control_room=area >= 10_000 or floors >= 8,
            )
        )
    return out


def pre_plan_order(buildings: Sequence[PlannedBuilding]) -> list[PlannedBuilding]:
    """Round-robin over categories (in the spec's order), each category by code: the first
    few plans then cover a hospital, a kindergarten, a mall, a hotel, a school …"""
    groups: dict[int, list[PlannedBuilding]] = defaultdict(list)
    for b in sorted(buildings, key=lambda b: (b.category.order, b.code)):
        groups[b.category.order].append(b)
    queues = [groups[k] for k in sorted(groups)]
    out: list[PlannedBuilding] = []
    depth = 0
    while len(out) < len(buildings):
        for q in queues:
            if depth < len(q):
                out.append(q[depth])
        depth += 1
    return out


@dataclass(frozen=True)
class Nearby:
    """A record near a key unit, with its straight-line distance."""

    label: str
    distance_m: float
    detail: str = ""


_FOCUS = {
    "hospital": "病房楼及手术室、ICU（行动不便人员集中）、医用氧气站/液氧罐、药库",
    "kindergarten": "幼儿寝室与活动室（低龄儿童疏散）、厨房燃气",
    "shop": "营业厅（人员密集、可燃物多）、地下仓储、中庭",
    "hotel": "客房层（夜间住客疏散）、厨房燃气、洗衣房",
    "school": "学生宿舍（若寄宿）、实验室化学品、食堂燃气",
    "entertainment": "观众厅（人员密集、疏散距离长）、放映室",
    "stadium": "看台（人员密集）、设备用房",
    "museum": "藏品库房与展厅（文物，宜慎用水）",
    "office": "档案室、机房",
}


def render_pre_plan(
    b: PlannedBuilding,
    *,
    water: Sequence[Nearby],
    units: Sequence[Nearby],
    micro: Nearby | None,
) -> str:
    """A demo pre-plan (Chinese markdown). Every figure in it is synthetic or derived from the
    demo's synthetic records; the heading says so."""
    basement = f"地下{b.floors_below}层，" if b.floors_below else ""
    people = f"床位约{b.beds}张。" if b.beds else (f"客房约{b.rooms}间。" if b.rooms else "")
    lines = [
        "> 演示数据：本预案由 firegrid 自动生成（合成），单位名称与位置取自 OpenStreetMap，"
        "其余内容均为示例，不是真实预案。",
        "",
        "## 单位概况",
        f"{b.name}，消防安全重点单位类别：{b.category.category}。地上{b.floors_above}层、{basement}"
        f"建筑高度约{b.height_m:g}米，总建筑面积约{b.floor_area_m2:,.0f}平方米。{people}"
        + ("设消防控制室。" if b.has_control_room else "未设消防控制室。"),
        f"位置：{b.lon:.6f}, {b.lat:.6f}（WGS84）。",
        "",
        "## 消防车通道",
        "主入口临市政道路，消防车可由主入口进入；登高操作场地设在主入口一侧（示例，需现场核实）。"
        + ("建筑高度超过24米，需登高车。" if b.height_m > 24 else ""),
        "",
        "## 水源",
    ]
    lines += [f"- {w.label}：直线距离约{w.distance_m:.0f}米{w.detail}" for w in water] or [
        "- 附近无登记水源"
    ]
    lines += [
        "",
        "## 重点部位",
        _FOCUS.get(b.category.occupancy, "人员密集区域、配电室、厨房"),
        "",
        "## 力量调派建议",
    ]
    if micro is not None:
        lines.append(f"- 先期处置：{micro.label}（直线距离约{micro.distance_m:.0f}米）")
    lines += [f"- {u.label}：直线距离约{u.distance_m:.0f}米{u.detail}" for u in units]
    lines.append("（距离为直线距离；行车时间以指挥中心按路网计算为准。）")
    return "\n".join(lines) + "\n"
