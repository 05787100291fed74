"""Engines, sessions and schema migration.

Nothing here runs at import time: entry points call :func:`make_engine` and
:func:`upgrade` with their settings.

SQLite needs help to be a safe shared database for a web server and worker
threads: WAL journal (readers do not block the writer), a busy timeout, and
write transactions that start with ``BEGIN IMMEDIATE`` so a read-then-write
transaction takes the write lock up front instead of failing half-way with
"database is locked". :func:`write_engine` gives that variant; reads use a
plain deferred ``BEGIN``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30
_BEGIN_OPTION = "fapiao_sqlite_begin"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; for a SQLite file, create its directory and set the pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)

    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        _create_private(Path(parsed.database))
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
    connect_args.setdefault("check_same_thread", False)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (0600): it holds every invoice, user
    and password hash. SQLite gives its -wal and -shm files the same mode as the database file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    os.chmod(path, 0o600)  # whatever the umask


def write_engine(engine: Engine) -> Engine:
    """The same pool, but transactions take SQLite's write lock at BEGIN."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})


def session_factories(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    """(read sessions, write sessions) over one engine."""
    read = sessionmaker(bind=engine, expire_on_commit=False)
    write = sessionmaker(bind=write_engine(engine), expire_on_commit=False)
    return read, write


def alembic_config(engine: Engine | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to call on every start-up."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
