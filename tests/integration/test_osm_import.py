"""Import every real OSM extract of ../shared/data/osm and check facts verified independently
(osmium scans and pyproj geodesics written here, not the importer's code)."""

from __future__ import annotations

import bz2
import gzip
import itertools
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import pyproj
import pytest
import shapely
from numpy.testing import assert_array_equal
from shapely.geometry import Polygon, box

from firegrid.errors import InvalidInputError
from firegrid.network import osm as osm_module
from firegrid.network.build import BuildResult
from firegrid.network.graph import RoadGraph
from firegrid.network.osm import build_from_osm
from firegrid.network.speeds import default_profile

FILES = [
    "andorra.osm.pbf",
    "liechtenstein.osm.pbf",
    "helsinki.osm.pbf",
    "monaco.osm.pbf",
    "beijing-north-3rd-ring-2015.osm",
]
GEOD = pyproj.Geod(ellps="WGS84")
# Classes a vehicle uses without any opening tag (the independent reading of the rules).
VEHICLE_HIGHWAYS = {
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "track",
    "road",
    "busway",
}
PEOPLE_HIGHWAYS = {"footway", "path", "cycleway", "bridleway", "trail", "pedestrian"}


@dataclass
class Truth:
    """What the file holds, read with plain osmium iteration."""

    ways: dict[int, tuple[dict[str, str], list[int]]]  # highway ways: tags, node refs
    loc: dict[int, tuple[float, float]]
    node_tags: dict[int, dict[str, str]]  # tagged nodes only


def scan(path: Path) -> Truth:
    ways: dict[int, tuple[dict[str, str], list[int]]] = {}
    loc: dict[int, tuple[float, float]] = {}
    node_tags: dict[int, dict[str, str]] = {}
    for obj in osmium.FileProcessor(str(path)):
        if isinstance(obj, osmium.osm.Node):
            if obj.location.valid():
                loc[obj.id] = (obj.location.lon, obj.location.lat)
            if len(obj.tags):
                node_tags[obj.id] = {t.k: t.v for t in obj.tags}
        elif isinstance(obj, osmium.osm.Way) and "highway" in obj.tags:
            ways[obj.id] = ({t.k: t.v for t in obj.tags}, [n.ref for n in obj.nodes])
    return Truth(ways, loc, node_tags)


@pytest.fixture(scope="module")
def osm_dir(shared_data: Path) -> Path:
    path = shared_data / "osm"
    missing = [f for f in FILES if not (path / f).is_file()]
    if missing:
        pytest.skip(f"OSM extracts missing from {path}: {', '.join(missing)}")
    return path


@pytest.fixture(scope="module")
def built(osm_dir: Path) -> dict[str, BuildResult]:
    return {name: build_from_osm(osm_dir / name) for name in FILES}


@pytest.fixture(scope="module")
def truth(osm_dir: Path) -> dict[str, Truth]:
    return {name: scan(osm_dir / name) for name in FILES}


def source_edges(graph: RoadGraph) -> set[tuple[int, int]]:
    assert graph.node_source_id is not None
    src = graph.node_source_id
    return set(zip(src[graph.tail].tolist(), src[graph.head].tolist(), strict=True))


def edge_mask(graph: RoadGraph, pairs: list[tuple[int, int]]) -> np.ndarray:
    assert graph.node_source_id is not None
    src = graph.node_source_id
    keys = set(pairs)
    return np.array(
        [(int(src[t]), int(src[h])) in keys for t, h in zip(graph.tail, graph.head, strict=True)]
    )


def pairs_of(refs: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for a, b in itertools.pairwise(refs) if a != b]


def pair_owners(t: Truth) -> dict[frozenset[int], set[int]]:
    owners: dict[frozenset[int], set[int]] = {}
    for way_id, (_, refs) in t.ways.items():
        for a, b in pairs_of(refs):
            owners.setdefault(frozenset((a, b)), set()).add(way_id)
    return owners


# --------------------------------------------------------------------------- every real file


@pytest.mark.parametrize("name", FILES)
def test_every_highway_way_is_read(
    name: str, built: dict[str, BuildResult], truth: dict[str, Truth]
) -> None:
    s = built[name].stats
    assert s["ways_read"] == len(truth[name].ways)
    assert (
        s["ways_read"] == s["ways_kept"] + sum(s["ways_dropped"].values()) + s["ways_outside_clip"]
    )
    steps = sum(1 for tags, _ in truth[name].ways.values() if tags["highway"] == "steps")
    assert s["ways_dropped"].get("steps", 0) == steps


