"""Demo district specifications (``demo/data/<code>/district.toml``), validated on load."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from firegrid.errors import ConfigurationError, NotFoundError

__all__ = ["DemoSpec", "PublishedTableSpec", "available_demos", "data_path", "load_spec"]

_ROOT = "firegrid.demo"


@dataclass(frozen=True)
class PublishedTableSpec:
    code: str
    title: str
    source: str
    columns: list[dict[str, Any]]
    rows: list[list[str]]


@dataclass(frozen=True)
class DemoSpec:
    code: str
    version: str
    raw: dict[str, Any]
    published: dict[str, PublishedTableSpec] = field(default_factory=dict)

    def table(self, code: str) -> PublishedTableSpec:
        for t in self.published.values():
            if t.code == code:
                return t
        raise ConfigurationError(f"demo {self.code}: no published table {code!r}")


def data_path(code: str, filename: str) -> Path:
    """Path of a file shipped with a demo district."""
    path = Path(str(resources.files(_ROOT).joinpath("data", code, filename)))
    if not path.is_file():
        raise ConfigurationError(f"demo {code}: data file {filename!r} is missing from the package")
    return path


def available_demos() -> list[str]:
    root = Path(str(resources.files(_ROOT).joinpath("data")))
    return sorted(p.parent.name for p in root.glob("*/district.toml"))


def load_spec(code: str) -> DemoSpec:
    if code not in available_demos():
        raise NotFoundError(f"no demo district {code!r}; available: {', '.join(available_demos())}")
    path = data_path(code, "district.toml")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path}: {exc}") from exc
    for key in ("code", "version", "name_zh", "boundary"):
        if key not in raw:
            raise ConfigurationError(f"{path}: missing {key!r}")
    published = {}
    for name, t in raw.get("published", {}).items():
        width = len(t["columns"]) + 1
        for i, row in enumerate(t["rows"], start=1):
            if len(row) != width:
                raise ConfigurationError(
                    f"{path}: published.{name} row {i} has {len(row)} cells, expected {width}"
                )
        published[name] = PublishedTableSpec(
            code=t["code"],
            title=t["title"],
            source=t["source"],
            columns=t["columns"],
            rows=t["rows"],
        )
    return DemoSpec(code=raw["code"], version=raw["version"], raw=raw, published=published)
