"""What views share when they read a request and answer it: one helper per recurring step."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, request
from flask_login import current_user
from sqlmodel import Session

from tracker.accounts.access import check_org
from tracker.extensions import htmx
from tracker.organisations import service as organisations
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.periods.service import get_period

T = TypeVar("T")


def wants_fragment(target: str | None = None) -> bool:
    """Whether htmx asks for a region of the page (`target`, or any) rather than the whole page."""
    if htmx.boosted or not htmx.target:
        return False
    return target is None or htmx.target == target


def organisation_or_404(session: Session, slug: str, *, report: bool = False) -> Organisation:
    """The organisation of the URL; 404 if unknown, 403 unless the user may see (or report for) it."""
    organisation = organisations.get_by_slug(session, slug) or abort(404)
    check_org(session, current_user, organisation.id, report=report)
    return organisation


def period_or_404(session: Session, code: str) -> ReportingPeriod:
    """The tertial of the URL ("2024-T2"); 404 if it is malformed or not in the calendar."""
    try:
        period = get_period(session, code)
    except ValueError:
        abort(404)
    return period or abort(404)


def parse_version(raw: str | None) -> int | None:
    """The hidden `version` field: empty for a new record; ValueError if it is not a positive number."""
    raw = (raw or "").strip()
    if not raw:
        return None
    version = int(raw)
    if version < 1:
        raise ValueError(raw)
    return version


def version_field() -> int | None:
    """The version the posted form was made from; 400 if the field was tampered with."""
    try:
        return parse_version(request.form.get("version"))
    except ValueError:
        abort(400)


def commit_or_refuse(session: Session, write: Callable[[], T], *refusals: type[Exception]
                     ) -> tuple[T | None, Exception | None]:
    """Run `write` and commit; if it raises one of `refusals`, roll back and return the refusal instead."""
    try:
        result = write()
        session.commit()
    except refusals as error:
        session.rollback()
        return None, error
    return result, None
