"""One settings object, ``FIREGRID_`` prefix, validated at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


def _default_db_url() -> str:
    return f"sqlite:///{Path.cwd() / 'firegrid.db'}"


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as ``FIREGRID_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FIREGRID_", extra="ignore")

    database_url: str = Field(default_factory=_default_db_url)
    #: Raster tile URL template for the web map; empty = no tiles (offline networks).
    tile_url: str = ""
    tile_attribution: str = ""
    #: Lifetime of a login token, in hours.
    token_ttl_hours: int = 12
    #: Where the real data sets of ../shared/data live (tests that need them skip without it).
    shared_data: Path | None = None
    default_language: str = "zh"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
