"""Login, tokens, roles and the audit log, through the HTTP API (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from firegrid.accounts import service
from firegrid.accounts.models import AuditLog, User
from firegrid.accounts.service import ROLE_PERMISSIONS, Permission
from firegrid.api.app import create_app
from firegrid.db.session import Database
from firegrid.errors import AuthenticationError, ConflictError, PermissionDeniedError
from firegrid.types import Role

with warnings.catch_warnings():
    # Starlette asks for httpx2 when only httpx is installed; the client works the same.
    warnings.filterwarnings("ignore", message=".*install `httpx2`")
    from fastapi.testclient import TestClient

PASSWORD = "Ladder-truck-42"


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database)) as c:
        yield c


def make_user(database: Database, username: str, role: Role, password: str = PASSWORD) -> None:
    with database.session(actor="test") as s:
        service.add_user(s, username, password, role)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    client.cookies.clear()  # tests authenticate explicitly, with the bearer header
    token: str = r.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_working_token_and_sets_an_httponly_cookie(
    client: TestClient, database: Database
) -> None:
    make_user(database, "alice", Role.PLANNER)
    r = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["user"] == {
        "username": "alice",
        "role": "planner",
        "display_name": "",
        "active": True,
    }
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12)
    cookie = r.headers["set-cookie"].lower()
    assert "firegrid_token=" in cookie and "httponly" in cookie and "samesite=lax" in cookie

    # the web UI: the cookie alone authenticates
    assert client.get("/api/me").json()["username"] == "alice"
    # an API client: the bearer token alone authenticates
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401
    me = client.get("/api/me", headers=bearer(body["token"]))
    assert me.status_code == 200 and me.json()["role"] == "planner"


def test_wrong_password_and_unknown_user_get_the_same_401(
    client: TestClient, database: Database
) -> None:
    make_user(database, "alice", Role.PLANNER)
    wrong = client.post("/api/auth/login", json={"username": "alice", "password": "Nope-12345"})
    unknown = client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "wrong username or password"
    assert wrong.headers["www-authenticate"] == "Bearer"
    assert "set-cookie" not in wrong.headers


def test_requests_without_or_with_a_bad_token_get_401(client: TestClient) -> None:
    missing = client.get("/api/me")
    assert missing.status_code == 401 and "not logged in" in missing.json()["detail"]
    bad = client.get("/api/me", headers=bearer("made-up-token"))
    assert bad.status_code == 401 and "invalid token" in bad.json()["detail"]


def test_expired_token_gets_401(client: TestClient, database: Database) -> None:
    make_user(database, "alice", Role.VIEWER)
    with database.session(actor="test") as s:
        user = service.get_user(s, "alice")
        yesterday = datetime.now(UTC) - timedelta(hours=24)
        token = service.issue_token(s, user, ttl_hours=12, now=yesterday)
    r = client.get("/api/me", headers=bearer(token))
    assert r.status_code == 401
    assert "expired" in r.json()["detail"]


def test_logout_revokes_the_token_and_clears_the_cookie(
    client: TestClient, database: Database
) -> None:
    make_user(database, "alice", Role.VIEWER)
    token = login(client, "alice")
    r = client.post("/api/auth/logout", headers=bearer(token))
    assert r.status_code == 204
    assert r.headers["set-cookie"].startswith('firegrid_token="";')
    assert "Max-Age=0" in r.headers["set-cookie"]
    again = client.get("/api/me", headers=bearer(token))
    assert again.status_code == 401 and "revoked" in again.json()["detail"]


def test_viewer_cannot_create_users_and_is_told_which_permission(
    client: TestClient, database: Database
) -> None:
    make_user(database, "vera", Role.VIEWER)
    token = login(client, "vera")
    r = client.post(
        "/api/users",
        headers=bearer(token),
        json={"username": "mallory", "role": "admin", "password": PASSWORD},
    )
    assert r.status_code == 403
    assert r.json()["detail"] == "user 'vera' (role viewer) lacks permission 'users:manage'"
    assert client.get("/api/users", headers=bearer(token)).status_code == 403
    assert client.get("/api/audit", headers=bearer(token)).status_code == 403
    with database.session(actor="test") as s:
        assert [u.username for u in service.list_users(s)] == ["vera"]


def test_admin_creates_users_who_can_then_log_in(client: TestClient, database: Database) -> None:
    make_user(database, "root", Role.ADMIN)
    token = login(client, "root")

    r = client.post(
        "/api/users",
        headers=bearer(token),
        json={"username": "dora", "role": "dispatcher", "display_name": "Dora D"},
    )
    assert r.status_code == 201
    generated = r.json()["generated_password"]
    assert r.json()["user"] == {
        "username": "dora",
        "role": "dispatcher",
        "display_name": "Dora D",
        "active": True,
    }
    assert (
        client.get("/api/me", headers=bearer(login(client, "dora", generated))).json()[
            "display_name"
        ]
        == "Dora D"
    )

    given = client.post(
        "/api/users",
        headers=bearer(token),
        json={"username": "ivan", "role": "inspector", "password": PASSWORD},
    )
    assert given.status_code == 201 and given.json()["generated_password"] is None
    login(client, "ivan")

    listed = client.get("/api/users", headers=bearer(token)).json()
    assert [(u["username"], u["role"]) for u in listed] == [
        ("dora", "dispatcher"),
        ("ivan", "inspector"),
        ("root", "admin"),
    ]

    duplicate = client.post(
        "/api/users",
        headers=bearer(token),
        json={"username": "dora", "role": "viewer", "password": PASSWORD},
    )
    assert duplicate.status_code == 409 and "'dora'" in duplicate.json()["detail"]
    weak = client.post(
        "/api/users",
        headers=bearer(token),
        json={"username": "wendy", "role": "viewer", "password": "short"},
    )
    assert weak.status_code == 422 and "too short" in weak.json()["detail"]


def test_audit_log_records_logins_and_user_inserts_without_secrets(
    client: TestClient, database: Database
) -> None:
    make_user(database, "root", Role.ADMIN)
    client.post("/api/auth/login", json={"username": "ghost", "password": "Guess-me-123"})
    token = login(client, "root")
    created = client.post(
        "/api/users",
        headers=bearer(token),
        json={"username": "pia", "role": "planner", "password": "Secret-plan-99"},
    )
    assert created.status_code == 201

    r = client.get("/api/audit", headers=bearer(token), params={"limit": 1000})
    assert r.status_code == 200
    entries = r.json()
    actions = [(e["action"], e["actor"]) for e in entries]
    assert actions[:3] == [  # newest first
        ("insert", "root"),
        ("login", "root"),
        ("login_failed", "anonymous"),
    ]
    failed = entries[2]
    assert "'ghost'" in failed["detail"]
    insert = entries[0]
    assert insert["entity"] == "app_user" and insert["after"]["username"] == "pia"
    assert insert["after"]["password_hash"] == "<redacted>"

    with database.session(actor="test") as s:
        hashes = [u.password_hash for u in s.scalars(select(User))]
        rows = [json.dumps([a.before, a.after, a.detail]) for a in s.scalars(select(AuditLog))]
    dump = "\n".join(rows)
    for secret in ["Guess-me-123", "Secret-plan-99", PASSWORD, *hashes]:
        assert secret not in dump

    by_entity = client.get("/api/audit", headers=bearer(token), params={"entity": "app_user"})
    assert {e["entity"] for e in by_entity.json()} == {"app_user"}
    by_actor = client.get("/api/audit", headers=bearer(token), params={"actor": "anonymous"})
    assert [e["action"] for e in by_actor.json()] == ["login_failed"]


def test_ensure_admin_creates_a_usable_admin_once(client: TestClient, database: Database) -> None:
    with database.session(actor="demo") as s:
        password = service.ensure_admin(s)
    with database.session(actor="demo") as s:
        assert service.ensure_admin(s) is None
    assert password is not None
    me = client.get("/api/me", headers=bearer(login(client, "admin", password)))
    assert me.json()["role"] == "admin"


def test_deactivated_user_loses_tokens_and_cannot_log_in(
    client: TestClient, database: Database
) -> None:
    make_user(database, "root", Role.ADMIN)
    make_user(database, "alice", Role.PLANNER)
    token = login(client, "alice")
    with database.session(actor="test") as s:
        service.deactivate(s, "alice")
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    r = client.post("/api/auth/login", json={"username": "alice", "password": PASSWORD})
    assert r.status_code == 401 and "deactivated" in r.json()["detail"]


def test_password_change_ends_logins_and_is_audited(database: Database) -> None:
    make_user(database, "alice", Role.PLANNER)
    with database.session(actor="test") as s:
        token = service.login(s, "alice", PASSWORD, ttl_hours=1).token
        service.set_password(s, "alice", "New-password-2")
        with pytest.raises(AuthenticationError, match="revoked"):
            service.user_for_token(s, token)
        with pytest.raises(AuthenticationError, match="wrong username or password"):
            service.authenticate(s, "alice", PASSWORD)
        assert service.authenticate(s, "alice", "New-password-2").username == "alice"
        actions = [a.action for a in service.audit_entries(s, entity="app_user")]
    assert "password_change" in actions


def test_the_last_active_admin_cannot_be_removed(database: Database) -> None:
    make_user(database, "root", Role.ADMIN)
    with database.session(actor="test") as s:
        with pytest.raises(ConflictError, match="last active admin"):
            service.deactivate(s, "root")
        with pytest.raises(ConflictError, match="last active admin"):
            service.set_role(s, "root", "viewer")
    make_user(database, "second", Role.ADMIN)
    with database.session(actor="test") as s:
        assert service.set_role(s, "root", Role.VIEWER).role == Role.VIEWER


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.ADMIN, set(Permission)),
        (Role.PLANNER, {"data:read", "data:write", "plans:write"}),
        (Role.DISPATCHER, {"data:read", "dispatch:write"}),
        (Role.INSPECTOR, {"data:read", "inspections:write"}),
        (Role.VIEWER, {"data:read"}),
    ],
)
def test_role_permission_table(role: Role, allowed: set[str]) -> None:
    user = User(username="u", role=role, active=True)
    assert ROLE_PERMISSIONS[role] == allowed
    for permission in Permission:
        if permission in allowed:
            service.require(user, permission)
        else:
            with pytest.raises(PermissionDeniedError, match=permission.value):
                service.require(user, permission)
