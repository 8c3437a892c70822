"""The schema comes from migrations alone, and every ORM write lands in the audit log."""

from __future__ import annotations

from sqlalchemy import inspect, select

from firegrid.accounts.models import AuditLog
from firegrid.db.base import Base
from firegrid.db.migrate import current_revision, head_revision
from firegrid.db.session import Database
from firegrid.districts.models import District


def test_migrations_create_every_model_table(database: Database) -> None:
    assert current_revision(database.engine) == head_revision()
    tables = set(inspect(database.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_insert_update_delete_are_audited_with_before_and_after(database: Database) -> None:
    with database.session(actor="alice") as s:
        d = District(code="x", name_zh="测试区", name_en="Test")
        s.add(d)
        s.commit()
        d.name_en = "Renamed"
        s.commit()
        s.delete(d)
        s.commit()
    with database.session(actor="reader") as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(r.action, r.entity, r.actor) for r in rows] == [
        ("insert", "district", "alice"),
        ("update", "district", "alice"),
        ("delete", "district", "alice"),
    ]
    assert rows[0].after is not None and rows[0].after["name_zh"] == "测试区"
    assert rows[1].before == {"name_en": "Test"} and rows[1].after == {"name_en": "Renamed"}
    assert rows[2].before is not None and rows[2].before["name_en"] == "Renamed"
    assert rows[0].at.tzinfo is not None


def test_models_and_migrations_agree(database: Database) -> None:
    """A model change without a migration (or the reverse) is caught here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
