"""``firegrid geo convert`` end to end, through the real Typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from typer.testing import CliRunner

from firegrid.cli.main import app
from firegrid.geo.crs import from_wgs84, metric_crs_for, transform_geometry
from firegrid.geo.io import read_csv_points, read_features

runner = CliRunner()


def _one_line(text: str) -> str:
    # The error console wraps long lines at the terminal width; the message is one sentence.
    return " ".join(text.split())


def _squash(text: str) -> str:
    # Long temporary paths may even be folded mid-word: compare without any whitespace.
    return "".join(text.split())


def _iou(a: BaseGeometry, b: BaseGeometry) -> float:
    metric = metric_crs_for(a.centroid.x, a.centroid.y)
    pa = transform_geometry(a, src="wgs84", dst=metric)
    pb = transform_geometry(b, src="wgs84", dst=metric)
    return float(pa.intersection(pb).area / pa.union(pb).area)


def test_convert_mentougou_amap_boundary_to_wgs84(shared_data: Path, tmp_path: Path) -> None:
    folder = shared_data / "mentougou"
    out = tmp_path / "mentougou.wgs84.geojson"
    result = runner.invoke(
        app,
        [
            "geo",
            "convert",
            str(folder / "district.amap-gcj02.geojson"),
            str(out),
            "--from",
            "gcj02",
            "--to",
            "wgs84",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"wrote 1 feature(s) to {out} (gcj02 -> wgs84)"

    converted = shape(json.loads(out.read_text(encoding="utf-8"))["features"][0]["geometry"])
    osm = next(
        f.geometry
        for f in read_features(folder / "district_and_townships.osm.geojson")
        if f.properties["name"] == "门头沟区"
    )
    assert _iou(converted, osm) >= 0.99


def test_bad_from_value_exits_2_naming_it(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("lon,lat\n116.1,39.9\n", encoding="utf-8")
    result = runner.invoke(
        app, ["geo", "convert", str(src), str(tmp_path / "out.csv"), "--from", "gcj-2"]
    )
    assert result.exit_code == 2
    message = _one_line(result.stderr)
    assert message.startswith("error: unknown CRS 'gcj-2'; accepted: wgs84, gcj02, bd09")
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.csv").exists()


def test_convert_csv_from_baidu_to_gauss_kruger(tmp_path: Path) -> None:
    src = tmp_path / "hydrants.csv"
    x, y = from_wgs84([116.10, 116.20], [39.94, 39.95], crs="bd09")
    src.write_text(f"编号,经度,纬度\nH1,{x[0]},{y[0]}\nH2,{x[1]},{y[1]}\n", encoding="gb18030")
    out = tmp_path / "hydrants.gk.csv"
    args = ["geo", "convert", str(src), str(out), "--from", "BD-09", "--to", "EPSG:4548"]
    args += ["--lon-field", "经度", "--lat-field", "纬度"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "wrote 2 feature(s)" in result.stdout

    back = read_csv_points(out, crs="EPSG:4548", lon_field="经度", lat_field="纬度")
    assert back.fields == ["编号", "经度", "纬度"]
    assert [(round(f.geometry.x, 7), round(f.geometry.y, 7)) for f in back.features] == [
        (116.10, 39.94),
        (116.20, 39.95),
    ]


def test_bad_rows_are_listed_and_nothing_is_written(tmp_path: Path) -> None:
    src = tmp_path / "stations.csv"
    src.write_text("name,lon,lat\nA,116.1,39.9\nB,116.2,abc\nC,516.2,39.9\n", encoding="utf-8")
    out = tmp_path / "stations.geojson"
    result = runner.invoke(app, ["geo", "convert", str(src), str(out), "--from", "wgs84"])
    assert result.exit_code == 1
    assert "2 invalid row(s)" in _one_line(result.stderr)
    assert "row 2 lat: not a number: 'abc'" in _one_line(result.stderr)
    assert "row 3 lon: longitude 516.2 out of range" in _one_line(result.stderr)
    assert not out.exists()


def test_existing_output_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("lon,lat\n116.1,39.9\n", encoding="utf-8")
    out = tmp_path / "out.geojson"
    out.write_text("keep me", encoding="utf-8")
    result = runner.invoke(app, ["geo", "convert", str(src), str(out), "--from", "wgs84"])
    assert result.exit_code == 2
    assert "already exists; pass --overwrite" in _one_line(result.stderr)
    assert out.read_text(encoding="utf-8") == "keep me"

    result = runner.invoke(
        app, ["geo", "convert", str(src), str(out), "--from", "wgs84", "--overwrite"]
    )
    assert result.exit_code == 0, result.output
    (feature,) = read_features(out)
    assert feature.geometry.coords[0] == pytest.approx((116.1, 39.9))


def test_csv_to_geojson_drops_the_stale_coordinate_columns(tmp_path: Path) -> None:
    src = tmp_path / "amap.csv"
    src.write_text("name,lon,lat\n永定镇,116.0852,39.9001\n", encoding="utf-8")
    out = tmp_path / "wgs84.geojson"
    result = runner.invoke(app, ["geo", "convert", str(src), str(out), "--from", "gcj02"])
    assert result.exit_code == 0, result.output
    (feature,) = read_features(out)
    # Only the name survives: GCJ-02 numbers next to a WGS84 point would mislead.
    assert feature.properties == {"name": "永定镇"}
    assert feature.geometry.x != pytest.approx(116.0852, abs=1e-4)


def test_missing_input_exits_2_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.geojson"
    result = runner.invoke(app, ["geo", "convert", str(missing), str(tmp_path / "o.geojson")])
    assert result.exit_code == 2
    assert _squash(f"{missing}: no such file") in _squash(result.stderr)
