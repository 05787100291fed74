"""Who is calling, decided once for the API and the pages alike.

:func:`authenticate` turns the credentials a request carries (an API key, or
a login-session cookie) into an :class:`Actor`, or raises a typed error: the
API's dependencies answer those with 401/403 JSON, the pages with the login
page or a 403 page. The CSRF rule (:func:`same_origin`) lives here too.

Logging in (:func:`log_in`) is throttled per name and per client address:
``login_max_failures`` failures for one name (``login_max_failures_per_address``
from one address) within ``login_lock_minutes`` lock further attempts, right
password or not, until the oldest of those failures leaves the window. The
count is kept in the database (``login_failures``), so every process and
machine shares it. Every failure costs one scrypt, also for unknown names.
Session tokens are stored as an HMAC under the secret key, so rotating the
secret logs everybody out; expired sessions and old failures are purged at
each login and at start-up.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from fapiao.services.accounts import BadCredentials, actor_for, check_login, user_for_key
from fapiao.services.actors import Actor
from fapiao.services.errors import Forbidden, RecordsError
from fapiao.services.runtime import Runtime
from fapiao.settings import Settings
from store.models import LoginFailure, LoginSession
from store.repos import accounts as account_repo
from store.types import utcnow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_TOKEN_CHARS = 200


# --- errors ------------------------------------------------------------------------------------

class NotAuthenticated(RecordsError):
    """No usable credentials: the API answers 401, a page sends the browser to the login page."""

    status = 401


class InvalidApiKey(NotAuthenticated):
    def __init__(self) -> None:
        super().__init__("API 密钥无效或已撤销 / invalid or revoked API key")


class SessionExpired(NotAuthenticated):
    def __init__(self) -> None:
        super().__init__("登录已过期，请重新登录 / session expired: log in again")


class NoCredentials(NotAuthenticated):
    def __init__(self) -> None:
        super().__init__("需要登录或 X-API-Key / authentication required: send X-API-Key")


class CrossSiteRequest(Forbidden):
    def __init__(self) -> None:
        super().__init__("跨站请求被拒绝 / cross-site request refused")


class RoleRequired(Forbidden):
    def __init__(self, role: str) -> None:
        super().__init__(f"需要 {role} 权限 / this needs the {role} role")
        self.role = role


class LoginThrottled(RecordsError):
    """Too many failed logins for this name or from this address; ``retry_after`` in seconds."""

    status = 429

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"登录失败次数过多，请 {retry_after} 秒后再试 / too many failed logins: try again in {retry_after} s")


# --- who is calling -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Credentials:
    """What a request brings, read by the web layer and judged here."""

    api_key: str | None = None
    session_token: str | None = None
    method: str = "GET"
    origin: str | None = None  # the Origin header, else the Referer
    host: str | None = None  # the Host header


def same_origin(origin: str | None, host: str | None) -> bool:
    """Cookie-authenticated writes (and logins) must come from our own pages (CSRF guard).

    Non-browser clients send neither Origin nor Referer; browsers always send Origin on
    cross-site POSTs, so a missing header is a script, not an attack."""
    if not origin:
        return True
    return urlsplit(origin).netloc == (host or "")


def token_hash(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def authenticate(*, session: Session, credentials: Credentials, secret: str) -> Actor:
    """The actor behind an API key (tried first) or a login session, or a typed error.

    A session cookie is ambient (the browser sends it to any page that posts to us), so a
    write authenticated by it must come from our own origin; an API key is not, so it is
    not checked."""
    if credentials.api_key:
        user = user_for_key(session=session, key=credentials.api_key)
        if user is None:
            raise InvalidApiKey()
        return actor_for(user)
    if credentials.session_token:
        record = _live_session(session, credentials.session_token, secret)
        if record is None:
            raise SessionExpired()
        if credentials.method.upper() not in SAFE_METHODS and not same_origin(credentials.origin, credentials.host):
            raise CrossSiteRequest()
        return actor_for(record.user, session_id=record.id)
    raise NoCredentials()


def require_role(actor: Actor, role: str) -> Actor:
    if not actor.at_least(role):
        raise RoleRequired(role)
    return actor


def _live_session(session: Session, token: str, secret: str) -> LoginSession | None:
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return account_repo.live_session(session=session, token_hash=token_hash(token, secret))


# --- logging in and out -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_failures: int = 5  # per name within the window
    max_failures_per_address: int = 20  # per client address (an office behind one NAT shares it)
    window: timedelta = timedelta(minutes=15)
    session_hours: int = 12

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(max_failures=settings.login_max_failures,
                   max_failures_per_address=settings.login_max_failures_per_address,
                   window=timedelta(minutes=settings.login_lock_minutes), session_hours=settings.session_hours)


@dataclass(frozen=True, slots=True)
class LoggedIn:
    actor: Actor
    token: str  # the cookie value; only its HMAC is stored
    max_age: int  # seconds


def log_in(runtime: Runtime, *, name: str, password: str, address: str | None) -> LoggedIn:
    """Check a name and password, throttled; a new session on success.

    Raises :class:`LoginThrottled` (429) while locked, whatever the password, and
    :class:`~fapiao.services.accounts.BadCredentials` (401) otherwise. The failure is
    committed before the error is raised, so it counts even though the login fails."""
    policy = LoginPolicy.from_settings(runtime.settings)
    secret = runtime.settings.secret_key.get_secret_value()  # type: ignore[union-attr]
    with runtime.write() as session:
        outcome = attempt_login(session=session, name=name, password=password, address=address, secret=secret,
                                policy=policy)
    if isinstance(outcome, RecordsError):
        raise outcome
    return outcome


def attempt_login(
    *, session: Session, name: str, password: str, address: str | None, secret: str, policy: LoginPolicy,
) -> LoggedIn | BadCredentials | LoginThrottled:
    """One login attempt inside the caller's write transaction; the error is returned, not
    raised, so the caller commits the failure it recorded."""
    name_key, address_key = name.strip()[:64], (address or "unknown")[:64]
    _serialise(session, name_key, address_key)
    now = utcnow()
    purge_expired(session=session, now=now, window=policy.window)
    wait = locked_for(session=session, name=name_key, address=address_key, now=now, policy=policy)
    if wait:
        return LoginThrottled(wait)
    user = check_login(session=session, name=name_key, password=password)
    if user is None:
        session.add(LoginFailure(name=name_key, address=address_key, failed_at=now))
        session.flush()
        return BadCredentials("用户名或密码错误 / wrong user name or password")
    forget_failures(session=session, name=name_key)
    token = secrets.token_urlsafe(32)
    record = LoginSession(user=user, token_hash=token_hash(token, secret),
                          expires_at=now + timedelta(hours=policy.session_hours))
    session.add(record)
    session.flush()
    return LoggedIn(actor=actor_for(user, session_id=record.id), token=token, max_age=policy.session_hours * 3600)


def locked_for(*, session: Session, name: str, address: str, now: datetime, policy: LoginPolicy) -> int:
    """Seconds until this name and this address may try again (0: not locked).

    A sliding window: locked while ``limit`` failures lie within it, until the oldest of the
    last ``limit`` leaves it. Attempts while locked are not counted, so the lock ends on time."""
    since = now - policy.window
    wait = 0.0
    for column, key, limit in ((LoginFailure.name, name, policy.max_failures),
                               (LoginFailure.address, address, policy.max_failures_per_address)):
        recent = session.scalars(
            select(LoginFailure.failed_at).where(column == key, LoginFailure.failed_at > since)
            .order_by(LoginFailure.failed_at.desc()).limit(limit)
        ).all()
        if len(recent) >= limit:
            wait = max(wait, (recent[limit - 1] + policy.window - now).total_seconds())
    return max(1, math.ceil(wait)) if wait > 0 else 0


def _serialise(session: Session, name: str, address: str) -> None:
    """One login at a time per name and per address, so concurrent guesses cannot all pass the
    count before any is recorded: transaction-scoped advisory locks on PostgreSQL (always name
    first, then address: no deadlock); SQLite write transactions are already serialised."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for space, key in ((1, name), (2, address)):
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"),
                        {"space": space, "key": zlib.crc32(key.encode()) - 2**31})


def purge_expired(*, session: Session, now: datetime | None = None, window: timedelta = timedelta(days=1)) -> int:
    """Delete expired login sessions and failures older than the throttling window; how many rows."""
    now = now or utcnow()
    removed = session.execute(delete(LoginSession).where(LoginSession.expires_at <= now)
                              .execution_options(synchronize_session=False)).rowcount or 0
    removed += session.execute(delete(LoginFailure).where(LoginFailure.failed_at <= now - window)
                               .execution_options(synchronize_session=False)).rowcount or 0
    return removed


def purge_at_start(runtime: Runtime) -> int:
    """Start-up housekeeping: expired sessions and stale login failures."""
    window = LoginPolicy.from_settings(runtime.settings).window
    with runtime.write() as session:
        return purge_expired(session=session, window=window)


def forget_failures(*, session: Session, name: str) -> int:
    """An admin's unlock: the name's failed logins are forgotten (the address count stays)."""
    return session.execute(delete(LoginFailure).where(LoginFailure.name == name.strip()[:64])
                           .execution_options(synchronize_session=False)).rowcount or 0


def log_out(*, session: Session, token: str, secret: str) -> None:
    record = _live_session(session, token, secret)
    if record is not None:
        session.delete(record)
