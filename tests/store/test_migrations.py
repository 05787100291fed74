"""The models and the migrations describe the same schema, on both databases."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from store.db import alembic_config, current_revision, make_engine, upgrade
from store.models import Base


def test_models_and_migrations_agree(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)  # idempotent on an already-migrated database
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
        assert current_revision(engine) == ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert set(inspect(engine).get_table_names()) >= set(Base.metadata.tables)
    finally:
        engine.dispose()


def test_fresh_sqlite_file_is_created_with_its_directory(tmp_path) -> None:
    path = tmp_path / "deep" / "dir" / "fapiao.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    assert path.exists()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
