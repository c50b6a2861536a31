"""Login throttling, counted in the database so that every worker process agrees.

Per account: after `LOGIN_ACCOUNT_FAILURES` failures in a row (the count starts again at a
success, or after a day) the account is locked for 1 minute from its last failure, then 2, 4 …
up to `LOGIN_MAX_LOCK`. Attempts spread over many addresses count all the same, and an unknown
email is counted like a real one, so a lock tells nothing about who has an account.

Per address: after `LOGIN_LIMIT` failures ("50 per 15 minutes") the address is refused until
the oldest of them is out of the window. The limit is high because everyone in an office comes
through one proxy address: one person's mistakes lock only their own account.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import limits
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from tracker.accounts.models import LoginAttempt

ACCOUNT_WINDOW = timedelta(hours=24)  # failures older than this no longer count against an account
MAX_DOUBLINGS = 20  # 2**20 minutes is beyond any sensible LOGIN_MAX_LOCK


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused before the password is checked, and for how many seconds."""

    scope: str  # "account" or "address"
    retry_after: int


def account_key(email: str, secret_key: str) -> str:
    """The account as typed, keyed-hashed: counted without keeping what was typed (perhaps a password)."""
    return hmac.new(secret_key.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def refusal(session: Session, *, email: str, address: str, now: datetime, config: Mapping) -> Refusal | None:
    """Whether this account or address must wait before another password is checked."""
    wait = _account_wait(session, account_key(email, config["SECRET_KEY"]), now, config)
    if wait > 0:
        return Refusal("account", wait)
    wait = _address_wait(session, address, now, config)
    return Refusal("address", wait) if wait > 0 else None


def record(session: Session, *, email: str, address: str, succeeded: bool, now: datetime, config: Mapping) -> None:
    """Note a checked password; attempts too old to count for anything are deleted."""
    window = max(ACCOUNT_WINDOW, _address_window(config)[1])
    session.execute(delete(LoginAttempt).where(col(LoginAttempt.at) < now - window))
    session.add(LoginAttempt(at=now, account=account_key(email, config["SECRET_KEY"]), address=address[:64],
                             succeeded=succeeded))


def _account_wait(session: Session, account: str, now: datetime, config: Mapping) -> int:
    last_success = session.exec(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.account == account, col(LoginAttempt.succeeded), LoginAttempt.at > now - ACCOUNT_WINDOW)).one()
    since = last_success or now - ACCOUNT_WINDOW
    failures, last_failure = session.exec(select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.account == account, ~col(LoginAttempt.succeeded), LoginAttempt.at > since)).one()
    free = config["LOGIN_ACCOUNT_FAILURES"]
    if failures < free:
        return 0
    lock = min(timedelta(minutes=2 ** min(failures - free, MAX_DOUBLINGS)), config["LOGIN_MAX_LOCK"])
    return _seconds(last_failure + lock - now)


def _address_wait(session: Session, address: str, now: datetime, config: Mapping) -> int:
    allowed, window = _address_window(config)
    # The `allowed`-th newest failure in the window: once it is out, fewer than `allowed` are left.
    oldest_that_counts = session.exec(
        select(LoginAttempt.at).where(LoginAttempt.address == address[:64], ~col(LoginAttempt.succeeded),
                                      LoginAttempt.at > now - window)
        .order_by(col(LoginAttempt.at).desc()).offset(allowed - 1).limit(1)).first()
    return 0 if oldest_that_counts is None else _seconds(oldest_that_counts + window - now)


def _address_window(config: Mapping) -> tuple[int, timedelta]:
    rate = limits.parse(config["LOGIN_LIMIT"])
    return rate.amount, timedelta(seconds=rate.get_expiry())


def _seconds(delta: timedelta) -> int:
    return max(0, math.ceil(delta.total_seconds()))
