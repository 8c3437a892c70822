"""Accounts use cases: users, roles and permissions, login tokens, the audit log.

Services own the commit and raise firegrid errors (never HTTP ones). Every ORM write is audited
by the session listener (``accounts/audit.py``); the named actions ``login``, ``login_failed``,
``logout`` and ``password_change`` are recorded here, never with a password or a hash.

Permissions are strings such as ``data:write``; :data:`ROLE_PERMISSIONS` is the one table that
grants them to roles, and :func:`require` the one check.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from firegrid.accounts import audit
from firegrid.accounts.models import ApiToken, AuditLog, User
from firegrid.accounts.passwords import (
    check_password_policy,
    dummy_verify,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from firegrid.db.base import utcnow
from firegrid.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from firegrid.types import Role

__all__ = [
    "BAD_CREDENTIALS",
    "BOOTSTRAP_ADMIN",
    "ROLE_PERMISSIONS",
    "IssuedToken",
    "Permission",
    "add_user",
    "audit_entries",
    "authenticate",
    "deactivate",
    "ensure_admin",
    "get_user",
    "has_permission",
    "issue_token",
    "list_users",
    "login",
    "parse_permission",
    "parse_role",
    "require",
    "revoke_token",
    "set_password",
    "set_role",
    "suggest_password",
    "user_for_token",
]


class Permission(StrEnum):
    """What a role may do; the values are the permission strings used everywhere."""

    DATA_READ = "data:read"
    DATA_WRITE = "data:write"
    PLANS_WRITE = "plans:write"
    DISPATCH_WRITE = "dispatch:write"
    INSPECTIONS_WRITE = "inspections:write"
    AUDIT_READ = "audit:read"
    USERS_MANAGE = "users:manage"


#: The one table granting permissions to roles.
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.ADMIN: frozenset(Permission),
        Role.PLANNER: frozenset(
            {Permission.DATA_READ, Permission.DATA_WRITE, Permission.PLANS_WRITE}
        ),
        Role.DISPATCHER: frozenset({Permission.DATA_READ, Permission.DISPATCH_WRITE}),
        Role.INSPECTOR: frozenset({Permission.DATA_READ, Permission.INSPECTIONS_WRITE}),
        Role.VIEWER: frozenset({Permission.DATA_READ}),
    }
)

#: The one message for an unknown username and a wrong password (no user enumeration).
BAD_CREDENTIALS = "wrong username or password"
#: Username :func:`ensure_admin` creates on an empty installation.
BOOTSTRAP_ADMIN = "admin"

_USERNAME = re.compile(r"[A-Za-z0-9_.-]{3,64}")
_DISPLAY_NAME_MAX = 128
_AUDIT_LIMIT_MAX = 1000


# --- roles and permissions -------------------------------------------------------------------


def parse_permission(text: str) -> Permission:
    """The :class:`Permission` named ``text``; InvalidInputError lists the known ones."""
    try:
        return Permission(text)
    except ValueError:
        known = ", ".join(p.value for p in Permission)
        raise InvalidInputError(f"unknown permission {text!r}; known: {known}") from None


def parse_role(value: Role | str) -> Role:
    """Accept a :class:`Role`, its value or its Chinese/English label."""
    if isinstance(value, Role):
        return value
    try:
        return cast(Role, Role.parse(value))
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None


def has_permission(user: User, permission: Permission | str) -> bool:
    """Whether an active ``user`` holds ``permission``."""
    return user.active and parse_permission(permission) in ROLE_PERMISSIONS[user.role]


def require(user: User, permission: Permission | str) -> None:
    """Raise PermissionDeniedError naming the user, role and permission unless it is granted."""
    perm = parse_permission(permission)
    if not user.active:
        raise PermissionDeniedError(f"user {user.username!r} is deactivated")
    if perm not in ROLE_PERMISSIONS[user.role]:
        raise PermissionDeniedError(
            f"user {user.username!r} (role {user.role.value}) lacks permission {perm.value!r}"
        )


# --- users -----------------------------------------------------------------------------------


def _check_username(username: str) -> None:
    if not _USERNAME.fullmatch(username):
        raise InvalidInputError(
            f"invalid username {username!r}: use 3-64 characters from A-Z a-z 0-9 _ . -"
        )


def _check_display_name(display_name: str) -> str:
    display_name = display_name.strip()
    if len(display_name) > _DISPLAY_NAME_MAX:
        raise InvalidInputError(
            f"display name too long: {len(display_name)} characters, "
            f"at most {_DISPLAY_NAME_MAX} allowed"
        )
    return display_name


def suggest_password(username: str) -> str:
    """A generated password that passes the policy for ``username`` (show it to the user once)."""
    while True:
        password = generate_password()
        if username.lower() not in password:
            return password


def get_user(session: Session, username: str) -> User:
    """Find a user by username; NotFoundError names it."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def list_users(session: Session) -> list[User]:
    """List every user (active and deactivated), by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def add_user(
    session: Session, username: str, password: str, role: Role | str, display_name: str = ""
) -> User:
    """Create an active user; ConflictError if the username is taken."""
    _check_username(username)
    check_password_policy(password, username=username)
    role = parse_role(role)
    display_name = _check_display_name(display_name)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ConflictError(f"username {username!r} is already taken")
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    try:
        session.commit()
    except IntegrityError as exc:  # a concurrent insert won the race for the unique name
        session.rollback()
        raise ConflictError(f"username {username!r} is already taken") from exc
    return user


def _revoke_all_tokens(session: Session, user: User) -> None:
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked.is_(False))
        .values(revoked=True)
    )


def set_password(session: Session, username: str, password: str) -> User:
    """Set a new password and end the user's open logins."""
    user = get_user(session, username)
    check_password_policy(password, username=username)
    user.password_hash = hash_password(password)
    _revoke_all_tokens(session, user)
    # The listener redacts the hash, so the change would be invisible without a named row.
    audit.record(
        session,
        action="password_change",
        entity=User.__tablename__,
        entity_id=str(user.id),
        detail=f"password of {username!r} changed; open logins revoked",
    )
    session.commit()
    return user


