"""Load a demo district: real boundaries, townships and places; stations, population and
personnel from its plan; published tables as printed; incidents generated from the published
totals (synthetic, seeded); dispatchable units, micro stations, water sources, key units and
pre-plans for the command centre (``demo.fleet``). Idempotent: loading twice changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.accounts import audit
from firegrid.db.session import Database
from firegrid.db.upsert import UpsertCounts, upsert_rows
from firegrid.demo.fleet import (
    FleetContext,
    load_key_units,
    load_micro_stations,
    load_units,
    load_water_sources,
)
from firegrid.demo.spec import DemoSpec, data_path, load_spec
from firegrid.demo.synthetic import (
    PointSampler,
    PolygonSampler,
    SettlementSampler,
    YearTotals,
    generate_incidents,
)
from firegrid.districts.models import District, DistrictPopulation, Place, Township
from firegrid.errors import ConfigurationError
from firegrid.geo.crs import area_km2, transform_geometry
from firegrid.incidents.models import Incident
from firegrid.personnel.models import PersonnelCount
from firegrid.stations.models import Apparatus, Station
from firegrid.statistics.models import PublishedFigure
from firegrid.statistics.published import parse_number, parse_row_key
from firegrid.types import (
    ApparatusStatus,
    LocationPrecision,
    PersonnelCategory,
    Staffing,
    StationClass,
    StationStatus,
    TownshipKind,
    VehicleType,
)
from firegrid.units import wan_to_persons, wanyuan_to_fen, yuan_to_fen

__all__ = ["DemoLoadReport", "load_demo"]

SETTLEMENT_KINDS = frozenset({"city", "town", "suburb", "village", "hamlet"})

Progress = Callable[[str], None]


@dataclass
class DemoLoadReport:
    district: str
    version: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    admin_password: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"district": self.district, "version": self.version, "counts": self.counts}


def _read_geojson(code: str, filename: str) -> dict[str, Any]:
    with data_path(code, filename).open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def _features(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if doc.get("type") == "FeatureCollection":
        return list(doc["features"])
    if doc.get("type") == "Feature":
        return [doc]
    return [{"type": "Feature", "properties": {}, "geometry": doc}]


def _geometry_json(geom: BaseGeometry) -> str:
    return json.dumps(mapping(shapely.set_precision(geom, 1e-7)), separators=(",", ":"))


def _township_kind(name: str) -> TownshipKind:
    if name.endswith("街道"):
        return TownshipKind.STREET
    if name.endswith("乡"):
        return TownshipKind.TOWNSHIP
    return TownshipKind.TOWN


class _Loader:
    def __init__(self, session: Session, spec: DemoSpec, progress: Progress) -> None:
        self.s = session
        self.spec = spec
        self.raw = spec.raw
        self.progress = progress
        self.report = DemoLoadReport(district=spec.code, version=spec.version)
        self.township_geoms: list[tuple[Township, BaseGeometry]] = []
        self.places: dict[str, Place] = {}

    def _count(self, what: str, counts: UpsertCounts) -> None:
        self.report.counts[what] = counts.as_dict()

    def count_optional(self, what: str, counts: UpsertCounts | None) -> None:
        if counts is not None:
            self._count(what, counts)

    # -- district, population ---------------------------------------------------------------
    def district(self) -> District:
        b = self.raw["boundary"]
        feats = _features(_read_geojson(self.spec.code, b["file"]))
        if "name" in b:
            feats = [f for f in feats if f["properties"].get("name") == b["name"]]
        if len(feats) != 1:
            raise ConfigurationError(f"demo {self.spec.code}: boundary {b} matches {len(feats)}")
        geom = shape(feats[0]["geometry"])
        if b.get("crs", "wgs84") != "wgs84":
            geom = transform_geometry(geom, src=b["crs"], dst="wgs84")
        row = {
            "code": self.spec.code,
            "name_zh": self.raw["name_zh"],
            "name_en": self.raw.get("name_en", ""),
            "adcode": self.raw.get("adcode"),
            "province": self.raw.get("province", ""),
            "boundary_geojson": _geometry_json(geom),
            "area_km2": round(area_km2(geom), 3),
            "source": self.raw.get("source", ""),
        }
        counts, objs = upsert_rows(self.s, District, [row], key=["code"], scope={})
        self._count("district", counts)
        self.boundary = geom
        return objs[(self.spec.code,)]

    def population(self, district: District) -> None:
        rows = []
        for p in self.raw.get("population", []):
            persons = p["persons"] if "persons" in p else wan_to_persons(p["wan"])
            rows.append(
                {
                    "year": p["year"],
                    "population": persons,
                    "source": p.get("source", ""),
                    "derived": bool(p.get("derived", False)),
                    "note": p.get("note", ""),
                }
            )
        counts, _ = upsert_rows(
            self.s, DistrictPopulation, rows, key=["year"], scope={"district_id": district.id}
        )
        self._count("population", counts)

    # -- townships and places ---------------------------------------------------------------
    def townships(self, district: District) -> None:
        spec = self.raw.get("townships")
        if not spec:
            return
        exclude = set(spec.get("exclude", []))
        place_feats = (
            _features(_read_geojson(self.spec.code, self.raw["places"]["file"]))
            if "places" in self.raw
            else []
        )
        rows, geoms = [], {}
        for f in _features(_read_geojson(self.spec.code, spec["file"])):
            name = f["properties"]["name"]
            if name in exclude:
                continue
            geom = shape(f["geometry"])
            seat = self._seat(name, geom, place_feats)
            rows.append(
                {
                    "code": f"osm:relation/{f['properties'].get('osm_id', '')}",
                    "name_zh": name,
                    "kind": _township_kind(name),
                    "boundary_geojson": _geometry_json(geom),
                    "area_km2": round(area_km2(geom), 3),
                    "seat_lon": round(seat.x, 6),
                    "seat_lat": round(seat.y, 6),
                    "source": "OpenStreetMap (ODbL)",
                }
            )
            geoms[name] = geom
        counts, objs = upsert_rows(
            self.s, Township, rows, key=["name_zh"], scope={"district_id": district.id}
        )
        self._count("townships", counts)
        self.township_geoms = [(objs[(n,)], g) for n, g in sorted(geoms.items())]
        for _, g in self.township_geoms:
            shapely.prepare(g)

    @staticmethod
    def _seat(name: str, geom: BaseGeometry, place_feats: list[dict[str, Any]]) -> Point:
        """The OSM town/suburb node of the same name inside the polygon, else a point inside."""
        for f in place_feats:
            props = f["properties"]
            if props.get("name") == name and props.get("fclass") in ("town", "suburb", "city"):
                pt = shape(f["geometry"])
                if geom.contains(pt):
                    return pt
        return geom.representative_point()

    def township_of(self, lon: float, lat: float) -> Township | None:
        for town, geom in self.township_geoms:
            if shapely.contains_xy(geom, lon, lat):
                return town
        return None

    def place_rows(self, district: District) -> None:
        rows: dict[str, dict[str, Any]] = {}
        # POIs first so that a node present in both files keeps its settlement record.
        for key in ("pois", "places"):
            if key not in self.raw:
                continue
            for f in _features(_read_geojson(self.spec.code, self.raw[key]["file"])):
                props = f["properties"]
                name = props.get("name")
                if not name:
                    continue
                lon, lat = f["geometry"]["coordinates"][:2]
                town = self.township_of(lon, lat)
                pop = props.get("population") or None
                rows[f"osm:{props['osm_id']}"] = {
                    "source_id": f"osm:{props['osm_id']}",
                    "township_id": town.id if town else None,
                    "name": name,
                    "kind": props.get("fclass", ""),
                    "is_settlement": key == "places" and props.get("fclass") in SETTLEMENT_KINDS,
                    "lon": round(float(lon), 7),
                    "lat": round(float(lat), 7),
                    "population": int(pop) if pop else None,
                }
        if not rows:
            return
        counts, objs = upsert_rows(
            self.s,
            Place,
            list(rows.values()),
            key=["source_id"],
            scope={"district_id": district.id},
        )
        self._count("places", counts)
        # By name, settlements winning over POIs of the same name.
        ordered = sorted(objs.values(), key=lambda p: (p.is_settlement, p.source_id))
        self.places = {o.name: o for o in ordered}

    # -- stations, personnel, apparatus -----------------------------------------------------
    def stations(self, district: District) -> dict[str, Station]:
        towns = {t.name_zh: t for t, _ in self.township_geoms}
        rows: list[dict[str, Any]] = []
        hosts: dict[str, str] = {}
        for st in self.raw.get("stations", []):
            if "host" in st:
                hosts[st["name"]] = st["host"]
            cls = StationClass(st["class"])
            lon = lat = None
            town = towns.get(st.get("township", ""))
            if "place" in st and st["place"] in self.places:
                lon, lat = self.places[st["place"]].lon, self.places[st["place"]].lat
            elif town is not None:
                lon, lat = town.seat_lon, town.seat_lat
            rows.append(
                {
                    "name": st["name"],
                    "township_id": town.id if town else None,
                    "station_class": cls,
                    "specialty": st.get("specialty"),
                    "staffing": Staffing(st["staffing"])
                    if "staffing" in st
                    else Staffing.default_for(cls),
                    "status": StationStatus(st["status"]),
                    "planned_year": st.get("planned_year"),
                    "lon": lon,
                    "lat": lat,
                    "location_precision": LocationPrecision.APPROXIMATE,
                    "building_area_m2": st.get("building_area_m2"),
                    "source": st.get("source", ""),
                    "note": st.get("note", "")
                    + ("" if lon is not None else " Location not published."),
                }
            )
        # A team hosted by a station (host not published: the TOML's assumption) sits at its
        # host; it is written after the hosts so that their ids exist.
        where = {r["name"]: r for r in rows}
        for name, host in hosts.items():
            h = where.get(host)
            if h is None or h["lon"] is None or host in hosts:
                raise ConfigurationError(
                    f"demo {self.spec.code}: {name} hosted by {host!r}, "
                    "which is not a located, unhosted station"
                )
            where[name].update(
                lon=h["lon"],
                lat=h["lat"],
                township_id=h["township_id"],
                note=(
                    where[name]["note"].replace(" Location not published.", "")
                    + f" Host and location not published: placed at its assumed host {host}"
                    " (firegrid's assumption for the demo, synthetic)."
                ).strip(),
            )
        counts, objs = upsert_rows(
            self.s,
            Station,
            [r for r in rows if r["name"] not in hosts],
            key=["name"],
            scope={"district_id": district.id},
        )
        hosted = [
            {**where[name], "host_station_id": objs[(host,)].id} for name, host in hosts.items()
        ]
        if hosted:
            counts += upsert_rows(
                self.s, Station, hosted, key=["name"], scope={"district_id": district.id}
            )[0]
        self._count("stations", counts)
        return {k[0]: v for k, v in objs.items()}

    def personnel(self, district: District) -> None:
        rows = [
            {
                "station_id": None,
                "year": p["year"],
                "category": PersonnelCategory(p["category"]),
                "count": p["count"],
                "source": p.get("source", ""),
            }
            for p in self.raw.get("personnel", [])
        ]
        if rows:
            counts, _ = upsert_rows(
                self.s,
                PersonnelCount,
                rows,
                key=["station_id", "year", "category"],
                scope={"district_id": district.id},
            )
            self._count("personnel", counts)

    def apparatus(self, district: District) -> None:
        rows = [
            {
                "code": a["code"],
                "vehicle_type": VehicleType(a["type"]),
                "status": ApparatusStatus(a["status"]),
                "commission_year": a.get("year"),
                "source": a.get("source", ""),
            }
            for a in self.raw.get("apparatus", [])
        ]
        if rows:
            counts, _ = upsert_rows(
                self.s, Apparatus, rows, key=["code"], scope={"district_id": district.id}
            )
            self._count("apparatus", counts)

    # -- published tables -------------------------------------------------------------------
    def published(self, district: District) -> None:
        rows = []
        for table in self.spec.published.values():
            for cells in table.rows:
                row_key, year = parse_row_key(cells[0])
                for col, raw in zip(table.columns, cells[1:], strict=True):
                    parts = col.get("parts")
                    if parts:
                        pieces = raw.split("/")
                        if len(pieces) != len(parts):
                            pieces = [""] * (len(parts) - 1) + [raw]
                        units = col.get("part_units", [col.get("unit", "")] * len(parts))
                        items = list(zip(parts, pieces, units, strict=True))
                    else:
                        items = [(col["key"], raw, col.get("unit", ""))]
                    for key, piece, unit in items:
                        rows.append(
                            {
                                "table_code": table.code,
                                "row_key": row_key,
                                "year": year,
                                "column_key": key,
                                "column_heading": col["heading"],
                                "measure": col.get("measure"),
                                "declared_unit": unit,
                                "raw_text": raw,
                                "value": parse_number(piece),
                                "source": table.source,
                            }
                        )
        counts, _ = upsert_rows(
            self.s,
            PublishedFigure,
            rows,
            key=["table_code", "row_key", "column_key"],
            scope={"district_id": district.id},
        )
        self._count("published_figures", counts)

    # -- synthetic incidents ----------------------------------------------------------------
    def _totals(self) -> list[YearTotals]:
        syn = self.raw["synthetic"]
        fires = self.spec.table(syn["from_table"])
        calls = self.spec.table(syn["calls_table"]) if "calls_table" in syn else None
        by_year: dict[int, dict[str, str]] = {}
        for table in [fires] + ([calls] if calls else []):
            for cells in table.rows:
                _, year = parse_row_key(cells[0])
                if year is None:
                    continue
                row = by_year.setdefault(year, {})
                for col, raw in zip(table.columns, cells[1:], strict=True):
                    if col.get("parts"):
                        for part, piece in zip(col["parts"], raw.split("/"), strict=True):
                            row[part] = piece
                    else:
                        row[col["key"]] = raw
        to_fen = yuan_to_fen if syn["loss_unit"] == "yuan" else wanyuan_to_fen

        def num(row: dict[str, str], key: str) -> int:
            value = parse_number(row.get(key, "0"))
            return int(value) if value is not None else 0

        out = []
        for year, row in sorted(by_year.items()):
            if "calls_fire" in row and num(row, "calls_fire") != num(row, "fires"):
                raise ConfigurationError(
                    f"demo {self.spec.code} {year}: fires {row['fires']} ≠ fire calls "
                    f"{row['calls_fire']}"
                )
            out.append(
                YearTotals(
                    year=year,
                    fires=num(row, "fires"),
                    deaths=num(row, "deaths"),
                    injuries=num(row, "injuries"),
                    loss_fen=to_fen(row["loss"].strip()) if "loss" in row else None,
                    rescue=num(row, "calls_rescue"),
                    social_assistance=num(row, "calls_social_assistance"),
                    other=num(row, "calls_other"),
                )
            )
        return out

    def _sampler(self) -> tuple[PointSampler, list[Township]]:
        syn = self.raw["synthetic"]
        if syn["spread"] == "district_polygon" or not self.township_geoms:
            return PolygonSampler(self.boundary), []
        towns = [t for t, _ in self.township_geoms]
        index = {t.id: i for i, t in enumerate(towns)}
        settle = [p for p in self.places.values() if p.is_settlement and p.township_id in index]
        settle.sort(key=lambda p: p.source_id)
        # Weight townships by resident population where every township has one, else by the
        # number of OSM settlements in it (a stand-in, stated in the records' source).
        if all(t.population for t in towns):
            weights = np.array([float(t.population or 0) for t in towns])
        else:
            weights = np.bincount(
                [index[p.township_id] for p in settle if p.township_id is not None],
                minlength=len(towns),
            ).astype(float)
        sampler = SettlementSampler(
            np.array([p.lon for p in settle]),
            np.array([p.lat for p in settle]),
            np.array([index[p.township_id] for p in settle if p.township_id is not None]),
            weights,
            [g for _, g in self.township_geoms],
        )
        return sampler, towns

    def incidents(self, district: District) -> None:
        syn = self.raw["synthetic"]
        sampler, towns = self._sampler()
        rng = np.random.default_rng(int(syn["seed"]))
        records = generate_incidents(
            self._totals(),
            sampler=sampler,
            rng=rng,
            tz=district.timezone,
            prefix=f"SYN-{self.spec.code.upper()}",
        )
        basis = "township settlements" if towns else "the district polygon"
        source = (
            f"synthetic: generated from published totals ({syn['from_table']}"
            + (f", {syn['calls_table']}" if "calls_table" in syn else "")
            + f"), seed {syn['seed']}, spread over {basis}"
        )
        rows = [
            {
                "external_id": r.external_id,
                "township_id": towns[r.township_index].id if r.township_index is not None else None,
                "received_at": r.received_at,
                "category": r.category,
                "lon": r.lon,
                "lat": r.lat,
                "location_precision": LocationPrecision.APPROXIMATE,
                "deaths": r.deaths,
                "injuries": r.injuries,
                "serious_injuries": 0,
                "loss_fen": r.loss_fen,
                "synthetic": True,
                "source": source,
            }
            for r in records
        ]
        counts, _ = upsert_rows(
            self.s, Incident, rows, key=["external_id"], scope={"district_id": district.id}
        )
        self._count("incidents", counts)


def load_demo(
    db: Database, code: str, *, actor: str, progress: Progress | None = None
) -> DemoLoadReport:
    """Load (or refresh) demo district ``code`` in one transaction."""
    say = progress or (lambda _msg: None)
    spec = load_spec(code)
    with db.session(actor=actor) as session:
        loader = _Loader(session, spec, say)
        say("district boundary")
        district = loader.district()
        loader.population(district)
        say("townships and places")
        loader.townships(district)
        loader.place_rows(district)
        say("stations, personnel, apparatus")
        loader.stations(district)
        loader.personnel(district)
        loader.apparatus(district)
        fleet = FleetContext(session, district, spec.raw)
        if "micro_stations" in spec.raw:
            say("micro stations (synthetic, at real POIs)")
            loader.count_optional("micro_stations", load_micro_stations(fleet))
        say("dispatchable units")
        loader.count_optional("units", load_units(fleet))
        if "water" in spec.raw:
            say("water sources (published counts, synthetic positions)")
            loader.count_optional("water_sources", load_water_sources(fleet, loader.township_geoms))
        if "key_units" in spec.raw:
            say("key units and pre-plans")
            key = load_key_units(fleet)
            if key is not None:
                loader.count_optional("key_units", key[0])
                loader.count_optional("pre_plans", key[1])
                say("enforcement staff, inspections and hazards (synthetic)")
                from firegrid.demo.supervision_demo import load_supervision_demo

                load_supervision_demo(session, district)
        if "water" in spec.raw:
            say("water-source history, equipment and training (synthetic)")
            from firegrid.demo.records_demo import load_records_demo

            for what, n in load_records_demo(session, district).items():
                say(f"  {what}: {n}")
        say("published tables")
        loader.published(district)
        say("synthetic incidents")
        loader.incidents(district)
        audit.record(
            session,
            action="demo_load",
            entity="district",
            entity_id=str(district.id),
            detail=json.dumps(loader.report.as_dict(), ensure_ascii=False),
        )
        session.commit()
        return loader.report


def existing_demo_codes(session: Session) -> list[str]:
    return list(session.scalars(select(District.code).order_by(District.code)))
