"""The embedded SQLite database is private to its owner (issue #10, item 7: it was created 0644)."""
from __future__ import annotations

import os
import stat

from store.db import make_engine, upgrade


def test_a_new_sqlite_file_and_its_wal_are_owner_only(tmp_path) -> None:
    path = tmp_path / "var" / "fapiao.sqlite3"
    old_umask = os.umask(0o022)  # the usual default, which gave 0644 before
    try:
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE probe (x INTEGER)")
            connection.exec_driver_sql("INSERT INTO probe VALUES (1)")
        files = [p for p in path.parent.iterdir() if p.name.startswith("fapiao.sqlite3")]
        assert {p.name for p in files} >= {"fapiao.sqlite3", "fapiao.sqlite3-wal"}
        for file in files:
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
        engine.dispose()
    finally:
        os.umask(old_umask)


def test_an_existing_file_keeps_its_mode(tmp_path) -> None:
    path = tmp_path / "shared.sqlite3"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
