"""Forms for changing the tertial calendar; messages in the user's language, shown beside each field.

The forms read what was sent; the rules (which changes are allowed) live in
`service` and its PeriodError names the field a message belongs beside.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from tracker.organisations.models import ORG_KIND_LABELS, Organisation


def _iso_date(_form, deadline: StringField) -> None:
    raw = (deadline.data or "").strip()
    if not raw:
        raise ValidationError(_("Välj ett datum."))
    try:
        date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(_("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2024-05-15.")) from None


class DeadlineForm(FlaskForm):
    deadline = StringField(_l("Ny sista dag för rapportering"), validators=[_iso_date])

    @property
    def value(self) -> date:
        return date.fromisoformat(self.deadline.data.strip())


class CloseForm(FlaskForm):
    confirm = BooleanField(_l("Jag förstår att ingen organisation kan rapportera på tertialen när den är stängd, "
                              "om den inte återöppnas för organisationen."))


class ReopenForm(FlaskForm):
    # The service checks the choice, so an unknown slug gets a message beside the field.
    organisation = SelectField(_l("Organisation"), validate_choice=False)
    reason = TextAreaField(_l("Skäl till återöppningen"))

    def with_choices(self, organisations: list[Organisation]) -> ReopenForm:
        self.organisation.choices = [("", _("Välj organisation"))] + [
            (org.slug, f"{org.short_name} ({_(ORG_KIND_LABELS[org.kind]).lower()})") for org in organisations]
        return self


def add_error(form: Form, name: str | None, message: str) -> None:
    """Show a message beside a field (or the form's first field when the service names none)."""
    target = form[name] if name and name in form else next(f for f in form if f.name != "csrf_token")
    target.errors = [*target.errors, message]
