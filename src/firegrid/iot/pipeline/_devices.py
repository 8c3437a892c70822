"""Find the devices of a batch, and create unknown ones unregistered when the policy allows it
(see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from firegrid.districts.models import District
from firegrid.iot.models import (
    IotDevice,
    IotProtocol,
)
from firegrid.iot.pipeline._envelope import Envelope


@dataclass
class _Dev:
    id: int
    district_id: int
    tz: ZoneInfo
    online: bool
    building_id: int | None


def _key_of(env: Envelope) -> tuple[str, object]:
    if env.address is not None:
        return ("a", env.address)
    return ("c", (env.district, env.code))


def _load_devices(
    session: Session,
    envs: Sequence[Envelope],
    *,
    default_district: str | None,
    register_unknown: bool,
) -> dict[tuple[str, object], _Dev]:
    addresses = {e.address for e in envs if e.address is not None}
    codes = {(e.district, e.code) for e in envs if e.address is None and e.code}
    found: dict[tuple[str, object], _Dev] = {}
    tz_cache: dict[str, ZoneInfo] = {}

    def tz(name: str) -> ZoneInfo:
        if name not in tz_cache:
            tz_cache[name] = ZoneInfo(name)
        return tz_cache[name]

    cols = (
        IotDevice.id,
        IotDevice.district_id,
        District.timezone,
        IotDevice.online,
        IotDevice.building_id,
        IotDevice.address,
        IotDevice.code,
        District.code,
    )
    if addresses:
        rows = session.execute(
            select(*cols)
            .join(District, District.id == IotDevice.district_id)
            .where(IotDevice.address.in_(addresses))
            .order_by(District.code != (default_district or ""), IotDevice.id)
        ).all()
        for r in rows:
            found.setdefault(("a", r[5]), _Dev(r[0], r[1], tz(r[2]), r[3], r[4]))
    if codes:
        names = {c for _, c in codes}
        rows = session.execute(
            select(*cols)
            .join(District, District.id == IotDevice.district_id)
            .where(IotDevice.code.in_(names), IotDevice.address.is_(None))
        ).all()
        for r in rows:
            if (r[7], r[6]) in codes:
                found[("c", (r[7], r[6]))] = _Dev(r[0], r[1], tz(r[2]), r[3], r[4])
    # Unknown devices: create them unregistered when the policy allows (see module docstring).
    missing = [e for e in envs if _key_of(e) not in found]
    if not missing:
        return found
    districts: dict[str, District | None] = {}

    def district(code: str | None) -> District | None:
        if code is None:
            return None
        if code not in districts:
            districts[code] = session.scalar(select(District).where(District.code == code))
        return districts[code]

    created: list[tuple[tuple[str, object], IotDevice, District]] = []
    pending: set[tuple[str, object]] = set()
    for e in missing:
        key = _key_of(e)
        if key in found or key in pending:
            continue
        pending.add(key)
        if e.address is not None:
            d = district(default_district)
            if d is None:
                continue
            dev = IotDevice(
                district_id=d.id,
                code=f"{e.address:012x}",
                address=e.address,
                protocol=IotProtocol.GB26875,
                registered=False,
                source="announced itself to the gateway",
            )
        else:
            d = district(e.district) if register_unknown else None
            if d is None or not e.code:
                continue
            dev = IotDevice(
                district_id=d.id,
                code=e.code,
                protocol=IotProtocol.MQTT,
                registered=False,
                source="published to the MQTT broker",
            )
        session.add(dev)
        created.append((key, dev, d))
    if created:
        session.flush()
    for key, dev, d in created:
        found[key] = _Dev(dev.id, d.id, tz(d.timezone), False, None)
    return found
