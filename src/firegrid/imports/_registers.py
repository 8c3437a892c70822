"""Import kinds for the registers districts keep in spreadsheets: people (with certificates),
training attendance and units' monthly self-inspections.

Their records span several tables (a person and a certificate; a session and its attendees), so
each kind writes its rows itself, under the same rules as every import: all rows valid or
nothing written, every write audited, re-importing a file changes nothing.

Natural keys (within the district):

* **people** — a person by ``code`` (staff number) when the row gives one, else by name (a
  name shared by two people of the register must be told apart by code; a person registered
  without a code gets the file's); a certificate by (person, kind, number).
* **training** — a session by ``session_code``, or when the file has none by date and title
  (the code ``YYYY-MM-DD title``); an attendee by (session, name, organisation), the table's
  unique key. A new session is created; rows of one session must agree on its title, date
  and kind.
* **self_inspections** — (unit, month), the table's unique key; the unit is found by its
  building code or by its name, and an unknown unit is a row error.

Optional columns a file leaves out (or cells it leaves empty) never erase what the register
holds: only the cells given are written. The services in :mod:`firegrid.supervision.service`
and :mod:`firegrid.training.service` commit per call and refuse records that exist, which an
all-or-nothing, idempotent import cannot use; their rules (a certificate cannot expire before
it is issued, a self-inspection lists named items each ok or not and is ``all_ok`` only when
every item is, a reviewed self-inspection is not rewritten) are applied here to each row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.buildings.models import Building
from firegrid.db.base import Base
from firegrid.db.upsert import UpsertCounts
from firegrid.imports._kind import BuildContext, ImportKind
from firegrid.imports.fields import (
    Field,
    boolean,
    day,
    labeled,
    month,
    number,
    text,
    verdict,
)
from firegrid.personnel.models import Certificate, Person
from firegrid.supervision.models import SelfInspection
from firegrid.training.models import TrainingAttendance, TrainingSession
from firegrid.types import (
    CertificateKind,
    PersonnelCategory,
    SelfCheckReview,
    TraineeGroup,
    TrainingKind,
)

__all__ = ["REGISTER_KINDS"]


def _session(ctx: BuildContext) -> tuple[Session, int]:
    if ctx.session is None or ctx.district_id is None:
        raise RuntimeError("register imports need BuildContext.session and district_id")
    return ctx.session, ctx.district_id


def _cached(ctx: BuildContext, name: str, load: Callable[[Session, int], Any]) -> Any:
    if name not in ctx.cache:
        ctx.cache[name] = load(*_session(ctx))
    return ctx.cache[name]


def _station_id(v: dict[str, Any], ctx: BuildContext) -> int | None:
    name = v.get("station")
    if not name:
        return None
    st = ctx.station_by_name(name) if ctx.station_by_name is not None else None
    if st is None:
        raise ValueError(f"station: no station named {name!r} in this district")
    return st.id


def _apply(obj: Base, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True if any did."""
    changed = False
    for k, value in values.items():
        if getattr(obj, k) != value:
            setattr(obj, k, value)
            changed = True
    return changed


def _count(counts: UpsertCounts, changed: bool) -> None:
    if changed:
        counts.updated += 1
    else:
        counts.unchanged += 1


def _agree(
    rows: list[tuple[int, dict[str, Any]]],
    group: str,
    part: str,
    what: str,
    field_of: Callable[[str], str] = lambda k: k,
) -> list[tuple[int, str, str]]:
    """Rows with the same ``row[group]`` must give the same ``row[part][k]`` where both give it."""
    first: dict[Any, tuple[int, dict[str, Any]]] = {}
    errors = []
    for n, row in rows:
        seen = first.setdefault(row[group], (n, row))
        if seen[0] == n:
            continue
        for k, value in row[part].items():
            other = seen[1][part].get(k, value)
            if other != value:
                errors.append(
                    (
                        n,
                        field_of(k),
                        f"{what} {row[group]!s}: {_show(value)} here but {_show(other)} in row "
                        f"{seen[0]}",
                    )
                )
                break
    return errors


