"""The overview's spread counted by the database: one GROUP BY over a programme's commitments."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from tracker.followup.filters import NOT_REPORTED
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.programs.service import runs_in_year
from tracker.reporting.models import FINISHED_STATUSES, ReportState, StatusReport


def in_program(query, program: Program, activity_id: int | None, period: ReportingPeriod | None = None):
    """Limit a query over commitments to the programme's active ones (and one activity).

    With `period`, only if the programme runs in the tertial's year (runs_in_year):
    outside its years nothing of it is asked for, so nothing is "ej rapporterat".
    """
    query = (query.join(Activity, Commitment.activity_id == Activity.id).join(Goal, Activity.goal_id == Goal.id)
             .where(Goal.program_id == program.id, Activity.active, Commitment.active))
    if period is not None and not runs_in_year(program, period.year):
        query = query.where(sa.false())
    return query.where(Activity.id == activity_id) if activity_id is not None else query


def overdue(report, tertial_ends_on):
    """SQL condition, the overview's rule: the activity's time frame ended before the tertial did, and no
    submitted report (`report`, outer-joined) says Genomförd or Utgår. Without a report it is true, not NULL."""
    finished = sa.and_(report.state == ReportState.submitted.value, report.status.is_not(None),
                       report.status.in_([s.value for s in FINISHED_STATUSES]))
    return sa.and_(Activity.ends_on < tertial_ends_on, sa.not_(finished))


def count_in_sql(session: Session, *, program, period, previous, filters, by_activity, total) -> None:
    """The same counts as overview._count_rows makes row by row, as one GROUP BY in the database.

    A large programme has tens of thousands of commitments; counting them in
    Python took about a second a request. The rules are those of
    CommitmentFollowup (only a submitted report with a status counts, drafts and
    unchanged copies are counted apart, Genomförd and Utgår are never overdue).
    """
    for activity_id, responsible in session.exec(in_program(
            select(Commitment.activity_id, func.count()), program, None, period).group_by(Commitment.activity_id)):
        by_activity[activity_id].responsible = responsible
    current, before = aliased(StatusReport), aliased(StatusReport)
    submitted = sa.and_(current.state == ReportState.submitted.value, current.status.is_not(None))
    key = sa.case((submitted, current.status), else_=NOT_REPORTED)
    late = overdue(current, period.ends_on)
    support = sa.and_(submitted, current.support_needed)
    unchanged = sa.and_(
        submitted, before.id.is_not(None),
        sa.or_(sa.func.coalesce(current.comment, "") != "", sa.func.coalesce(current.next_steps, "") != ""),
        _trimmed(current.comment) == _trimmed(before.comment),
        _trimmed(current.next_steps) == _trimmed(before.next_steps),
    )
    query = in_program(
        select(Commitment.activity_id, key, func.count(), _how_many(sa.and_(current.id.is_not(None),
                                                                             sa.not_(submitted))),
               _how_many(unchanged), _how_many(support), _how_many(late))
        .join(Organisation, Commitment.organisation_id == Organisation.id)
        .outerjoin(current, sa.and_(current.commitment_id == Commitment.id, current.period_id == period.id))
        .outerjoin(before, sa.and_(before.commitment_id == Commitment.id,
                                   before.period_id == (previous.id if previous else None))),
        program, None, period).group_by(Commitment.activity_id, key)
    if filters.goal:
        query = query.where(Activity.goal_id == filters.goal)
    if filters.organisation:
        query = query.where(Organisation.slug == filters.organisation)
    if filters.status:
        query = query.where(key == filters.status)
    if filters.support:
        query = query.where(support)
    if filters.overdue:
        query = query.where(late)
    for activity_id, status_key, count, drafts, unchanged_, support_, overdue_ in session.exec(query):
        followup = by_activity[activity_id]
        followup.matched += count
        for spread in (followup.spread, total):
            spread.counts[status_key] += count
            spread.drafts += drafts
            spread.unchanged += unchanged_
            spread.support += support_
            spread.overdue += overdue_


def _how_many(condition):
    return func.coalesce(func.sum(sa.case((condition, 1), else_=0)), 0)


def _trimmed(column):
    # trim() strips spaces; the editor saves text with surrounding whitespace already stripped.
    return func.coalesce(func.trim(column), "")
