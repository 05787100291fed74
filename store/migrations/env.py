"""Alembic environment: runs against the engine the caller put in ``config.attributes``.

Migrations run programmatically (``store.db.upgrade``) at start-up; there is
no alembic.ini. To write a new revision:
``python -m store.revision "message"`` (autogenerates against a scratch SQLite).
"""
from __future__ import annotations

from alembic import context

from store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use store.db.upgrade(engine)")
run_migrations_online()
