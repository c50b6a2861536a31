"""The three generation requests a coordinator can make; problems are shown beside each field."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField

from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Program


class ScorecardRequestForm(FlaskForm):
    period = SelectField(_l("Tertial"), validate_choice=False)
    organisation = SelectField(_l("Organisation"), validate_choice=False)

    def with_choices(self, periods: list[ReportingPeriod], organisations: list[Organisation]):
        self.period.choices = [(p.code, p.label) for p in periods]
        self.organisation.choices = [("", _("Alla ansvariga organisationer"))] + [
            (o.slug, o.name) for o in organisations]
        return self


class MidtermRequestForm(FlaskForm):
    program = SelectField(_l("Program"), validate_choice=False)
    period = SelectField(_l("Till och med tertial"), validate_choice=False)

    def with_choices(self, programs: list[Program], periods: list[ReportingPeriod]):
        self.program.choices = [(p.slug, p.short_name) for p in programs]
        self.period.choices = [(p.code, p.label) for p in periods]
        return self


class AnnualRequestForm(FlaskForm):
    program = SelectField(_l("Program"), validate_choice=False)
    year = SelectField(_l("År"), validate_choice=False)

    def with_choices(self, programs: list[Program], years: list[int]):
        self.program.choices = [(p.slug, p.short_name) for p in programs]
        self.year.choices = [(str(y), str(y)) for y in years]
        return self
