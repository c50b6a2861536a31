"""The tertial calendar: which tertials there are and who may report on them; coordinators open and close
tertials, move deadlines and reopen for one organisation.

Every change is audited with what it was before and after. Rules that are
broken raise PeriodError with a message in the user's language (and the form
field it concerns); nothing is written then.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tracker.accounts.service import user_names
from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodReopening, PeriodState, ReportingPeriod

TERTIAL_MONTHS = {1: (1, 4), 2: (5, 8), 3: (9, 12)}
PERIOD_CODE = re.compile(r"^(?P<year>\d{4})-T(?P<number>[123])$")
REASON_LIMIT = 2000


class PeriodError(Exception):
    """A change to the calendar that the rules do not allow; `field` names the input it concerns."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Reopening:
    reopening: PeriodReopening
    organisation: Organisation
    reopened_by: str | None = None
    closed_by: str | None = None

    @property
    def active(self) -> bool:
        return self.reopening.closed_at is None


@dataclass
class PeriodEntry:
    """A tertial in the calendar with its reopenings, newest first."""

    period: ReportingPeriod
    reopenings: list[Reopening] = field(default_factory=list)

    @property
    def active_reopenings(self) -> list[Reopening]:
        return [r for r in self.reopenings if r.active]


@dataclass(frozen=True)
class Deadline:
    month: int
    day: int
    next_year: bool = False

    def for_year(self, year: int) -> date:
        return date(year + 1 if self.next_year else year, self.month, self.day)


def parse_period_code(code: str) -> tuple[int, int]:
    """Read "2023-T2" as (2023, 2); raise ValueError otherwise."""
    match = PERIOD_CODE.match(code.strip())
    if not match:
        raise ValueError(f"ogiltig tertial {code!r}: skriv år-T och nummer, t.ex. 2023-T2")
    return int(match["year"]), int(match["number"])


def tertial_dates(year: int, number: int) -> tuple[date, date]:
    first_month, last_month = TERTIAL_MONTHS[number]
    next_month_start = date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)
    return date(year, first_month, 1), date.fromordinal(next_month_start.toordinal() - 1)


