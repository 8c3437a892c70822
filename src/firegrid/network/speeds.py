"""Fire-appliance speed profiles and the rules that turn a road's tags into travel speeds.

Pure kernel: tags in, numbers out; the profile is versioned data
(``network/data/speed_profiles.toml``, see its header for the schema and where the figures come
from — they are firegrid defaults, to be calibrated, not official figures). Every graph records
the profile's ``id`` and ``version``.

Two vehicles are modelled. *Light* vehicles (command cars, pick-ups) may use every road that is
kept at all; *heavy* appliances (pumpers, tankers, ladders; the profile's ``[appliance]``) only
roads a fire lane's clear width of 4 m (GB 50016) and the appliance's size and weight fit. A
road a heavy appliance cannot use keeps its light speed and gets a heavy speed of 0 (the graph
stores an infinite heavy travel time).

Rules for OSM ways (:func:`osm_way_attributes`)
-----------------------------------------------
Centre-line rows go through the same function with tags made from their attributes
(:mod:`firegrid.network.lines`), so the rules are the same for both sources.

Which ways are kept (otherwise the way is dropped, and the reason counted):

1. ``highway=construction|proposed|planned`` → ``construction`` / ``proposed``;
   ``highway=abandoned|disused|razed|dismantled`` → ``abandoned``. Lifecycle values are not
   roads yet or any more.
2. ``area=yes`` → ``area``: the outline of a square or a parking area is not a lane, and
   routing round its edge would invent roads.
3. ``highway=steps`` → ``steps``, always, even with ``emergency=yes``: no vehicle climbs stairs.
4. ``emergency=no`` → ``emergency_no``: the one restriction addressed to emergency vehicles
   themselves is respected.
5. The ``highway`` value is mapped to a common class through the profile's ``[aliases]``;
   values that are not roads (``platform``, ``bus_stop``, ``corridor``, ``elevator``,
   ``services``, ``rest_area``, ``raceway``, ``escape``, ``bus_guideway`` …) → ``not_a_road``.
6. Classes marked ``opened_only`` (``pedestrian``; ``path`` = footway, path, cycleway,
   bridleway, trail) are built for people, not vehicles: dropped (``not_for_vehicles``) unless
   the way is explicitly opened — ``emergency``, ``motor_vehicle`` or ``motorcar`` with any
   value but ``no`` (``yes``, ``designated``, ``permissive``, ``destination``, ``private`` …:
   all say that vehicles physically drive there).
7. ``smoothness=impassable`` → ``impassable``.

**Legal restrictions are ignored, physical ones are not.** Fire appliances on an emergency run
may use roads closed to ordinary traffic (道路交通安全法 第五十三条 exempts emergency vehicles
from route restrictions, confirm), so ``access``, ``vehicle``, ``motor_vehicle``, ``motorcar``,
``hgv``, ``goods``, ``psv`` and their ``:conditional`` forms are not read at all on roads —
``private``, ``destination``, ``customers``, ``delivery``, ``no`` (no-through) and the like
change nothing. In particular ``hgv=no`` does **not** exclude heavy appliances: it restricts
goods vehicles by law, and a road's physical limits are read from the tags below instead.
Physical limits are: the class itself (steps, footways), lifecycle and ``area`` (rules 1–7),
barrier nodes (below), and the heavy-appliance limits.

Speeds (km/h, per vehicle, for the chosen ``variant`` — urban, suburban or mountain):

* the class speed from the profile;
* capped by ``maxspeed`` × the profile's ``maxspeed_factor`` (default 1.0: appliances do not
  exceed the posted speed; 0 disables the cap). Parsed by :func:`parse_speed_kmh`: numbers in
  km/h, ``mph`` and ``knots`` converted, ``walk`` = 6 km/h, several values (``50;30``) → the
  lowest; ``none``, ``signals``, ``variable`` and implicit national values (``CN:urban``,
  ``DE:rural``) set no cap (the class speed already stands for the context).
  ``maxspeed:forward/backward`` are not read;
* on ``highway=track`` capped by ``tracktype`` (``[tracktype_cap_kmh]``), on any road by
  ``smoothness`` ``bad`` or worse (``[smoothness_cap_kmh]``).

Heavy appliances are excluded (heavy speed 0; the reason is kept in
:attr:`WayAttributes.heavy_reason`) where:

* ``width`` (or, without it, ``est_width``) < ``min_road_width_m`` (4 m, GB 50016 fire lane);
* ``maxwidth`` < the appliance's ``width_m``; ``maxheight`` < its ``height_m``
  (``maxheight=below_default`` counts as lower); ``maxweight`` < its ``weight_t``;
* ``smoothness`` is ``very_bad`` or worse (high-clearance or off-road vehicles only);
* the class says so: ``heavy = "if_graded"`` (track) needs ``tracktype=grade1|grade2`` (solid
  surface; an ungraded track in a mountain district is as likely mud as gravel) or, when no
  ``tracktype`` is given, a ``width`` ≥ 4 m (survey centre lines of 等外公路 carry a width);
  ``heavy = "if_width_tagged"`` (opened paths) needs a ``width`` ≥ 4 m; other classes are open
  to heavy appliances unless a tag above says otherwise.

One-way (:attr:`WayAttributes.oneway`; ``1`` along the node order, ``-1`` against it, ``0`` both):
``oneway=yes|true|1`` → 1, ``oneway=-1|reverse`` → -1, ``oneway=no|false|0|reversible|
alternating`` → 0 (reversible and alternating roads are driven both ways at some time);
otherwise ``junction=roundabout|circular`` and ``highway=motorway`` imply 1. With the profile
option ``respect_oneway = false`` every way is two-way (the law also exempts emergency vehicles
from the direction of travel, confirm; the default keeps one-way streets one-way because
driving against a dual carriageway or ramp is rarely practical).

Barrier nodes (:func:`barrier_effect`)
--------------------------------------
``barrier`` values that vehicles pass when opened — ``gate``, ``lift_gate``, ``swing_gate``,
``sliding_gate``, ``hampshire_gate``, ``bump_gate``, ``toll_booth``, ``border_control``,
``cattle_grid``, ``entrance``, ``kerb``, ``sally_port``, ``no`` — do not block (who may
open them is a legal matter), except a gate tagged ``locked=yes``. Every other barrier
(``bollard``, ``block``, ``jersey_barrier``, ``chain``, ``fence``, ``kissing_gate``,
``stile``, ``cycle_barrier``, ``bus_trap``, ``yes`` …) blocks all vehicles unless
``emergency``, ``motor_vehicle`` or ``motorcar`` opens it as in rule 6 (e.g. a rising bollard
with ``emergency=yes``; ``access`` is legal and not read). A ``height_restrictor`` blocks
heavy appliances when its ``maxheight`` is below the appliance's height or unknown. On any
node, ``maxwidth`` or ``width`` (the gap, e.g. of a gate) below the appliance's width,
``maxheight`` below its height and ``maxweight`` below its weight block heavy appliances. The
graph builder cuts the road at a node that blocks all vehicles, and closes the segments
touching a node that blocks heavy appliances to them.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import IntEnum, StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final, Protocol

from firegrid.errors import ConfigurationError, InvalidInputError

__all__ = [
    "ApplianceSpec",
    "BarrierEffect",
    "DropReason",
    "HeavyRule",
    "RoadClass",
    "SpeedProfile",
    "Tags",
    "WayAttributes",
    "barrier_effect",
    "default_profile",
    "load_profile",
    "osm_way_attributes",
    "parse_length_m",
    "parse_speed_kmh",
    "parse_weight_t",
]

_PROFILE_FILE: Final = "speed_profiles.toml"

# Lifecycle highway values: not roads (yet, or any more).
_CONSTRUCTION: Final = frozenset({"construction"})
_PROPOSED: Final = frozenset({"proposed", "planned"})
_ABANDONED: Final = frozenset({"abandoned", "disused", "razed", "dismantled"})
# Tags that open a way or barrier built for people to vehicles, when their value is not "no".
_OPENING_KEYS: Final = ("emergency", "motor_vehicle", "motorcar")
_CLOSED_VALUES: Final = frozenset({"no", "use_sidepath", "discouraged"})
_ONEWAY_FORWARD: Final = frozenset({"yes", "true", "1"})
_ONEWAY_BACKWARD: Final = frozenset({"-1", "reverse"})
_ONEWAY_BOTH: Final = frozenset({"no", "false", "0", "reversible", "alternating"})
_ROUNDABOUT: Final = frozenset({"roundabout", "circular"})
_IMPLIED_ONEWAY_CLASSES: Final = frozenset({"motorway"})
_HEAVY_GRADES: Final = frozenset({"grade1", "grade2"})
_SMOOTHNESS_HEAVY_EXCLUDED: Final = frozenset({"very_bad", "horrible", "very_horrible"})
_PASSABLE_BARRIERS: Final = frozenset(
    {
        "gate",
        "lift_gate",
        "swing_gate",
        "sliding_gate",
        "hampshire_gate",
        "bump_gate",
        "toll_booth",
        "border_control",
        "cattle_grid",
        "entrance",
        "kerb",
        "sally_port",
        "no",
    }
)
_WALK_KMH: Final = 6.0
_MPH: Final = 1.609344
_KNOT: Final = 1.852

_NUMBER: Final = r"(\d+(?:[.,]\d+)?|[.,]\d+)"
_SPEED_RE: Final = re.compile(rf"^{_NUMBER}\s*(km/h|kmh|kph|mph|knots)?$")
_LENGTH_RE: Final = re.compile(rf"^~?\s*{_NUMBER}\s*(m|meters?|metres?|km|cm|ft|feet|')?$")
_FEET_INCHES_RE: Final = re.compile(r"^(\d+)\s*'\s*(\d+(?:\.\d+)?)\s*(?:\"|'')?$")
_WEIGHT_RE: Final = re.compile(rf"^{_NUMBER}\s*(t|tonnes?|tons?|kg|st|lbs?)?$")
_NATIONAL_RE: Final = re.compile(r"^[a-z]{2}(?:-[a-z0-9]+)?:")


class DropReason(StrEnum):
    """Why a way was not turned into road (counted in the build statistics)."""

    NOT_A_ROAD = "not_a_road"
    STEPS = "steps"
    NOT_FOR_VEHICLES = "not_for_vehicles"
    CONSTRUCTION = "construction"
    PROPOSED = "proposed"
    ABANDONED = "abandoned"
    AREA = "area"
    EMERGENCY_NO = "emergency_no"
    IMPASSABLE = "impassable"


class BarrierEffect(IntEnum):
    """What a node does to the roads through it."""

    NONE = 0
    HEAVY = 1  # heavy appliances cannot pass (too low, too narrow, too weak)
    ALL = 2  # no vehicle passes: the road is cut here


class HeavyRule(StrEnum):
    """When a class is open to heavy appliances."""

    YES = "yes"
    IF_GRADED = "if_graded"
    IF_WIDTH_TAGGED = "if_width_tagged"


@dataclass(frozen=True, slots=True)
class ApplianceSpec:
    """The heavy appliance the heavy speeds and exclusions are for.

    Attributes
    ----------
    weight_t, width_m, height_m : float
        Gross weight, body width and height.
    min_road_width_m : float
        Roads tagged narrower are closed to it (GB 50016 fire lane clear width: 4 m).
    """

    weight_t: float = 15.0
    width_m: float = 2.55
    height_m: float = 3.5
    min_road_width_m: float = 4.0


@dataclass(frozen=True, slots=True)
class RoadClass:
    """One common road class: its name, Chinese label and speeds per variant (km/h)."""

    name: str
    zh: str
    light_kmh: Mapping[str, float]
    heavy_kmh: Mapping[str, float]
    opened_only: bool = False
    heavy: HeavyRule = HeavyRule.YES


@dataclass(frozen=True)
class SpeedProfile:
    """A versioned set of speeds per road class and the options of the access rules.

    Build with :func:`load_profile` (or :func:`default_profile`); change options with
    :meth:`with_options`, which keeps the id and marks the version as modified.

    Attributes
    ----------
    id, version : str
        Recorded with every graph built with the profile.
    classes : tuple of RoadClass
        The common class list; a class's position is the ``road_class`` code in graphs.
    variants : tuple of str
        Speed columns (``urban``, ``suburban``, ``mountain``).
    aliases : mapping of str to str
        Source class (OSM ``highway`` value, Geofabrik ``fclass``, Chinese class) → class name.
        Latin keys are lower-case.
    appliance : ApplianceSpec
    maxspeed_factor : float
        Posted speed limits cap speeds at this multiple; 0 = no cap.
    respect_oneway : bool
        False: every road is two-way.
    tracktype_cap_kmh, smoothness_cap_kmh : mapping of str to float
        Speed caps by OSM ``tracktype`` (tracks only) and ``smoothness``.
    """

    id: str
    version: str
    title: str
    classes: tuple[RoadClass, ...]
    variants: tuple[str, ...]
    aliases: Mapping[str, str]
    appliance: ApplianceSpec = field(default_factory=ApplianceSpec)
    maxspeed_factor: float = 1.0
    respect_oneway: bool = True
    tracktype_cap_kmh: Mapping[str, float] = field(default_factory=dict)
    smoothness_cap_kmh: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Lookup tables used once per way: build them once per profile.
        index = {c.name: i for i, c in enumerate(self.classes)}
        object.__setattr__(self, "_index", index)

    @property
    def class_names(self) -> tuple[str, ...]:
        """Class names in code order (``RoadGraph.class_names``)."""
        return tuple(c.name for c in self.classes)

    def class_code(self, name: str) -> int:
        """The ``road_class`` code of a common class name."""
        index: dict[str, int] = self.__dict__["_index"]
        try:
            return index[name]
        except KeyError:
            raise InvalidInputError(
                f"unknown road class {name!r}; classes: {', '.join(self.class_names)}"
            ) from None

    def resolve_class(self, source_class: str) -> str | None:
        """The common class for a source class name (alias or class name), or None."""
        lowered = source_class.strip().lower()
        name = self.aliases.get(lowered)
        if name is None and lowered in self.__dict__["_index"]:
            name = lowered
        return name

    def check_variant(self, variant: str) -> str:
        """Return ``variant`` if the profile has it, else raise InvalidInputError."""
        if variant not in self.variants:
            raise InvalidInputError(
                f"unknown speed variant {variant!r}; profile {self.id} {self.version} has: "
                f"{', '.join(self.variants)}"
            )
        return variant

    def with_options(
        self,
        *,
        maxspeed_factor: float | None = None,
        respect_oneway: bool | None = None,
        appliance: ApplianceSpec | None = None,
    ) -> SpeedProfile:
        """A copy with changed options; its version gets a ``+custom`` suffix so that graphs
        built with it are not mistaken for ones built with the published figures."""
        if maxspeed_factor is not None and not (
            math.isfinite(maxspeed_factor) and maxspeed_factor >= 0
        ):
            raise InvalidInputError(f"maxspeed_factor must be >= 0, got {maxspeed_factor!r}")
        version = self.version if self.version.endswith("+custom") else f"{self.version}+custom"
        return replace(
            self,
            version=version,
            maxspeed_factor=self.maxspeed_factor if maxspeed_factor is None else maxspeed_factor,
            respect_oneway=self.respect_oneway if respect_oneway is None else respect_oneway,
            appliance=self.appliance if appliance is None else appliance,
        )


@dataclass(frozen=True, slots=True)
class WayAttributes:
    """What the rules make of one kept way.

    Attributes
    ----------
    road_class : int
        Code into the profile's class list.
    light_kmh : float
        Light-vehicle speed, > 0.
    heavy_kmh : float
        Heavy-appliance speed; 0 where heavy appliances cannot pass.
    oneway : int
        1 along the node order, -1 against it, 0 both ways.
    heavy_reason : str or None
        Why heavy appliances are excluded (``None`` when they are not).
    """

    road_class: int
    light_kmh: float
    heavy_kmh: float
    oneway: int
    heavy_reason: str | None = None


# --------------------------------------------------------------------------- loading


def default_profile() -> SpeedProfile:
    """The profile shipped with firegrid (``network/data/speed_profiles.toml``)."""
    return _load_packaged()


@lru_cache(maxsize=1)
def _load_packaged() -> SpeedProfile:
    text = (
        resources.files("firegrid.network")
        .joinpath("data", _PROFILE_FILE)
        .read_text(encoding="utf-8")
    )
    return _parse_profile(text, _PROFILE_FILE)


def load_profile(path: str | Path | None = None) -> SpeedProfile:
    """Load a speed profile from a TOML file.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file with the schema of the packaged ``speed_profiles.toml``; ``None`` loads the
        packaged default.

    Returns
    -------
    SpeedProfile

    Raises
    ------
    InvalidInputError
        The file does not exist.
    ConfigurationError
        The file is not valid TOML or does not follow the schema (the message says where).
    """
    if path is None:
        return default_profile()
    p = Path(path)
    if not p.is_file():
        raise InvalidInputError(f"{p}: no such speed profile file")
    return _parse_profile(p.read_text(encoding="utf-8"), str(p))


def _parse_profile(text: str, source: str) -> SpeedProfile:
    try:
        raw = tomllib.loads(text)
        variants = tuple(str(v) for v in raw["variants"])
        if not variants:
            raise ValueError("variants is empty")
        classes = tuple(_parse_class(c, variants) for c in raw["classes"])
        names = [c.name for c in classes]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate class names in {names}")
        if len(classes) > 255:
            raise ValueError("at most 255 classes fit the graph's uint8 class codes")
        aliases = {_alias_key(str(k)): str(v) for k, v in raw.get("aliases", {}).items()}
        unknown = sorted({v for v in aliases.values() if v not in names})
        if unknown:
            raise ValueError(f"aliases point to unknown classes {unknown}")
        app = raw.get("appliance", {})
        appliance = ApplianceSpec(
            weight_t=_positive(app.get("weight_t", 15.0), "appliance.weight_t"),
            width_m=_positive(app.get("width_m", 2.55), "appliance.width_m"),
            height_m=_positive(app.get("height_m", 3.5), "appliance.height_m"),
            min_road_width_m=_positive(
                app.get("min_road_width_m", 4.0), "appliance.min_road_width_m"
            ),
        )
        options = raw.get("options", {})
        factor = float(options.get("maxspeed_factor", 1.0))
        if not (math.isfinite(factor) and factor >= 0):
            raise ValueError(f"options.maxspeed_factor must be >= 0, got {factor}")
        return SpeedProfile(
            id=str(raw["id"]),
            version=str(raw["version"]),
            title=str(raw.get("title", "")),
            classes=classes,
            variants=variants,
            aliases=aliases,
            appliance=appliance,
            maxspeed_factor=factor,
            respect_oneway=bool(options.get("respect_oneway", True)),
            tracktype_cap_kmh=_caps(raw.get("tracktype_cap_kmh", {}), "tracktype_cap_kmh"),
            smoothness_cap_kmh=_caps(raw.get("smoothness_cap_kmh", {}), "smoothness_cap_kmh"),
        )
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(f"{source}: invalid speed profile: {exc!r}") from exc


def _alias_key(key: str) -> str:
    # Latin spellings vary in case ("Primary", "PRIMARY"); Chinese keys are kept as written.
    return key.strip().lower()


def _positive(value: Any, what: str) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{what} must be > 0, got {value!r}")
    return v


def _caps(raw: Mapping[str, Any], what: str) -> dict[str, float]:
    return {str(k): _positive(v, f"{what}.{k}") for k, v in raw.items()}


def _parse_class(raw: Mapping[str, Any], variants: tuple[str, ...]) -> RoadClass:
    name = str(raw["name"])
    light: dict[str, float] = {}
    heavy: dict[str, float] = {}
    for variant in variants:
        pair = raw[variant]
        if len(pair) != 2:
            raise ValueError(f"class {name}: {variant} must be [light, heavy] km/h, got {pair}")
        light[variant] = _positive(pair[0], f"class {name} {variant} light speed")
        heavy[variant] = _positive(pair[1], f"class {name} {variant} heavy speed")
    return RoadClass(
        name=name,
        zh=str(raw.get("zh", "")),
        light_kmh=light,
        heavy_kmh=heavy,
        opened_only=bool(raw.get("opened_only", False)),
        heavy=HeavyRule(str(raw.get("heavy", _default_heavy_rule(name)))),
    )


def _default_heavy_rule(name: str) -> str:
    # The packaged profile does not spell these out: tracks and opened paths are the classes a
    # pumper cannot be assumed to fit.
    if name == "track":
        return HeavyRule.IF_GRADED
    if name == "path":
        return HeavyRule.IF_WIDTH_TAGGED
    return HeavyRule.YES


# --------------------------------------------------------------------------- parsing values


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def parse_speed_kmh(value: str | None) -> float | None:
    """Parse an OSM ``maxspeed`` value into km/h.

    Parameters
    ----------
    value : str or None
        ``"50"``, ``"30 mph"``, ``"walk"``, ``"50;30"``, ``"CN:urban"``, ``"none"`` …

    Returns
    -------
    float or None
        The speed (the lowest of several), or ``None`` where the value sets no numeric cap
        (``none``, ``signals``, ``variable``, implicit national values) or cannot be read.
    """
    if value is None:
        return None
    found: list[float] = []
    for part in str(value).lower().split(";"):
        p = part.strip()
        if p == "walk":
            found.append(_WALK_KMH)
            continue
        m = _SPEED_RE.match(p)
        if m is None:
            continue  # none / signals / variable / CN:urban … set no numeric cap
        v = _number(m.group(1))
        unit = m.group(2)
        if unit == "mph":
            v *= _MPH
        elif unit == "knots":
            v *= _KNOT
        if v > 0:
            found.append(v)
    return min(found) if found else None


def parse_length_m(value: str | None) -> float | None:
    """Parse an OSM length (``width``, ``maxwidth``, ``maxheight``) into metres.

    Accepts ``"3.5"``, ``"3,5 m"``, ``"~4"``, ``"350 cm"``, ``"12 ft"``, ``"12'6\\""``; several
    values (``"3;4"``) → the lowest. Returns ``None`` for anything else (``none``, ``default``).
    """
    if value is None:
        return None
    found: list[float] = []
    for part in str(value).lower().split(";"):
        p = part.strip()
        fi = _FEET_INCHES_RE.match(p)
        if fi is not None:
            found.append(int(fi.group(1)) * 0.3048 + float(fi.group(2)) * 0.0254)
            continue
        m = _LENGTH_RE.match(p)
        if m is None:
            continue
        v = _number(m.group(1))
        unit = m.group(2)
        if unit in ("ft", "feet", "'"):
            v *= 0.3048
        elif unit == "km":
            v *= 1000.0
        elif unit == "cm":
            v /= 100.0
        if v > 0:
            found.append(v)
    return min(found) if found else None


def parse_weight_t(value: str | None) -> float | None:
    """Parse an OSM ``maxweight`` into tonnes (``"7.5"``, ``"7.5 t"``, ``"3500 kg"``, ``"10 st"``
    (short tons), ``"20000 lbs"``); ``None`` for ``none``, ``unsigned`` and unreadable values."""
    if value is None:
        return None
    found: list[float] = []
    for part in str(value).lower().split(";"):
        m = _WEIGHT_RE.match(part.strip())
        if m is None:
            continue
        v = _number(m.group(1))
        unit = m.group(2) or "t"
        if unit == "kg":
            v /= 1000.0
        elif unit in ("st", "ton", "tons"):
            v *= 0.90718474
        elif unit in ("lb", "lbs"):
            v *= 0.00045359237
        if v > 0:
            found.append(v)
    return min(found) if found else None


# --------------------------------------------------------------------------- way rules


class Tags(Protocol):
    """Read access to tags: a ``dict``, or osmium's ``TagList`` used in place (copying every
    way's tags into a dict would cost more than applying all the rules)."""

    def get(self, key: str, default: None = None, /) -> str | None: ...


