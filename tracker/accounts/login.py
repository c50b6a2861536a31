"""Flask-Login glue: load the user of a session, answer when login is needed."""
from __future__ import annotations

from flask import make_response, request, url_for

from tracker.accounts.models import User
from tracker.db import get_session
from tracker.extensions import login_manager


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


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
