"""Effect goal figures as a spreadsheet (.xlsx or .csv): exported to be filled in, imported all or nothing.

The columns are the same both ways and always Swedish, like the goals' wording. An import is checked with the
form's rules; one problem anywhere rejects the whole file, so a half-imported year never reaches the results.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session, col, select

from tracker import clock
from tracker.accounts.models import Role
from tracker.accounts.service import organisation_ids as organisation_ids_of
from tracker.audit import service as audit
from tracker.effect_goals import editing, masking, service
from tracker.effect_goals.models import EffectGoal, EffectGoalOrganisation, Measurement, MeasurementContent
from tracker.organisations.models import Organisation
from tracker.programs.models import Program
from tracker.spreadsheets import (
    FORMULA_STARTS,
    MAX_ROWS,
    ImportRejected,
    append_rows,
    csv_rows,
    file_kind,
    read_sheets,
)

HEADERS = ("Effektmål", "Effektmål (text)", "Organisation", "Organisation (namn)", "År", "Täljare / antal",
           "Nämnare", "Källa", "Kommentar")
GOAL, _GOAL_TEXT, ORGANISATION, _ORGANISATION_NAME, YEAR, NUMERATOR, DENOMINATOR, SOURCE, NOTE = HEADERS
READ_COLUMNS = (GOAL, ORGANISATION, YEAR, NUMERATOR, DENOMINATOR, SOURCE, NOTE)
FIELD_COLUMNS = {"numerator": NUMERATOR, "denominator": DENOMINATOR, "source": SOURCE, "note": NOTE}
# What `masking.export_figures` writes for a masked figure ("färre än 5", "dolt"); never imported as a figure.
MASKED = re.compile(r"^(färre än\s*\d+|<\s*\d+|dolt)$", re.IGNORECASE)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows left empty, as exported for filling in


@dataclass
class _Row:
    number: int
    goal: EffectGoal
    organisation: Organisation
    year: int
    content: MeasurementContent
    version: int | None = None  # the figures' version when the file was checked


def export_table(session: Session, *, year: int | None, threshold: int | None = None,
                 organisation_ids: set[int] | None = None) -> list[list]:
    """Header and a row for every responsible organisation × active goal × year, empty where figures are missing.

    `year` None: every year of each goal's programme up to this year. With a `threshold`, the figures are
    those a reader sees (`masking.disclose`, as on the pages and in the PDFs): a file that cannot be imported.
    `organisation_ids` limits the organisations.
    """
    goals = session.exec(select(EffectGoal, Program).join(Program).where(col(EffectGoal.active))
                         .order_by(Program.id, EffectGoal.position, EffectGoal.code)).all()
    responsible: dict[int, list[Organisation]] = {}
    for goal_id, organisation in session.exec(select(EffectGoalOrganisation.effect_goal_id, Organisation)
                                              .join(Organisation).order_by(Organisation.name)):
        if organisation_ids is None or organisation.id in organisation_ids:
            responsible.setdefault(goal_id, []).append(organisation)
    query = select(Measurement).where(col(Measurement.effect_goal_id).in_([goal.id for goal, _p in goals]))
    measurements = {(m.effect_goal_id, m.organisation_id, m.year): m
                    for m in session.exec(query if year is None else query.where(Measurement.year == year))}
    disclosures = _reader_disclosures(session, threshold)
    rows: list[list] = [list(HEADERS)]
    for goal, program in goals:
        if year is None:
            years = range(program.start_year, min(program.end_year, clock.today().year) + 1)
        else:
            years = [year] if program.start_year <= year <= program.end_year else []
        disclosure = disclosures.get(goal.id, masking.Disclosure(threshold))  # never decided: withheld
        for organisation in responsible.get(goal.id, []):
            for each_year in years:
                found = measurements.get((goal.id, organisation.id, each_year))
                if found is None and not organisation.active:
                    continue  # nothing to fill in for an organisation that no longer reports
                figures = masking.export_figures(found, disclosure.figures(organisation.id, each_year), threshold)
                rows.append([goal.code, goal.wording, organisation.slug, organisation.name, each_year, *figures,
                             found and found.source, found and found.note])
    return rows


def _reader_disclosures(session: Session, threshold: int | None) -> dict[int, masking.Disclosure]:
    """How a reader sees each active goal's figures (none needed for exact figures)."""
    if threshold is None:
        return {}
    reader = masking.Viewer(threshold)
    results = service.goal_results(session, service.list_goals(session), today=clock.today())
    return {r.goal.id: masking.disclose(r, reader) for r in results}


