"""Developer helper: autogenerate a migration from the models.

    python -m store.revision "add things"

It upgrades a scratch SQLite database to head, then compares it with the models.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from store.db import alembic_config, make_engine, upgrade


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.sqlite3'}")
        upgrade(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "change")