def tertials_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every (year, number) from first to last inclusive."""
    out, (year, number) = [], first
    while (year, number) <= last:
        out.append((year, number))
        year, number = (year + 1, 1) if number == 3 else (year, number + 1)
    return out


def state_on(today: date, starts_on: date, deadline: date) -> PeriodState:
    """The natural state of a period on a date: open from its start to its deadline."""
    if today < starts_on:
        return PeriodState.upcoming
    return PeriodState.open if today <= deadline else PeriodState.closed


def build_period(year: int, number: int, deadline: Deadline, today: date) -> ReportingPeriod:
    starts_on, ends_on = tertial_dates(year, number)
    due = deadline.for_year(year)
    return ReportingPeriod(
        year=year, number=number, starts_on=starts_on, ends_on=ends_on, deadline=due,
        state=state_on(today, starts_on, due),
    )


def get_period(session: Session, code: str) -> ReportingPeriod | None:
    year, number = parse_period_code(code)
    return session.exec(
        select(ReportingPeriod).where(ReportingPeriod.year == year, ReportingPeriod.number == number)
    ).first()


def list_periods(session: Session) -> list[ReportingPeriod]:
    return list(session.exec(select(ReportingPeriod).order_by(ReportingPeriod.year, ReportingPeriod.number)))


def period_open_for(session: Session, period: ReportingPeriod, organisation_id: int) -> bool:
    """Open for everyone, or closed but reopened for this organisation."""
    if period.state == PeriodState.open:
        return True
    if period.state != PeriodState.closed:
        return False
    return session.exec(
        select(PeriodReopening.id).where(
            PeriodReopening.period_id == period.id,
            PeriodReopening.organisation_id == organisation_id,
            PeriodReopening.closed_at.is_(None),
        )
    ).first() is not None


def previous_period(session: Session, period: ReportingPeriod) -> ReportingPeriod | None:
    """The tertial before this one, if it is in the calendar."""
    year, number = period.previous_code
    return session.exec(
        select(ReportingPeriod).where(ReportingPeriod.year == year, ReportingPeriod.number == number)
    ).first()


def calendar(session: Session) -> list[tuple[int, list[PeriodEntry]]]:
    """Every tertial by year, with its reopenings (three queries)."""
    entries = {p.id: PeriodEntry(p) for p in list_periods(session)}
    for reopening in _reopenings(session, list(entries)):
        entries[reopening.reopening.period_id].reopenings.append(reopening)
    years: dict[int, list[PeriodEntry]] = defaultdict(list)
    for entry in entries.values():
        years[entry.period.year].append(entry)
    return sorted(years.items())


def period_entry(session: Session, period: ReportingPeriod) -> PeriodEntry:
    return PeriodEntry(period, _reopenings(session, [period.id]))


def _reopenings(session: Session, period_ids: list[int]) -> list[Reopening]:
    if not period_ids:
        return []
    rows = session.exec(
        select(PeriodReopening, Organisation).join(Organisation, PeriodReopening.organisation_id == Organisation.id)
        .where(PeriodReopening.period_id.in_(period_ids))
        .order_by(PeriodReopening.reopened_at.desc(), PeriodReopening.id.desc())
    ).all()
    names = user_names(session, [r.reopened_by_id for r, _o in rows] + [r.closed_by_id for r, _o in rows])
    return [Reopening(r, org, names.get(r.reopened_by_id), names.get(r.closed_by_id)) for r, org in rows]


def other_open_periods(session: Session, period: ReportingPeriod) -> list[ReportingPeriod]:
    return [p for p in list_periods(session) if p.state == PeriodState.open and p.id != period.id]


def reopenable_organisations(session: Session) -> list[Organisation]:
    """Active organisations, by kind and name, for the reopen form."""
    return list(session.exec(select(Organisation).where(Organisation.active)
                             .order_by(Organisation.kind, Organisation.name)))


def _set_state(session: Session, period: ReportingPeriod, state: PeriodState, *, actor: Any, action: str) -> None:
    before = period.state
    period.state = state
    session.add(period)
    audit.record(session, actor=actor, action=action, entity=period,
                 before={"period": period.code, "state": before}, after={"period": period.code, "state": state})


def open_period(session: Session, *, period: ReportingPeriod, actor: Any) -> list[ReportingPeriod]:
    """Open a tertial for every organisation; returns the other tertials that are open too.

    Two open tertials are allowed: the calendar itself overlaps in January,
    when T3 is reported for the VB while T1 has begun. A closed tertial opened
    again for everyone no longer needs its reopenings for single organisations:
    they are closed.
    """
    if period.state == PeriodState.open:
        raise PeriodError(_("%(period)s är redan öppen.", period=period.label))
    if period.state == PeriodState.closed:
        for entry in period_entry(session, period).active_reopenings:
            _close(session, entry.reopening, entry.organisation, actor=actor)
    _set_state(session, period, PeriodState.open, actor=actor, action="period.opened")
    session.flush()
    return other_open_periods(session, period)


def close_period(session: Session, *, period: ReportingPeriod, actor: Any, confirmed: bool) -> None:
    """Close a tertial: nobody can report on it any more (except organisations it is reopened for)."""
    if period.state != PeriodState.open:
        raise PeriodError(_("%(period)s är inte öppen och kan inte stängas.", period=period.label))
    if not confirmed:
        raise PeriodError(_("Kryssa i att du förstår att rapporteringen stängs för alla organisationer."),
                          field="confirm")
    _set_state(session, period, PeriodState.closed, actor=actor, action="period.closed")
    session.flush()


def change_deadline(session: Session, *, period: ReportingPeriod, deadline: date, actor: Any) -> None:
    """Move the last day for reporting on a tertial; it cannot be before the tertial starts."""
    if deadline < period.starts_on:
        raise PeriodError(_("Sista dagen kan inte ligga före tertialens första dag (%(date)s).",
                            date=period.starts_on.isoformat()), field="deadline")
    if deadline > date(period.ends_on.year + 1, period.ends_on.month, period.ends_on.day):
        raise PeriodError(_("Sista dagen kan ligga högst ett år efter tertialens slut."), field="deadline")
    if deadline == period.deadline:
        raise PeriodError(_("Det är redan sista dagen. Välj ett annat datum."), field="deadline")
    before = period.deadline
    period.deadline = deadline
    session.add(period)
    audit.record(session, actor=actor, action="period.deadline_changed", entity=period,
                 before={"period": period.code, "deadline": before}, after={"period": period.code, "deadline": deadline})
    session.flush()


def reopen_for(session: Session, *, period: ReportingPeriod, organisation_slug: str | None, reason: str | None,
               actor: Any) -> tuple[PeriodReopening, Organisation]:
    """Open a closed tertial again for one organisation, with the reason why."""
    if period.state == PeriodState.open:
        raise PeriodError(_("%(period)s är öppen för alla organisationer och behöver inte återöppnas.",
                            period=period.label))
    if period.state == PeriodState.upcoming:
        raise PeriodError(_("%(period)s har inte öppnat än och kan inte återöppnas.", period=period.label))
    reason = (reason or "").replace("\r\n", "\n").strip()
    slug = (organisation_slug or "").strip()
    if not slug:
        raise PeriodError(_("Välj vilken organisation tertialen ska återöppnas för."), field="organisation")
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None or not organisation.active:
        raise PeriodError(_("Välj en av organisationerna i listan."), field="organisation")
    if not reason:
        raise PeriodError(_("Skriv varför tertialen återöppnas. Skälet sparas och visas i kalendern."),
                          field="reason")
    if len(reason) > REASON_LIMIT:
        raise PeriodError(_("Skälet får vara högst %(limit)s tecken. Nu är det %(length)s tecken.",
                            limit=REASON_LIMIT, length=len(reason)), field="reason")
    if any(r.organisation.id == organisation.id for r in period_entry(session, period).active_reopenings):
        raise PeriodError(_("%(period)s är redan återöppnad för %(org)s.", period=period.label,
                            org=organisation.short_name), field="organisation")
    reopening = PeriodReopening(period_id=period.id, organisation_id=organisation.id, reason=reason,
                                reopened_at=utcnow(), reopened_by_id=getattr(actor, "id", None))
    session.add(reopening)
    try:
        with session.begin_nested():  # a concurrent duplicate is caught by the partial unique index
            session.flush()
    except IntegrityError:
        raise PeriodError(_("%(period)s är redan återöppnad för %(org)s.", period=period.label,
                            org=organisation.short_name), field="organisation") from None
    audit.record(session, actor=actor, action="period.reopened", entity=reopening,
                 after={"period": period.code, "organisation": organisation.slug, "reason": reason})
    return reopening, organisation


def get_reopening(session: Session, period: ReportingPeriod, reopening_id: int) -> tuple[PeriodReopening, Organisation] | None:
    found = session.exec(
        select(PeriodReopening, Organisation).join(Organisation, PeriodReopening.organisation_id == Organisation.id)
        .where(PeriodReopening.id == reopening_id, PeriodReopening.period_id == period.id)
    ).first()
    return (found[0], found[1]) if found else None


def close_reopening(session: Session, *, reopening: PeriodReopening, organisation: Organisation, actor: Any) -> None:
    """End a reopening: the organisation can no longer report on the closed tertial."""
    if reopening.closed_at is not None:
        raise PeriodError(_("Återöppningen för %(org)s är redan stängd.", org=organisation.short_name))
    _close(session, reopening, organisation, actor=actor)
    session.flush()


def _close(session: Session, reopening: PeriodReopening, organisation: Organisation, *, actor: Any) -> None:
    reopening.closed_at, reopening.closed_by_id = utcnow(), getattr(actor, "id", None)
    session.add(reopening)
    audit.record(session, actor=actor, action="period.reopening_closed", entity=reopening,
                 before={"closed_at": None, "organisation": organisation.slug},
                 after={"closed_at": reopening.closed_at, "organisation": organisation.slug})
