"""`tracker scorecards generate` and `tracker reports halvtidsrapport|annual|final`: archive PDFs from the shell."""
from __future__ import annotations

import getpass
import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlmodel import Session, select

from tracker.archive import generation
from tracker.archive import service as archive
from tracker.archive.models import DocumentKind
from tracker.archive.service import Subject
from tracker.db import get_session
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodState, ReportingPeriod
from tracker.periods.service import get_period
from tracker.programs.models import Program

scorecards_cli = AppGroup("scorecards", help="Styrkort (PDF) per organisation och tertial.")
reports_cli = AppGroup("reports", help="Halvtidsrapport, årlig sammanställning och slutrapport (PDF) per program.")

WORKERS_HELP = "Antal processer som ritar PDF:erna (standard: en per kärna)."


@scorecards_cli.command("generate")
@click.option("--period", "period_code", required=True, help="Tertialen, till exempel 2023-T2.")
@click.option("--org", "org_slug", default=None, help="Bara den här organisationen (slug).")
@click.option("--workers", type=click.IntRange(min=1), default=None, help=WORKERS_HELP)
def generate_scorecards(period_code: str, org_slug: str | None, workers: int | None) -> None:
    """Generate the styrkort of a tertial: every responsible organisation, or one."""
    session = get_session()
    period = _begun_period(session, period_code)
    organisation = None
    if org_slug:
        organisation = session.exec(select(Organisation).where(Organisation.slug == org_slug)).first()
        if organisation is None:
            raise click.ClickException(f"Det finns ingen organisation med slug {org_slug!r}.")
    subjects = generation.scorecard_subjects(session, period=period, organisation=organisation)
    if not subjects:
        raise click.ClickException(f"Inget program med aktiviteter pågår {period.year}: inga styrkort att skapa.")
    _generate(session, subjects, workers, label=f"Styrkort {period.label}")


@reports_cli.command("halvtidsrapport")
@click.option("--to", "period_code", required=True, help="Sista tertialen, till exempel 2023-T2.")
@click.option("--program", "program_slug", default=None, help="Programmets slug (standard: alla som pågår).")
def generate_midterm(period_code: str, program_slug: str | None) -> None:
    """Generate the halvtidsrapport: from the programme's start up to a tertial."""
    from tracker.reports import service as reports

    session = get_session()
    period = _begun_period(session, period_code)
    subjects = []
    for program in _programs(session, program_slug, period.year):
        first, last = _range(lambda p=program: reports.midterm_range(session, p, period))
        subjects.append(generation.report_subject(kind=DocumentKind.midterm, program=program, first=first, last=last))
    _generate(session, subjects, 1, label=f"Halvtidsrapport till och med {period.label}")


@reports_cli.command("annual")
@click.option("--year", type=int, required=True, help="Året, till exempel 2023.")
@click.option("--program", "program_slug", default=None, help="Programmets slug (standard: alla som pågår).")
def generate_annual(year: int, program_slug: str | None) -> None:
    """Generate the årlig sammanställning: the three tertials of a year."""
    from tracker.reports import service as reports

    session = get_session()
    subjects = []
    for program in _programs(session, program_slug, year):
        first, last = _range(lambda p=program: reports.annual_range(session, p, year))
        if last.state == PeriodState.upcoming:
            raise click.ClickException(f"Ingen tertial {year} har börjat än.")
        subjects.append(generation.report_subject(kind=DocumentKind.annual, program=program, first=first, last=last))
    _generate(session, subjects, 1, label=f"Årlig sammanställning {year}")


@reports_cli.command("final")
@click.option("--program", "program_slug", required=True, help="Programmets slug.")
def generate_final(program_slug: str) -> None:
    """Generate the slutrapport: the programme's whole period, once its last tertial has closed."""
    from tracker.reports import service as reports

    session = get_session()
    program = _programs(session, program_slug, 0)[0]
    first, last = _range(lambda: reports.final_range(session, program))
    _generate(session, [generation.report_subject(kind=DocumentKind.final, program=program, first=first, last=last)],
              1, label=f"Slutrapport {program.short_name}")


def _begun_period(session: Session, code: str) -> ReportingPeriod:
    try:
        period = get_period(session, code)
    except ValueError:
        raise click.ClickException(f"{code!r} är ingen tertial; skriv till exempel 2023-T2.") from None
    if period is None:
        raise click.ClickException(f"Tertialen {code} finns inte i kalendern.")
    if period.state == PeriodState.upcoming:
        raise click.ClickException(f"{period.label} har inte börjat än: det finns inget att sammanställa.")
    return period


def _programs(session: Session, slug: str | None, year: int) -> list[Program]:
    if slug:
        program = session.exec(select(Program).where(Program.slug == slug)).first()
        if program is None:
            raise click.ClickException(f"Det finns inget program med slug {slug!r}.")
        return [program]
    programs = generation.running_programs(session, year)
    if not programs:
        raise click.ClickException(f"Inget program med aktiviteter pågår {year}.")
    return programs


def _range(find):
    try:
        return find()
    except ValueError as error:
        raise click.ClickException(str(error)) from None


def _generate(session: Session, subjects: list[Subject], workers: int | None, *, label: str) -> None:
    root = current_app.config["SCORECARD_DIR"]
    failure = None
    with click.progressbar(length=len(subjects), label=label, file=sys.stderr) as bar:
        try:
            documents = generation.generate(
                session, root, subjects, generated_by_id=None,
                generated_by_label=f"kommandoraden ({getpass.getuser()})",
                workers=workers or os.cpu_count() or 1, progress=lambda _document: bar.update(1))
        except generation.GenerationFailed as error:
            documents, failure = error.documents, error
    for document in sorted(documents, key=lambda d: d.key):
        click.echo(f"{root / archive.latest_path(document.key)}  (version {document.version}: {root / document.path})")
    if failure is not None:  # what was written is listed above; the rest is named here
        raise click.ClickException(str(failure))