def _show(value: Any) -> str:
    return str(value.value) if hasattr(value, "value") else str(value)


def _merged(rows: list[dict[str, Any]], group: str, part: str) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for row in rows:
        out.setdefault(row[group], {}).update(row[part])
    return out


# -- people ------------------------------------------------------------------------------------

_CERT_FIELDS = ("certificate_number", "certificate_issued_on", "certificate_expires_on")


def _people_fields(_tz: str) -> tuple[Field, ...]:
    return (
        Field("name", text(100), required=True, aliases=("姓名", "人员姓名")),
        Field("code", text(64), aliases=("编号", "人员编号", "工号", "警号", "staff_no")),
        Field(
            "category",
            labeled(PersonnelCategory),
            required=True,
            aliases=("类别", "人员类别", "队伍类别"),
        ),
        Field("title", text(100), aliases=("职务", "岗位", "职务岗位")),
        Field("station", text(128), aliases=("队站", "所属队站")),
        Field(
            "is_enforcement_staff",
            boolean,
            aliases=("执法人员", "是否执法人员", "enforcement_staff"),
        ),
        Field("active", boolean, aliases=("在岗", "是否在岗", "在职")),
        Field("affiliation", text(500), aliases=("单位", "工作单位", "所属单位")),
        Field(
            "certificate_kind",
            labeled(CertificateKind),
            aliases=("证书类型", "证件类型", "certificate"),
        ),
        Field("certificate_number", text(64), aliases=("证书编号", "证件编号", "证号")),
        Field("certificate_issued_on", day(), aliases=("发证日期", "issued_on")),
        Field("certificate_expires_on", day(), aliases=("有效期至", "到期日期", "expires_on")),
        Field("source", text(500), aliases=("来源",)),
    )


def _people_check(v: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    if v.get("certificate_kind") is None and any(v.get(f) is not None for f in _CERT_FIELDS):
        out.append(("certificate_kind", "a certificate number or date is given without its kind"))
    issued, expires = v.get("certificate_issued_on"), v.get("certificate_expires_on")
    if issued is not None and expires is not None and expires < issued:
        out.append(
            (
                "certificate_expires_on",
                f"expires {expires.isoformat()} before it is issued {issued.isoformat()}",
            )
        )
    return out


def _load_people(session: Session, district_id: int) -> list[Person]:
    return list(session.scalars(select(Person).where(Person.district_id == district_id)))


def _find_person(ctx: BuildContext, code: str | None, name: str) -> Person | None:
    people: list[Person] = _cached(ctx, "people", _load_people)
    if code:
        for p in people:
            if p.code == code:
                return p
    named = [p for p in people if p.name == name and (not code or p.code is None)]
    if len(named) > 1:
        raise ValueError(
            f"{'code' if code else 'name'}: {len(named)} people of the register are named "
            f"{name!r}; give each one's code to say which"
        )
    return named[0] if named else None


def _people_row(v: dict[str, Any], _g: BaseGeometry | None, ctx: BuildContext) -> dict[str, Any]:
    code: str | None = v.get("code") or None
    existing = _find_person(ctx, code, v["name"])
    person: dict[str, Any] = {"name": v["name"], "category": v["category"]}
    if code:
        person["code"] = code
    for f in ("title", "is_enforcement_staff", "active", "affiliation"):
        if f in v:
            person[f] = v[f]
    if v.get("station"):
        person["station_id"] = _station_id(v, ctx)
    cert: dict[str, Any] | None = None
    if v.get("certificate_kind") is not None:
        cert = {"kind": v["certificate_kind"], "number": v.get("certificate_number") or ""}
        for f in ("issued_on", "expires_on"):
            if v.get(f"certificate_{f}") is not None:
                cert[f] = v[f"certificate_{f}"]
    return {
        "person_key": code or v["name"],
        "person_id": existing.id if existing is not None else None,
        "person": person,
        "certificate": cert,
        "certificate_kind": cert["kind"] if cert else None,
        "certificate_number": cert["number"] if cert else None,
        "source": v.get("source") or "import",
    }


_PERSON_FIELD = {"station_id": "station"}


def _people_cross(rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, str, str]]:
    return _agree(rows, "person_key", "person", "person", lambda k: _PERSON_FIELD.get(k, k))


