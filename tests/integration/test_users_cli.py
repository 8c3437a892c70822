"""``firegrid user``: add, list, passwd, role, deactivate (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner, Result

from firegrid.accounts import service
from firegrid.accounts.models import AuditLog
from firegrid.cli.main import app
from firegrid.db.session import Database

runner = CliRunner()


def run(db_url: str, *args: str, stdin: str | None = None) -> Result:
    return runner.invoke(app, ["user", *args, "--db", db_url], input=stdin)


def one_line(result: Result) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def listed(db_url: str) -> list[dict[str, object]]:
    result = run(db_url, "list", "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_add_then_list_shows_the_user_and_the_printed_password_works(
    db_url: str, database: Database
) -> None:
    added = run(db_url, "add", "pia", "--role", "planner", "--display-name", "Pia P")
    assert added.exit_code == 0, added.output
    password = added.stdout.strip()  # stdout carries only the generated password

    rows = listed(db_url)
    assert [(r["username"], r["role"], r["display_name"], r["active"]) for r in rows] == [
        ("pia", "planner", "Pia P", True)
    ]
    with database.session(actor="test") as s:
        assert service.authenticate(s, "pia", password).username == "pia"
        insert = s.scalars(select(AuditLog).where(AuditLog.action == "insert")).one()
    assert insert.actor.startswith("cli:")
    assert insert.after is not None and insert.after["password_hash"] == "<redacted>"


def test_add_reads_the_password_from_stdin_and_accepts_chinese_role_names(
    db_url: str, database: Database
) -> None:
    added = run(
        db_url, "add", "dora", "--role", "调度员", "--password-stdin", stdin="Dispatch-it-9\n"
    )
    assert added.exit_code == 0, added.output
    assert "Dispatch-it-9" not in added.output
    assert listed(db_url)[0]["role"] == "dispatcher"
    with database.session(actor="test") as s:
        service.authenticate(s, "dora", "Dispatch-it-9")


def test_duplicate_username_fails_and_names_it(db_url: str) -> None:
    assert run(db_url, "add", "pia", "--role", "planner").exit_code == 0
    again = run(db_url, "add", "pia", "--role", "viewer")
    assert again.exit_code != 0
    assert "username 'pia' is already taken" in one_line(again)
    assert len(listed(db_url)) == 1


def test_bad_input_fails_with_the_reason(db_url: str) -> None:
    weak = run(db_url, "add", "pia", "--role", "planner", "--password-stdin", stdin="short\n")
    assert weak.exit_code == 2 and "password too short" in one_line(weak)
    role = run(db_url, "add", "pia", "--role", "chief")
    assert role.exit_code == 2 and "unknown Role 'chief'" in one_line(role)
    assert listed(db_url) == []


def test_passwd_role_and_deactivate(db_url: str, database: Database) -> None:
    run(db_url, "add", "root", "--role", "admin")
    run(db_url, "add", "pia", "--role", "viewer")

    changed = run(db_url, "passwd", "pia", "--password-stdin", stdin="Fresh-start-77\n")
    assert changed.exit_code == 0, changed.output
    assert run(db_url, "role", "pia", "planner").exit_code == 0
    assert run(db_url, "deactivate", "pia").exit_code == 0
    rows = {r["username"]: r for r in listed(db_url)}
    assert rows["pia"]["role"] == "planner" and rows["pia"]["active"] is False

    last_admin = run(db_url, "deactivate", "root")
    assert last_admin.exit_code == 2 and "last active admin" in one_line(last_admin)
    missing = run(db_url, "role", "nobody", "viewer")
    assert missing.exit_code == 2 and "no user 'nobody'" in one_line(missing)

    with database.session(actor="test") as s:
        actions = [(a.action, a.actor.startswith("cli:")) for a in service.audit_entries(s)]
    assert ("password_change", True) in actions
    assert actions.count(("update", True)) == 2  # role, then active


def test_missing_schema_says_to_run_db_upgrade_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = runner.invoke(app, ["user", "list", "--db", f"sqlite:///{path}"])
    assert result.exit_code == 2
    assert "firegrid db upgrade" in one_line(result)
    assert not path.exists()

    path.touch()  # a file, but no schema in it
    result = runner.invoke(app, ["user", "add", "pia", "--role", "viewer", "--db", str(path)])
    assert result.exit_code == 2
    assert "has no firegrid schema" in one_line(result)
    assert "firegrid db upgrade" in one_line(result)