def _word(tags: Tags, key: str) -> str:
    value = tags.get(key)
    return "" if value is None else value.strip().lower()


def _is_opened(tags: Tags) -> bool:
    for key in _OPENING_KEYS:
        v = tags.get(key)
        if v is not None and v.strip().lower() not in _CLOSED_VALUES:
            return True
    return False


def _oneway(tags: Tags, class_name: str) -> int:
    value = tags.get("oneway")
    if value is not None:
        v = value.strip().lower()
        if v in _ONEWAY_FORWARD:
            return 1
        if v in _ONEWAY_BACKWARD:
            return -1
        if v in _ONEWAY_BOTH:
            return 0
    if _word(tags, "junction") in _ROUNDABOUT:
        return 1
    if class_name in _IMPLIED_ONEWAY_CLASSES:
        return 1
    return 0


def _heavy_limits(tags: Tags, appliance: ApplianceSpec) -> str | None:
    """The first physical limit that keeps the heavy appliance out, or None."""
    width = parse_length_m(tags.get("width"))
    if width is None:
        width = parse_length_m(tags.get("est_width"))
    if width is not None and width < appliance.min_road_width_m:
        return "narrow"
    maxwidth = parse_length_m(tags.get("maxwidth"))
    if maxwidth is not None and maxwidth < appliance.width_m:
        return "maxwidth"
    maxheight_raw = tags.get("maxheight")
    if maxheight_raw is not None and maxheight_raw.strip().lower() == "below_default":
        return "maxheight"
    maxheight = parse_length_m(maxheight_raw)
    if maxheight is not None and maxheight < appliance.height_m:
        return "maxheight"
    maxweight = parse_weight_t(tags.get("maxweight"))
    if maxweight is not None and maxweight < appliance.weight_t:
        return "maxweight"
    return None


