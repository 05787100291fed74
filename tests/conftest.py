"""Shared fixtures: databases (SQLite and, parametrised, PostgreSQL), Redis,
settings and a runtime per test.

PostgreSQL and Redis are the local services CI provides. When one is not
reachable, tests that need it fail under ``CI=true`` and are skipped
otherwise. Names carry the xdist worker id, so ``pytest -n 2`` runs never
share a schema or a queue.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator

import pytest

POSTGRES_URL = os.environ.get("FAPIAO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("FAPIAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TEST_SECRET = "test-secret-key-for-fapiao-suite"


def unavailable(what: str, exc: BaseException | None = None) -> None:
    message = f"{what} is not reachable ({exc})" if exc else f"{what} is not reachable"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def worker_tag(worker_id: str) -> str:
    return f"{worker_id}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it instead of migrating again."""
    from store.db import make_engine, upgrade

    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema_url(worker_tag: str) -> Iterator[str]:
    """A schema of its own in the local PostgreSQL, migrated once, dropped at the end."""
    from sqlalchemy import create_engine, text

    from store.db import make_engine, upgrade

    schema = f"fapiao_{worker_tag}".lower()
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure means "not reachable"
        admin.dispose()
        unavailable("PostgreSQL", exc)
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    """Delete every row (much faster than TRUNCATE for small tables); the replica
    role skips the audit log's append-only trigger and the foreign-key checks."""
    from sqlalchemy import create_engine, text

    from store.models import Base

    engine = _ENGINES.get(url) or _ENGINES.setdefault(url, create_engine(url, poolclass=_null_pool()))
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))


_ENGINES: dict[str, object] = {}


def _null_pool():
    from sqlalchemy.pool import NullPool

    return NullPool


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A clean, migrated database: a SQLite file, then the PostgreSQL schema."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "fapiao.sqlite3"
        shutil.copy(template, target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_schema_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only, for tests about the embedded default itself."""
    target = tmp_path / "fapiao.sqlite3"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def redis_url() -> str:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as exc:  # noqa: BLE001
        unavailable("Redis", exc)
    return REDIS_URL


@pytest.fixture
def make_settings(tmp_path: Path):
    from fapiao.settings import Settings

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "var_dir": tmp_path / "var",
            "workers": 0,
            "secret_key": TEST_SECRET,
        }
        values.update(overrides)
        return Settings(**values)  # type: ignore[arg-type]

    return build


@pytest.fixture
def runtime(make_settings, database_url: str):
    from fapiao.services.runtime import open_runtime

    rt = open_runtime(make_settings(database_url=database_url))
    try:
        yield rt
    finally:
        rt.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs against the local PostgreSQL")
    config.addinivalue_line("markers", "redis: needs the local Redis and a Celery worker")
