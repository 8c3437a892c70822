"""Helpers shared by the browser tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from firegrid.db.session import Database

__all__ = ["LiveServer", "PageLog"]


@dataclass
class LiveServer:
    url: str
    db: Database


@dataclass
class PageLog:
    """Every request the page made and every console error or uncaught exception."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def foreign_requests(self, origin: str) -> list[str]:
        return [u for u in self.requests if not (u.startswith(origin + "/") or u == origin)]