@pytest.mark.parametrize("name", FILES)
def test_road_km_equals_an_independent_geodesic_sum(
    name: str, built: dict[str, BuildResult], truth: dict[str, Truth]
) -> None:
    t = truth[name]
    segments: set[tuple[int, int]] = set()
    for tags, refs in t.ways.values():
        hw = tags["highway"]
        if tags.get("area") == "yes" or tags.get("emergency") == "no":
            continue
        if tags.get("smoothness") == "impassable":
            continue
        opened = any(tags.get(k, "no") != "no" for k in ("emergency", "motor_vehicle", "motorcar"))
        if hw in VEHICLE_HIGHWAYS or (hw in PEOPLE_HIGHWAYS and opened):
            for a, b in pairs_of(refs):
                if a in t.loc and b in t.loc:
                    segments.add((min(a, b), max(a, b)))
    start = np.array([t.loc[u] for u, _ in segments])
    end = np.array([t.loc[v] for _, v in segments])
    _, _, d = GEOD.inv(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    stats = built[name].stats
    assert stats["road_km"] == pytest.approx(d.sum() / 1000, rel=1e-4)
    assert 0 < stats["heavy_km"] < stats["road_km"]


@pytest.mark.parametrize("name", FILES)
def test_graph_nodes_sit_where_the_file_puts_them(
    name: str, built: dict[str, BuildResult], truth: dict[str, Truth]
) -> None:
    g = built[name].graph
    assert g.node_source_id is not None
    expected = np.array([truth[name].loc[i] for i in g.node_source_id.tolist()])
    np.testing.assert_allclose(g.lon, expected[:, 0], atol=1e-9)
    np.testing.assert_allclose(g.lat, expected[:, 1], atol=1e-9)
    s = built[name].stats
    assert (s["nodes"], s["edges"]) == (g.n_nodes, g.n_edges)
    assert s["largest_scc_nodes"] == int(built[name].in_largest_scc.sum())
    assert s["profile_id"] == default_profile().id
    assert s["format"] == ("osm" if name.endswith(".osm") else "pbf")


@pytest.mark.parametrize("name", ["andorra.osm.pbf", "liechtenstein.osm.pbf"])
def test_mountain_countries_are_mostly_one_strong_component(
    name: str, built: dict[str, BuildResult]
) -> None:
    s = built[name].stats
    assert s["largest_scc_share"] > 0.9
    # Ungraded and rough tracks leave heavy appliances a smaller connected network.
    assert s["largest_scc_share_heavy"] < s["largest_scc_share"]


# --------------------------------------------------------------------------- specific ways


@pytest.mark.parametrize(
    ("name", "way_id", "street"),
    [
        ("monaco.osm.pbf", 4227157, "Rue des Remparts"),
        ("helsinki.osm.pbf", 4247501, "Vilhonkatu"),
        ("andorra.osm.pbf", 6182051, "Carrer Bonaventura Riberaygua"),
    ],
)
def test_a_known_one_way_street_has_one_directed_edge_per_segment(
    name: str, way_id: int, street: str, built: dict[str, BuildResult], truth: dict[str, Truth]
) -> None:
    tags, refs = truth[name].ways[way_id]
    assert (tags.get("name"), tags.get("oneway")) == (street, "yes")
    owners = pair_owners(truth[name])
    own = [(a, b) for a, b in pairs_of(refs) if owners[frozenset((a, b))] == {way_id}]
    assert own, "the street shares every segment with another way"
    edges = source_edges(built[name].graph)
    for a, b in own:
        assert (a, b) in edges
        assert (b, a) not in edges


@pytest.mark.parametrize(
    ("name", "way_id"),
    [("monaco.osm.pbf", 24655061), ("andorra.osm.pbf", 28833468), ("helsinki.osm.pbf", 16759162)],
)
def test_steps_are_absent(
    name: str, way_id: int, built: dict[str, BuildResult], truth: dict[str, Truth]
) -> None:
    tags, refs = truth[name].ways[way_id]
    assert tags["highway"] == "steps"
    edges = source_edges(built[name].graph)
    for a, b in pairs_of(refs):
        assert (a, b) not in edges and (b, a) not in edges


@pytest.mark.parametrize(
    ("name", "way_id"), [("monaco.osm.pbf", 70526733), ("andorra.osm.pbf", 33184252)]
)
def test_a_grade5_track_is_light_only(
    name: str, way_id: int, built: dict[str, BuildResult], truth: dict[str, Truth]
) -> None:
    tags, refs = truth[name].ways[way_id]
    assert (tags["highway"], tags["tracktype"]) == ("track", "grade5")
    g = built[name].graph
    forward = pairs_of(refs)
    on_track = edge_mask(g, forward + [(b, a) for a, b in forward])
    assert on_track.sum() == 2 * len(forward)  # two-way, every segment present
    assert np.isfinite(g.time_light_s[on_track]).all()
    assert np.isinf(g.time_heavy_s[on_track]).all()


def test_legal_restrictions_do_not_remove_roads(
    built: dict[str, BuildResult], truth: dict[str, Truth]
) -> None:
    name = "liechtenstein.osm.pbf"
    restricted = [
        refs
        for tags, refs in truth[name].ways.values()
        if tags["highway"] in {"residential", "service", "unclassified", "track"}
        and (tags.get("motor_vehicle") == "no" or tags.get("access") in {"private", "no"})
        and tags.get("area") != "yes"
    ]
    assert len(restricted) > 50
    edges = source_edges(built[name].graph)
    located = truth[name].loc
    for refs in restricted:
        for a, b in pairs_of(refs):
            if a in located and b in located:
                assert (a, b) in edges or (b, a) in edges


def test_bollards_cut_the_roads_through_them(
    built: dict[str, BuildResult], truth: dict[str, Truth]
) -> None:
    name = "helsinki.osm.pbf"
    g = built[name].graph
    assert g.node_source_id is not None
    bollards = [
        node
        for node, tags in truth[name].node_tags.items()
        if tags.get("barrier") == "bollard"
        and not any(tags.get(k, "no") != "no" for k in ("emergency", "motor_vehicle", "motorcar"))
    ]
    in_graph = [node for node in bollards if node in set(g.node_source_id.tolist())]
    assert in_graph, "no bollard on a kept road"
    cut = 0
    for node in in_graph:
        copies = np.flatnonzero(g.node_source_id == node)
        for c in copies:
            neighbours = set(g.head[g.indptr[c] : g.indptr[c + 1]].tolist()) | set(
                g.tail[g.head == c].tolist()
            )
            assert len(neighbours) <= 1  # a dead end on either side: nothing passes through
        cut += len(copies) > 1
    assert cut >= 1
    assert built[name].stats["barrier_nodes_cut"] >= cut


# --------------------------------------------------------------------------- clipping


def test_clipping_andorra_keeps_ways_crossing_the_edge_whole(
    osm_dir: Path, truth: dict[str, Truth]
) -> None:
    name = "andorra.osm.pbf"
    # A small box over Andorra la Vella.
    area = box(1.515, 42.500, 1.530, 42.512)
    result = build_from_osm(osm_dir / name, clip=area, buffer_m=0.0)
    g = result.graph
    assert g.node_source_id is not None
    t = truth[name]
    graph_nodes = set(g.node_source_id.tolist())
    touching = [
        refs
        for way_id, (tags, refs) in t.ways.items()
        if any(r in t.loc and shapely.contains_xy(area, *t.loc[r]) for r in refs)
        and tags["highway"] in VEHICLE_HIGHWAYS
        and tags.get("area") != "yes"
    ]
    assert len(touching) > 20
    crossing = 0
    for refs in touching:
        assert {r for r in refs if r in t.loc} <= graph_nodes  # the whole way, not a piece
        crossing += any(not shapely.contains_xy(area, *t.loc[r]) for r in refs if r in t.loc)
    assert crossing > 0
    # Every node of the clipped graph belongs to a way touching the box.
    touching_nodes = {r for refs in touching for r in refs}
    assert graph_nodes <= touching_nodes | _opened_path_nodes(t, area)
    assert result.stats["ways_outside_clip"] > 0
    assert result.stats["clip_buffer_m"] == 0.0
    # A buffer keeps more.
    wider = build_from_osm(osm_dir / name, clip=area, buffer_m=1000.0)
    assert wider.graph.n_nodes > g.n_nodes
    assert wider.stats["road_km"] > result.stats["road_km"]


def _opened_path_nodes(t: Truth, area: Polygon) -> set[int]:
    out: set[int] = set()
    for tags, refs in t.ways.values():
        if tags["highway"] in PEOPLE_HIGHWAYS and any(
            r in t.loc and shapely.contains_xy(area, *t.loc[r]) for r in refs
        ):
            out.update(refs)
    return out


def test_a_clip_area_without_roads_is_an_error(osm_dir: Path) -> None:
    sea = box(7.5, 43.6, 7.55, 43.65)  # the Mediterranean off Monaco
    path = osm_dir / "monaco.osm.pbf"
    with pytest.raises(InvalidInputError, match=r"monaco\.osm\.pbf: no road segments inside"):
        build_from_osm(path, clip=sea, buffer_m=100.0)


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(("suffix", "opener"), [(".osm.gz", gzip.open), (".osm.bz2", bz2.open)])
def test_compressed_xml_gives_the_same_graph(
    suffix: str, opener: object, osm_dir: Path, built: dict[str, BuildResult], tmp_path: Path
) -> None:
    name = "beijing-north-3rd-ring-2015.osm"
    target = tmp_path / f"beijing{suffix}"
    with (osm_dir / name).open("rb") as src, opener(target, "wb") as dst:  # type: ignore[operator]
        shutil.copyfileobj(src, dst)
    plain = built[name].graph
    packed = build_from_osm(target)
    for field in ("indptr", "head", "length_m", "time_light_s", "time_heavy_s", "lon", "lat"):
        assert_array_equal(getattr(packed.graph, field), getattr(plain, field))
    assert packed.stats["format"] == suffix.lstrip(".")


def test_both_node_strategies_build_the_same_graph(
    osm_dir: Path, built: dict[str, BuildResult]
) -> None:
    name = "andorra.osm.pbf"
    assert built[name].stats["node_strategy"] == "index"  # small file: the cheap index
    filtered = osm_module._build(
        osm_dir / name,
        clip=None,
        buffer_m=0.0,
        profile=None,
        variant="urban",
        progress=None,
        node_strategy="filter",
    )
    for field in ("indptr", "head", "length_m", "time_heavy_s", "lon", "lat", "node_source_id"):
        assert_array_equal(getattr(filtered.graph, field), getattr(built[name].graph, field))


def test_progress_is_reported_per_stage(osm_dir: Path) -> None:
    seen: list[tuple[str, float | None]] = []
    build_from_osm(osm_dir / "helsinki.osm.pbf", progress=lambda s, f: seen.append((s, f)))
    stages = [s for s, _ in seen]
    assert stages[0] == "ways" and stages[-1] == "graph"
    assert stages.index("nodes") > stages.index("ways")
    assert ("ways", 1.0) in seen and ("nodes", 1.0) in seen and seen[-1] == ("graph", 1.0)
    assert all(f is None or 0.0 <= f <= 1.0 for _, f in seen)


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="needs Linux /proc")
def test_progress_is_the_offset_of_the_descriptor_reading_the_file(osm_dir: Path) -> None:
    path = osm_dir / "liechtenstein.osm.pbf"
    seen: list[tuple[str, float | None]] = []
    ticker = osm_module._FileProgress(path, "ways", lambda s, f: seen.append((s, f)))
    ticker.tick()
    assert seen == []  # nobody reads the file: nothing to report
    fd = os.open(path, os.O_RDONLY)
    try:
        os.read(fd, 100_000)
        ticker.tick()
        ticker.tick()  # unchanged: not repeated
    finally:
        os.close(fd)
    assert seen == [("ways", 100_000 / path.stat().st_size)]


