"""Users, API keys and login sessions.

API keys look like ``fpk_<8 hex>_<43 url-safe chars>``: the middle part is a
public prefix used to find the key (and to name it in lists and logs), the
whole key is stored only as its SHA-256. Login-session tokens are stored as
an HMAC under the secret key, so rotating the secret logs everybody out.
Passwords use scrypt.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from fapiao.services.actors import ROLE_ORDER, Actor
from fapiao.services.errors import Conflict, NotFound, RecordsError
from store.models import ApiKey, LoginSession, User
from store.repos import accounts as account_repo
from store.repos import audit
from store.types import utcnow

KEY_PREFIX = "fpk_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class BadCredentials(RecordsError):
    status = 401


@dataclass(frozen=True, slots=True)
class NewKey:
    key: str  # shown once, never stored
    prefix: str


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, name=user.name, role=user.role)


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
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt_hex, digest_hex = stored.split("$")
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(digest.hex(), digest_hex)


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
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 #{user_id} 不存在 / user #{user_id} not found")
    if role is not None and role != user.role:
        _check_role(role)
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="correct", entity="user",
                        entity_id=user.id, field="role", old=user.role, new=role)
        user.role = role
    if is_active is not None and is_active != user.is_active:
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="correct", entity="user",
                        entity_id=user.id, field="is_active", old=user.is_active, new=is_active)
        user.is_active = is_active
    if password is not None:
        user.password_hash = hash_password(password)
        audit.add_entry(session=session, user_id=actor.user_id, actor=actor.name, action="correct", entity="user",
                        entity_id=user.id, field="password", old=None, new="(changed)")
    session.flush()
    return user


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


def _token_hash(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def login(*, session: Session, name: str, password: str, secret: str, hours: int) -> tuple[User, str]:
    user = account_repo.user_by_name(session=session, name=name.strip())
    if user is None or not user.is_active or not verify_password(password, user.password_hash):
        raise BadCredentials("用户名或密码错误 / wrong user name or password")
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user=user, token_hash=_token_hash(token, secret), expires_at=utcnow() + timedelta(hours=hours)))
    session.flush()
    return user, token


def user_for_session(*, session: Session, token: str, secret: str) -> User | None:
    if not token or len(token) > 200:
        return None
    record = account_repo.live_session(session=session, token_hash=_token_hash(token, secret))
    return record.user if record else None


def logout(*, session: Session, token: str, secret: str) -> None:
    record = account_repo.live_session(session=session, token_hash=_token_hash(token, secret))
    if record is not None:
        session.delete(record)