def osm_way_attributes(
    tags: Tags, profile: SpeedProfile, variant: str = "urban"
) -> WayAttributes | DropReason:
    """Apply the module's rules to the tags of one way.

    Parameters
    ----------
    tags : Tags
        The way's tags: a dict, or osmium's ``TagList`` read in place (``highway`` is
        required to keep the way).
    profile : SpeedProfile
    variant : str
        Speed column (``urban``, ``suburban``, ``mountain``); not checked here for speed —
        callers check it once with :meth:`SpeedProfile.check_variant`.

    Returns
    -------
    WayAttributes or DropReason
        The class, speeds and direction of a kept way, or why it is dropped.
    """
    highway = _word(tags, "highway")
    if highway in _CONSTRUCTION:
        return DropReason.CONSTRUCTION
    if highway in _PROPOSED:
        return DropReason.PROPOSED
    if highway in _ABANDONED:
        return DropReason.ABANDONED
    if _word(tags, "area") == "yes":
        return DropReason.AREA
    if highway == "steps":
        return DropReason.STEPS
    if _word(tags, "emergency") == "no":
        return DropReason.EMERGENCY_NO
    name = profile.resolve_class(highway) if highway else None
    if name is None:
        return DropReason.NOT_A_ROAD
    code = profile.class_code(name)
    cls = profile.classes[code]
    if cls.opened_only and not _is_opened(tags):
        return DropReason.NOT_FOR_VEHICLES
    smoothness = _word(tags, "smoothness")
    if smoothness == "impassable":
        return DropReason.IMPASSABLE

    light = cls.light_kmh[variant]
    heavy = cls.heavy_kmh[variant]
    caps: list[float] = []
    if profile.maxspeed_factor > 0:
        posted = parse_speed_kmh(tags.get("maxspeed"))
        if posted is not None:
            caps.append(posted * profile.maxspeed_factor)
    tracktype = _word(tags, "tracktype")
    if name == "track" and tracktype in profile.tracktype_cap_kmh:
        caps.append(profile.tracktype_cap_kmh[tracktype])
    if smoothness in profile.smoothness_cap_kmh:
        caps.append(profile.smoothness_cap_kmh[smoothness])
    if caps:
        cap = min(caps)
        light = min(light, cap)
        heavy = min(heavy, cap)

    reason = _heavy_limits(tags, profile.appliance)
    if reason is None and smoothness in _SMOOTHNESS_HEAVY_EXCLUDED:
        reason = "smoothness"
    if reason is None and cls.heavy is HeavyRule.IF_GRADED and tracktype not in _HEAVY_GRADES:
        # Without a grade, a measured width (survey centre lines have one) is the evidence left.
        width = parse_length_m(tags.get("width"))
        if tracktype or width is None or width < profile.appliance.min_road_width_m:
            reason = "track_grade"
    if reason is None and cls.heavy is HeavyRule.IF_WIDTH_TAGGED:
        width = parse_length_m(tags.get("width"))
        if width is None or width < profile.appliance.min_road_width_m:
            reason = "path_width"
    oneway = _oneway(tags, name) if profile.respect_oneway else 0
    return WayAttributes(
        road_class=code,
        light_kmh=float(light),
        heavy_kmh=0.0 if reason is not None else float(heavy),
        oneway=oneway,
        heavy_reason=reason,
    )


