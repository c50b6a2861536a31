"""Forms for changing goals and activities; messages in the user's language, shown beside each field.

The forms read and check what was typed; the input models in `models`
(GoalCreate, ActivityUpdate, …) are what the operations in `editing` accept.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from pydantic import ValidationError as ModelError
from wtforms import Field, Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.formvalues import clean_text
from tracker.organisations.models import Organisation
from tracker.programs.editing import ProgramError
from tracker.programs.models import Activity, ActivityCreate, ActivityUpdate, GoalCreate, GoalUpdate, Program

REQUIRED = _l("Fältet måste fyllas i.")


def _at_most(limit: int) -> Length:
    # WTForms fills in %(max)d when the message is shown.
    return Length(max=limit, message=_l("Högst %(max)d tecken."))


def split_names(text: str | None) -> list[str]:
    """"Allmänheten, Förskolornas personal" as a list of names, each once, in the order written."""
    names = (name.strip() for name in re.split(r"[,\n]", text or ""))
    return list(dict.fromkeys(name for name in names if name))


def _goal_number(_form, number: Field) -> None:
    raw = (number.data or "").strip()
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= 99):
        raise ValidationError(_("Skriv ett heltal från 1 till 99, eller lämna fältet tomt för en grupp utan nummer."))


def _names(_form, names: Field) -> None:
    too_long = [name for name in split_names(names.data) if len(name) > 300]
    if too_long:
        raise ValidationError(_("Ett namn får vara högst 300 tecken: %(name)s…", name=too_long[0][:40]))


class GoalForm(FlaskForm):
    number = StringField(_l("Nummer"), validators=[_goal_number])
    title = StringField(_l("Rubrik"), validators=[DataRequired(REQUIRED), _at_most(500)])

    def to_create(self) -> GoalCreate:
        return GoalCreate.model_validate(self._values())

    def to_update(self) -> GoalUpdate:
        return GoalUpdate.model_validate(self._values())

    def _values(self) -> dict:
        raw = (self.number.data or "").strip()
        return {"number": int(raw) if raw else None, "title": clean_text(self.title.data)}


class ActivityForm(FlaskForm):
    title = TextAreaField(_l("Aktivitet"), validators=[DataRequired(REQUIRED), _at_most(1000)])
    description = TextAreaField(_l("Beskrivning"), validators=[_at_most(5000)])
    time_frame = StringField(_l("Tidsperiod"), validators=[DataRequired(REQUIRED), _at_most(200)])
    target_groups = StringField(_l("Målgrupper"), validators=[_names, _at_most(3000)])
    partners = StringField(_l("Samverkansparter"), validators=[_names, _at_most(3000)])
    note = TextAreaField(_l("Kommentar om tolkningen"), validators=[_at_most(5000)])

    def to_create(self) -> ActivityCreate:
        return ActivityCreate.model_validate(self._values())

    def to_update(self) -> ActivityUpdate:
        return ActivityUpdate.model_validate(self._values())

    def _values(self) -> dict:
        return {
            "title": clean_text(self.title.data), "description": clean_text(self.description.data),
            "time_frame": clean_text(self.time_frame.data), "note": clean_text(self.note.data),
            "target_groups": split_names(self.target_groups.data), "partners": split_names(self.partners.data),
        }


@dataclass
class Responsible:
    """Who is responsible for one activity, as the component that assigns and unassigns shows it."""

    program: Program
    activity: Activity
    organisations: list[Organisation]
    candidates: list[Organisation]
    error: str | None = None  # about the assign form's choice
    problem: str | None = None  # anything else that was refused
    message: str | None = None
    confirm: Organisation | None = None
    confirm_text: str | None = None
    selected: list[str] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"responsible-{self.activity.id}"


def responsible(program: Program, activity: Activity, organisations: list[Organisation],
                everyone: list[Organisation], **state) -> Responsible:
    """The component's state: candidates are the active organisations not yet responsible."""
    taken = {o.id for o in organisations}
    return Responsible(program=program, activity=activity, organisations=organisations,
                       candidates=[o for o in everyone if o.id not in taken], **state)


def add_error(form: Form, name: str | None, message: str) -> None:
    """Show a message beside a field (or the first field when the service names none)."""
    target = form[name] if name and name in form else next(f for f in form if f.name != "csrf_token")
    target.errors = [*target.errors, message]


def add_refusal(form: Form, error: ProgramError | ModelError) -> None:
    """Show why the service refused the change beside the field(s) it concerns.

    Input that passed the form but not the service's model marks each field the model names.
    """
    if isinstance(error, ProgramError):
        add_error(form, error.field, str(error))
        return
    for problem in error.errors():
        add_error(form, str(problem["loc"][0]) if problem["loc"] else None,
                  _("Värdet kan inte sparas. Kontrollera fältet."))


def scope_ids(form: Form, scope: str) -> Form:
    """Give the fields page-unique ids (`goal-3-title`) while keeping their names plain."""
    for one in form:
        one.id = f"{scope}-{one.name}"
        one.label.field_id = one.id
    return form
