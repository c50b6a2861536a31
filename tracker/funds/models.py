"""Development funds (utvecklingsmedel): a grant year from requisition to repayment.

Amounts are whole kronor exactly as the source or the user gave them; None means
*unknown* (not given), never 0. Figures that disagree are kept as they are and
shown side by side by `ledger`, never corrected.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from tracker.clock import utcnow
from tracker.db import UTCDateTime
from tracker.i18n import N_, LabelledEnum


class ReportingState(LabelledEnum):
    """The round of usage reports (återrapportering) of a grant year."""

    not_open = "not_open", N_("Inte öppnad")
    open = "open", N_("Öppen")
    closed = "closed", N_("Stängd")


class ReportState(LabelledEnum):
    draft = "draft", N_("Utkast")
    submitted = "submitted", N_("Inlämnad")


class ReasonCategory(LabelledEnum):
    """Why a nämnd did not use everything; the categories 000 and 001 give, plus "other"."""

    time = "time", N_("Tidsbrist")
    staffing = "staffing", N_("Personalbrist, sjukskrivningar eller rekrytering")
    late_payment = "late_payment", N_("Medlen kom sent under året")
    not_carried_out = "not_carried_out", N_("Planerade insatser kunde inte genomföras")
    lower_cost = "lower_cost", N_("Aktiviteterna kostade mindre än beräknat")
    other = "other", N_("Annat")


class Outcome(LabelledEnum):
    """A nämnd's own assessment per purpose area.

    The first four are Socialstyrelsen's scale (001). "Inte alls" and "Vet ej" are
    added so that a nämnd is never forced to overstate a result or to guess.
    """

    fully = "fully", N_("Helt")
    large = "large", N_("I stor utsträckning")
    partly = "partly", N_("Delvis")
    small = "small", N_("I liten utsträckning")
    not_at_all = "not_at_all", N_("Inte alls")
    unknown = "unknown", N_("Vet ej")


class Evaluation(LabelledEnum):
    yes = "yes", N_("Ja")
    planned = "planned", N_("Planeras")
    no = "no", N_("Nej")


def _values_sql(enum: type[LabelledEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum)


Kronor = sa.BigInteger


class FundYearContent(SQLModel):
    """A grant year's own figures and dates, as the sources or a coordinator give them."""

    title: str = Field(min_length=1, max_length=300)
    national_total: int | None = Field(default=None, ge=0, sa_type=Kronor)  # the appropriation
    national_municipal: int | None = Field(default=None, ge=0, sa_type=Kronor)  # of which for municipalities
    entitlement: int | None = Field(default=None, ge=0, sa_type=Kronor)  # what the city may requisition
    requisitioned_total: int | None = Field(default=None, ge=0, sa_type=Kronor)  # as stated; rounds add up to it
    usage_from: date | None = None
    usage_to: date | None = None
    retroactive: bool = False  # use before the money came is allowed
    requisition_deadline: date | None = None  # Socialstyrelsen's dates
    report_deadline: date | None = None
    repayment_deadline: date | None = None
    allocation_reference: str | None = Field(default=None, max_length=100)  # the decision's Dnr
    allocation_decided_on: date | None = None
    allocation_stated_total: int | None = Field(default=None, ge=0, sa_type=Kronor)  # "Totalt" as printed
    allocation_key: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)
    stated_used: int | None = Field(default=None, ge=0, sa_type=Kronor)  # the city's report, as printed
    stated_unspent: int | None = Field(default=None, ge=0, sa_type=Kronor)
    internal_deadline: date | None = None  # the nämnder's deadline, set by a coordinator
    compiled_on: date | None = None
    repayment_amount: int | None = Field(default=None, ge=0, sa_type=Kronor)
    repayment_due_on: date | None = None
    repayment_invoice: str | None = Field(default=None, max_length=100)
    repayment_paid_on: date | None = None
    source: str | None = Field(default=None, max_length=1000, sa_type=sa.Text)
    note: str | None = Field(default=None, max_length=5000, sa_type=sa.Text)


