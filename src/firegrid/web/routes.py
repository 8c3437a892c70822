"""Web pages (server-rendered, vendored JS; no CDN at run time)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
