"""Logging in and out, one's own account page, accepting invitations, and the admin's user pages."""
from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from tracker.accounts import service, sessions, throttle
from tracker.accounts.access import ADMINS, ALL_ROLES, PUBLIC, allow
from tracker.accounts.forms import ChangePasswordForm, LoginForm, SetPasswordForm, UserForm
from tracker.accounts.login import client_address, end_session, start_session
from tracker.accounts.models import Role, User
from tracker.clock import utcnow
from tracker.db import get_session
from tracker.organisations.models import Organisation

bp = Blueprint("accounts", __name__)


# Where each role starts after logging in (when no page was asked for).
LANDING = {
    Role.contact: "reporting.my_commitments",
    Role.coordinator: "home.index",  # the start page: what needs attention now
    Role.reader: "home.index",
    Role.admin: "accounts.users",
}


def safe_next(target: str | None) -> str:
    """A local path to continue to; never another site (no open redirect), never a broken header."""
    if target and target.isprintable() and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target and not urlsplit(target).netloc:
        return target
    endpoint = LANDING.get(current_user.role) if current_user.is_authenticated else None
    if endpoint and endpoint in current_app.view_functions:
        return url_for(endpoint)
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    """Log in with e-mail and password (throttled per account and per address)."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form, error=None)
    session, now, config = get_session(), utcnow(), current_app.config
    attempt = {"email": form.email.data, "address": client_address(), "now": now, "config": config}
    refusal = throttle.refusal(session, **attempt)
    if refusal is not None:
        return (render_template("accounts/login.html", form=form, error=_refusal_message(refusal)), 429,
                {"Retry-After": str(refusal.retry_after)})
    user = service.authenticate(session, email=form.email.data, password=form.password.data)
    throttle.record(session, **attempt, succeeded=user is not None)
    if user is not None:
        start_session(session, user)
    session.commit()
    if user is not None:
        return redirect(safe_next(request.args.get("next")), code=303)
    return render_template("accounts/login.html", form=form,
                           error=_("Fel e-post eller lösenord, eller så är kontot inaktiverat."))


def _refusal_message(refusal: throttle.Refusal) -> str:
    wait = ngettext("%(num)d minut", "%(num)d minuter", math.ceil(refusal.retry_after / 60))
    if refusal.scope == "account":
        return _("För många misslyckade inloggningar på det här kontot. Försök igen om %(wait)s.", wait=wait)
    return _("För många misslyckade inloggningar från din adress. Försök igen om %(wait)s.", wait=wait)


@bp.post("/logout")
@allow(ALL_ROLES)
def logout():
    """Log out (this device)."""
    session = get_session()
    end_session(session)
    session.commit()
    flash(_("Du är utloggad."))
    return redirect(url_for("accounts.login"), code=303)


@bp.get("/konto")
@allow(ALL_ROLES)
def account():
    """Show one's own account: the password form and the devices logged in."""
    return _account_page(ChangePasswordForm(formdata=None))


@bp.post("/konto/losenord")
@allow(ALL_ROLES)
def change_password():
    """Change one's own password; every other device is logged out."""
    session, user = get_session(), current_user._get_current_object()
    form = ChangePasswordForm(user_inputs=(user.email, user.name))
    if not form.validate():
        return _account_page(form), 422
    attempt = {"email": user.email, "address": client_address(), "now": utcnow(), "config": current_app.config}
    refusal = throttle.refusal(session, **attempt)
    if refusal is not None:
        form.current.errors.append(_refusal_message(refusal))
        return _account_page(form), 429, {"Retry-After": str(refusal.retry_after)}
    if not service.verify_password(user, form.current.data):
        throttle.record(session, **attempt, succeeded=False)
        session.commit()
        form.current.errors.append(_("Lösenordet stämmer inte."))
        return _account_page(form), 422
    try:
        service.set_password(session, user=user, password=form.password.data, actor=user)
    except service.AccountError as exc:
        form.password.errors.append(str(exc))
        return _account_page(form), 422
    start_session(session, user)  # set_password ended every session, this one too: go on in a new one
    session.commit()
    flash(_("Lösenordet är bytt. Du är utloggad på alla andra enheter."))
    return redirect(url_for("accounts.account"), code=303)