def barrier_effect(tags: Tags, appliance: ApplianceSpec) -> BarrierEffect:
    """What a node's tags do to the roads through it (module docstring, "Barrier nodes").

    Parameters
    ----------
    tags : Tags
        The node's tags (a dict or osmium's ``TagList``).
    appliance : ApplianceSpec
        The heavy appliance (for ``maxheight``/``maxwidth``/``maxweight``).

    Returns
    -------
    BarrierEffect
        ``ALL`` cuts the road for every vehicle, ``HEAVY`` only for heavy appliances.
    """
    barrier = _word(tags, "barrier")
    if barrier:
        if barrier in _PASSABLE_BARRIERS:
            if barrier.endswith("gate") and _word(tags, "locked") == "yes" and not _is_opened(tags):
                return BarrierEffect.ALL
        elif barrier == "height_restrictor":
            height = parse_length_m(tags.get("maxheight"))
            if height is None or height < appliance.height_m:
                return BarrierEffect.HEAVY
        elif not _is_opened(tags):
            return BarrierEffect.ALL
    if _node_heavy_limits(tags, appliance):
        return BarrierEffect.HEAVY
    return BarrierEffect.NONE


def _node_heavy_limits(tags: Tags, appliance: ApplianceSpec) -> bool:
    # On a node, width is the gap a vehicle passes through (a gate, a narrow passage), so it is
    # compared with the appliance's body, not with the 4 m lane width.
    for key in ("maxwidth", "width"):
        gap = parse_length_m(tags.get(key))
        if gap is not None and gap < appliance.width_m:
            return True
    maxheight_raw = tags.get("maxheight")
    if maxheight_raw is not None and maxheight_raw.strip().lower() == "below_default":
        return True
    maxheight = parse_length_m(maxheight_raw)
    if maxheight is not None and maxheight < appliance.height_m:
        return True
    maxweight = parse_weight_t(tags.get("maxweight"))
    return maxweight is not None and maxweight < appliance.weight_t
