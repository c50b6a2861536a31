"""The form for a new programme, and what a copy takes along; messages shown beside each field."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.formvalues import clean_text
from tracker.organisations.models import SLUG_PATTERN
from tracker.programs.founding import SLUG_MAX, ProgramCreate, derive_slug
from tracker.programs.models import PROGRAM_KIND_LABELS, Program, ProgramKind

REQUIRED = _l("Fältet måste fyllas i.")
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=_l("Högst %(max)d tecken."))


def read_year(raw: str | None) -> int | None:
    """A year as typed ("2026"), or None if it is not a whole number from 2000 to 2100."""
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def _year(_form, year: Field) -> None:
    if read_year(year.data) is None:
        raise ValidationError(_("Skriv ett årtal från %(first)d till %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def _kind(_form, kind: Field) -> None:
    if kind.data not in {k.value for k in ProgramKind}:
        raise ValidationError(_("Välj program eller budgetuppdrag."))


def _slug(_form, slug: Field) -> None:
    text = (slug.data or "").strip()
    if text and (len(text) > SLUG_MAX or not re.match(SLUG_PATTERN, text)):
        raise ValidationError(_("Använd bara små bokstäver a–z, siffror och bindestreck, t.ex. "
                                "”program-mot-vald-2026-2030”. Högst %(max)d tecken.", max=SLUG_MAX))


class ProgramForm(FlaskForm):
    name = TextAreaField(_l("Namn"), validators=[DataRequired(REQUIRED), _at_most(500)])
    short_name = StringField(_l("Kort namn"), validators=[DataRequired(REQUIRED), _at_most(120)])
    kind = SelectField(_l("Slag"), choices=[SelectChoice(k.value, _l(PROGRAM_KIND_LABELS[k])) for k in ProgramKind],
                       validate_choice=False, validators=[_kind])
    start_year = StringField(_l("Startår"), validators=[_year])
    end_year = StringField(_l("Slutår"), validators=[_year])
    slug = StringField(_l("Adress"), validators=[_slug])
    reference = StringField(_l("Diarienummer eller källa"), validators=[_at_most(200)])
    note = TextAreaField(_l("Kommentar"), validators=[_at_most(2000)])

    def validate_end_year(self, end_year: Field) -> None:
        start, end = read_year(self.start_year.data), read_year(end_year.data)
        if start is not None and end is not None and end < start:
            raise ValidationError(_("Slutåret kan inte vara före startåret."))

    def validate_slug(self, slug: Field) -> None:
        if not (slug.data or "").strip() and self.name.data and not derive_slug(self.name.data):
            raise ValidationError(_("Namnet ger ingen adress. Skriv en adress med bokstäverna a–z och siffror."))

    def to_create(self) -> ProgramCreate:
        slug = (self.slug.data or "").strip() or derive_slug(self.name.data or "")
        return ProgramCreate.model_validate({
            "slug": slug, "name": clean_text(self.name.data), "short_name": clean_text(self.short_name.data),
            "kind": self.kind.data, "start_year": read_year(self.start_year.data),
            "end_year": read_year(self.end_year.data), "reference": clean_text(self.reference.data),
            "note": clean_text(self.note.data),
        })


class CopyForm(ProgramForm):
    """A new programme that continues an earlier one: the chosen goals and activities come along."""

    with_responsible = BooleanField(_l("Ansvariga organisationer följer med"))


def copy_defaults(origin: Program) -> dict:
    """A copy's form before anything is typed: the same kind, the years after the origin's, as long."""
    start = min(origin.end_year + 1, LAST_YEAR)
    end = min(start + origin.end_year - origin.start_year, LAST_YEAR)
    return {"kind": origin.kind, "start_year": str(start), "end_year": str(end), "with_responsible": True}


def chosen_ids(values: list[str]) -> list[int] | None:
    """The ids of the ticked boxes; None if one is not an id (a tampered form)."""
    ids = []
    for value in values:
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            return None
        ids.append(int(value))
    return ids
