"""Alarm levels of XF/T 1340-2016 火警和应急救援分级 (pure).

Fires have five levels, rescue calls four; social-assistance and other calls one. The level
comes from the people reported trapped or hurt, the fire area and the building class, and a
dispatcher may escalate it (never below what the report gives without saying so).

=====  ==========  =====================================================================
level  colour      fire (XF/T 1340-2016 §4)
=====  ==========  =====================================================================
1      green 绿    nobody trapped or hurt; small area in an ordinary building
2      blue 蓝     1–2 trapped/hurt; or a large area in an ordinary building; or a small
                   area in a high-rise, underground, crowded, flammable or important site
3      yellow 黄   3–9 trapped/hurt; or a large area in one of those special sites *(confirm)*
4      orange 橙   10–29 trapped/hurt
5      red 红      30 or more trapped/hurt
=====  ==========  =====================================================================

Rescue calls (4 levels, blue → red) use the same person bands shifted down by one: < 3 → 1,
3–9 → 2, 10–29 → 3, ≥ 30 → 4 *(confirm)*.
"""

from __future__ import annotations

from firegrid.errors import InvalidInputError
from firegrid.types import BuildingClass, IncidentCategory

__all__ = ["LEVEL_COLOURS", "SPECIAL_SITES", "alarm_level", "level_label", "max_level"]

#: Building classes that raise a fire one level (high-rise, underground, crowded …).
SPECIAL_SITES = frozenset(
    {
        BuildingClass.HIGH_RISE,
        BuildingClass.UNDERGROUND,
        BuildingClass.CROWDED,
        BuildingClass.FLAMMABLE,
        BuildingClass.IMPORTANT,
    }
)

_MAX = {
    IncidentCategory.FIRE: 5,
    IncidentCategory.RESCUE: 4,
    IncidentCategory.SOCIAL_ASSISTANCE: 1,
    IncidentCategory.OTHER: 1,
}

#: ``{category: {level: (hex colour, zh, en)}}``.
LEVEL_COLOURS: dict[IncidentCategory, dict[int, tuple[str, str, str]]] = {
    IncidentCategory.FIRE: {
        1: ("#2e7d32", "一级（绿）", "Level 1 (green)"),
        2: ("#1565c0", "二级（蓝）", "Level 2 (blue)"),
        3: ("#f9a825", "三级（黄）", "Level 3 (yellow)"),
        4: ("#ef6c00", "四级（橙）", "Level 4 (orange)"),
        5: ("#c62828", "五级（红）", "Level 5 (red)"),
    },
    IncidentCategory.RESCUE: {
        1: ("#1565c0", "一级（蓝）", "Level 1 (blue)"),
        2: ("#f9a825", "二级（黄）", "Level 2 (yellow)"),
        3: ("#ef6c00", "三级（橙）", "Level 3 (orange)"),
        4: ("#c62828", "四级（红）", "Level 4 (red)"),
    },
    IncidentCategory.SOCIAL_ASSISTANCE: {1: ("#1565c0", "一级", "Level 1")},
    IncidentCategory.OTHER: {1: ("#1565c0", "一级", "Level 1")},
}


def max_level(category: IncidentCategory) -> int:
    """The highest level of ``category`` (fire 5, rescue 4, others 1)."""
    return _MAX[IncidentCategory(category)]


def _band(persons: int) -> int:
    """0 for nobody, then the person bands 1–2, 3–9, 10–29, ≥ 30 as 1..4."""
    if persons >= 30:
        return 4
    if persons >= 10:
        return 3
    if persons >= 3:
        return 2
    return 1 if persons >= 1 else 0


def alarm_level(
    category: IncidentCategory | str,
    *,
    trapped: int = 0,
    casualties: int = 0,
    building_class: BuildingClass | str | None = None,
    large_area: bool = False,
) -> int:
    """The XF/T 1340 level a report gives (see the module table)."""
    cat = IncidentCategory(category)
    if trapped < 0 or casualties < 0:
        raise InvalidInputError(
            f"trapped and casualties must be ≥ 0, got trapped={trapped}, casualties={casualties}"
        )
    band = _band(trapped + casualties)
    if cat is IncidentCategory.FIRE:
        special = building_class is not None and BuildingClass(building_class) in SPECIAL_SITES
        if band >= 2:
            return band + 1
        if band == 1:
            return 2
        if special and large_area:
            return 3
        return 2 if (special or large_area) else 1
    if cat is IncidentCategory.RESCUE:
        return max(1, band)
    return 1


def level_label(category: IncidentCategory | str, level: int, lang: str = "zh") -> str:
    """``一级（绿）`` / ``Level 1 (green)`` …"""
    _hex, zh, en = LEVEL_COLOURS[IncidentCategory(category)][level]
    return en if lang == "en" else zh
