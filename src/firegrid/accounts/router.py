"""Authentication routes (login, logout, me), user management and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from firegrid.accounts import service
from firegrid.accounts.schemas import (
    AuditEntryOut,
    LoginIn,
    TokenOut,
    UserCreatedOut,
    UserCreateIn,
    UserOut,
)
from firegrid.accounts.service import Permission
from firegrid.api.deps import (
    ANONYMOUS,
    TOKEN_COOKIE,
    CurrentSession,
    CurrentUser,
    DbDep,
    UserSession,
    request_token,
    requires_session,
)
from firegrid.config import get_settings

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["accounts"])

ManageUsers = Annotated[
    UserSession, Depends(requires_session(Permission.USERS_MANAGE), scope="function")
]
ReadAudit = Annotated[
    UserSession, Depends(requires_session(Permission.AUDIT_READ), scope="function")
]


@router.post("/auth/login", operation_id="login", response_model=TokenOut)
def login(body: LoginIn, request: Request, response: Response, db: DbDep) -> TokenOut:
    """Log in with a username and password; return a bearer token and set the login cookie."""
    ttl_hours = get_settings().token_ttl_hours
    source = request.client.host if request.client else ""
    with db.session(actor=ANONYMOUS) as session:
        issued = service.login(
            session,
            body.username,
            body.password.get_secret_value(),
            ttl_hours=ttl_hours,
            source=source,
        )
    response.set_cookie(
        TOKEN_COOKIE,
        issued.token,
        max_age=int(ttl_hours * 3600),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return TokenOut(
        token=issued.token,
        expires_at=issued.expires_at,
        user=UserOut.model_validate(issued.user),
    )


@router.post("/auth/logout", operation_id="logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(
    ctx: CurrentSession,
    token: Annotated[str | None, Depends(request_token)],
    response: Response,
) -> None:
    """Log out: revoke the token of this request and clear the login cookie."""
    assert token is not None  # CurrentSession already refused requests without one
    service.revoke_token(ctx.session, token)
    response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="lax")


@router.get("/me", operation_id="get_me", response_model=UserOut)
def get_me(user: CurrentUser) -> UserOut:
    """Show the logged-in user."""
    return UserOut.model_validate(user)


@router.get("/users", operation_id="list_users", response_model=list[UserOut])
def list_users(ctx: ManageUsers) -> list[UserOut]:
    """List all users."""
    return [UserOut.model_validate(u) for u in service.list_users(ctx.session)]


@router.post(
    "/users",
    operation_id="create_user",
    response_model=UserCreatedOut,
    status_code=status.HTTP_201_CREATED,
)
def create_user(body: UserCreateIn, ctx: ManageUsers) -> UserCreatedOut:
    """Create a user; without a password, generate one and return it once."""
    if body.password is None:
        password = generated = service.suggest_password(body.username)
    else:
        password, generated = body.password.get_secret_value(), None
    user = service.add_user(
        ctx.session, body.username, password, body.role, display_name=body.display_name
    )
    return UserCreatedOut(user=UserOut.model_validate(user), generated_password=generated)


@router.get("/audit", operation_id="list_audit_entries", response_model=list[AuditEntryOut])
def list_audit_entries(
    ctx: ReadAudit,
    entity: Annotated[str | None, Query(description="Table name, e.g. app_user.")] = None,
    actor: Annotated[str | None, Query(description="Username or cli:<user>.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryOut]:
    """List audit-log entries, newest first."""
    rows = service.audit_entries(ctx.session, entity=entity, actor=actor, limit=limit)
    return [AuditEntryOut.model_validate(r) for r in rows]