def _write_people(session: Session, district_id: int, rows: list[dict[str, Any]]) -> UpsertCounts:
    counts = UpsertCounts()
    merged = _merged(rows, "person_key", "person")
    people: dict[str, Person] = {}
    for row in rows:
        key = row["person_key"]
        p = people.get(key)
        if p is None:
            if row["person_id"] is not None:
                p = session.get_one(Person, row["person_id"])
                _count(counts, _apply(p, merged[key]))
            else:
                p = Person(district_id=district_id, source=row["source"], **merged[key])
                session.add(p)
                counts.inserted += 1
            session.flush()
            people[key] = p
        cert = row["certificate"]
        if cert is None:
            continue
        old = session.scalars(
            select(Certificate).where(
                Certificate.person_id == p.id,
                Certificate.kind == cert["kind"],
                Certificate.number == cert["number"],
            )
        ).first()
        if old is None:
            session.add(Certificate(person_id=p.id, **cert))
            counts.inserted += 1
        else:
            _count(counts, _apply(old, cert))
    session.flush()
    return counts


# -- training ----------------------------------------------------------------------------------


def _training_fields(_tz: str) -> tuple[Field, ...]:
    return (
        Field(
            "session_title",
            text(200),
            required=True,
            aliases=("培训名称", "培训主题", "培训内容", "title"),
        ),
        Field("held_on", day(), required=True, aliases=("培训日期", "日期", "date")),
        Field(
            "kind", labeled(TrainingKind), required=True, aliases=("培训类型", "培训类别", "类型")
        ),
        Field("name", text(100), required=True, aliases=("姓名", "参训人员", "attendee")),
        Field(
            "group",
            labeled(TraineeGroup),
            required=True,
            aliases=("人员类别", "参训人员类别", "类别", "trainee_group"),
        ),
        Field("organisation", text(200), aliases=("单位", "所属单位", "社区", "organization")),
        Field("passed", verdict, aliases=("是否合格", "考核结果", "结果")),
        Field("score", number(0, 1000), aliases=("成绩", "分数", "得分")),
        Field("session_code", text(64), aliases=("培训编号", "班次编号")),
        Field("location", text(200), aliases=("地点", "培训地点")),
        Field("organiser", text(200), aliases=("组织单位", "主办单位", "organizer")),
        Field("station", text(128), aliases=("队站", "组织队站")),
        Field("person_code", text(64), aliases=("人员编号", "工号")),
        Field("source", text(500), aliases=("来源",)),
    )


def _session_code(held_on: Any, title: str) -> str:
    code = f"{held_on.isoformat()} {title}"
    if len(code) <= 64:
        return code
    digest = hashlib.sha1(title.encode()).hexdigest()[:8]  # a label, not security
    return f"{code[:54]}~{digest}"


def _load_sessions(session: Session, district_id: int) -> dict[str, TrainingSession]:
    q = select(TrainingSession).where(TrainingSession.district_id == district_id)
    return {s.code: s for s in session.scalars(q)}


