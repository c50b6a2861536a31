"""Sessions kept on the server: a login is a row, the signed cookie carries its token.

Every request checks the row (tracker.accounts.login), so ending it logs the device out even
if someone kept a copy of the cookie. A session lasts at most `SESSION_LIFETIME` from its login,
however much it is used, and ends after `SESSION_IDLE_TIMEOUT` without a request.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from tracker.accounts.models import User, UserSession

COOKIE_KEY = "tracker_session"  # where Flask's session cookie holds the token
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often: the idle timeout's precision
KEEP_ENDED = timedelta(days=30)  # how long ended sessions stay (who was logged in when) before they are deleted


class EndReason(StrEnum):
    logout = "logout"
    everywhere = "logout_all"  # "Logga ut på alla enheter"
    password = "password"  # changed or reset
    access = "access_changed"  # role, organisations or active state
    expired = "expired"  # SESSION_LIFETIME after the login
    idle = "idle"  # SESSION_IDLE_TIMEOUT without a request


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, *, user_id: int, now: datetime, config: Mapping) -> str:
    """Add a new session for the user and return its token (for the cookie); old rows go."""
    session.execute(delete(UserSession).where(
        col(UserSession.created_at) < now - config["SESSION_LIFETIME"] - KEEP_ENDED))
    token = secrets.token_urlsafe(32)
    session.add(UserSession(token_hash=digest(token), user_id=user_id, created_at=now, last_seen_at=now))
    return token


def resume(session: Session, *, token: str, user_id: int, now: datetime,
           config: Mapping) -> tuple[User | None, dict | None]:
    """The user, if the token is a live session of theirs (read in one query, nothing written), and what the
    session row is to be noted with: its end if it has run out, the time it was used (at most every
    TOUCH_EVERY), or None (see note)."""
    found = session.exec(select(UserSession, User).join(User, col(User.id) == UserSession.user_id)
                         .where(UserSession.token_hash == digest(token))).first()
    if found is None:
        return None, None
    row, user = found
    session.expunge(row)  # written, if at all, by note in a transaction of its own: no stale copy stays behind
    if row.user_id != user_id or row.ended_at is not None:
        return None, None
    if now >= row.created_at + config["SESSION_LIFETIME"]:
        return None, {"ended_at": now, "end_reason": EndReason.expired}
    if now >= row.last_seen_at + config["SESSION_IDLE_TIMEOUT"]:
        return None, {"ended_at": now, "end_reason": EndReason.idle}
    if now - row.last_seen_at >= TOUCH_EVERY:
        return user, {"last_seen_at": now}
    return user, None


def note(session: Session, *, token: str, values: Mapping) -> None:
    """Write what resume found out about a session (its end, or when it was last used) on its row."""
    session.execute(update(UserSession).where(UserSession.token_hash == digest(token),
                                              col(UserSession.ended_at).is_(None)).values(**values))


def end(session: Session, *, token: str, reason: EndReason, now: datetime) -> None:
    """End one session (this device's)."""
    session.execute(update(UserSession).where(UserSession.token_hash == digest(token),
                                              col(UserSession.ended_at).is_(None))
                    .values(ended_at=now, end_reason=reason))


def end_all(session: Session, *, user_id: int, reason: EndReason, now: datetime) -> int:
    """End every session of the user; return how many were still open."""
    result = session.execute(update(UserSession).where(UserSession.user_id == user_id,
                                                       col(UserSession.ended_at).is_(None))
                             .values(ended_at=now, end_reason=reason))
    return result.rowcount


def count_live(session: Session, *, user_id: int, now: datetime, config: Mapping) -> int:
    """How many devices the user is logged in on."""
    return session.exec(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, col(UserSession.ended_at).is_(None),
        UserSession.created_at > now - config["SESSION_LIFETIME"],
        UserSession.last_seen_at > now - config["SESSION_IDLE_TIMEOUT"])).one()
