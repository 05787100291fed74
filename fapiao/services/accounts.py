"""Users, API keys and login sessions.

API keys look like ``fpk_<8 hex>_<43 url-safe chars>``: the middle part is a
public prefix used to find the key (and to name it in lists and logs), the
whole key is stored only as its SHA-256. Passwords use scrypt. Logging in,
sessions and throttling live in :mod:`fapiao.services.auth`.

Rules kept here whatever the door (API, pages, CLI): a password, role or
active-flag change ends the user's login sessions (a password change keeps
the session that made it), and the last active admin cannot be demoted or
deactivated.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fapiao.services.actors import ROLE_ORDER, Actor
from fapiao.services.errors import Conflict, NotFound, RecordsError
from store.models import ApiKey, LoginSession, User
from store.repos import accounts as account_repo
from store.repos import audit
from store.types import utcnow

KEY_PREFIX = "fpk_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
#: checked when the name is unknown or has no password, so every failed login costs one scrypt
#: (an answer as fast as a dictionary lookup would tell which names exist)
_DUMMY_HASH = f"scrypt${'00' * 16}${'00' * 32}"


class BadCredentials(RecordsError):
    status = 401


class LastAdmin(Conflict):
    """The change would leave no active admin (nobody could manage users any more)."""


@dataclass(frozen=True, slots=True)
class NewKey:
    key: str  # shown once, never stored
    prefix: str


def actor_for(user: User, *, session_id: int | None = None) -> Actor:
    return Actor(user_id=user.id, name=user.name, role=user.role, session_id=session_id)


def _check_role(role: str) -> None:
    if role not in ROLE_ORDER:
        raise RecordsError(f"未知角色 {role!r}，可选：{', '.join(ROLE_ORDER)} / unknown role")


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or any(c.isspace() or not c.isprintable() for c in name):
        raise RecordsError("用户名须为 1–64 个可见字符，不含空格 / user name: 1–64 visible characters, no spaces")
    return name


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise RecordsError("密码至少 8 位 / password must have at least 8 characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Always runs scrypt once, also when there is no usable hash (constant-time failure path)."""
    usable = bool(stored) and stored.startswith("scrypt$") and stored.count("$") == 2  # type: ignore[union-attr]
    _, salt_hex, digest_hex = (stored if usable else _DUMMY_HASH).split("$")  # type: ignore[union-attr]
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        usable, salt = False, bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex) and usable


def check_login(*, session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, or None; costs one scrypt either way."""
    user = account_repo.user_by_name(session=session, name=name)
    stored = user.password_hash if user is not None else None
    if not verify_password(password, stored):
        return None
    return user if user is not None and user.is_active else None


def issue_key(*, session: Session, user: User, actor: Actor) -> NewKey:
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(user=user, prefix=prefix, key_hash=hashlib.sha256(key.encode()).hexdigest()))
    session.flush()
    audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="issue_key", entity="user",
                    entity_id=user.id, field="api_key", new=prefix)
    return NewKey(key=key, prefix=prefix)


def create_user(
    *, session: Session, name: str, role: str, actor: Actor, password: str | None = None
) -> tuple[User, NewKey]:
    """A new user with a first API key (returned in clear, once)."""
    name = _check_name(name)
    _check_role(role)
    if account_repo.user_by_name(session=session, name=name) is not None:
        raise Conflict(f"用户 {name} 已存在 / user {name} already exists")
    user = User(name=name, role=role, password_hash=hash_password(password) if password else None)
    session.add(user)
    session.flush()
    audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="create", entity="user",
                    entity_id=user.id, field="role", new=role)
    return user, issue_key(session=session, user=user, actor=actor)


def update_user(
    *, session: Session, user_id: int, actor: Actor, role: str | None = None, is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change role, active flag or password, audited. Every change ends the user's login sessions
    (a password change keeps the session it was made through); leaving no active admin is a 409."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 #{user_id} 不存在 / user #{user_id} not found")
    if role is not None:
        _check_role(role)
    stays_admin = (role or user.role) == "admin" and (user.is_active if is_active is None else is_active)
    if user.role == "admin" and user.is_active and not stays_admin:
        _keep_an_admin(session=session, leaving=user)
    ended_by = None
    if role is not None and role != user.role:
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="correct", entity="user",
                        entity_id=user.id, field="role", old=user.role, new=role)
        user.role = role
        ended_by = "role"
    if is_active is not None and is_active != user.is_active:
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="correct", entity="user",
                        entity_id=user.id, field="is_active", old=user.is_active, new=is_active)
        user.is_active = is_active
        ended_by = "is_active"
    if password is not None:
        user.password_hash = hash_password(password)
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="correct", entity="user",
                        entity_id=user.id, field="password", old=None, new="(changed)")
        ended_by = ended_by or "password"
    if ended_by is not None:
        # a role or active-flag change ends every session; a password change made through one of
        # the user's own sessions keeps that one (the person who typed the new password)
        keep = actor.session_id if ended_by == "password" and actor.user_id == user.id else None
        end_sessions(session=session, user_id=user.id, keep_session_id=keep)
    session.flush()
    return user


def _keep_an_admin(*, session: Session, leaving: User) -> None:
    """Refuse to demote or deactivate the last active admin. Every active admin's row is locked
    in id order (FOR UPDATE on PostgreSQL, so no deadlock; SQLite writers are serialised): of two
    admins demoting themselves at once, the second sees the first gone and is refused."""
    admins = session.scalars(
        select(User.id).where(User.role == "admin", User.is_active.is_(True)).order_by(User.id).with_for_update()
    ).all()
    if not [admin_id for admin_id in admins if admin_id != leaving.id]:
        raise LastAdmin(
            f"{leaving.name} 是唯一的在用管理员，不能降级或停用；请先指定另一位管理员 / "
            f"{leaving.name} is the last active admin: make someone else admin first"
        )


def end_sessions(*, session: Session, user_id: int, keep_session_id: int | None = None) -> int:
    """Delete a user's login sessions (all, or all but one); returns how many ended."""
    stmt = delete(LoginSession).where(LoginSession.user_id == user_id)
    if keep_session_id is not None:
        stmt = stmt.where(LoginSession.id != keep_session_id)
    return session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0


def revoke_key(*, session: Session, user_id: int, key_id: int, actor: Actor) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != user_id:
        raise NotFound(f"API 密钥 #{key_id} 不存在 / API key #{key_id} not found")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="revoke_key",
                        entity="user", entity_id=user_id, field="api_key", old=key.prefix)
    return key


def user_for_key(*, session: Session, key: str) -> User | None:
    """The active user an API key belongs to, or None. Constant-time on the secret part."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    parts = key[len(KEY_PREFIX):].split("_", 1)
    if len(parts) != 2:
        return None
    record = account_repo.active_key(session=session, prefix=parts[0])
    if record is None:
        return None
    if not hmac.compare_digest(record.key_hash, hashlib.sha256(key.encode()).hexdigest()):
        return None
    return record.user