def _training_row(v: dict[str, Any], _g: BaseGeometry | None, ctx: BuildContext) -> dict[str, Any]:
    code = v.get("session_code") or _session_code(v["held_on"], v["session_title"])
    existing = _cached(ctx, "training_sessions", _load_sessions).get(code)
    sess: dict[str, Any] = {"title": v["session_title"], "kind": v["kind"], "held_on": v["held_on"]}
    for f in ("location", "organiser"):
        if v.get(f):
            sess[f] = v[f]
    if v.get("station"):
        sess["station_id"] = _station_id(v, ctx)
    organisation = v.get("organisation") or ""
    att: dict[str, Any] = {"name": v["name"], "group": v["group"], "organisation": organisation}
    for f in ("passed", "score"):
        if v.get(f) is not None:
            att[f] = v[f]
    if v.get("person_code"):
        people: list[Person] = _cached(ctx, "people", _load_people)
        match = [p for p in people if p.code == v["person_code"]]
        if not match:
            raise ValueError(f"person_code: no person with code {v['person_code']!r} registered")
        att["person_id"] = match[0].id
    return {
        "session_code": code,
        "session_id": existing.id if existing is not None else None,
        "session": sess,
        "attendance": att,
        "name": v["name"],
        "organisation": organisation,
        "source": v.get("source") or "import",
    }


_SESSION_FIELD = {"title": "session_title", "station_id": "station"}


def _training_cross(rows: list[tuple[int, dict[str, Any]]]) -> list[tuple[int, str, str]]:
    return _agree(
        rows, "session_code", "session", "training session", lambda k: _SESSION_FIELD.get(k, k)
    )


def _write_training(session: Session, district_id: int, rows: list[dict[str, Any]]) -> UpsertCounts:
    counts = UpsertCounts()
    merged = _merged(rows, "session_code", "session")
    sessions: dict[str, TrainingSession] = {}
    for row in rows:
        code = row["session_code"]
        s = sessions.get(code)
        if s is None:
            if row["session_id"] is not None:
                s = session.get_one(TrainingSession, row["session_id"])
                _count(counts, _apply(s, merged[code]))
            else:
                s = TrainingSession(
                    district_id=district_id, code=code, source=row["source"], **merged[code]
                )
                session.add(s)
                counts.inserted += 1
            session.flush()
            sessions[code] = s
        att = row["attendance"]
        old = session.scalars(
            select(TrainingAttendance).where(
                TrainingAttendance.session_id == s.id,
                TrainingAttendance.name == att["name"],
                TrainingAttendance.organisation == att["organisation"],
            )
        ).first()
        if old is None:
            session.add(TrainingAttendance(district_id=district_id, session_id=s.id, **att))
            counts.inserted += 1
        else:
            _count(counts, _apply(old, att))
    session.flush()
    return counts


# -- self-inspections --------------------------------------------------------------------------

_ITEM_SEPARATORS = (";", "；", "\n")


def _items(cell: Any) -> list[dict[str, Any]]:
    """``item[:ok[:note]]`` entries separated by ``;``, ``；`` or line breaks (``：`` and ``=``
    work as the colon); an item without a status is ok."""
    s = str(cell)
    for sep in _ITEM_SEPARATORS[1:]:
        s = s.replace(sep, _ITEM_SEPARATORS[0])
    out = []
    for n, entry in enumerate((e.strip() for e in s.split(";")), 1):
        if not entry:
            continue
        parts = [p.strip() for p in entry.replace("：", ":").replace("=", ":").split(":", 2)]
        if not parts[0]:
            raise ValueError(f"item {n} ({entry!r}) has no name")
        ok = True
        if len(parts) > 1 and parts[1]:
            try:
                ok = verdict(parts[1])
            except ValueError:
                raise ValueError(
                    f"item {n} ({parts[0]}): status {parts[1]!r} is not 是/否 or 合格/不合格"
                ) from None
        out.append({"item": parts[0], "ok": ok, "note": parts[2] if len(parts) > 2 else ""})
    if not out:
        raise ValueError("no item named")
    return out


def _self_check_fields(_tz: str) -> tuple[Field, ...]:
    return (
        Field("unit", text(200), aliases=("单位名称", "单位", "unit_name")),
        Field("building_code", text(64), aliases=("建筑编号", "单位编号", "building")),
        Field("period", month, required=True, aliases=("月份", "自查月份", "期间")),
        Field("all_ok", verdict, aliases=("全部合格", "是否合格", "自查结果")),
        Field("items", _items, aliases=("自查项目", "检查项目", "自查内容")),
        Field("submitted_by", text(64), aliases=("填报人", "自查人", "检查人")),
    )