def _other_active_admins(session: Session, user: User) -> int:
    return (
        session.scalar(
            select(func.count(User.id)).where(
                User.role == Role.ADMIN, User.active.is_(True), User.id != user.id
            )
        )
        or 0
    )


def _keep_one_admin(session: Session, user: User, doing: str) -> None:
    if user.role == Role.ADMIN and user.active and _other_active_admins(session, user) == 0:
        raise ConflictError(
            f"cannot {doing} {user.username!r}: it is the last active admin; "
            "make another user admin first"
        )


def set_role(session: Session, username: str, role: Role | str) -> User:
    """Give a user another role (the last active admin keeps the admin role)."""
    user = get_user(session, username)
    role = parse_role(role)
    if role != Role.ADMIN:
        _keep_one_admin(session, user, f"make {role.value}")
    user.role = role
    session.commit()
    return user


def deactivate(session: Session, username: str) -> User:
    """Stop a user from logging in and revoke their tokens (the row stays for the audit log)."""
    user = get_user(session, username)
    _keep_one_admin(session, user, "deactivate")
    user.active = False
    _revoke_all_tokens(session, user)
    session.commit()
    return user


def ensure_admin(session: Session) -> str | None:
    """Make sure an active admin exists; return the generated password if one was made.

    On an installation without an active admin, the user ``admin`` is created (or, if it
    exists, re-activated as admin) with a generated password, which the caller shows once.
    """
    exists = session.scalar(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).limit(1)
    )
    if exists is not None:
        return None
    password = suggest_password(BOOTSTRAP_ADMIN)
    user = session.scalar(select(User).where(User.username == BOOTSTRAP_ADMIN))
    if user is None:
        session.add(
            User(
                username=BOOTSTRAP_ADMIN,
                display_name="Administrator",
                role=Role.ADMIN,
                password_hash=hash_password(password),
                active=True,
            )
        )
    else:
        user.role, user.active = Role.ADMIN, True
        user.password_hash = hash_password(password)
        _revoke_all_tokens(session, user)
        audit.record(
            session,
            action="password_change",
            entity=User.__tablename__,
            entity_id=str(user.id),
            detail="no active admin: bootstrap admin reset",
        )
    session.commit()
    return password


# --- login and tokens ------------------------------------------------------------------------


@contextmanager
def _acting_as(session: Session, actor: str) -> Iterator[None]:
    """Record writes inside the block as ``actor`` (a login is the user's own action)."""
    previous = session.info.get("actor")
    session.info["actor"] = actor
    try:
        yield
    finally:
        session.info["actor"] = previous


