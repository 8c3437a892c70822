"""Authentication routes (login, logout, me) and the audit log."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api", tags=["accounts"])