# --------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def broken_files(
    osm_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Path]]:
    tmp_path = tmp_path_factory.mktemp("broken")
    pbf = (osm_dir / "monaco.osm.pbf").read_bytes()
    xml = (osm_dir / "beijing-north-3rd-ring-2015.osm").read_bytes()
    files = {
        "truncated.osm.pbf": pbf[: len(pbf) // 3],
        "garbage.osm.pbf": b"this is not a protocol buffer" * 100,
        "truncated.osm": xml[: len(xml) // 3],
        "truncated.osm.gz": gzip.compress(xml)[:20000],
        "truncated.osm.bz2": bz2.compress(xml)[:20000],
        "empty.osm.pbf": b"",
        "no_roads.osm": (
            b'<?xml version="1.0"?><osm version="0.6"><node id="1" lat="1" lon="1"/></osm>'
        ),
        "roads.txt": xml,
    }
    paths = {}
    for fname, data in files.items():
        p = tmp_path / fname
        p.write_bytes(data)
        paths[fname] = p
    yield paths


@pytest.mark.parametrize(
    ("fname", "reason"),
    [
        ("truncated.osm.pbf", "cannot read OSM data"),
        ("garbage.osm.pbf", "cannot read OSM data"),
        ("truncated.osm", "cannot read OSM data"),
        ("truncated.osm.gz", "cannot read OSM data"),
        ("truncated.osm.bz2", "cannot read OSM data"),
        ("empty.osm.pbf", "file is empty"),
        ("no_roads.osm", "no roads in the file"),
        ("roads.txt", "unsupported OSM file type"),
    ],
)
def test_bad_files_are_invalid_input_naming_the_path(
    fname: str, reason: str, broken_files: dict[str, Path]
) -> None:
    path = broken_files[fname]
    with pytest.raises(InvalidInputError) as info:
        build_from_osm(path)
    assert str(path) in str(info.value)
    assert reason in str(info.value)
    assert not isinstance(info.value.__cause__, InvalidInputError)


def test_missing_files_and_directories_are_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"absent\.osm\.pbf: no such file"):
        build_from_osm(tmp_path / "absent.osm.pbf")
    folder = tmp_path / "folder.osm"
    folder.mkdir()
    with pytest.raises(InvalidInputError, match="is not a file"):
        build_from_osm(folder)


def test_an_unknown_variant_is_invalid_input(osm_dir: Path) -> None:
    with pytest.raises(InvalidInputError, match="unknown speed variant 'rural'"):
        build_from_osm(osm_dir / "monaco.osm.pbf", variant="rural")
