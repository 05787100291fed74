"""Users, API keys and login sessions: lookups by hashed secret."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from store.models import ApiKey, LoginSession, User
from store.types import utcnow


def user_by_name(*, session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(User.name == name)).first()


def users(*, session: Session) -> list[User]:
    return list(session.scalars(select(User).options(selectinload(User.api_keys)).order_by(User.id)))


def active_key(*, session: Session, prefix: str) -> ApiKey | None:
    stmt = (
        select(ApiKey)
        .join(User)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None), User.is_active.is_(True))
        .options(contains_eager(ApiKey.user))  # one query per request, not two
    )
    return session.scalars(stmt).first()


def live_session(*, session: Session, token_hash: str) -> LoginSession | None:
    stmt = (
        select(LoginSession)
        .join(User)
        .where(LoginSession.token_hash == token_hash, LoginSession.expires_at > utcnow(), User.is_active.is_(True))
        .options(contains_eager(LoginSession.user))
    )
    return session.scalars(stmt).first()
