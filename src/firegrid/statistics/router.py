"""HTTP routes of the statistics domain (thin: parse, call the service, return)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["statistics"])
