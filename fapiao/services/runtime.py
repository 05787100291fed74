"""Everything a running fapiao needs, built once from settings at an entry point:
the engine, read/write session factories, the file store and the job dispatcher.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from fapiao.services.storage import FileStore
from fapiao.settings import Settings
from store.db import make_engine, session_factories, upgrade


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    read_sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]
    storage: FileStore
    #: called with new document ids after they are committed (wakes the pool or sends Celery jobs)
    on_documents_queued: list[Callable[[list[int]], None]] = field(default_factory=list)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed when the block ends, rolled back on error."""
        with self.write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.read_sessions() as session:
            yield session

    def documents_queued(self, document_ids: list[int]) -> None:
        for callback in self.on_documents_queued:
            callback(document_ids)

    def close(self) -> None:
        self.engine.dispose()


def open_runtime(settings: Settings, *, migrate: bool = True) -> Runtime:
    settings.prepare()
    assert settings.database_url is not None and settings.storage_dir is not None
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    read, write = session_factories(engine)
    return Runtime(
        settings=settings,
        engine=engine,
        read_sessions=read,
        write_sessions=write,
        storage=FileStore(settings.storage_dir),
    )
