"""Reporting compliance: per organisation, how much of a tertial is reported and when its contacts last saved.

Six queries however many organisations there are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlmodel import Session, func, select

from tracker.accounts.models import Role, User, UserOrganisation
from tracker.accounts.service import user_names
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.programs.service import runs_in
from tracker.reporting.models import ReportState, StatusReport, StatusReportVersion


@dataclass
class LastSave:
    name: str
    saved_at: datetime | None


@dataclass
class OrganisationCompliance:
    organisation: Organisation | None  # None for the total row
    commitments: int = 0
    submitted: int = 0
    drafts: int = 0
    contacts: list[LastSave] = field(default_factory=list)
    last_save: LastSave | None = None  # by anyone: a contact or a coordinator

    @property
    def untouched(self) -> int:
        return self.commitments - self.submitted - self.drafts

    @property
    def share(self) -> float | None:
        return self.submitted / self.commitments if self.commitments else None

    @property
    def percent(self) -> int | None:
        """The share submitted in whole percent, halves rounded up (12.5 % is 13 %)."""
        return None if self.share is None else int(self.share * 100 + 0.5)


COMPLIANCE_SORTS = ("organisation", "share", "last_saved")


def _sort_key(sort: str):
    if sort == "share":
        return lambda row: (row.share if row.share is not None else 2.0, row.organisation.name)
    if sort == "last_saved":
        return lambda row: (row.last_save is not None, row.last_save.saved_at if row.last_save else None,
                            row.organisation.name)
    return lambda row: row.organisation.name


def compliance(session: Session, *, period: ReportingPeriod, sort: str = "organisation"
               ) -> tuple[list[OrganisationCompliance], OrganisationCompliance]:
    """Per organisation with active commitments: how many are submitted, in draft or untouched, and
    when each of its contacts last saved a report in the tertial; and the total row (six queries).

    "Last saved" reads every saved version, so a contact's save still counts after a colleague saved on top.
    """
    counted = (select(Organisation, func.count(Commitment.id))
               .join(Commitment, Commitment.organisation_id == Organisation.id)
               .join(Activity, Commitment.activity_id == Activity.id)
               .join(Goal, Activity.goal_id == Goal.id).join(Program, Goal.program_id == Program.id)
               .where(Commitment.active, Activity.active, runs_in(period.year)).group_by(Organisation.id))
    rows = {org.id: OrganisationCompliance(organisation=org, commitments=n) for org, n in session.exec(counted)}
    in_period = (select(Commitment.organisation_id, StatusReport.state, func.count(StatusReport.id))
                 .join(Commitment, StatusReport.commitment_id == Commitment.id)
                 .join(Activity, Commitment.activity_id == Activity.id)
                 .join(Goal, Activity.goal_id == Goal.id).join(Program, Goal.program_id == Program.id)
                 .where(StatusReport.period_id == period.id, Commitment.active, Activity.active,
                        runs_in(period.year))
                 .group_by(Commitment.organisation_id, StatusReport.state))
    for org_id, state, n in session.exec(in_period):
        if org_id in rows:
            if state == ReportState.submitted:
                rows[org_id].submitted += n
            else:
                rows[org_id].drafts += n
    saves = _latest_saves(session, period)
    contacts = session.exec(select(UserOrganisation.organisation_id, User.id, User.name)
                            .join(User, UserOrganisation.user_id == User.id)
                            .where(User.role == Role.contact, User.active).order_by(User.name)).all()
    names = dict(user_names(session, {user_id for (_org, user_id) in saves}))
    names.update({user_id: name for _org, user_id, name in contacts})
    for org_id, user_id, name in contacts:
        if org_id in rows:
            rows[org_id].contacts.append(LastSave(name, saves.get((org_id, user_id))))
    for (org_id, user_id), saved_at in saves.items():
        row = rows.get(org_id)
        if row is not None and (row.last_save is None or saved_at > row.last_save.saved_at):
            row.last_save = LastSave(names[user_id] if user_id in names else _("Okänd användare"), saved_at)
    ordered = sorted(rows.values(), key=_sort_key(sort if sort in COMPLIANCE_SORTS else "organisation"))
    total = OrganisationCompliance(organisation=None)
    for row in ordered:
        total.commitments += row.commitments
        total.submitted += row.submitted
        total.drafts += row.drafts
        if row.last_save and (total.last_save is None or row.last_save.saved_at > total.last_save.saved_at):
            total.last_save = row.last_save
    return ordered, total


def _latest_saves(session: Session, period: ReportingPeriod) -> dict[tuple[int, int], datetime]:
    """(organisation id, user id) → when the user last saved one of the organisation's reports in the tertial."""
    latest: dict[tuple[int, int], datetime] = {}
    by_version = (select(Commitment.organisation_id, StatusReportVersion.saved_by_id,
                         func.max(StatusReportVersion.saved_at))
                  .join(StatusReport, StatusReportVersion.report_id == StatusReport.id)
                  .join(Commitment, StatusReport.commitment_id == Commitment.id)
                  .where(StatusReport.period_id == period.id, StatusReportVersion.saved_by_id.is_not(None))
                  .group_by(Commitment.organisation_id, StatusReportVersion.saved_by_id))
    by_report = (select(Commitment.organisation_id, StatusReport.updated_by_id, func.max(StatusReport.updated_at))
                 .join(Commitment, StatusReport.commitment_id == Commitment.id)
                 .where(StatusReport.period_id == period.id, StatusReport.updated_by_id.is_not(None))
                 .group_by(Commitment.organisation_id, StatusReport.updated_by_id))
    for query in (by_version, by_report):
        for org_id, user_id, saved_at in session.exec(query):
            key = (org_id, user_id)
            if saved_at is not None and (key not in latest or saved_at > latest[key]):
                latest[key] = saved_at
    return latest
