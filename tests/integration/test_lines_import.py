"""Centre-line import: GeoPackage / GeoJSON / Shapefile in projected and shifted CRSs, snapping of
nearly touching ends, attribute conventions and per-row errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pytest
from shapely.geometry import LineString, MultiLineString, Point, box

from firegrid.errors import ImportValidationError, InvalidInputError
from firegrid.geo.crs import from_wgs84, to_wgs84
from firegrid.geo.io import Feature, write_features
from firegrid.network.lines import build_from_lines
from firegrid.network.speeds import default_profile

PROFILE = default_profile()
GEOD = pyproj.Geod(ellps="WGS84")
# CGCS2000 3-degree Gauss-Krüger CM 117°E: a spot in western Beijing (Mentougou).
GK = "EPSG:4548"
X0, Y0 = 430000.0, 4420000.0


def gk_line(*xy: tuple[float, float]) -> LineString:
    """A line given in EPSG:4548 metres, as WGS84 (Feature geometries are WGS84)."""
    x = np.array([p[0] for p in xy])
    y = np.array([p[1] for p in xy])
    lon, lat = to_wgs84(x, y, crs=GK)
    return LineString(np.column_stack([lon, lat]))


def write(path: Path, rows: list[tuple[Any, dict[str, Any]]], crs: str = GK) -> Path:
    write_features(path, [Feature(g, props, i + 1) for i, (g, props) in enumerate(rows)], crs=crs)
    return path


def road(cls: str = "主干路", **extra: Any) -> dict[str, Any]:
    return {
        "等级": cls,
        "设计速度": extra.get("speed"),
        "方向": extra.get("direction", 1),
        "路宽": extra.get("width"),
    }


def node_at(graph: Any, lon: float, lat: float) -> int:
    d = np.hypot(graph.lon - lon, graph.lat - lat)
    return int(np.argmin(d))


# --------------------------------------------------------------------------- joining


def test_two_lines_half_a_metre_apart_in_a_gauss_kruger_geopackage_join(tmp_path: Path) -> None:
    a = gk_line((X0, Y0), (X0 + 300, Y0))
    b = gk_line((X0 + 300.5, Y0), (X0 + 300.5, Y0 + 200))
    path = write(tmp_path / "roads.gpkg", [(a, road()), (b, road("支路"))])
    result = build_from_lines(path)
    s = result.stats
    assert (s["components"], s["nodes"], s["edges"]) == (1, 3, 4)
    assert s["ends_joined"] == 1
    assert s["largest_scc_share"] == 1.0
    # Total length: 300 m + 200 m, give or take the half metre the join moved an end.
    assert s["road_km"] * 1000 == pytest.approx(500.0, abs=0.7)
    assert s["columns"] == {"class": "等级", "speed": "设计速度", "oneway": "方向", "width": "路宽"}
    assert s["format"] == "gpkg"
    assert result.graph.node_source_id is None


def test_a_tolerance_below_the_gap_leaves_them_apart(tmp_path: Path) -> None:
    a = gk_line((X0, Y0), (X0 + 300, Y0))
    b = gk_line((X0 + 300.5, Y0), (X0 + 300.5, Y0 + 200))
    path = write(tmp_path / "roads.gpkg", [(a, road()), (b, road())])
    result = build_from_lines(path, snap_tolerance_m=0.1)
    assert (result.stats["components"], result.stats["nodes"]) == (2, 4)


def test_declared_gcj02_geojson_lands_on_wgs84_and_joins(tmp_path: Path) -> None:
    # Built in WGS84, written in GCJ-02 (as AMap-derived data is), read back declaring it.
    a = gk_line((X0, Y0), (X0 + 250, Y0 + 10))
    b = gk_line((X0 + 250.0, Y0 + 10.5), (X0 + 400, Y0 + 150))
    path = write(tmp_path / "amap.geojson", [(a, road()), (b, road())], crs="gcj02")
    # The file holds shifted coordinates: its first vertex is hundreds of metres from WGS84.
    stored = json.loads(path.read_text(encoding="utf-8"))["features"][0]["geometry"]
    _, _, shift = GEOD.inv(*stored["coordinates"][0], *a.coords[0])
    assert shift > 100.0
    result = build_from_lines(path, crs="gcj02")
    g = result.graph
    assert result.stats["components"] == 1
    assert g.n_nodes == 3
    start = node_at(g, *a.coords[0])
    assert g.lon[start] == pytest.approx(a.coords[0][0], abs=1e-7)
    assert g.lat[start] == pytest.approx(a.coords[0][1], abs=1e-7)
    # Not declaring the CRS reads the shifted numbers as WGS84: hundreds of metres off.
    undeclared = build_from_lines(path)
    u = undeclared.graph
    _, _, off = GEOD.inv(
        u.lon[node_at(u, *a.coords[0])], u.lat[node_at(u, *a.coords[0])], *a.coords[0]
    )
    assert off > 100.0


def test_a_t_junction_without_a_vertex_splits_the_through_line(tmp_path: Path) -> None:
    through = gk_line((X0, Y0), (X0 + 400, Y0))
    branch = gk_line((X0 + 150, Y0 + 0.6), (X0 + 150, Y0 + 200))
    path = write(tmp_path / "t.gpkg", [(through, road()), (branch, road("支路"))])
    s = build_from_lines(path).stats
    assert (s["components"], s["nodes"], s["segments_split"]) == (1, 4, 1)


def test_crossing_lines_without_a_shared_vertex_stay_apart(tmp_path: Path) -> None:
    # An overpass: the lines cross but neither ends near the other.
    low = gk_line((X0, Y0), (X0 + 400, Y0))
    high = gk_line((X0 + 200, Y0 - 200), (X0 + 200, Y0 + 200))
    s = build_from_lines(write(tmp_path / "x.gpkg", [(low, road()), (high, road())])).stats
    assert s["components"] == 2


def test_shared_vertices_are_one_node(tmp_path: Path) -> None:
    a = gk_line((X0, Y0), (X0 + 100, Y0), (X0 + 200, Y0))
    b = gk_line((X0 + 100, Y0 - 100), (X0 + 100, Y0), (X0 + 100, Y0 + 100))
    s = build_from_lines(write(tmp_path / "plus.gpkg", [(a, road()), (b, road())])).stats
    assert (s["components"], s["nodes"], s["edges"]) == (1, 5, 8)


def test_multilinestrings_are_split_into_ways(tmp_path: Path) -> None:
    a = gk_line((X0, Y0), (X0 + 100, Y0))
    b = gk_line((X0, Y0 + 500), (X0 + 100, Y0 + 500))
    path = write(tmp_path / "multi.gpkg", [(MultiLineString([a, b]), road())])
    s = build_from_lines(path).stats
    assert (s["ways_kept"], s["components"], s["rows_read"]) == (2, 2, 1)


# --------------------------------------------------------------------------- attributes


def test_one_way_conventions(tmp_path: Path) -> None:
    rows = [
        (
            gk_line((X0, Y0 + 100 * i), (X0 + 100, Y0 + 100 * i)),
            {"fclass": "residential", "oneway": v},
        )
        for i, v in enumerate(["F", "T", "B", "1", "2", "0"])
    ]
    result = build_from_lines(write(tmp_path / "ow.geojson", rows, crs="wgs84"))
    g = result.graph
    for i, expected in enumerate([1, -1, 0, 1, -1, 0]):
        line = rows[i][0]
        west = node_at(g, *line.coords[0])
        east = node_at(g, *line.coords[-1])
        fwd = bool(((g.tail == west) & (g.head == east)).any())
        bwd = bool(((g.tail == east) & (g.head == west)).any())
        assert (fwd, bwd) == {1: (True, False), -1: (False, True), 0: (True, True)}[expected], i
    assert result.stats["oneway_codes"] == "oneway"


def test_direction_codes_follow_the_navigation_data_convention(tmp_path: Path) -> None:
    rows = [
        (gk_line((X0, Y0 + 100 * i), (X0 + 100, Y0 + 100 * i)), road(direction=v))
        for i, v in enumerate([0, 1, 2, 3])
    ]
    result = build_from_lines(write(tmp_path / "dir.gpkg", rows))
    assert result.stats["oneway_codes"] == "direction"
    assert result.graph.n_edges == 2 + 2 + 1 + 1


def test_speed_caps_and_width_closes_roads_to_heavy_appliances(tmp_path: Path) -> None:
    rows = [
        (gk_line((X0, Y0), (X0 + 100, Y0)), road("主干路", speed=20, width=12.0)),
        (gk_line((X0, Y0 + 100), (X0 + 100, Y0 + 100)), road("村道", width=3.5)),
        (gk_line((X0, Y0 + 200), (X0 + 100, Y0 + 200)), road("等外公路", width=5.0)),
        (gk_line((X0, Y0 + 300), (X0 + 100, Y0 + 300)), road("等外公路")),
    ]
    result = build_from_lines(write(tmp_path / "w.gpkg", rows))
    g = result.graph
    speed = g.length_m / g.time_light_s * 3.6
    cls = [g.class_names[c] for c in g.road_class]
    primary = np.array([c == "primary" for c in cls])
    assert speed[primary] == pytest.approx(20.0)
    heavy_ok = np.isfinite(g.time_heavy_s)
    lat = g.lat[g.tail]
    rows_lat = [r[0].coords[0][1] for r in rows]
    expected = [True, False, True, False]  # wide primary, narrow village road, wide and
    for row_lat, ok in zip(rows_lat, expected, strict=True):  # unmeasured substandard roads
        on_row = np.isclose(lat, row_lat, atol=1e-6)
        assert on_row.sum() == 2
        assert heavy_ok[on_row].all() == ok
    assert result.stats["heavy_excluded_ways"] == {"narrow": 1, "track_grade": 1}


def test_geofabrik_fclass_values_go_through_the_osm_rules(tmp_path: Path) -> None:
    rows = [
        (gk_line((X0, Y0), (X0 + 100, Y0)), {"fclass": "track_grade5", "maxspeed": 0}),
        (gk_line((X0 + 100, Y0), (X0 + 200, Y0)), {"fclass": "footway", "maxspeed": 0}),
        (gk_line((X0 + 200, Y0), (X0 + 300, Y0)), {"fclass": "steps", "maxspeed": 0}),
        (gk_line((X0 + 300, Y0), (X0 + 400, Y0)), {"fclass": "Primary", "maxspeed": 50}),
    ]
    path = write(tmp_path / "geofabrik.shp", rows, crs="wgs84")
    result = build_from_lines(path)
    s = result.stats
    assert s["ways_dropped"] == {"not_for_vehicles": 1, "steps": 1}
    assert s["ways_kept"] == 2
    g = result.graph
    track = np.array([g.class_names[c] == "track" for c in g.road_class])
    assert np.isinf(g.time_heavy_s[track]).all()
    assert np.isfinite(g.time_heavy_s[~track]).all()
    assert s["format"] == "shp"


def test_explicit_field_names(tmp_path: Path) -> None:
    rows = [(gk_line((X0, Y0), (X0 + 100, Y0)), {"KIND": "次干路", "DIR": "T"})]
    path = write(tmp_path / "named.gpkg", rows)
    # A column called DIR is read with the navigation "direction" codes, where T means nothing.
    with pytest.raises(ImportValidationError, match="unknown one-way code 'T'"):
        build_from_lines(path, fields={"class": "KIND", "oneway": "DIR"})
    result = build_from_lines(
        path, fields={"class": "KIND", "oneway": "DIR", "oneway_codes": "oneway"}
    )
    assert result.graph.n_edges == 1
    assert result.stats["columns"] == {"class": "KIND", "oneway": "DIR"}
    with pytest.raises(InvalidInputError, match="no column 'SPEED' for speed"):
        build_from_lines(path, fields={"class": "KIND", "speed": "SPEED"})
    with pytest.raises(InvalidInputError, match="no road class column"):
        build_from_lines(path)
    with pytest.raises(InvalidInputError, match="unknown field role"):
        build_from_lines(path, fields={"kind": "KIND"})
    with pytest.raises(InvalidInputError, match="unknown oneway_codes"):
        build_from_lines(path, fields={"class": "KIND", "oneway_codes": "esri"})


def test_clipping_keeps_lines_touching_the_area(tmp_path: Path) -> None:
    near = gk_line((X0, Y0), (X0 + 100, Y0))
    far = gk_line((X0 + 20000, Y0), (X0 + 20100, Y0))
    path = write(tmp_path / "clip.gpkg", [(near, road()), (far, road())])
    lon, lat = near.coords[0]
    area = box(lon - 0.001, lat - 0.001, lon + 0.0005, lat + 0.001)
    result = build_from_lines(path, clip=area, buffer_m=100.0)
    assert result.stats["ways_outside_clip"] == 1
    assert result.stats["nodes"] == 2


# --------------------------------------------------------------------------- errors


def test_a_bad_class_is_reported_with_its_row_number(tmp_path: Path) -> None:
    rows = [
        (gk_line((X0, Y0), (X0 + 100, Y0)), road()),
        (gk_line((X0 + 100, Y0), (X0 + 200, Y0)), road("高架")),
        (gk_line((X0 + 200, Y0), (X0 + 300, Y0)), road("支路")),
    ]
    path = write(tmp_path / "bad.gpkg", rows)
    with pytest.raises(ImportValidationError) as info:
        build_from_lines(path)
    [error] = info.value.errors
    assert (error.row, error.field) == (2, "等级")
    assert "unknown road class '高架'" in error.reason
    assert str(path) in str(info.value)

    kept = build_from_lines(path, keep_valid=True)
    assert kept.stats["rows_invalid"] == 1
    assert kept.stats["row_errors"][0]["row"] == 2
    # Rows 1 and 3 are kept; the dropped row 2 was the piece between them.
    assert kept.stats["ways_kept"] == 2
    assert kept.stats["components"] == 2


def test_every_bad_row_is_reported_at_once(tmp_path: Path) -> None:
    rows: list[tuple[Any, dict[str, Any]]] = [
        (gk_line((X0, Y0), (X0 + 100, Y0)), {"class": "primary", "speed": "40", "oneway": "0"}),
        (
            gk_line((X0, Y0 + 50), (X0 + 100, Y0 + 50)),
            {"class": "primary", "speed": "fast", "oneway": "0"},
        ),
        (
            Point(*gk_line((X0, Y0), (X0 + 1, Y0)).coords[0]),
            {"class": "primary", "speed": "40", "oneway": "0"},
        ),
        (
            gk_line((X0, Y0 + 90), (X0 + 100, Y0 + 90)),
            {"class": "primary", "speed": "40", "oneway": "X"},
        ),
        (
            gk_line((X0, Y0 + 95), (X0 + 100, Y0 + 95)),
            {"class": None, "speed": "40", "oneway": "0"},
        ),
    ]
    path = write(tmp_path / "many.geojson", rows, crs="wgs84")
    with pytest.raises(ImportValidationError) as info:
        build_from_lines(path)
    got = {(e.row, e.field) for e in info.value.errors}
    assert got == {(2, "speed"), (3, "geometry"), (4, "oneway"), (5, "class")}
    reasons = {e.row: e.reason for e in info.value.errors}
    assert "'fast'" in reasons[2]
    assert "got Point" in reasons[3]
    assert "unknown one-way code 'X'" in reasons[4]
    assert "missing road class" in reasons[5]


def test_no_usable_row_is_an_error(tmp_path: Path) -> None:
    rows = [(gk_line((X0, Y0), (X0 + 100, Y0)), {"fclass": "footway"})]
    path = write(tmp_path / "paths.gpkg", rows)
    with pytest.raises(InvalidInputError, match=r"paths\.gpkg: no road segments"):
        build_from_lines(path)


def test_bad_arguments(tmp_path: Path) -> None:
    path = write(tmp_path / "ok.gpkg", [(gk_line((X0, Y0), (X0 + 100, Y0)), road())])
    with pytest.raises(InvalidInputError, match="snap_tolerance_m"):
        build_from_lines(path, snap_tolerance_m=-1)
    with pytest.raises(InvalidInputError, match="unknown speed variant"):
        build_from_lines(path, variant="rural")
    with pytest.raises(InvalidInputError, match="no such file"):
        build_from_lines(tmp_path / "absent.gpkg")


def test_variants_change_travel_times_not_lengths(tmp_path: Path) -> None:
    path = write(tmp_path / "v.gpkg", [(gk_line((X0, Y0), (X0 + 1000, Y0)), road("二级公路"))])
    urban = build_from_lines(path, variant="urban").graph
    mountain = build_from_lines(path, variant="mountain").graph
    assert urban.length_m.sum() == pytest.approx(mountain.length_m.sum())
    assert not np.allclose(urban.time_heavy_s, mountain.time_heavy_s)
    assert from_wgs84(urban.lon, urban.lat, crs=GK)[0].min() == pytest.approx(X0, abs=1e-3)
