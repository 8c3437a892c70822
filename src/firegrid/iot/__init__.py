"""GB/T 26875.3 fire-monitoring IoT: protocol codec, gateway and alarm pipeline."""

from firegrid.iot.adu import Adu, AduError, decode_adu, encode_adu, parse_time, time_bytes
from firegrid.iot.codec import (
    MAX_ADU,
    Command,
    Frame,
    FrameError,
    FrameSplitter,
    confirm_for,
    decode_frame,
    deny_for,
    encode_frame,
)
from firegrid.iot.profiles import VendorProfile, load_profile

__all__ = [
    "MAX_ADU",
    "Adu",
    "AduError",
    "Command",
    "Frame",
    "FrameError",
    "FrameSplitter",
    "VendorProfile",
    "confirm_for",
    "decode_adu",
    "decode_frame",
    "deny_for",
    "encode_adu",
    "encode_frame",
    "load_profile",
    "parse_time",
    "time_bytes",
]