def to_xlsx(rows: list[list], *, method: list[str] = ()) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Effektmål"
    append_rows(sheet, rows)
    for cell, width in zip(sheet[1], (14, 50, 22, 30, 7, 15, 10, 30, 50), strict=False):
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = width
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("Metod") if method else None  # the import reads only the first sheet
    for line in method:
        notes.append([line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def to_csv(rows: list[list]) -> bytes:
    """Semicolons and a byte order mark: what Swedish Excel opens correctly with a double click."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for values in rows:
        writer.writerow(["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in values])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def import_file(session: Session, *, filename: str, data: bytes, actor: Any) -> ImportResult:
    """Check every row of the file and save them all, or raise ImportRejected and save nothing."""
    if getattr(actor, "role", None) not in (Role.coordinator, Role.contact):
        raise editing.NotAllowed(f"user {getattr(actor, 'id', None)} may not import figures")
    rows, result, problems = _check_rows(session, _read_table(filename, data), actor)
    if problems:
        raise ImportRejected(problems)
    try:
        # If somebody saves the same figures meanwhile, the savepoint takes back what the import saved.
        with session.begin_nested():
            for row in rows:
                saved = editing.save_measurement(
                    session, goal=row.goal, organisation=row.organisation, year=row.year, content=row.content,
                    expected_version=row.version, actor=actor, via="import")
                outcome = "created" if row.version is None else "unchanged" if saved.version == row.version else "updated"
                setattr(result, outcome, getattr(result, outcome) + 1)
    except editing.MeasurementConflict:
        raise ImportRejected([_("rad %(row)s: %(problem)s", row=row.number, problem=_(
            "Siffrorna ändrades av någon annan medan filen lästes in. Läs in filen igen."))]) from None
    audit.record(session, actor=actor, action="effect_goal.figures_imported", entity_type="measurement",
                 after={"filename": filename, "created": result.created, "updated": result.updated,
                        "unchanged": result.unchanged})
    return result


class _Known:
    """What the rows are checked against, read once for the whole file."""

    def __init__(self, session: Session, actor: Any):
        self.goals: dict[str, list[EffectGoal]] = {}
        for goal in session.exec(select(EffectGoal).order_by(EffectGoal.id)):
            self.goals.setdefault(goal.code, []).append(goal)
        self.programs = {program.id: program for program in session.exec(select(Program))}
        self.organisations = {o.slug: o for o in session.exec(select(Organisation))}
        self.responsible = set(session.exec(select(EffectGoalOrganisation.effect_goal_id,
                                                   EffectGoalOrganisation.organisation_id)).all())
        self.own = None if actor.role == Role.coordinator else set(organisation_ids_of(session, actor))
        self.seen: dict[tuple[int, int, int], int] = {}  # the row of each goal, organisation and year


def _check_rows(session: Session, table: list[dict[str, str]], actor: Any
                ) -> tuple[list[_Row], ImportResult, list[str]]:
    """The rows to save, and every problem in the file."""
    known, rows, result, problems = _Known(session, actor), [], ImportResult(), []
    for number, values in enumerate(table, start=2):  # row 1 is the header
        if not any(values[column] for column in FIELD_COLUMNS.values()):
            result.skipped += any(values.values())  # an empty row of the export; a blank line is no row
            continue
        row, row_problems = _check_row(known, number, values)
        problems += [_("rad %(row)s: %(problem)s", row=number, problem=problem) for problem in row_problems]
        rows += [row] if row else []
    versions = {tuple(key): version for *key, version in session.exec(
        select(Measurement.effect_goal_id, Measurement.organisation_id, Measurement.year, Measurement.version)
        .where(col(Measurement.effect_goal_id).in_({row.goal.id for row in rows}),
               col(Measurement.year).in_({row.year for row in rows})))}
    for row in rows:
        row.version = versions.get((row.goal.id, row.organisation.id, row.year))
    return rows, result, problems


def _check_row(known: _Known, number: int, values: dict[str, str]) -> tuple[_Row | None, list[str]]:
    problems = [_("%(column)s saknas.", column=column) for column in (GOAL, ORGANISATION, YEAR) if not values[column]]
    goals = known.goals.get(values[GOAL], [])
    if len(goals) > 1:  # codes are unique within a programme: prefer the goals still followed up
        goals = [goal for goal in goals if goal.active] or goals
    if values[GOAL] and len(goals) != 1:
        problems.append(_("Effektmålet %(code)s finns i flera program.", code=values[GOAL]) if goals
                        else _("Okänt effektmål: %(code)s.", code=values[GOAL]))
    goal = goals[0] if len(goals) == 1 else None
    organisation = known.organisations.get(values[ORGANISATION])
    if values[ORGANISATION] and organisation is None:
        problems.append(_("Okänd organisation: %(slug)s.", slug=values[ORGANISATION]))
    masked = [field for field in ("numerator", "denominator") if MASKED.match(values[FIELD_COLUMNS[field]])]
    problems += [_("%(column)s: ”%(value)s” är en dold siffra – exakta siffror krävs.", column=FIELD_COLUMNS[field],
                   value=values[FIELD_COLUMNS[field]]) for field in masked]
    year = None
    if values[YEAR]:
        try:
            year = editing.read_year(goal and known.programs[goal.program_id], values[YEAR])
        except editing.MeasurementError as error:
            problems.append(f"{YEAR}: {error.errors['year']}")
    if goal is None:
        return None, problems
    content, errors = editing.read_measurement_form(
        goal, {field: values[column] for field, column in FIELD_COLUMNS.items() if field not in masked})
    problems += [f"{FIELD_COLUMNS[field]}: {message}" for field, message in errors.items() if field not in masked]
    if organisation is None:
        return None, problems
    if known.own is not None and organisation.id not in known.own:
        problems.append(_("Du får inte rapportera siffror för %(organisation)s.", organisation=organisation.name))
    elif (goal.id, organisation.id) not in known.responsible:
        problems.append(_("%(organisation)s rapporterar inte siffror för effektmålet %(code)s.",
                          organisation=organisation.name, code=goal.code))
    if (key := (goal.id, organisation.id, year)) in known.seen:
        problems.append(_("Samma effektmål, organisation och år som rad %(row)s.", row=known.seen[key]))
    elif year is not None:
        known.seen[key] = number
    return (None if problems or year is None else _Row(number, goal, organisation, year, content)), problems


def _read_table(filename: str, data: bytes) -> list[dict[str, str]]:
    """The file's rows after the header, by column name, each cell as trimmed text."""
    if file_kind(filename) == "csv":
        rows = csv_rows(filename, data)
    else:  # the first sheet: the Metod sheet after it is for people to read
        [rows] = read_sheets(filename, data, None, max_rows=MAX_ROWS, max_columns=None).values()
    if not rows:
        raise ImportRejected([_("Filen %(filename)s är tom.", filename=filename)])
    header = [cell.casefold() for cell in rows[0]]
    if missing := [column for column in READ_COLUMNS if column.casefold() not in header]:
        raise ImportRejected([_("Filen %(filename)s saknar kolumnerna %(columns)s.", filename=filename,
                                columns=", ".join(f"”{column}”" for column in missing))])
    if len(rows) > MAX_ROWS + 1:
        raise ImportRejected([_("Filen %(filename)s har fler än %(limit)s rader.", filename=filename, limit=MAX_ROWS)])
    where = {column: header.index(column.casefold()) for column in READ_COLUMNS}
    return [{column: row[i] if i < len(row) else "" for column, i in where.items()} for row in rows[1:]]
