"""FastAPI dependencies: the database, the logged-in user, permissions and audited sessions.

How routers use them (the permission check lives here and in ``accounts.service.require`` only;
never paste a check into a route)::

    from firegrid.api.deps import ReadSession, requires, requires_session

    @router.get("/stations", operation_id="list_stations")
    def list_stations(ctx: ReadSession) -> list[StationOut]:
        '''List stations.'''
        return service.list_stations(ctx.session)

    @router.post("/stations", operation_id="create_station", status_code=201)
    def create_station(
        body: StationIn, ctx: Annotated[UserSession, Depends(requires_session("data:write"))]
    ) -> StationOut:
        '''Create a station.'''
        return service.create_station(ctx.session, body)  # audited as ctx.user.username

* :func:`user_session` / :data:`CurrentSession` — any logged-in user, session audited as them;
* :func:`requires_session` — the same after a permission check (use it for every write);
* :data:`ReadSession` — ``requires_session("data:read")``;
* :func:`requires` / :data:`CurrentUser` / :data:`OptionalUser` — the user without a session.

Credentials are a bearer token (``Authorization: Bearer <token>``) or the HttpOnly cookie
``firegrid_token`` set at login for the web UI; the header wins when both are sent. Missing or
invalid credentials raise AuthenticationError (401), a missing permission PermissionDeniedError
(403) — ``api/errors.py`` maps both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, NamedTuple

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from firegrid.accounts.models import User
from firegrid.accounts.service import Permission, parse_permission, require, user_for_token
from firegrid.db.session import Database
from firegrid.errors import AuthenticationError

__all__ = [
    "ANONYMOUS",
    "TOKEN_COOKIE",
    "CurrentSession",
    "CurrentUser",
    "DbDep",
    "OptionalUser",
    "PublicSession",
    "ReadSession",
    "UserSession",
    "current_user",
    "get_db",
    "optional_user",
    "public_session",
    "request_token",
    "requires",
    "requires_session",
    "user_session",
]

#: Cookie holding the login token for the web UI (HttpOnly, SameSite=Lax).
TOKEN_COOKIE = "firegrid_token"
#: Audit actor of requests made before anyone is known (login attempts).
ANONYMOUS = "anonymous"

_bearer = HTTPBearer(
    auto_error=False, description="Token from POST /api/auth/login.", scheme_name="bearer"
)
_cookie = APIKeyCookie(
    name=TOKEN_COOKIE,
    auto_error=False,
    description="Set by POST /api/auth/login (web UI).",
    scheme_name="cookie",
)


class UserSession(NamedTuple):
    """A session whose writes are audited as ``user``; unpack as ``session, user = ctx``."""

    session: Session
    user: User


def get_db(request: Request) -> Database:
    """The application's database (``app.state.db``)."""
    db: Database = request.app.state.db
    return db


DbDep = Annotated[Database, Depends(get_db)]


def request_token(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    cookie: Annotated[str | None, Depends(_cookie)],
) -> str | None:
    """The token sent with the request: the bearer header, else the login cookie."""
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    return cookie or None


_NOT_LOGGED_IN = "not logged in: send 'Authorization: Bearer <token>' (POST /api/auth/login)"


def user_session(
    db: DbDep, token: Annotated[str | None, Depends(request_token)]
) -> Iterator[UserSession]:
    """Yield a session audited as the logged-in user (closed, rolled back on error, after use)."""
    if token is None:
        raise AuthenticationError(_NOT_LOGGED_IN)
    with db.session(actor=ANONYMOUS) as session:
        user = user_for_token(session, token)
        session.info["actor"] = user.username
        yield UserSession(session, user)


# scope="function": the session is closed before the response is sent, not after.
CurrentSession = Annotated[UserSession, Depends(user_session, scope="function")]


def public_session(db: DbDep) -> Iterator[Session]:
    """Yield a read session for public aggregate data (plans, statistics, map layers)."""
    with db.session(actor=ANONYMOUS) as session:
        yield session


PublicSession = Annotated[Session, Depends(public_session, scope="function")]


def current_user(db: DbDep, token: Annotated[str | None, Depends(request_token)]) -> User:
    """The logged-in user; AuthenticationError (401) without valid credentials."""
    if token is None:
        raise AuthenticationError(_NOT_LOGGED_IN)
    with db.session(actor=ANONYMOUS) as session:
        return user_for_token(session, token)


CurrentUser = Annotated[User, Depends(current_user)]


def optional_user(db: DbDep, token: Annotated[str | None, Depends(request_token)]) -> User | None:
    """The logged-in user, or None without credentials or with stale ones (web pages)."""
    if token is None:
        return None
    try:
        return current_user(db, token)
    except AuthenticationError:
        return None


OptionalUser = Annotated[User | None, Depends(optional_user)]


def requires(permission: Permission | str) -> Callable[[User], User]:
    """A dependency giving the logged-in user if their role grants ``permission`` (else 403).

    Use ``Depends(requires("users:manage"))`` as a parameter or in ``dependencies=[...]``.
    Unknown permission names fail at import time, not per request.
    """
    perm = parse_permission(permission)

    def dependency(user: CurrentUser) -> User:
        require(user, perm)
        return user

    dependency.__name__ = f"requires_{perm.value.replace(':', '_')}"
    return dependency


def requires_session(permission: Permission | str) -> Callable[[UserSession], UserSession]:
    """A dependency giving a :class:`UserSession` if the user's role grants ``permission``."""
    perm = parse_permission(permission)

    def dependency(ctx: CurrentSession) -> UserSession:
        require(ctx.user, perm)
        return ctx

    dependency.__name__ = f"session_requires_{perm.value.replace(':', '_')}"
    return dependency


ReadSession = Annotated[
    UserSession, Depends(requires_session(Permission.DATA_READ), scope="function")
]
