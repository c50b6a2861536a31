"""The archive as readers browse it: tertials newest first, each with its reports and styrkort, and the
compilations of the development funds by grant year."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, func, select

from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.organisations.models import Organisation
from tracker.periods.models import ReportingPeriod
from tracker.programs.models import Program

TERTIALS_PER_PAGE = 4


@dataclass
class ArchiveEntry:
    """A document: its newest version first, then the earlier ones."""

    kind: DocumentKind
    title: str  # the organisation for a styrkort, the programme for a report
    versions: list[ArchivedDocument]

    @property
    def latest(self) -> ArchivedDocument:
        return self.versions[0]


@dataclass
class ArchiveProgram:
    name: str
    reports: list[ArchiveEntry] = field(default_factory=list)
    scorecards: list[ArchiveEntry] = field(default_factory=list)


@dataclass
class ArchiveTertial:
    code: str
    label: str
    programs: list[ArchiveProgram] = field(default_factory=list)


@dataclass
class ArchiveFundsYear:
    """A grant year's archived compilation: the PDF, then the Word file."""

    year: int
    title: str
    entries: list[ArchiveEntry] = field(default_factory=list)


@dataclass
class ArchivePage:
    tertials: list[ArchiveTertial]
    page: int
    pages: int


def archive_page(session: Session, *, organisation_ids: set[int] | None = None, page: int = 1) -> ArchivePage:
    """One page of the archive (a few tertials), newest tertial first.

    With `organisation_ids` (a contact) only those organisations' styrkort are listed, no reports.
    """
    visible = select(ArchivedDocument.period_id)
    if organisation_ids is not None:
        visible = visible.where(ArchivedDocument.organisation_id.in_(organisation_ids or {-1}))
    periods = session.exec(
        select(ReportingPeriod).where(ReportingPeriod.id.in_(visible.distinct()))
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.number.desc())
    ).all()
    pages = max(1, -(-len(periods) // TERTIALS_PER_PAGE))
    page = min(max(page, 1), pages)
    shown = periods[(page - 1) * TERTIALS_PER_PAGE: page * TERTIALS_PER_PAGE]
    query = (
        select(ArchivedDocument, Program.name, Organisation.name)
        .join(Program, ArchivedDocument.program_id == Program.id)
        .outerjoin(Organisation, ArchivedDocument.organisation_id == Organisation.id)
        .where(ArchivedDocument.period_id.in_([p.id for p in shown] or [-1]))
        .order_by(Program.start_year, Program.id, ArchivedDocument.kind.desc(), Organisation.name,
                  ArchivedDocument.key, ArchivedDocument.version.desc())
    )
    if organisation_ids is not None:
        query = query.where(ArchivedDocument.organisation_id.in_(organisation_ids or {-1}))
    by_period: dict[int, dict[str, ArchiveProgram]] = {p.id: {} for p in shown}
    entries: dict[str, ArchiveEntry] = {}
    for document, program_name, organisation_name in session.exec(query):
        if document.key in entries:
            entries[document.key].versions.append(document)
            continue
        program = by_period[document.period_id].setdefault(program_name, ArchiveProgram(program_name))
        entry = ArchiveEntry(DocumentKind(document.kind), organisation_name or program_name, [document])
        entries[document.key] = entry
        (program.scorecards if document.kind == DocumentKind.scorecard else program.reports).append(entry)
    return ArchivePage(
        tertials=[ArchiveTertial(p.code, p.label, list(by_period[p.id].values())) for p in shown],
        page=page, pages=pages,
    )


def funds_documents(session: Session) -> list[ArchiveFundsYear]:
    """The archived compilations of the development funds, newest grant year first (not for contacts)."""
    from tracker.funds.models import FundYear

    query = (select(ArchivedDocument, FundYear)
             .join(FundYear, ArchivedDocument.fund_year_id == FundYear.id)
             .where(ArchivedDocument.kind.in_([DocumentKind.funds_compilation, DocumentKind.funds_compilation_docx]))
             .order_by(FundYear.year.desc(), ArchivedDocument.kind, ArchivedDocument.key,
                       ArchivedDocument.version.desc()))
    years: dict[int, ArchiveFundsYear] = {}
    entries: dict[str, ArchiveEntry] = {}
    for document, fund_year in session.exec(query):
        if document.key in entries:
            entries[document.key].versions.append(document)
            continue
        kind = DocumentKind(document.kind)
        entry = entries[document.key] = ArchiveEntry(kind, kind.label, [document])
        years.setdefault(fund_year.year, ArchiveFundsYear(fund_year.year, fund_year.title)).entries.append(entry)
    return list(years.values())


def documents_for(session: Session, *, organisation_id: int, period_id: int) -> list[tuple[ArchivedDocument, str]]:
    """The newest archived styrkort of an organisation for a tertial, one per programme, with its name."""
    newest = (select(ArchivedDocument.key, func.max(ArchivedDocument.version).label("version"))
              .where(ArchivedDocument.organisation_id == organisation_id, ArchivedDocument.period_id == period_id,
                     ArchivedDocument.kind == DocumentKind.scorecard)
              .group_by(ArchivedDocument.key).subquery())
    return list(session.exec(
        select(ArchivedDocument, Program.short_name)
        .join(newest, (ArchivedDocument.key == newest.c.key) & (ArchivedDocument.version == newest.c.version))
        .join(Program, ArchivedDocument.program_id == Program.id)
        .order_by(Program.start_year, Program.id)
    ).all())


def report_programs(session: Session) -> list[Program]:
    """Programmes with activities or effect goals: each has a halvtidsrapport and yearly compilations."""
    from tracker.effect_goals.models import EffectGoal
    from tracker.programs.models import Activity, Goal

    return list(session.exec(select(Program).where(
        Program.id.in_(select(Goal.program_id).join(Activity, Activity.goal_id == Goal.id))
        | Program.id.in_(select(EffectGoal.program_id).where(EffectGoal.active)))
        .order_by(Program.start_year, Program.id)))
