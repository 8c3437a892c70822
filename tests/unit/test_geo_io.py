"""firegrid.geo.io: GeoJSON / GeoPackage / Shapefile / CSV in and out, always WGS84 inside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from numpy.testing import assert_allclose
from shapely.geometry import LineString, Point, Polygon

from firegrid.errors import ImportValidationError, InvalidInputError
from firegrid.geo.crs import from_wgs84, metric_crs_for, transform_geometry
from firegrid.geo.io import Feature, read_csv_points, read_features, write_features

VECTOR_SUFFIXES = [".geojson", ".gpkg", ".shp"]


def _district_features() -> list[Feature]:
    station = Point(116.1021, 39.9403)
    road = LineString([(116.05, 39.93), (116.12, 39.95), (116.20, 39.96)])
    block = Polygon(
        [(116.00, 39.90), (116.15, 39.90), (116.15, 40.00), (116.00, 40.00)],
        holes=[[(116.05, 39.95), (116.08, 39.95), (116.08, 39.97)]],
    )
    return [
        Feature(station, {"name": "门头沟消防救援站", "crew": 24, "area_km2": 1.5}, 1),
        Feature(road, {"name": "109国道", "crew": None, "area_km2": None}, 2),
        Feature(block, {"name": "大峪街道", "crew": 0, "area_km2": 12.25}, 3),
    ]


def _township_polygons() -> list[Feature]:
    # A Shapefile holds one geometry type; a Polygon next to a MultiPolygon is promoted.
    block = Polygon(
        [(116.00, 39.90), (116.15, 39.90), (116.15, 40.00), (116.00, 40.00)],
        holes=[[(116.05, 39.95), (116.08, 39.95), (116.08, 39.97)]],
    )
    return [
        Feature(block, {"name": "大峪街道", "crew": 24, "area_km2": 1.5}, 1),
        Feature(shapely.box(116.2, 39.9, 116.3, 40.0), {"name": "城子街道", "crew": None}, 2),
        Feature(
            shapely.MultiPolygon([shapely.box(115.5, 39.8, 115.6, 39.9), block]),
            {"name": "斋堂镇", "crew": 0, "area_km2": 12.25},
            3,
        ),
    ]


def _features_for(suffix: str) -> list[Feature]:
    return _township_polygons() if suffix == ".shp" else _district_features()


def _same_features(got: list[Feature], expected: list[Feature], *, atol: float) -> None:
    assert [f.row for f in got] == [1, 2, 3]
    for g, e in zip(got, expected, strict=True):
        assert g.geometry.geom_type.removeprefix("Multi") == e.geometry.geom_type.removeprefix(
            "Multi"
        )
        # Shapefile writers re-orient rings: compare normalised vertex sequences.
        assert_allclose(
            shapely.get_coordinates(shapely.normalize(g.geometry)),
            shapely.get_coordinates(shapely.normalize(e.geometry)),
            rtol=0,
            atol=atol,
        )
        assert g.properties["name"] == e.properties["name"]
        assert g.properties["crew"] == e.properties["crew"]


# --------------------------------------------------------------------------- vector round trips


@pytest.mark.parametrize("suffix", VECTOR_SUFFIXES)
def test_write_in_gauss_kruger_and_read_back_wgs84(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"district{suffix}"
    original = _features_for(suffix)
    assert write_features(path, original, crs="EPSG:4548") == 3

    # The file really holds Gauss-Krüger metres and says so.
    info = pyogrio.read_info(path)
    assert info["crs"] == "EPSG:4548"
    x_m, _ = from_wgs84(*shapely.get_coordinates(original[0].geometry)[0], crs="EPSG:4548")
    first = shapely.get_coordinates(pyogrio.read_dataframe(path).geometry.iloc[0])[0]
    assert first[0] == pytest.approx(float(x_m), abs=1e-3)

    # Embedded CRS honoured; declaring the same CRS is accepted too.
    _same_features(read_features(path), original, atol=1e-6)
    _same_features(read_features(path, crs="EPSG:4548"), original, atol=1e-6)


@pytest.mark.parametrize("suffix", VECTOR_SUFFIXES)
def test_gcj02_files_carry_a_wgs84_label_and_must_be_declared(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"amap{suffix}"
    original = _features_for(suffix)
    write_features(path, original, crs="gcj02")

    _same_features(read_features(path, crs="gcj02"), original, atol=1e-7)
    # Read without declaring, the data stays where AMap put it: hundreds of metres off.
    undeclared = read_features(path)[0].geometry
    metric = metric_crs_for(undeclared.centroid.x, undeclared.centroid.y)
    shifted = transform_geometry(undeclared.centroid, src="wgs84", dst=metric)
    truth = transform_geometry(original[0].geometry.centroid, src="wgs84", dst=metric)
    assert 100.0 < shifted.distance(truth) < 700.0


def test_cgcs2000_output_is_labelled_as_such(tmp_path: Path) -> None:
    path = tmp_path / "cgcs.gpkg"
    write_features(path, _district_features(), crs="cgcs2000")
    assert pyogrio.read_info(path)["crs"] == "EPSG:4490"
    _same_features(read_features(path), _district_features(), atol=1e-12)


def test_declared_crs_that_contradicts_the_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gk.gpkg"
    write_features(path, _district_features(), crs="EPSG:4548")
    with pytest.raises(InvalidInputError, match=r"gk\.gpkg.*'gcj02'.*EPSG:4548"):
        read_features(path, crs="gcj02")


def test_shapefile_without_prj_needs_a_declared_crs(tmp_path: Path) -> None:
    path = tmp_path / "survey.shp"
    original = _township_polygons()
    write_features(path, original, crs="EPSG:4547")
    path.with_suffix(".prj").unlink()
    with pytest.raises(InvalidInputError, match=r"survey\.shp.*has no CRS.*declare"):
        read_features(path)
    # Nonsense as lon/lat: the Gauss-Krüger metres are caught, naming the records.
    with pytest.raises(ImportValidationError, match=r"3 invalid row\(s\).*out of range"):
        read_features(path, crs="wgs84")
    _same_features(read_features(path, crs="EPSG:4547"), original, atol=1e-6)


def test_shapefile_field_names_are_cut_to_ten_bytes(tmp_path: Path) -> None:
    path = tmp_path / "stations.shp"
    props = {"station_name": "A", "station_name_en": "Yongding", "类别名称": 1}
    write_features(path, [Feature(Point(116.1, 39.9), props, 1)])
    (got,) = read_features(path)
    assert got.properties == {"station_na": "A", "station__1": "Yongding", "类别名": 1}


def test_shapefile_mixing_points_and_polygons_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="one geometry type; got LineString, Point"):
        write_features(tmp_path / "mixed.shp", _district_features()[:2])


def test_null_values_and_null_geometries(tmp_path: Path) -> None:
    path = tmp_path / "nulls.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"n":1,"ok":true},'
        '"geometry":{"type":"Point","coordinates":[116.1,39.9]}},'
        '{"type":"Feature","properties":{"n":null,"ok":null},"geometry":null},'
        '{"type":"Feature","properties":{"n":3,"ok":false},'
        '"geometry":{"type":"Point","coordinates":[116.2,39.9]}}]}',
        encoding="utf-8",
    )
    with pytest.raises(ImportValidationError) as info:
        read_features(path)
    assert [(e.row, e.field, e.reason) for e in info.value.errors] == [
        (2, "geometry", "missing geometry")
    ]


def test_integer_columns_with_nulls_stay_integers(tmp_path: Path) -> None:
    path = tmp_path / "ints.gpkg"
    write_features(path, _district_features())
    crews = [f.properties["crew"] for f in read_features(path)]
    assert crews == [24, None, 0]
    assert all(type(c) is int for c in crews if c is not None)


def test_geopackage_layers(tmp_path: Path) -> None:
    path = tmp_path / "district.gpkg"
    features = _district_features()
    write_features(path, features[:1], layer="stations")
    write_features(path, features[2:], layer="townships")
    with pytest.raises(
        InvalidInputError, match="holds 2 layers; choose one of: stations, townships"
    ):
        read_features(path)
    with pytest.raises(InvalidInputError, match="no layer 'roads'; layers: stations, townships"):
        read_features(path, layer="roads")
    (township,) = read_features(path, layer="townships")
    assert township.properties["name"] == "大峪街道"


def test_mentougou_gcj02_file_reads_into_wgs84(shared_data: Path) -> None:
    folder = shared_data / "mentougou"
    (ours,) = read_features(folder / "district.amap-gcj02.geojson", crs="gcj02")
    (provided,) = read_features(folder / "district.amap-converted-wgs84.geojson")
    assert_allclose(
        shapely.get_coordinates(ours.geometry),
        shapely.get_coordinates(provided.geometry),
        rtol=0,
        atol=1e-7,
    )


# --------------------------------------------------------------------------- CSV


CSV_TEXT = (
    "name,lon,lat,kind\n门头沟区消防救援支队,116.1021,39.9403,站\n永定镇,116.0852,39.9001,镇\n"
)


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030")],
)
def test_csv_encodings(tmp_path: Path, encoding: str, reported: str) -> None:
    path = tmp_path / "places.csv"
    path.write_bytes(CSV_TEXT.encode(encoding))
    result = read_csv_points(path, crs="wgs84")
    assert result.encoding == reported
    assert result.errors == []
    assert result.fields == ["name", "lon", "lat", "kind"]  # no BOM glued to "name"
    assert [f.properties["name"] for f in result.features] == ["门头沟区消防救援支队", "永定镇"]
    assert result.features[0].geometry.equals(Point(116.1021, 39.9403))


def test_csv_reports_every_bad_row_and_keeps_the_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "hydrants.csv"
    path.write_text(
        "id,lon,lat\n"
        "H1,116.10,39.94\n"
        "H2,116.11,北纬39度\n"  # non-numeric latitude
        "H3,216.11,39.94\n"  # longitude out of range
        "H4,,39.94\n"  # empty
        "\n"  # blank line: skipped, but counted like the spreadsheet counts it
        "H6,39.94,116.12\n"  # swapped columns
        "H7,116.12,39.95\n",
        encoding="utf-8",
    )
    result = read_csv_points(path, crs="gcj02")
    assert [f.properties["id"] for f in result.features] == ["H1", "H7"]
    assert [f.row for f in result.features] == [1, 7]
    assert [(e.row, e.field) for e in result.errors] == [
        (2, "lat"),
        (3, "lon"),
        (4, "lon"),
        (6, "lat"),
    ]
    reasons = [e.reason for e in result.errors]
    assert reasons[0] == "not a number: '北纬39度'"
    assert "216.11" in reasons[1] and "out of range" in reasons[1]
    assert reasons[2] == "empty"
    assert "swapped" in reasons[3]
    # GCJ-02 declared: the good points were moved back to WGS84.
    assert not result.features[0].geometry.equals(Point(116.10, 39.94))

    with pytest.raises(ImportValidationError, match=r"hydrants\.csv: 4 invalid row\(s\)"):
        read_features(path, crs="gcj02")


def test_csv_in_gauss_kruger_with_custom_columns(tmp_path: Path) -> None:
    x, y = from_wgs84([116.1, 116.2], [39.9, 40.0], crs="EPSG:4548")
    path = tmp_path / "survey.csv"
    path.write_text(f"编号,X,Y\n1,{x[0]},{y[0]}\n2,{x[1]},{y[1]}\n", encoding="utf-8")
    result = read_csv_points(path, crs="EPSG:4548", lon_field="X", lat_field="Y")
    assert result.errors == []
    coords = np.array([[f.geometry.x, f.geometry.y] for f in result.features])
    assert_allclose(coords, [[116.1, 39.9], [116.2, 40.0]], rtol=0, atol=1e-9)


def test_csv_missing_coordinate_column_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("name,x,y\nA,1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"stations\.csv: no column 'lon', 'lat'; columns"):
        read_csv_points(path, crs="wgs84")


def test_csv_needs_a_declared_crs(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    with pytest.raises(InvalidInputError, match="carries no CRS"):
        read_features(path)


def test_csv_write_keeps_columns_and_round_trips(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(CSV_TEXT, encoding="utf-8")
    features = read_csv_points(src, crs="wgs84").features
    out = tmp_path / "out.csv"
    assert write_features(out, features, crs="bd09") == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to show Chinese
    assert raw.decode("utf-8-sig").splitlines()[0] == "name,lon,lat,kind"
    back = read_csv_points(out, crs="bd09").features
    assert [f.properties["kind"] for f in back] == ["站", "镇"]
    for a, b in zip(back, features, strict=True):
        assert a.geometry.equals_exact(b.geometry, tolerance=1e-7)


def test_csv_write_refuses_non_points(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"points only; record\(s\) 2, 3 are not a point"):
        write_features(tmp_path / "x.csv", _district_features())


# --------------------------------------------------------------------------- file errors


@pytest.mark.parametrize("name", ["nowhere.geojson", "nowhere.csv", "nowhere.shp"])
def test_missing_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with pytest.raises(InvalidInputError, match="no such file") as info:
        read_features(path, crs="wgs84")
    assert str(path) in str(info.value)


@pytest.mark.parametrize("name", ["empty.geojson", "empty.csv", "empty.gpkg"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="is empty") as info:
        read_features(path, crs="wgs84")
    assert str(path) in str(info.value)


def test_csv_with_header_only(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("lon,lat\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"header\.csv: no data rows"):
        read_csv_points(path, crs="wgs84")


def test_feature_collection_without_features(tmp_path: Path) -> None:
    path = tmp_path / "none.geojson"
    path.write_text('{"type":"FeatureCollection","features":[]}', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"none\.geojson: contains no features"):
        read_features(path)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text("this is not JSON", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"broken\.geojson: cannot read as GeoJSON"):
        read_features(path)


def test_unsupported_suffix(tmp_path: Path) -> None:
    path = tmp_path / "district.kml"
    path.write_text("<kml/>", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"unsupported format '\.kml'"):
        read_features(path)
    with pytest.raises(InvalidInputError, match=r"unsupported format '\.kml'"):
        write_features(path, _district_features())