@bp.post("/konto/logga-ut-overallt")
@allow(ALL_ROLES)
def end_all_sessions():
    """Log out on every device, this one included."""
    session = get_session()
    sessions.end_all(session, user_id=current_user.id, reason=sessions.EndReason.everywhere, now=utcnow())
    end_session(session)
    session.commit()
    flash(_("Du är utloggad på alla enheter."))
    return redirect(url_for("accounts.login"), code=303)


def _account_page(form: ChangePasswordForm):
    devices = sessions.count_live(get_session(), user_id=current_user.id, now=utcnow(), config=current_app.config)
    return render_template("accounts/account.html", form=form, devices=devices)


@bp.route("/inbjudan/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def accept_invitation(token: str):
    """Set a password from an invitation (or reset) link."""
    session = get_session()
    user = service.user_for_invitation(session, token, current_app.config["SECRET_KEY"])
    if user is None:
        return render_template("accounts/invitation_invalid.html"), 410
    form = SetPasswordForm(user_inputs=(user.email, user.name))
    if form.validate_on_submit():
        try:
            service.set_password(session, user=user, password=form.password.data, actor=user)
        except service.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            session.commit()
            flash(_("Lösenordet är sparat. Logga in med din e-post och ditt nya lösenord."))
            return redirect(url_for("accounts.login"), code=303)
    return render_template("accounts/invitation.html", form=form, user=user), 422 if form.errors else 200


def _user_form(session, user: User | None = None) -> UserForm:
    form = UserForm(obj=user) if request.method == "GET" and user else UserForm()
    orgs = session.exec(select(Organisation).order_by(Organisation.name)).all()
    form.organisations.choices = [SelectChoice(o.id, o.name) for o in orgs]
    if request.method == "GET" and user:
        form.organisations.data = service.organisation_ids(session, user)
    return form


@bp.route("/admin/anvandare", methods=["GET", "POST"])
@allow(ADMINS)
def users():
    """List users and invite a new one."""
    session = get_session()
    form = _user_form(session)
    invitation = None
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                user = service.invite_user(
                    session, email=form.email.data, name=form.name.data, role=Role(form.role.data),
                    org_ids=form.organisations.data, actor=current_user,
                )
                session.commit()
                invitation = (user, _invitation_url(user))
                form = _user_form(session)
                form.name.data = form.email.data = None
            except service.AccountError as exc:
                session.rollback()
                form.email.errors.append(str(exc))
                status = 422
        else:
            status = 422
    return render_template("accounts/users.html", form=form, users=service.list_users(session),
                           invitation=invitation), status


@bp.route("/admin/anvandare/<int:user_id>", methods=["GET", "POST"])
@allow(ADMINS)
def edit_user(user_id: int):
    """Change a user's role, organisations or active state."""
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    form = _user_form(session, user)
    status = 200
    if request.method == "POST":
        if form.validate():
            try:
                service.update_user(
                    session, user=user, name=form.name.data, email=form.email.data, role=Role(form.role.data),
                    org_ids=form.organisations.data, active=form.active.data, actor=current_user,
                )
                session.commit()
                flash(_("Ändringarna för %(name)s är sparade.", name=user.name))
                return redirect(url_for("accounts.users"), code=303)
            except service.AccountError as exc:
                session.rollback()
                form.role.errors.append(str(exc))
        status = 422
    return render_template("accounts/edit_user.html", form=form, user=user), status


@bp.post("/admin/anvandare/<int:user_id>/inbjudan")
@allow(ADMINS)
def new_invitation(user_id: int):
    """Create a new single-use link that sets the user's password."""
    session = get_session()
    user = session.get(User, user_id) or abort(404)
    return render_template("accounts/_invitation.html", invitation=(user, _invitation_url(user)))


def _invitation_url(user: User) -> str:
    """The link from the configured address (`TRACKER_BASE_URL`): a forged Host header must not make it point elsewhere."""
    token = service.invitation_token(user, current_app.config["SECRET_KEY"])
    return current_app.config["BASE_URL"] + url_for("accounts.accept_invitation", token=token)