def _source(source: str) -> str:
    return f" from {source}" if source else ""


def authenticate(session: Session, username: str, password: str, *, source: str = "") -> User:
    """Check a username and password; record ``login`` or ``login_failed``.

    Unknown usernames and wrong passwords fail with the same message and take the same time.
    """
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        dummy_verify(password)
        ok = False
    else:
        ok = verify_password(password, user.password_hash)
    if user is None or not ok:
        audit.record(
            session,
            action="login_failed",
            entity=User.__tablename__,
            entity_id=None if user is None else str(user.id),
            detail=f"username {username[:64]!r}{_source(source)}",
        )
        session.commit()
        raise AuthenticationError(BAD_CREDENTIALS)
    if not user.active:
        audit.record(
            session,
            action="login_failed",
            entity=User.__tablename__,
            entity_id=str(user.id),
            detail=f"username {username!r} is deactivated{_source(source)}",
        )
        session.commit()
        raise AuthenticationError(f"account {username!r} is deactivated")
    with _acting_as(session, user.username):
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        audit.record(
            session,
            action="login",
            entity=User.__tablename__,
            entity_id=str(user.id),
            detail=f"username {username!r}{_source(source)}",
        )
        session.commit()
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A login: the bearer token (shown once, stored only as SHA-256) and when it expires."""

    user: User
    token: str
    expires_at: datetime


def _issue(session: Session, user: User, ttl_hours: float, now: datetime | None) -> IssuedToken:
    if not ttl_hours > 0:
        raise InvalidInputError(f"token lifetime must be positive, got {ttl_hours} hours")
    token = secrets.token_urlsafe(32)
    expires_at = (now or utcnow()) + timedelta(hours=ttl_hours)
    session.add(ApiToken(user_id=user.id, token_sha256=_digest(token), expires_at=expires_at))
    session.commit()
    return IssuedToken(user=user, token=token, expires_at=expires_at)


def issue_token(
    session: Session, user: User, ttl_hours: float, *, now: datetime | None = None
) -> str:
    """Issue a bearer token for ``user`` valid ``ttl_hours`` from ``now`` (default: the clock)."""
    return _issue(session, user, ttl_hours, now).token


def login(
    session: Session,
    username: str,
    password: str,
    *,
    ttl_hours: float,
    source: str = "",
    now: datetime | None = None,
) -> IssuedToken:
    """Authenticate and issue a token in one step."""
    user = authenticate(session, username, password, source=source)
    return _issue(session, user, ttl_hours, now)


def _token_row(session: Session, token: str) -> tuple[ApiToken, User]:
    row = session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_sha256 == _digest(token))
    ).one_or_none()
    if row is None:
        raise AuthenticationError("invalid token: log in again")
    return row[0], row[1]


def user_for_token(session: Session, token: str, *, now: datetime | None = None) -> User:
    """The user a bearer token belongs to; expired, revoked or unknown tokens are refused."""
    api_token, user = _token_row(session, token)
    if api_token.revoked:
        raise AuthenticationError("token was revoked (logged out): log in again")
    if api_token.expires_at <= (now or utcnow()):
        raise AuthenticationError(
            f"token expired at {api_token.expires_at.isoformat(timespec='seconds')}: log in again"
        )
    if not user.active:
        raise AuthenticationError(f"account {user.username!r} is deactivated")
    return user


def revoke_token(session: Session, token: str) -> User:
    """Revoke a bearer token (log out) and record ``logout``; returns its user."""
    api_token, user = _token_row(session, token)
    api_token.revoked = True
    with _acting_as(session, user.username):
        audit.record(
            session,
            action="logout",
            entity=User.__tablename__,
            entity_id=str(user.id),
            detail=f"username {user.username!r}",
        )
        session.commit()
    return user


# --- audit log -------------------------------------------------------------------------------


def audit_entries(
    session: Session, *, entity: str | None = None, actor: str | None = None, limit: int = 100
) -> list[AuditLog]:
    """List audit rows, newest first, optionally for one entity (table) and/or one actor."""
    if not 1 <= limit <= _AUDIT_LIMIT_MAX:
        raise InvalidInputError(f"limit must be between 1 and {_AUDIT_LIMIT_MAX}, got {limit}")
    query = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
    if entity:
        query = query.where(AuditLog.entity == entity)
    if actor:
        query = query.where(AuditLog.actor == actor)
    return list(session.scalars(query))
