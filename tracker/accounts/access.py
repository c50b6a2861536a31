"""Who may do what: every endpoint declares its roles; anything undeclared is refused.

Views are marked with `@allow(...)`. A `before_request` hook checks the mark
for every request, so a route without one answers 403 (and the route × role
matrix test fails). Checks that depend on the object (a contact and another
organisation's commitment) are made in services with `check_org`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, current_app, g, request
from flask_login import current_user

from tracker.accounts.models import Role, User
from tracker.accounts.service import organisation_ids
from tracker.db import get_session

PUBLIC = "public"
ALL_ROLES = frozenset(Role)
READERS = frozenset({Role.admin, Role.coordinator, Role.reader})
COORDINATORS = frozenset({Role.coordinator})
ADMINS = frozenset({Role.admin})
REPORTERS = frozenset({Role.coordinator, Role.contact})
# Endpoints that Flask or extensions add; all are public.
PUBLIC_ENDPOINTS = {"static"}


class PermissionDenied(Exception):
    """The user may not do this; views answer 403."""


def allow(*roles: Role | str | Iterable[Role]) -> Callable:
    """Mark a view with the roles that may use it (or PUBLIC)."""
    allowed: set = set()
    for role in roles:
        if role == PUBLIC:
            allowed.add(PUBLIC)
        elif isinstance(role, Role):
            allowed.add(role)
        else:
            allowed.update(role)

    def mark(view: Callable) -> Callable:
        view.allowed_roles = frozenset(allowed)
        return view

    return mark


def allowed_roles(endpoint: str) -> frozenset | None:
    """The roles an endpoint allows, or None when it has no rule."""
    if endpoint in PUBLIC_ENDPOINTS:
        return frozenset({PUBLIC})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def _enforce():
    if request.endpoint is None:
        return None  # 404/405: nothing to protect
    roles = allowed_roles(request.endpoint)
    if roles is None:
        raise PermissionDenied(f"no access rule for {request.endpoint}")
    if PUBLIC in roles:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in roles:
        raise PermissionDenied(f"{current_user.role} may not use {request.endpoint}")
    return None


def org_ids_of(user: User) -> frozenset[int]:
    """The organisations a contact reports for (read once per request)."""
    cache = g.setdefault("org_ids_by_user", {})
    if user.id not in cache:
        cache[user.id] = frozenset(organisation_ids(get_session(), user))
    return cache[user.id]


def can_see_org(user: User, organisation_id: int) -> bool:
    return user.role != Role.contact or organisation_id in org_ids_of(user)


def can_report_for(user: User, organisation_id: int) -> bool:
    if user.role == Role.coordinator:
        return True
    return user.role == Role.contact and organisation_id in org_ids_of(user)


def check_org(user: User, organisation_id: int, *, report: bool = False) -> None:
    """Raise PermissionDenied unless the user may see (or report for) the organisation."""
    ok = can_report_for(user, organisation_id) if report else can_see_org(user, organisation_id)
    if not ok:
        raise PermissionDenied(f"user {user.id} and organisation {organisation_id}")


def init_app(app: Flask) -> None:
    import tracker.accounts.login  # noqa: F401  (registers the user loader)

    app.before_request(_enforce)
    app.register_error_handler(PermissionDenied, _forbidden)


def _forbidden(_error: PermissionDenied):
    from werkzeug.exceptions import Forbidden

    from tracker.web import error_page

    return error_page(Forbidden())
