"""``firegrid iot decode``: decode one GB/T 26875.3 frame given as hex."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Annotated, Any

import typer

from firegrid.cli.common import JsonOption, emit_json, err_console
from firegrid.errors import FiregridError
from firegrid.iot.adu import AduError, decode_adu, type_name
from firegrid.iot.codec import Command, Frame, FrameError, decode_frame
from firegrid.iot.profiles import VendorProfile, load_profile

__all__ = ["decode_cmd", "frame_as_dict"]


def _iso(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def frame_as_dict(frame: Frame, *, profile: VendorProfile | None = None) -> dict[str, Any]:
    """The JSON shape of ``firegrid iot decode --json`` (raises AduError for a bad ADU)."""
    adu = decode_adu(frame.adu, command=frame.command, profile=profile)
    return {
        "serial": frame.serial,
        "version": f"{frame.version[0]}.{frame.version[1]}",
        "time": _iso(frame.time),
        "source": frame.source,
        "destination": frame.destination,
        "command": frame.command,
        "adu": None
        if adu is None
        else {
            "type": adu.type,
            "name": type_name(adu.type, profile),
            "objects": [_jsonable(o) for o in adu.objects],
        },
    }


def _fail(json_out: bool, message: str, reason: str) -> typer.Exit:
    if json_out:
        emit_json({"error": message, "reason": reason})
    else:
        err_console.print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(1)


def decode_cmd(
    hex_text: Annotated[
        str, typer.Argument(metavar="HEX", help="The frame in hex; spaces are allowed.")
    ],
    json_out: JsonOption = False,
    profile: Annotated[
        str | None,
        typer.Option("--profile", help="Vendor profile name or .toml path (private types)."),
    ] = None,
) -> None:
    """Decode one GB/T 26875.3 frame and its application data unit."""
    cleaned = "".join(ch for ch in hex_text if ch not in string.whitespace)
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    try:
        data = bytes.fromhex(cleaned)
    except ValueError:
        raise _fail(json_out, f"not hexadecimal: {hex_text[:60]!r}", "bad_hex") from None
    try:
        vendor = load_profile(profile) if profile else None
        frame = decode_frame(data)
        payload = frame_as_dict(frame, profile=vendor)
    except FrameError as exc:
        raise _fail(json_out, str(exc), exc.reason) from exc
    except AduError as exc:
        raise _fail(json_out, str(exc), "bad_adu") from exc
    except FiregridError as exc:
        raise _fail(json_out, str(exc), "error") from exc
    if json_out:
        emit_json(payload)
        return
    command = payload["command"]
    label = Command(command).name.lower() if 1 <= command <= 6 else "user-defined"
    typer.echo(
        f"serial {payload['serial']}  version {payload['version']}  time {payload['time']}\n"
        f"source {payload['source']} -> destination {payload['destination']}  "
        f"command {command} ({label})"
    )
    adu = payload["adu"]
    if adu is None:
        typer.echo("ADU: empty (heartbeat / confirm / deny)")
        return
    typer.echo(f"ADU type {adu['type']} ({adu['name']}), {len(adu['objects'])} object(s)")
    for i, obj in enumerate(adu["objects"]):
        flags = {k: v for k, v in obj.items() if isinstance(v, dict)}
        plain = {k: v for k, v in obj.items() if not isinstance(v, dict)}
        line = "  ".join(f"{k}={v}" for k, v in plain.items())
        for name, bits in flags.items():
            on = [b for b, set_ in bits.items() if set_]
            line += f"  {name}=[{','.join(on)}]"
        typer.echo(f"  [{i}] {line}")
