"""Who may do what: every endpoint declares its roles; anything undeclared is refused.

Views are marked with `@allow(...)`. A `before_request` hook checks the mark
for every request, so a route without one answers 403 (and the route × role
matrix test fails). Checks that depend on the object (a contact and another
organisation's commitment) are the plain functions below, taking the session and the user, so
that views, services, jobs and imports ask the same rule.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from tracker.accounts.models import Role
from tracker.accounts.service import organisation_ids

PUBLIC = "public"
ALL_ROLES = frozenset(Role)
READERS = frozenset({Role.admin, Role.coordinator, Role.reader})
COORDINATORS = frozenset({Role.coordinator})
ADMINS = frozenset({Role.admin})
REPORTERS = frozenset({Role.coordinator, Role.contact})
# Endpoints that Flask or extensions add; all are public.
PUBLIC_ENDPOINTS = {"static"}
_CACHE = "tracker.organisation_ids"


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


def may_use(endpoint: str, user: Any = current_user) -> bool:
    """The endpoint exists and lets the user in: pages link nothing that would answer 403."""
    roles = allowed_roles(endpoint) or ()
    return PUBLIC in roles or (user.is_authenticated and user.role in roles)


def _enforce():
    if request.endpoint is None:
        return None  # 404/405: nothing to protect
    if request.endpoint not in PUBLIC_ENDPOINTS:
        # Check the session now, before the request's own transaction starts (see accounts.login).
        current_user._get_current_object()
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


def organisation_ids_of(session: Session, user: Any) -> frozenset[int]:
    """The organisations a contact reports for, as this session's transaction sees them (read once in it)."""
    if getattr(user, "id", None) is None:
        return frozenset()
    cache = session.info.setdefault(_CACHE, {})
    if user.id not in cache:
        cache[user.id] = frozenset(organisation_ids(session, user))
    return cache[user.id]


def may_see_org(session: Session, user: Any, organisation_id: int) -> bool:
    """Everyone but a contact sees every organisation; a contact sees their own."""
    role = getattr(user, "role", None)
    return role is not None and (role != Role.contact or organisation_id in organisation_ids_of(session, user))


def may_report_for(session: Session, user: Any, organisation_id: int) -> bool:
    """Coordinators report for every organisation, contacts for their own, nobody else at all."""
    role = getattr(user, "role", None)
    if role == Role.coordinator:
        return True
    return role == Role.contact and organisation_id in organisation_ids_of(session, user)


def check_org(session: Session, user: Any, organisation_id: int, *, report: bool = False) -> None:
    """Raise PermissionDenied unless the user may see (or report for) the organisation."""
    allowed = may_report_for if report else may_see_org
    if not allowed(session, user, organisation_id):
        raise PermissionDenied(f"user {getattr(user, 'id', None)} and organisation {organisation_id}")


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _forget_organisations(session: OrmSession) -> None:
    # A later transaction may see other memberships: read them again there.
    session.info.pop(_CACHE, None)


def init_app(app: Flask) -> None:
    import tracker.accounts.login  # noqa: F401  (registers the user loader)

    app.before_request(_enforce)
