"""`fapiao users …`: create users and API keys (the key is printed once, on the last line)."""
from __future__ import annotations

from typing import Annotated

import typer

from fapiao.commands._shared import cli_actor, fail, opened_runtime

users_app = typer.Typer(help="Users, roles and API keys.", no_args_is_help=True)


@users_app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="Login name (no spaces).")],
    role: Annotated[str, typer.Option(help="clerk | reviewer | manager | admin")] = "clerk",
    password: Annotated[bool, typer.Option("--password", help="Also set a password for web login (prompted).")] = False,
) -> None:
    """Create a user; prints their API key on the last line (send it as X-API-Key)."""
    from fapiao.services.accounts import create_user

    secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True) if password else None
    with opened_runtime() as runtime:
        with runtime.write() as session:
            user, key = create_user(session=session, name=name, role=role, password=secret, actor=cli_actor())
            print(f"created user {user.name} (#{user.id}, role {user.role}); API key (shown once):")
    print(key.key)


@users_app.command("list")
def list_users() -> None:
    """Users, roles and their active key prefixes."""
    from store.repos.accounts import users

    with opened_runtime() as runtime, runtime.read() as session:
        for user in users(session=session):
            keys = ", ".join(k.prefix for k in user.api_keys if k.revoked_at is None) or "-"
            state = "" if user.is_active else " (inactive)"
            print(f"#{user.id}\t{user.name}\t{user.role}{state}\tkeys: {keys}")


@users_app.command("new-key")
def new_key(name: Annotated[str, typer.Argument()]) -> None:
    """Issue another API key for a user (printed on the last line)."""
    from fapiao.services.accounts import issue_key
    from store.repos.accounts import user_by_name

    with opened_runtime() as runtime:
        with runtime.write() as session:
            user = user_by_name(session=session, name=name)
            if user is None:
                fail(f"no user named {name}")
            key = issue_key(session=session, user=user, actor=cli_actor())
    print(key.key)


@users_app.command("revoke-key")
def revoke_key(prefix: Annotated[str, typer.Argument(help="The 8 characters after fpk_")]) -> None:
    """Revoke an API key by its prefix."""
    from sqlalchemy import select

    from fapiao.services.accounts import revoke_key as revoke
    from store.models import ApiKey

    with opened_runtime() as runtime:
        with runtime.write() as session:
            key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
            if key is None:
                fail(f"no API key with prefix {prefix}")
            revoke(session=session, user_id=key.user_id, key_id=key.id, actor=cli_actor())
    print(f"revoked {prefix}")


@users_app.command("set-password")
def set_password(name: Annotated[str, typer.Argument()]) -> None:
    """Set (or change) a user's web-login password (prompted)."""
    from fapiao.services.accounts import update_user
    from store.repos.accounts import user_by_name

    secret = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with opened_runtime() as runtime:
        with runtime.write() as session:
            user = user_by_name(session=session, name=name)
            if user is None:
                fail(f"no user named {name}")
            update_user(session=session, user_id=user.id, actor=cli_actor(), password=secret)
    print(f"password set for {name}")


def _update(name: str, **changes: object) -> None:
    from fapiao.services.accounts import update_user
    from store.repos.accounts import user_by_name

    with opened_runtime() as runtime:
        with runtime.write() as session:
            user = user_by_name(session=session, name=name)
            if user is None:
                fail(f"no user named {name}")
            update_user(session=session, user_id=user.id, actor=cli_actor(), **changes)  # type: ignore[arg-type]


@users_app.command("set-role")
def set_role(
    name: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Argument(help="clerk | reviewer | manager | admin")],
) -> None:
    """Change a user's role (ends their login sessions; the last active admin cannot be demoted)."""
    _update(name, role=role)
    print(f"{name} is now {role}")


@users_app.command("deactivate")
def deactivate(name: Annotated[str, typer.Argument()]) -> None:
    """Stop a user from logging in or using their keys (ends their sessions; never the last active admin)."""
    _update(name, is_active=False)
    print(f"deactivated {name}")


@users_app.command("activate")
def activate(name: Annotated[str, typer.Argument()]) -> None:
    """Let a deactivated user log in again."""
    _update(name, is_active=True)
    print(f"activated {name}")


@users_app.command("unlock")
def unlock(name: Annotated[str, typer.Argument(help="The login name that is locked after failed logins")]) -> None:
    """Forget a name's failed logins, so a locked user may try again at once (per-address locks stay)."""
    from fapiao.services.auth import forget_failures

    with opened_runtime() as runtime:
        with runtime.write() as session:
            removed = forget_failures(session=session, name=name)
    print(f"cleared {removed} failed login(s) for {name}")
