"""The start page (what needs attention now) and the language switch."""
from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import format_date
from flask_login import current_user

from tracker.accounts import sessions
from tracker.accounts.access import ALL_ROLES, PUBLIC, allow, may_use
from tracker.accounts.models import Role
from tracker.accounts.views import safe_next
from tracker.clock import local_day, today, utcnow
from tracker.db import get_session
from tracker.home import schedule, service
from tracker.pagecache import remembered
from tracker.programs import service as programs

bp = Blueprint("home", __name__)
LIST_LIMIT = 10  # new support needs and deviations shown; the rest are one link away in the overview


def _session_and_minute() -> tuple:
    """What the start page shows besides data: changes since this session's last visit, jobs due from now."""
    return cookie.get(sessions.COOKIE_KEY), utcnow().replace(second=0, microsecond=0)


@bp.get("/")
@allow(ALL_ROLES)
@remembered(vary=_session_and_minute)
def index():
    """Show what needs attention now; contacts go to their commitments."""
    if current_user.role == Role.contact:
        return redirect(url_for("reporting.my_commitments"))
    session = get_session()
    now, day = utcnow(), today()
    operator = current_user.role in (Role.coordinator, Role.admin)
    since = service.since_last_visit(session, user_id=current_user.id, now=now,
                                     current_token=cookie.get(sessions.COOKIE_KEY))
    return render_template(
        "home/index.html",
        tertials=service.open_tertials(session, today=day),
        changes=service.new_changes(session, since=since, now=now, with_drafts=operator),
        since_day=local_day(since.at),
        fallback_days=service.FALLBACK_WINDOW.days,
        list_limit=LIST_LIMIT,
        reopenings=service.waiting_reopenings(session),
        jobs=schedule.next_jobs(session, now=now, config=current_app.config) if may_use("scheduler.index") else None,
        funds=schedule.funds_deadlines(session, today=day),
        programs=programs.list_programs(session),
        with_texts=operator,  # the support texts come from saved versions, drafts too
        may_use=may_use,
        format_date=format_date,
    )


@bp.get("/sprak/<code>")
@allow(PUBLIC)
def set_language(code: str):
    """Remember the chosen language (sv or en) and go back."""
    response = redirect(safe_next(request.args.get("next")), code=303)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
