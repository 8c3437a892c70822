"""The index configuration: the bundled ``data/index_default.toml`` or a district's own file."""

from __future__ import annotations

import os
from functools import cache
from importlib import resources
from pathlib import Path

from firegrid.errors import ConfigurationError
from firegrid.risk.index import IndexConfig, parse_index_config

_BUNDLED = "index_default.toml"


@cache
def _bundled() -> IndexConfig:
    text = resources.files("firegrid.risk").joinpath("data", _BUNDLED).read_text("utf-8")
    return parse_index_config(text, source=f"firegrid/risk/data/{_BUNDLED}")


def load_index_config(path: str | os.PathLike[str] | None = None) -> IndexConfig:
    """The bundled index configuration, or a district's own file (same schema)."""
    if path is None:
        return _bundled()
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{p}: cannot read index configuration: {exc}") from exc
    return parse_index_config(text, source=str(p))
