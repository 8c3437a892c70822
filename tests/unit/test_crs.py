"""firegrid.geo.crs: shifted Chinese coordinates, EPSG CRSs, metric zones and measures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiPolygon,
    Point,
    Polygon,
    box,
    shape,
)
from shapely.geometry.base import BaseGeometry

from firegrid.errors import InvalidInputError
from firegrid.geo.crs import (
    CRS_ALIASES,
    area_km2,
    from_wgs84,
    geodesic_distance_m,
    length_m,
    metric_crs_for,
    parse_crs,
    to_wgs84,
    transform_geometry,
)

# Published reference pairs for the GCJ-02 forward transform, as used in the test suites of the
# eviltransform ports (wgs lat, wgs lon, gcj lat, gcj lon).
GCJ_REFERENCE = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # Shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # Shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # Beijing
]


def _china_grid() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20240601)
    return rng.uniform(73.0, 135.0, 5000), rng.uniform(18.0, 53.0, 5000)


def _iou_m2(a: BaseGeometry, b: BaseGeometry) -> float:
    """Intersection over union of two WGS84 geometries, areas taken in a metric CRS."""
    metric = metric_crs_for(a.centroid.x, a.centroid.y)
    pa = transform_geometry(a, src="wgs84", dst=metric)
    pb = transform_geometry(b, src="wgs84", dst=metric)
    return float(pa.intersection(pb).area / pa.union(pb).area)


# --------------------------------------------------------------------------- GCJ-02 / BD-09


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), GCJ_REFERENCE)
def test_gcj02_forward_matches_published_pairs(
    wgs_lat: float, wgs_lon: float, gcj_lat: float, gcj_lon: float
) -> None:
    lon, lat = from_wgs84(wgs_lon, wgs_lat, crs="gcj02")
    # 1e-6 degree is about 10 cm: a wrong constant or term would be off by metres.
    assert_allclose([lon, lat], [gcj_lon, gcj_lat], rtol=0, atol=1e-6)
    back_lon, back_lat = to_wgs84(gcj_lon, gcj_lat, crs="gcj02")
    assert_allclose([back_lon, back_lat], [wgs_lon, wgs_lat], rtol=0, atol=1e-7)


def test_gcj02_shift_in_beijing_is_hundreds_of_metres() -> None:
    lon, lat = np.array([116.39, 116.10, 115.90]), np.array([39.91, 39.94, 40.00])
    glon, glat = from_wgs84(lon, lat, crs="gcj02")
    shift_m = geodesic_distance_m(lon, lat, glon, glat)
    assert np.all((shift_m > 100.0) & (shift_m < 700.0)), shift_m


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_round_trip_through_shifted_crs_is_centimetre_exact(crs: str) -> None:
    lon, lat = _china_grid()
    x, y = from_wgs84(lon, lat, crs=crs)
    assert np.abs(x - lon).max() > 1e-3  # the data really moved (hundreds of metres)
    back_lon, back_lat = to_wgs84(x, y, crs=crs)
    assert np.abs(back_lon - lon).max() < 1e-7
    assert np.abs(back_lat - lat).max() < 1e-7


def test_exact_inverse_beats_the_one_step_approximation() -> None:
    # The common shortcut g - (forward(g) - g) is off by up to ~2 m; ours must not be.
    lon, lat = _china_grid()
    glon, glat = from_wgs84(lon, lat, crs="gcj02")
    flon, flat = from_wgs84(glon, glat, crs="gcj02")
    approx_err_m = geodesic_distance_m(2 * glon - flon, 2 * glat - flat, lon, lat).max()
    back_lon, back_lat = to_wgs84(glon, glat, crs="gcj02")
    exact_err_m = geodesic_distance_m(back_lon, back_lat, lon, lat).max()
    assert approx_err_m > 0.5
    assert exact_err_m < 0.001


def test_bd09_is_a_further_shift_on_top_of_gcj02() -> None:
    glon, glat = from_wgs84(116.39, 39.91, crs="gcj02")
    blon, blat = from_wgs84(116.39, 39.91, crs="bd09")
    # Baidu adds roughly +0.0065° lon / +0.006° lat to GCJ-02: the familiar ~0.9 km jump.
    assert 700.0 < float(geodesic_distance_m(glon, glat, blon, blat)) < 1100.0
    assert 0.005 < float(blon - glon) < 0.008
    assert 0.005 < float(blat - glat) < 0.008


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_points_outside_china_are_not_shifted_by_gcj02(crs: str) -> None:
    # Helsinki, Toronto, Sydney, central Europe.
    lon = np.array([24.94, -79.38, 151.21, 10.0])
    lat = np.array([60.17, 43.65, -33.87, 50.0])
    glon, glat = from_wgs84(lon, lat, crs="gcj02")
    assert_allclose(glon, lon, rtol=0, atol=0)
    assert_allclose(glat, lat, rtol=0, atol=0)
    back_lon, back_lat = to_wgs84(glon, glat, crs="gcj02")
    assert_allclose(back_lon, lon, rtol=0, atol=0)
    assert_allclose(back_lat, lat, rtol=0, atol=0)
    if crs == "bd09":  # BD-09 still applies its own offset abroad, and inverts it exactly
        x, y = from_wgs84(lon, lat, crs="bd09")
        assert_allclose(to_wgs84(x, y, crs="bd09"), (lon, lat), rtol=0, atol=1e-7)


def test_cgcs2000_is_treated_as_wgs84() -> None:
    lon, lat = to_wgs84([116.1, 114.0], [40.0, 30.5], crs="cgcs2000")
    assert_allclose(lon, [116.1, 114.0])
    assert_allclose(lat, [40.0, 30.5])
    assert parse_crs("EPSG:4490") == "cgcs2000"


def test_scalars_and_lists_are_accepted_and_arrays_returned() -> None:
    lon, lat = to_wgs84(116.4, 39.9, crs="gcj02")
    assert isinstance(lon, np.ndarray) and lon.shape == () and lat.shape == ()
    lon2, lat2 = to_wgs84([116.4, 116.5], [39.9, 39.9], crs="gcj02")
    assert lon2.shape == lat2.shape == (2,)
    assert float(lon2[0]) == pytest.approx(float(lon), abs=1e-12)


# --------------------------------------------------------------------------- EPSG CRSs


@pytest.mark.parametrize("epsg", ["EPSG:4548", "EPSG:4547", "EPSG:32650"])
def test_projected_round_trip(epsg: str) -> None:
    lon = np.array([116.1, 115.5, 116.9, 114.2])
    lat = np.array([39.9, 40.1, 39.6, 30.5])
    x, y = from_wgs84(lon, lat, crs=epsg)
    assert np.all(np.abs(y) > 3e6)  # northings in metres, not degrees
    back_lon, back_lat = to_wgs84(x, y, crs=epsg)
    assert_allclose(back_lon, lon, rtol=0, atol=1e-9)
    assert_allclose(back_lat, lat, rtol=0, atol=1e-9)


def test_gauss_kruger_central_meridian_has_false_easting_500km() -> None:
    x, y = from_wgs84(117.0, 40.0, crs="EPSG:4548")
    assert float(x) == pytest.approx(500_000.0, abs=1e-6)
    # Coordinates are always lon-first, although EPSG:4548 declares northing first.
    assert 4.4e6 < float(y) < 4.5e6


def test_geographic_epsg_inputs_are_validated_lon_first() -> None:
    lon, lat = to_wgs84([116.0], [40.0], crs="EPSG:4326")
    assert_allclose([lon[0], lat[0]], [116.0, 40.0])


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("wgs84", "wgs84"),
        ("WGS-84", "wgs84"),
        ("EPSG:4326", "wgs84"),
        ("GCJ-02", "gcj02"),
        ("gcj_02", "gcj02"),
        ("BD-09", "bd09"),
        ("CGCS2000", "cgcs2000"),
        ("epsg:4548", "EPSG:4548"),
        (" EPSG:32650 ", "EPSG:32650"),
    ],
)
def test_parse_crs_normalises(name: str, canonical: str) -> None:
    assert parse_crs(name) == canonical


def test_aliases_are_documented() -> None:
    assert set(CRS_ALIASES) == {"wgs84", "gcj02", "bd09", "cgcs2000"}


@pytest.mark.parametrize("bad", ["gcj-2", "mercator", "EPSG:999999", ""])
def test_unknown_crs_names_are_rejected_with_the_accepted_forms(bad: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_crs(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert "gcj02" in message and "bd09" in message and "EPSG:" in message


@pytest.mark.parametrize("non_2d", ["EPSG:5773", "EPSG:4978"])  # a height, a geocentric CRS
def test_non_horizontal_crs_is_rejected(non_2d: str) -> None:
    with pytest.raises(InvalidInputError, match="not a 2D geographic or projected CRS"):
        parse_crs(non_2d)


def test_conversion_with_a_bad_crs_name_names_it() -> None:
    with pytest.raises(InvalidInputError, match="'baidu-mercator'"):
        to_wgs84([116.0], [40.0], crs="baidu-mercator")


# --------------------------------------------------------------------------- bad coordinates


def test_nan_coordinate_is_rejected_naming_its_index() -> None:
    with pytest.raises(InvalidInputError, match=r"index 2 is not finite"):
        to_wgs84([116.0, 116.1, np.nan], [40.0, 40.0, 40.0], crs="gcj02")


def test_out_of_range_latitude_is_rejected_naming_its_index() -> None:
    with pytest.raises(InvalidInputError, match=r"index 1 is out of range.*lat=95"):
        to_wgs84([116.0, 116.1], [40.0, 95.0], crs="wgs84")


def test_out_of_range_longitude_into_projection_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match=r"index 0 is out of range.*lon=200"):
        from_wgs84([200.0], [40.0], crs="EPSG:4548")


def test_infinite_projected_input_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match=r"index 1 is not finite"):
        to_wgs84([400000.0, np.inf], [4.4e6, 4.4e6], crs="EPSG:4548")


def test_projected_coordinates_declared_as_lonlat_are_caught() -> None:
    # Gauss-Krüger metres mistaken for degrees: the most common CRS mistake in imports.
    with pytest.raises(InvalidInputError, match="out of range"):
        to_wgs84([423144.97], [4429917.05], crs="wgs84")


def test_mismatched_array_shapes_are_rejected() -> None:
    with pytest.raises(InvalidInputError, match="equal shape"):
        to_wgs84([116.0, 116.1, 116.2], [40.0, 40.1], crs="gcj02")


# --------------------------------------------------------------------------- metric zones


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (116.1, 39.9, "EPSG:4548"),  # Mentougou: CM 117°E
        (114.0, 30.5, "EPSG:4547"),  # Wuhan: CM 114°E
        (115.5, 40.0, "EPSG:4548"),  # on a zone boundary: the eastern zone
        (106.4, 29.8, "EPSG:4544"),  # Beibei, Chongqing: CM 105°E
        (75.0, 39.0, "EPSG:4534"),  # first zone, CM 75°E
        (135.0, 48.0, "EPSG:4554"),  # last zone, CM 135°E
    ],
)
def test_gauss_kruger_zone_choice(lon: float, lat: float, expected: str) -> None:
    assert metric_crs_for(lon, lat) == expected


def test_gauss_kruger_zone_name_matches_its_central_meridian() -> None:
    import pyproj

    code = metric_crs_for(116.1, 39.9)
    assert "CM 117E" in pyproj.CRS.from_user_input(code).name


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [(116.1, 39.9, "EPSG:32650"), (-3.7, 40.4, "EPSG:32630"), (151.2, -33.9, "EPSG:32756")],
)
def test_utm_zone_choice(lon: float, lat: float, expected: str) -> None:
    assert metric_crs_for(lon, lat, kind="utm") == expected


def test_gauss_kruger_outside_china_asks_for_utm() -> None:
    with pytest.raises(InvalidInputError, match="kind='utm'"):
        metric_crs_for(24.94, 60.17)
    with pytest.raises(InvalidInputError, match="'lambert'"):
        metric_crs_for(116.0, 40.0, kind="lambert")


# --------------------------------------------------------------------------- geometries


def test_transform_geometry_handles_every_type_and_round_trips() -> None:
    poly = Polygon(
        [(116.0, 39.9), (116.2, 39.9), (116.2, 40.0), (116.0, 40.0)],
        holes=[[(116.05, 39.95), (116.1, 39.95), (116.1, 39.97)]],
    )
    geoms: list[BaseGeometry] = [
        Point(116.1, 39.95),
        LineString([(116.0, 39.9), (116.3, 40.1)]),
        poly,
        MultiPolygon([poly, box(116.5, 39.5, 116.6, 39.6)]),
        GeometryCollection([Point(116.1, 39.95), LineString([(116.0, 39.9), (116.3, 40.1)])]),
    ]
    for geom in geoms:
        for crs in ("gcj02", "bd09", "EPSG:4548"):
            moved = transform_geometry(geom, src="wgs84", dst=crs)
            assert moved.geom_type == geom.geom_type
            assert not moved.equals_exact(geom, tolerance=1e-4)  # it really moved
            back = transform_geometry(moved, src=crs, dst="wgs84")
            assert back.equals_exact(geom, tolerance=1e-7), (geom.geom_type, crs)


def test_transform_geometry_between_two_shifted_crs() -> None:
    pt = Point(116.39, 39.91)
    bd = transform_geometry(pt, src="wgs84", dst="bd09")
    gcj = transform_geometry(bd, src="bd09", dst="gcj02")
    lon, lat = from_wgs84(116.39, 39.91, crs="gcj02")
    assert gcj.equals_exact(Point(float(lon), float(lat)), tolerance=1e-9)


def test_transform_geometry_keeps_empty_geometries_empty() -> None:
    assert transform_geometry(Polygon(), src="gcj02", dst="wgs84").is_empty


def test_area_of_a_10km_square_in_gauss_kruger() -> None:
    # A 10 km x 10 km square drawn in the metric CRS itself must measure 100 km².
    square_m = box(430_000.0, 4_420_000.0, 440_000.0, 4_430_000.0)
    square_wgs84 = transform_geometry(square_m, src="EPSG:4548", dst="wgs84")
    assert area_km2(square_wgs84) == pytest.approx(100.0, rel=1e-6)
    assert area_km2(Point(116.0, 40.0)) == 0.0


def test_area_outside_china_uses_utm() -> None:
    square_m = box(380_000.0, 6_670_000.0, 390_000.0, 6_680_000.0)  # near Helsinki, UTM 35N
    square_wgs84 = transform_geometry(square_m, src="EPSG:32635", dst="wgs84")
    assert area_km2(square_wgs84) == pytest.approx(100.0, rel=1e-3)


def test_length_and_distance_are_geodesic() -> None:
    # One degree along the equator is a·π/180 on the WGS84 ellipsoid.
    assert float(geodesic_distance_m(0.0, 0.0, 1.0, 0.0)) == pytest.approx(111_319.49, abs=0.01)
    assert length_m(LineString([(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)])) == pytest.approx(
        2 * 111_319.49, abs=0.02
    )
    assert length_m(Point(1.0, 1.0)) == 0.0


def test_geodesic_distance_broadcasts_one_station_against_many_points() -> None:
    d = geodesic_distance_m(116.1, 39.94, [116.1, 116.2, 116.1], [39.94, 39.94, 40.04])
    assert d.shape == (3,)
    assert d[0] == 0.0
    assert d[1] == pytest.approx(8_540, rel=0.01)  # 0.1° of longitude at 40°N
    assert d[2] == pytest.approx(11_100, rel=0.01)  # 0.1° of latitude


def test_geodesic_distance_rejects_bad_points() -> None:
    with pytest.raises(InvalidInputError, match="second point at index 1"):
        geodesic_distance_m([116.0, 116.0], [40.0, 40.0], [116.1, 116.1], [40.0, 91.0])


# --------------------------------------------------------------------------- real data


def _load_geometry(path: Path) -> BaseGeometry:
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("type") == "FeatureCollection":
        return shapely.union_all([shape(f["geometry"]) for f in data["features"]])
    return shape(data)


def _osm_mentougou(shared_data: Path) -> BaseGeometry:
    data = json.loads(
        (shared_data / "mentougou" / "district_and_townships.osm.geojson").read_text("utf-8")
    )
    (district,) = [f for f in data["features"] if f["properties"]["name"] == "门头沟区"]
    return shape(district["geometry"])


def test_mentougou_amap_boundary_matches_osm_only_after_conversion(shared_data: Path) -> None:
    gcj = _load_geometry(shared_data / "mentougou" / "district.amap-gcj02.geojson")
    osm = _osm_mentougou(shared_data)
    converted = transform_geometry(gcj, src="gcj02", dst="wgs84")

    iou_converted = _iou_m2(converted, osm)
    iou_unconverted = _iou_m2(gcj, osm)
    assert iou_converted >= 0.99, iou_converted
    assert iou_unconverted < 0.97, iou_unconverted  # GCJ-02 as-is is visibly off (≈0.95)

    # The converted polygon agrees vertex by vertex with the independently converted file.
    provided = _load_geometry(shared_data / "mentougou" / "district.amap-converted-wgs84.geojson")
    assert_allclose(
        shapely.get_coordinates(converted), shapely.get_coordinates(provided), rtol=0, atol=1e-7
    )
    assert _iou_m2(converted, provided) > 0.99999

    # Mentougou's official area is 1,447.85 km².
    assert area_km2(converted) == pytest.approx(1448.0, rel=0.002)
