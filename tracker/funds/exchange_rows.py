"""One row of a grant-year file checked on its own: its nämnd, year, amounts and labels, with the forms' rules.

Each check adds every problem it finds to `Problems` and returns what the row says, or None when the row cannot
be used; whether a report may change is decided later, with all its rows (`exchange_plan`).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from tracker.formvalues import clean_text
from tracker.funds import editing, service
from tracker.funds.editing import NOTE_LIMIT
from tracker.funds.exchange_sheets import (
    ALLOCATIONS,
    AMOUNT,
    AREAS,
    CITYWIDE,
    EVALUATED,
    EVALUATION_TEXT,
    NO,
    NOTE,
    ORG,
    OUTCOME,
    PURPOSE,
    REASON_SEPARATOR,
    REASONS,
    REASONS_TEXT,
    REPORTS,
    STATUS,
    UNSPENT,
    USED,
    WORK,
    YEAR,
    YES,
    Line,
    Problems,
)
from tracker.funds.models import Evaluation, FundPurpose, FundYear, Outcome, ReasonCategory, ReportState
from tracker.funds.reporting import AreaInput, ReportInput
from tracker.organisations.models import Organisation


class Known:
    """What the rows are checked against, read once for the whole file."""

    def __init__(self, session: Session, fund_year: FundYear):
        self.session, self.fund_year, self.year = session, fund_year, fund_year.year
        self.data = service.load_year(session, fund_year)  # every report: the import is for coordinators
        self.organisations = {o.slug: o for o in session.exec(select(Organisation))}
        self.purposes: dict[str, FundPurpose] = {p.code: p for p in self.data.purposes}
        self.allocations = {o.id: a for a, o in self.data.allocations}


@dataclass
class AllocationRow:
    line: Line
    organisation: Organisation
    amount: int | None
    citywide: bool
    note: str | None
    version: int | None  # the row's version when the file was checked; None: a new row


@dataclass
class ReportLine:
    line: Line
    organisation: Organisation
    state: ReportState | None
    content: ReportInput


def check_allocation(known: Known, line: Line, problems: Problems, seen: dict) -> AllocationRow | None:
    organisation = _organisation(known, line, problems)
    amount = _amount(line, AMOUNT, problems)
    citywide = line[CITYWIDE].casefold() == YES.casefold()
    if line[CITYWIDE].casefold() not in {"", YES.casefold(), NO.casefold()}:
        problems.add(line, CITYWIDE, _("Skriv Ja eller Nej."))
    note = clean_text(line[NOTE])
    if note and len(note) > NOTE_LIMIT:
        problems.add(line, NOTE, _("Texten får vara högst 2 000 tecken."))
    if organisation is None:
        return None
    if first := _earlier(line, (ALLOCATIONS, organisation.id), seen):
        problems.add(line, None, _("Samma nämnd som rad %(row)s.", row=first))
    current = known.allocations.get(organisation.id)
    return None if line.bad else AllocationRow(line, organisation, amount, citywide, note,
                                               current.version if current else None)


def check_report_line(known: Known, line: Line, problems: Problems, seen: dict) -> ReportLine | None:
    organisation = _organisation(known, line, problems)
    state = _choice(line, STATUS, ReportState, problems)
    content = ReportInput(used=_amount(line, USED, problems), unspent=_amount(line, UNSPENT, problems),
                          reasons=_reasons(line, problems), reasons_text=clean_text(line[REASONS_TEXT]),
                          evaluated=_choice(line, EVALUATED, Evaluation, problems),
                          evaluation_text=clean_text(line[EVALUATION_TEXT]))
    if organisation is None:
        return None
    if first := _earlier(line, (REPORTS, organisation.id), seen):
        problems.add(line, None, _("Samma nämnd som rad %(row)s.", row=first))
    return ReportLine(line, organisation, state, content)  # checked further with the nämnd's areas


def check_area_line(known: Known, line: Line, problems: Problems, seen: dict
                    ) -> tuple[Organisation, FundPurpose, AreaInput] | None:
    organisation = _organisation(known, line, problems)
    purpose = known.purposes.get(line[PURPOSE])
    if not line[PURPOSE]:
        problems.add(line, None, _("%(column)s saknas.", column=PURPOSE))
    elif purpose is None:
        problems.add(line, PURPOSE, _("Okänt syfte för %(year)s: %(code)s.", year=known.year, code=line[PURPOSE]))
    area = AreaInput(work=clean_text(line[WORK]), amount=_amount(line, AMOUNT, problems),
                     outcome=_choice(line, OUTCOME, Outcome, problems))
    if organisation is None or purpose is None:
        return None
    if first := _earlier(line, (AREAS, organisation.id, purpose.id), seen):
        problems.add(line, None, _("Samma nämnd och syfte som rad %(row)s.", row=first))
    return organisation, purpose, area


def _organisation(known: Known, line: Line, problems: Problems) -> Organisation | None:
    """The row's nämnd, if the row is for the year imported into and the nämnd existed that year."""
    for column in (YEAR, ORG):
        if not line[column]:
            problems.add(line, None, _("%(column)s saknas.", column=column))
    if line[YEAR] and line[YEAR] != str(known.year):
        problems.add(line, YEAR, _("Raden gäller %(found)s, men filen läses in i bidragsåret %(year)s.",
                                   found=line[YEAR], year=known.year))
    organisation = known.organisations.get(line[ORG])
    if line[ORG] and organisation is None:
        problems.add(line, ORG, _("Okänd nämnd: %(slug)s.", slug=line[ORG]))
    elif organisation is not None and not organisation.existed_in(known.year):
        problems.add(line, ORG, _("%(org)s fanns inte år %(year)s.", org=organisation.name, year=known.year))
        return None
    return organisation


def _earlier(line: Line, key: tuple, seen: dict[tuple, int]) -> int | None:
    """The number of an earlier row with the same key on the sheet, if there is one."""
    if key in seen:
        return seen[key]
    seen[key] = line.number
    return None


def _amount(line: Line, column: str, problems: Problems) -> int | None:
    value, problem = editing.read_amount(line[column])
    if problem:
        problems.add(line, column, problem)
    return value


def _choice(line: Line, column: str, enum, problems: Problems):
    """The member whose Swedish label the cell holds (in any case); empty is None."""
    text = line[column]
    if not text:
        return None
    found = {member.label.casefold(): member for member in enum}.get(text.casefold())
    if found is None:
        problems.add(line, column, _("Okänt värde ”%(value)s”. Skriv något av: %(choices)s.", value=text,
                                     choices=", ".join(member.label for member in enum)))
    return found


def _reasons(line: Line, problems: Problems) -> list[ReasonCategory]:
    by_label = {member.label.casefold(): member for member in ReasonCategory}
    reasons: list[ReasonCategory] = []
    for text in filter(None, (part.strip() for part in line[REASONS].split(";"))):
        reason = by_label.get(text.casefold())
        if reason is None:
            problems.add(line, REASONS, _("Okänt värde ”%(value)s”. Skriv något av: %(choices)s.", value=text,
                                          choices=REASON_SEPARATOR.join(member.label for member in ReasonCategory)))
        elif reason not in reasons:
            reasons.append(reason)
    return reasons
