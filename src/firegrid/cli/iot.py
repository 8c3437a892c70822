"""``firegrid iot``: the GB/T 26875.3 gateway (+ optional MQTT ingest), the traffic simulator,
devices, alarms and the frame decoder."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Annotated

import typer

from firegrid.cli.common import (
    DbOption,
    JsonOption,
    cli_actor,
    emit_json,
    err_console,
    existing_db,
    handle_errors,
)
from firegrid.cli.iot_codec import decode_cmd
from firegrid.errors import InvalidInputError

__all__ = ["app"]

app = typer.Typer(
    help="IoT sensing (消防物联感知): GB/T 26875.3 gateway, MQTT ingest, simulator, alarms.",
    no_args_is_help=True,
)
app.command("decode")(decode_cmd)

DistrictOption = Annotated[str, typer.Option("--district", help="District code.")]


@app.command()
@handle_errors
def gateway(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port for transmission devices.")] = 9026,
    district: Annotated[
        str | None,
        typer.Option(
            "--district",
            help="Register unknown devices as unregistered in this district "
            "(default: refuse them with a deny).",
        ),
    ] = None,
    heartbeat_interval: Annotated[
        float, typer.Option(help="Expected heartbeat interval of the devices (s).")
    ] = 60.0,
    missed_heartbeats: Annotated[
        int, typer.Option(help="Heartbeats missed before a device counts as offline.")
    ] = 3,
    request_timeout: Annotated[
        float, typer.Option(help="Down-link retry timeout (s); the standard allows ≤ 10.")
    ] = 10.0,
    mqtt_host: Annotated[
        str,
        typer.Option(
            envvar="FIREGRID_IOT_MQTT_HOST",
            help="MQTT broker to ingest 三水一报警 sensors from (empty: no MQTT).",
        ),
    ] = "",
    mqtt_port: Annotated[int, typer.Option(envvar="FIREGRID_IOT_MQTT_PORT")] = 1883,
    mqtt_topic: Annotated[
        str, typer.Option(envvar="FIREGRID_IOT_MQTT_TOPIC", help="Topic template.")
    ] = "firegrid/{district}/{device}/reading",
) -> None:
    """Run the alarm gateway until interrupted (Ctrl-C / SIGTERM)."""
    from firegrid.iot.gateway import Gateway
    from firegrid.iot.mqtt import run_mqtt
    from firegrid.iot.pipeline import Pipeline
    from firegrid.iot.profiles import load_profile
    from firegrid.iot.service import device_profiles

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with existing_db(db) as database:
        with database.session(actor=cli_actor()) as s:
            profiles = {a: load_profile(p) for a, p in device_profiles(s).items()}

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stop.set)
            pipeline = Pipeline(database, default_district=district)
            pipeline.start()
            gw = Gateway(
                pipeline,
                heartbeat_interval_s=heartbeat_interval,
                missed_heartbeats=missed_heartbeats,
                request_timeout_s=request_timeout,
                profiles=profiles,
            )
            bound = await gw.start(host, port)
            mqtt_task = None
            if mqtt_host:
                mqtt_task = loop.create_task(
                    run_mqtt(pipeline, host=mqtt_host, port=mqtt_port, template=mqtt_topic)
                )
            err_console.print(
                f"firegrid iot gateway on {host}:{bound} (database {database.url}; "
                f"unknown devices: {'register in ' + district if district else 'refused'}; "
                f"MQTT: {f'{mqtt_host}:{mqtt_port} {mqtt_topic}' if mqtt_host else 'off'})"
            )
            await stop.wait()
            if mqtt_task is not None:
                mqtt_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await mqtt_task
            await gw.close()
            await pipeline.close()
            err_console.print(
                f"stopped: {gw.stats.confirmed} frame(s) confirmed, {gw.stats.denied} denied"
            )

        asyncio.run(main())


@app.command()
@handle_errors
def simulate(
    devices: Annotated[int, typer.Option(min=1, max=20_000, help="Simulated devices.")] = 100,
    rate: Annotated[
        float, typer.Option(min=0.001, help="Frames per second sent by each device.")
    ] = 10.0,
    host: Annotated[str, typer.Option(help="Gateway host.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Gateway port.")] = 9026,
    duration: Annotated[float, typer.Option(min=0.1, help="Seconds to run.")] = 10.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    base_address: Annotated[
        str, typer.Option(help="Address of the first device (hex, 48 bits).")
    ] = "100000000000",
    json_out: JsonOption = False,
) -> None:
    """Send realistic device traffic (heartbeats, faults, alarms, analog values) to a gateway."""
    import numpy as np

    from firegrid.iot.simulator import run_simulation

    try:
        base = int(base_address, 16)
    except ValueError as exc:
        raise InvalidInputError(f"--base-address {base_address!r} is not hex") from exc
    stats = asyncio.run(
        run_simulation(
            host,
            port,
            devices=devices,
            rate_per_s=rate,
            duration_s=duration,
            rng=np.random.default_rng(seed),
            base_address=base,
        )
    )
    out = stats.as_dict()
    if json_out:
        emit_json(out)
        return
    typer.echo(
        f"{out['sent']} frames sent by {devices} devices in {duration:g} s, "
        f"{out['confirmed']} confirmed, {out['denied']} denied, "
        f"{out['retransmitted']} retransmitted, {out['reconnects']} reconnects"
    )
    if "p99_ms" in out:
        typer.echo(
            f"confirm latency p50 {out['p50_ms']:.1f} ms, p95 {out['p95_ms']:.1f} ms, "
            f"p99 {out['p99_ms']:.1f} ms"
        )
    typer.echo("by kind: " + ", ".join(f"{k} {v}" for k, v in out["by_kind"].items()))


@app.command()
@handle_errors
def devices(
    district: DistrictOption,
    db: DbOption = None,
    register: Annotated[
        str | None,
        typer.Option("--register", help="Register this GB/T 26875 address (hex) or MQTT name."),
    ] = None,
    mqtt: Annotated[bool, typer.Option("--mqtt", help="--register names an MQTT sensor.")] = False,
    building: Annotated[str | None, typer.Option("--building", help="Building code.")] = None,
    profile: Annotated[str, typer.Option("--profile", help="Vendor profile name.")] = "",
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    json_out: JsonOption = False,
) -> None:
    """List the district's devices with their online state (or register one)."""
    from firegrid.iot import service
    from firegrid.iot.models import IotProtocol

    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        if register is not None:
            if mqtt:
                service.register_device(
                    s,
                    district,
                    code=register,
                    protocol=IotProtocol.MQTT,
                    building_code=building,
                    profile=profile,
                    name=name,
                )
            else:
                try:
                    address = int(register, 16)
                except ValueError as exc:
                    raise InvalidInputError(f"--register {register!r}: not a hex address") from exc
                service.register_device(
                    s,
                    district,
                    address=address,
                    building_code=building,
                    profile=profile,
                    name=name,
                )
        rows = service.list_devices(s, district)
        rate = service.online_rate(s, district)
    if json_out:
        emit_json({"devices": rows, "online_rate": rate.as_dict()})
        return
    for d in rows:
        state = "online " if d["online"] else "offline"
        reg = "" if d["registered"] else "  (unregistered)"
        typer.echo(
            f"{d['code']:<16} {d['protocol']:<8} {state} {d['building_name'] or '-':<20} "
            f"last seen {d['last_seen_at'] or 'never'}{reg}"
        )
    value = "n/a" if rate.value is None else f"{rate.value:.1%}"
    typer.echo(f"online rate {rate.numerator}/{rate.denominator} = {value}")


@app.command()
@handle_errors
def alarms(
    district: DistrictOption,
    db: DbOption = None,
    all_states: Annotated[bool, typer.Option("--all", help="Include cleared states.")] = False,
    json_out: JsonOption = False,
) -> None:
    """Show active alarm states and the fire alarms waiting for the command centre."""
    from firegrid.iot import service
    from firegrid.iot.models import ProposalStatus

    with existing_db(db) as database, database.session(actor=cli_actor()) as s:
        rows = service.alarm_view(s, district, active_only=not all_states)
        pending = service.list_proposals(s, district, status=ProposalStatus.PROPOSED)
    if json_out:
        emit_json({"alarms": rows, "proposals": pending})
        return
    for a in rows:
        flags = [k for k in ("fire", "fault", "supervisory", "disabled") if a[k]] or ["normal"]
        where = a["device"]["building_name"] or a["device"]["code"]
        typer.echo(f"{'/'.join(flags):<12} {where:<20} {a['description']:<24} since {a['since']}")
    typer.echo(f"{len(rows)} alarm state(s); {len(pending)} fire alarm(s) awaiting dispatch")


if __name__ == "__main__":
    app()
