"""Flask-Login glue: a request's user comes from a live server-side session; sessions start and end here."""
from __future__ import annotations

from flask import current_app, g, make_response, request, url_for
from flask import session as cookie
from flask_login import login_user, logout_user
from sqlmodel import Session

from tracker.accounts import sessions
from tracker.accounts.models import User
from tracker.clock import utcnow
from tracker.db import get_engine, get_session
from tracker.extensions import login_manager

_LOGIN_KEYS = ("_user_id", "_fresh", "_id", sessions.COOKIE_KEY)  # Flask-Login's, and the server session's token


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = cookie.get(sessions.COOKIE_KEY)
    user = _resume(token, int(user_id)) if user_id.isdigit() and isinstance(token, str) else None
    if user is None:
        for key in _LOGIN_KEYS:
            cookie.pop(key, None)
        return None
    return user if user.active else None


def _resume(token: str, user_id: int) -> User | None:
    # Read in the request's own session; what is noted on the session row (at most once a minute, or its end)
    # is written in a short transaction of its own, so that it never mixes with the request's work.
    user, noted = sessions.resume(get_session(), token=token, user_id=user_id, now=utcnow(),
                                  config=current_app.config)
    if noted:
        with Session(get_engine()) as db:
            sessions.note(db, token=token, values=noted)
            db.commit()
    return user


def start_session(db: Session, user: User) -> None:
    """Log the user in on this device with a new session; nothing of the old cookie (the CSRF token too) is kept.

    The caller commits.
    """
    token = sessions.start(db, user_id=user.id, now=utcnow(), config=current_app.config)
    _clear_cookie()
    cookie[sessions.COOKIE_KEY] = token
    login_user(user)


def end_session(db: Session) -> None:
    """Log this device out: its session ends on the server and the cookie is emptied. The caller commits."""
    token = cookie.get(sessions.COOKIE_KEY)
    if isinstance(token, str):
        sessions.end(db, token=token, reason=sessions.EndReason.logout, now=utcnow())
    _clear_cookie()
    logout_user()


def _clear_cookie() -> None:
    cookie.clear()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's token for this request


def client_address() -> str:
    """The client's address: the peer's, or what a configured proxy says (ProxyFix, `TRACKER_PROXY_COUNT`)."""
    return request.remote_addr or "-"


@login_manager.unauthorized_handler
def unauthorized():
    """Send a page to the login form; tell htmx to go there (a fragment cannot)."""
    login_url = url_for("accounts.login", next=request.full_path.rstrip("?"))
    if request.headers.get("HX-Request"):
        response = make_response("", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    response = make_response("", 303)
    response.headers["Location"] = login_url
    return response
