"""A coordinator's request to generate a programme's slutrapport (the archive's generate page)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlmodel import Session, select
from wtforms import SelectField

from tracker.archive.models import DocumentKind
from tracker.archive.requests import RequestProblem
from tracker.programs.models import Program


class FinalRequestForm(FlaskForm):
    program = SelectField(_l("Program"), validate_choice=False)

    def with_choices(self, programs: list[Program]):
        self.program.choices = [(p.slug, p.short_name) for p in programs]
        return self


def resolve_final(session: Session, *, program_slug: str | None) -> dict:
    """The job's kind, last tertial and programme; a Swedish problem beside the field when it cannot be made yet."""
    from tracker.reports import service as reports

    program = session.exec(select(Program).where(Program.slug == (program_slug or ""))).first()
    if program is None:
        raise RequestProblem(_("Välj ett program i listan."), "program")
    try:
        _first, last = reports.final_range(session, program)
    except reports.ReportRangeError as error:
        raise RequestProblem(_(error.template, **error.params), "program") from None
    return {"kind": DocumentKind.final, "period": last, "program": program}
