"""The rules a status report must follow: reading form values into report content and checking them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.formvalues import clean_text
from tracker.reporting.models import TEXT_LIMITS, ReportStatus, StatusReportContent
from tracker.reporting.service import ReportingError


class InvalidReportError(ReportingError):
    """Form values that break the reporting rules; `errors` maps each field to a message in Swedish."""

    def __init__(self, errors: dict[str, str], content: StatusReportContent):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors, self.content = errors, content


REASON_REQUIRED = {
    ReportStatus.deviation: _l("Skriv i kommentaren varför aktiviteten pågår med avvikelse."),
    ReportStatus.cancelled: _l("Skriv i kommentaren varför aktiviteten utgår."),
}
CHECKED = {"on", "1", "true", "y", "yes", "ja"}


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def too_long(content: Any, limits: Mapping[str, int]) -> dict[str, str]:
    """A message beside each text field longer than its limit, saying by how much (shared with other forms)."""
    errors: dict[str, str] = {}
    for name, limit in limits.items():
        length = len(getattr(content, name) or "")
        if length > limit:
            errors[name] = _("Texten får vara högst %(limit)s tecken. Nu är den %(length)s tecken: "
                             "korta den med %(excess)s.", limit=_thousands(limit), length=_thousands(length),
                             excess=_thousands(length - limit))
    return errors


def validate_report(content: StatusReportContent, *, submit: bool) -> dict[str, str]:
    """Each field that breaks a reporting rule, with a message in Swedish to show beside it."""
    errors = too_long(content, TEXT_LIMITS)
    if submit and content.status is None:
        errors["status"] = _("Välj en status innan du lämnar in.")
    reason = REASON_REQUIRED.get(content.status)
    if reason and not (content.comment or "").strip():
        errors.setdefault("comment", str(reason))
    if content.support_needed and not (content.support_text or "").strip():
        errors.setdefault("support_text", _("Beskriv vilket stöd ni behöver."))
    return errors


def form_content(values: Mapping[str, Any]) -> tuple[StatusReportContent, dict[str, str]]:
    """Form values as report content, unvalidated (to show back in the form), and what could not be read."""
    errors: dict[str, str] = {}
    status = None
    if raw_status := clean_text(values.get("status")):
        try:
            status = ReportStatus(raw_status)
        except ValueError:
            errors["status"] = _("Välj en av statusarna i listan.")
    content = StatusReportContent.model_construct(
        status=status,
        comment=clean_text(values.get("comment")),
        next_steps=clean_text(values.get("next_steps")),
        support_needed=str(values.get("support_needed") or "").lower() in CHECKED,
        support_text=clean_text(values.get("support_text")),
    )
    return content, errors


def read_report(values: Mapping[str, Any], *, submit: bool) -> StatusReportContent:
    """Turn form values into validated report content, or raise InvalidReportError."""
    content, errors = form_content(values)
    errors = validate_report(content, submit=submit) | errors
    if errors:
        raise InvalidReportError(errors, content)
    return StatusReportContent.model_validate(content.model_dump())