def _self_check_check(v: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    if not v.get("unit") and not v.get("building_code"):
        out.append(("unit", "give the unit's name or its building code"))
    items, all_ok = v.get("items"), v.get("all_ok")
    if items is None and all_ok is None:
        out.append(("items", "give the checked items or the overall result (all_ok)"))
    elif items is not None and all_ok is not None and all(i["ok"] for i in items) != all_ok:
        failed = [i["item"] for i in items if not i["ok"]]
        out.append(
            (
                "all_ok",
                f"all ok, but item(s) {', '.join(failed)} are marked failed"
                if all_ok
                else "not all ok, but no item is marked failed (write e.g. 灭火器:否)",
            )
        )
    return out


def _load_buildings(session: Session, district_id: int) -> list[Building]:
    return list(session.scalars(select(Building).where(Building.district_id == district_id)))


def _load_self_checks(session: Session, district_id: int) -> dict[tuple[int, str], SelfInspection]:
    q = select(SelfInspection).where(SelfInspection.district_id == district_id)
    return {(s.building_id, s.period): s for s in session.scalars(q)}


def _building(v: dict[str, Any], ctx: BuildContext) -> Building:
    buildings: list[Building] = _cached(ctx, "buildings", _load_buildings)
    code, name = v.get("building_code"), v.get("unit")
    if code:
        match = [b for b in buildings if b.code == code]
        if not match:
            raise ValueError(f"building_code: no unit with building code {code!r} in this district")
        if name and match[0].name != name:
            raise ValueError(
                f"unit: building {code} is {match[0].name!r}, not {name!r} (check the row)"
            )
        return match[0]
    match = [b for b in buildings if b.name == name]
    if not match:
        raise ValueError(f"unit: no unit named {name!r} in this district")
    if len(match) > 1:
        codes = ", ".join(b.code for b in match)
        raise ValueError(f"unit: {len(match)} units are named {name!r} ({codes}); give the code")
    return match[0]


def _self_check_row(
    v: dict[str, Any], _g: BaseGeometry | None, ctx: BuildContext
) -> dict[str, Any]:
    building = _building(v, ctx)
    items = v.get("items") or [{"item": "全部自查项目", "ok": bool(v.get("all_ok")), "note": ""}]
    row: dict[str, Any] = {
        "building_id": building.id,
        "period": v["period"],
        "items_json": json.dumps(items, ensure_ascii=False),
        "all_ok": all(i["ok"] for i in items),
    }
    if v.get("submitted_by"):
        row["submitted_by"] = v["submitted_by"]
    old = _cached(ctx, "self_checks", _load_self_checks).get((building.id, v["period"]))
    if (
        old is not None
        and old.review_result is not SelfCheckReview.PENDING
        and (old.items_json, old.all_ok) != (row["items_json"], row["all_ok"])
    ):
        raise ValueError(
            f"items: the {v['period']} self-inspection of {building.name} was already reviewed "
            f"({SelfCheckReview(old.review_result).value}); an import does not rewrite it"
        )
    return row


REGISTER_KINDS = (
    ImportKind(
        "people",
        Person,
        ("person_key", "certificate_kind", "certificate_number"),
        _people_fields,
        "none",
        _people_row,
        _people_check,
        cross_check=_people_cross,
        write=_write_people,
        key_fields=("name", "certificate_kind", "certificate_number"),
    ),
    ImportKind(
        "training",
        TrainingAttendance,
        ("session_code", "name", "organisation"),
        _training_fields,
        "none",
        _training_row,
        cross_check=_training_cross,
        write=_write_training,
        key_fields=("session_title", "name", "organisation"),
    ),
    ImportKind(
        "self_inspections",
        SelfInspection,
        ("building_id", "period"),
        _self_check_fields,
        "none",
        _self_check_row,
        _self_check_check,
        key_fields=("unit", "period"),
    ),
)
