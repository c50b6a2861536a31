"""Aviseringar: each user's own notifications, and the choices to receive digests, and news of
published styrkort and reports (readers and contacts), by email.

The settings form works as a plain POST (redirect with a flash message); an
htmx request aimed at the settings region (`htmx.target`) gets the region alone.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from jinja2_fragments.flask import render_block
from wtforms import BooleanField

from tracker.accounts.access import ALL_ROLES, allow
from tracker.accounts.models import Role
from tracker.db import get_session
from tracker.extensions import htmx
from tracker.notifications import service

bp = Blueprint("notifications", __name__, url_prefix="/aviseringar")

INDEX = "notifications/index.html"
SETTINGS_ID = "notification-settings"
# Who is told of new styrkort and reports (coordinators and admins make them).
PUBLICATION_ROLES = frozenset({Role.reader, Role.contact})


class SettingsForm(FlaskForm):
    digest_opt_out = BooleanField(_l("Skicka inte sammanställningar till mig med e-post"))
    publication_opt_out = BooleanField(_l("Skicka inte e-post till mig om nya styrkort och rapporter i arkivet"))


def _settings_form(user, **kwargs) -> SettingsForm:
    form = SettingsForm(**kwargs)
    if user.role not in PUBLICATION_ROLES:
        del form.publication_opt_out
    return form


@bp.get("/")
@allow(ALL_ROLES)
def index():
    """List the user's own notifications, newest first, and the email settings."""
    return _page(_settings_form(current_user, formdata=None,
                                data={"digest_opt_out": current_user.digest_opt_out,
                                      "publication_opt_out": current_user.publication_opt_out}))


@bp.get("/<int:notification_id>")
@allow(ALL_ROLES)
def show(notification_id: int):
    """Show one of the user's notifications and mark it read."""
    session = get_session()
    notification = service.get_for(session, user=current_user, notification_id=notification_id) or abort(404)
    service.mark_read(notification)
    session.commit()
    return render_template("notifications/show.html", notification=notification)


@bp.post("/installningar")
@allow(ALL_ROLES)
def settings():
    """Save whether the user receives digests, and news of new documents, by email (reminders are always sent)."""
    session = get_session()
    form = _settings_form(current_user)
    opt_out = bool(form.digest_opt_out.data)
    service.set_digest_opt_out(session, user=current_user, opt_out=opt_out, actor=current_user)
    messages = [_("Du får inte längre sammanställningar med e-post. Påminnelser om sista dag skickas som vanligt.")
                if opt_out else _("Du får sammanställningar med e-post.")]
    if "publication_opt_out" in form:
        publications_off = bool(form.publication_opt_out.data)
        service.set_publication_opt_out(session, user=current_user, opt_out=publications_off, actor=current_user)
        messages.append(_("Du får inte längre e-post om nya styrkort och rapporter; de visas fortfarande här.")
                        if publications_off else _("Du får e-post om nya styrkort och rapporter."))
    session.commit()
    message = " ".join(messages)
    if htmx.target == SETTINGS_ID and not htmx.boosted:
        return _page(form, message=message)
    flash(message)
    return redirect(url_for("notifications.index"), code=303)


def _page(form: SettingsForm, *, message: str | None = None):
    context = {"notifications": service.list_for(get_session(), current_user), "form": form,
               "message": message, "settings_id": SETTINGS_ID}
    if htmx.target == SETTINGS_ID and not htmx.boosted:
        return render_block(INDEX, "settings", **context)
    return render_template(INDEX, **context)
