"""Pydantic I/O for login, users and the audit log (passwords are SecretStr: never echoed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from firegrid.types import Role

__all__ = ["AuditEntryOut", "LoginIn", "TokenOut", "UserCreateIn", "UserCreatedOut", "UserOut"]


class LoginIn(BaseModel):
    """Credentials for ``POST /api/auth/login``."""

    username: str = Field(min_length=1, max_length=64)
    password: SecretStr = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    """A user as others see it (no password hash)."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    role: Role
    display_name: str
    active: bool = True


class TokenOut(BaseModel):
    """A successful login: the bearer token (shown once), its expiry and the user."""

    token: str
    expires_at: datetime
    user: UserOut


class UserCreateIn(BaseModel):
    """A new user; without a password one is generated and returned once."""

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    role: Role
    display_name: str = Field(default="", max_length=128)
    password: SecretStr | None = Field(default=None, max_length=1024)


class UserCreatedOut(BaseModel):
    """The created user, and the generated password when none was given (shown only here)."""

    user: UserOut
    generated_password: str | None = None


class AuditEntryOut(BaseModel):
    """One audit row: who did what to which record, when, with the values before and after."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str
