"""Helpers shared by the records commands: settings, runtime, errors as one line."""
from __future__ import annotations

import getpass
import sys
from contextlib import contextmanager
from typing import Iterator, NoReturn

import typer

from fapiao.services.actors import Actor


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"fapiao: {message}", file=sys.stderr)
    raise typer.Exit(code)


def cli_actor() -> Actor:
    """CLI actions are audited under the operating-system user who ran them."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(user_id=None, name=f"cli:{who}"[:64], role="admin")


@contextmanager
def opened_runtime(**overrides: object) -> Iterator["object"]:
    """Settings from the environment, a migrated database; user mistakes become one line on stderr."""
    from pydantic import ValidationError

    from fapiao.services.errors import RecordsError
    from fapiao.services.runtime import open_runtime
    from fapiao.settings import Settings, SettingsError

    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
        runtime = open_runtime(settings)
    except (SettingsError, ValidationError) as exc:
        fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - e.g. the database is unreachable
        fail(f"cannot open the database: {type(exc).__name__}: {exc}")
    try:
        yield runtime
    except RecordsError as exc:
        fail(exc.message)
    finally:
        runtime.close()
