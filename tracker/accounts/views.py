"""Logging in and out, accepting invitations, and the admin's user pages."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from tracker.accounts import service
from tracker.accounts.access import ADMINS, ALL_ROLES, PUBLIC, allow
from tracker.accounts.forms import LoginForm, SetPasswordForm, UserForm
from tracker.accounts.models import Role, User
from tracker.db import get_session
from tracker.extensions import limiter
from tracker.organisations.models import Organisation

bp = Blueprint("accounts", __name__)


def _failed_login(response) -> bool:
    """Count only failed attempts against the login limit."""
    return response.status_code == 200 and request.method == "POST"


# Where each role starts after logging in (when no page was asked for).
LANDING = {
    Role.contact: "reporting.my_commitments",
    Role.coordinator: "followup.overview",
    Role.reader: "followup.overview",
    Role.admin: "accounts.users",
}


def safe_next(target: str | None) -> str:
    """A local path to continue to; never another site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target \
            and not urlsplit(target).netloc:
        return target
    endpoint = LANDING.get(current_user.role) if current_user.is_authenticated else None
    if endpoint and endpoint in current_app.view_functions:
        return url_for(endpoint)
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"], deduct_when=_failed_login)
def login():
    """Log in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        session = get_session()
        user = service.authenticate(session, email=form.email.data, password=form.password.data)
        if user is not None:
            session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next")), code=303)
        error = _("Fel e-post eller lösenord, eller så är kontot inaktiverat.")
    return render_template("accounts/login.html", form=form, error=error)


@bp.post("/logout")
@allow(ALL_ROLES)
def logout():
    """Log out."""
    logout_user()
    flash(_("Du är utloggad."))
    return redirect(url_for("accounts.login"), code=303)


@bp.route("/inbjudan/<token>", methods=["GET", "POST"])
@allow(PUBLIC)
def accept_invitation(token: str):
    """Set a password from an invitation (or reset) link."""
    session = get_session()
    user = service.user_for_invitation(session, token, current_app.config["SECRET_KEY"])
    if user is None:
        return render_template("accounts/invitation_invalid.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        service.set_password(session, user=user, password=form.password.data, actor=user)
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
    token = service.invitation_token(user, current_app.config["SECRET_KEY"])
    return url_for("accounts.accept_invitation", token=token, _external=True)