class FundYear(FundYearContent, table=True):
    __table_args__ = (
        sa.CheckConstraint(f"reporting IN ({_values_sql(ReportingState)})", name="reporting"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    reporting: ReportingState = Field(default=ReportingState.not_open, sa_type=sa.String(20))
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class FundPurpose(SQLModel, table=True):
    """One of the year's purposes (2016: six focus areas); usage is reported per purpose."""

    __table_args__ = (sa.UniqueConstraint("fund_year_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    fund_year_id: int = Field(foreign_key="fundyear.id", index=True)
    code: str = Field(max_length=40)
    position: int = 0
    short_title: str = Field(max_length=120)
    title: str = Field(max_length=2000, sa_type=sa.Text)
    summary: str | None = Field(default=None, max_length=8000, sa_type=sa.Text)  # the compilation's own words


class RequisitionRound(SQLModel, table=True):
    __table_args__ = (sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),)

    id: int | None = Field(default=None, primary_key=True)
    fund_year_id: int = Field(foreign_key="fundyear.id", index=True)
    position: int = 0
    label: str = Field(max_length=120)
    amount: int | None = Field(default=None, sa_type=Kronor)
    requested_on: date | None = None
    note: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)


class Allocation(SQLModel, table=True):
    """A row of the allocation decision: what one nämnd gets (or what is kept for city-wide work)."""

    __table_args__ = (
        sa.UniqueConstraint("fund_year_id", "organisation_id"),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
    )

    id: int | None = Field(default=None, primary_key=True)
    fund_year_id: int = Field(foreign_key="fundyear.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    position: int = 0
    amount: int | None = Field(default=None, sa_type=Kronor)
    citywide: bool = False  # kept for city-wide work rather than given to the nämnd's own work
    note: str | None = Field(default=None, max_length=2000, sa_type=sa.Text)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class UsageReport(SQLModel, table=True):
    """A nämnd's report on its use of the year's funds (återrapportering)."""

    __table_args__ = (
        sa.UniqueConstraint("fund_year_id", "organisation_id"),
        sa.CheckConstraint(f"state IN ({_values_sql(ReportState)})", name="state"),
        sa.CheckConstraint(f"evaluated IS NULL OR evaluated IN ({_values_sql(Evaluation)})", name="evaluated"),
        sa.CheckConstraint("(used IS NULL OR used >= 0) AND (unspent IS NULL OR unspent >= 0)", name="amounts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    fund_year_id: int = Field(foreign_key="fundyear.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    state: ReportState = Field(default=ReportState.draft, sa_type=sa.String(20))
    used: int | None = Field(default=None, sa_type=Kronor)
    unspent: int | None = Field(default=None, sa_type=Kronor)
    reasons: list[str] = Field(default_factory=list, sa_type=sa.JSON)  # ReasonCategory values
    reasons_text: str | None = Field(default=None, max_length=3000, sa_type=sa.Text)
    evaluated: Evaluation | None = Field(default=None, sa_type=sa.String(20))
    evaluation_text: str | None = Field(default=None, max_length=3000, sa_type=sa.Text)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_by_id: int | None = Field(default=None, foreign_key="user.id")


class UsageArea(SQLModel, table=True):
    """What a nämnd did within one purpose area, the amount where known, and its own assessment."""

    __table_args__ = (
        sa.UniqueConstraint("report_id", "purpose_id"),
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount"),
        sa.CheckConstraint(f"outcome IS NULL OR outcome IN ({_values_sql(Outcome)})", name="outcome"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="usagereport.id", index=True)
    purpose_id: int = Field(foreign_key="fundpurpose.id", index=True)
    work: str | None = Field(default=None, max_length=8000, sa_type=sa.Text)
    amount: int | None = Field(default=None, sa_type=Kronor)
    outcome: Outcome | None = Field(default=None, sa_type=sa.String(20))


class UsageReopening(SQLModel, table=True):
    """A closed round of usage reports opened again for one nämnd, with the reason why."""

    __table_args__ = (
        sa.Index("uq_usagereopening_open", "fund_year_id", "organisation_id", unique=True,
                 sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    fund_year_id: int = Field(foreign_key="fundyear.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    reason: str = Field(max_length=2000, sa_type=sa.Text)
    reopened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reopened_by_id: int | None = Field(default=None, foreign_key="user.id")
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="user.id")


class FundsVersion(SQLModel, table=True):
    """Every saved version of a grant year, an allocation row or a usage report (with its areas); append-only."""

    __append_only__ = True
    __table_args__ = (sa.UniqueConstraint("record_type", "record_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=30)  # fundyear, allocation, usagereport
    record_id: int = Field(index=True)
    version: int
    content: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    saved_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    saved_by_id: int | None = Field(default=None, foreign_key="user.id")
    via: str = Field(default="form", max_length=20)  # form, import, seed
