"""Figures as Excel and CSV files: exported to be filled in, imported all or nothing, small figures masked."""
from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from tests.effect_goals.factories import make_effect_goal
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.effect_goals import editing, exchange
from tracker.effect_goals.models import EffectGoal, Measurement, MeasurementContent, MeasurementVersion, TargetType

HEADER = "Effektmål;Effektmål (text);Organisation;Organisation (namn);År;Täljare / antal;Nämnare;Källa;Kommentar"


@pytest.fixture
def setting(session, make_program, make_org, make_user):
    """Share goal "andel" for Kista and Norrmalm, count goal "antal" for Norrmalm, an inactive goal."""
    program = make_program()
    kista, norrmalm = make_org("kista", name="Kista"), make_org("norrmalm", name="Norrmalm")
    make_org("skarholmen", name="Skärholmen")
    make_effect_goal(session, program, code="andel", organisations=[norrmalm, kista], position=1)
    make_effect_goal(session, program, code="antal", target_type=TargetType.change_at_least,
                     organisations=[norrmalm], position=2)
    make_effect_goal(session, program, code="gammalt", organisations=[norrmalm], active=False, position=3)
    session.commit()
    return {"coordinator": make_user(Role.coordinator), "contact": make_user(Role.contact, orgs=[kista]),
            "reader": make_user(Role.reader), "kista": kista, "norrmalm": norrmalm}


def _goal(session, code):
    return session.exec(select(EffectGoal).where(EffectGoal.code == code)).one()


def _figures(session, setting, code, slug, year=2024, **content):
    return editing.save_measurement(session, goal=_goal(session, code), organisation=setting[slug], year=year,
                                    content=MeasurementContent(**content), expected_version=None,
                                    actor=setting["coordinator"])


def _csv(*lines: str) -> bytes:
    return "\r\n".join((HEADER, *lines)).encode("utf-8")


def _import(session, setting, data, filename="siffror.csv", actor="coordinator"):
    return exchange.import_file(session, filename=filename, data=data, actor=setting[actor])


def _rejected(session, setting, data, filename="siffror.csv", actor="coordinator"):
    with pytest.raises(exchange.ImportRejected) as rejected:
        _import(session, setting, data, filename, actor)
    return rejected.value.problems


def test_export_has_a_row_for_every_responsible_organisation_and_active_goal(session, setting):
    _figures(session, setting, "andel", "norrmalm", numerator=40, denominator=50, source="Journal")
    rows = exchange.export_table(session, year=2024, threshold=None)
    assert rows == [
        list(exchange.HEADERS),
        ["andel", "Effektmål andel", "kista", "Kista", 2024, None, None, None, None],
        ["andel", "Effektmål andel", "norrmalm", "Norrmalm", 2024, 40, 50, "Journal", None],
        ["antal", "Effektmål antal", "norrmalm", "Norrmalm", 2024, None, None, None, None],
    ]
    own = exchange.export_table(session, year=2024, threshold=None, organisation_ids={setting["kista"].id})
    assert [row[2] for row in own[1:]] == ["kista"]
    every_year = exchange.export_table(session, year=None, threshold=None)
    assert [row[4] for row in every_year[1:4]] == [2021, 2022, 2023] and len(every_year) == 1 + 3 * 5
    assert exchange.export_table(session, year=2019, threshold=None) == [list(exchange.HEADERS)]


@pytest.mark.parametrize(("to_file", "filename"), [(exchange.to_xlsx, "siffror.xlsx"),
                                                   (exchange.to_csv, "siffror.csv")])
def test_an_exported_file_imports_unchanged(session, setting, to_file, filename):
    _figures(session, setting, "andel", "norrmalm", numerator=1234, denominator=2000, source="Journal; BBIC",
             note="=SUM(A1) är inte en formel\n- rad två, med å ä ö")
    _figures(session, setting, "andel", "kista", numerator=0, denominator=0)
    _figures(session, setting, "antal", "norrmalm", numerator=3)
    session.commit()

    data = to_file(exchange.export_table(session, year=2024, threshold=None))
    result = _import(session, setting, data, filename)

    assert (result.created, result.updated, result.unchanged, result.skipped) == (0, 0, 3, 0)
    assert len(session.exec(select(MeasurementVersion)).all()) == 3


def test_text_is_never_a_formula_in_the_files(session, setting):
    _figures(session, setting, "antal", "norrmalm", numerator=3, note="=HYPERLINK(\"http://x\")")
    rows = exchange.export_table(session, year=2024, threshold=None)
    sheet = load_workbook(io.BytesIO(exchange.to_xlsx(rows))).active
    assert sheet["I4"].value == "=HYPERLINK(\"http://x\")" and sheet["I4"].data_type == "s"
    assert "'=HYPERLINK" in exchange.to_csv(rows).decode("utf-8")
    assert exchange.to_csv(rows).startswith("\ufeffEffektmål;".encode())


def test_a_filled_in_template_saves_figures_as_import_versions(session, setting):
    data = ("\ufeff" + HEADER.replace(";", ",") + "\r\n"
            "andel,Vad som helst,kista,,2024,\"1 200\",1500,Egen statistik,\r\n"
            "andel,,norrmalm,,2024,,,,\r\n"  # left empty: not filled in yet
            "antal,,norrmalm,,2024,7,,,Uppskattning\r\n"
            ",,,,,,,,\r\n").encode("utf-8")
    result = _import(session, setting, data, "ifylld.CSV")
    session.commit()

    assert (result.created, result.updated, result.unchanged, result.skipped) == (2, 0, 0, 1)
    saved = {(m.organisation_id, m.numerator, m.denominator, m.source, m.note, m.version)
             for m in session.exec(select(Measurement))}
    assert saved == {(setting["kista"].id, 1200, 1500, "Egen statistik", None, 1),
                     (setting["norrmalm"].id, 7, None, None, "Uppskattning", 1)}
    assert {v.via for v in session.exec(select(MeasurementVersion))} == {"import"}
    summary = session.exec(select(AuditEvent).where(AuditEvent.action == "effect_goal.figures_imported")).one()
    assert summary.changes["after"] == {"filename": "ifylld.CSV", "created": 2, "updated": 0, "unchanged": 0}


def test_an_import_overwrites_deliberately_and_keeps_the_old_version(session, setting):
    first = _figures(session, setting, "antal", "norrmalm", numerator=3)
    result = _import(session, setting, _csv("antal;;norrmalm;;2024;9;;;"))
    assert (result.created, result.updated) == (0, 1)
    assert [(v.numerator, v.via) for v in editing.measurement_versions(session, first.id)] == [
        (3, "form"), (9, "import")]


def test_an_import_with_problems_saves_nothing_and_names_every_row(session, setting):
    problems = _rejected(session, setting, _csv(
        "andel;;norrmalm;;2024;40;50;;",  # row 2: fine on its own
        "okand;;norrmalm;;2024;abc;;;",
        "andel;;sodermalm;;2019;60;50;;",
        "antal;;kista;;2024;5;3;;",
        "andel;;norrmalm;;2024;41;50;;",
        ";;norrmalm;;;12;;;",
        "andel;;kista;;tjugo;-1;2.5;;",
    ))
    assert problems == [
        "rad 3: Okänt effektmål: okand.",
        "rad 4: Okänd organisation: sodermalm.",
        "rad 4: År: Välj ett år från 2021 till 2025, programmets år.",
        "rad 4: Täljare / antal: Täljaren kan inte vara större än nämnaren.",
        "rad 5: Nämnare: Effektmålet följs upp med ett antal, utan nämnare: lämna nämnaren tom.",
        "rad 5: Kista rapporterar inte siffror för effektmålet antal.",
        "rad 6: Samma effektmål, organisation och år som rad 2.",
        "rad 7: Effektmål saknas.",
        "rad 7: År saknas.",
        f"rad 8: År: Skriv året med fyra siffror, till exempel {date.today().year - 1}.",
        "rad 8: Täljare / antal: Skriv ett heltal, 0 eller större.",
        "rad 8: Nämnare: Skriv ett heltal, 0 eller större.",
    ]
    assert session.exec(select(Measurement)).all() == []


def test_a_contact_imports_only_for_their_own_organisations(session, setting):
    problems = _rejected(session, setting, _csv("andel;;kista;;2024;4;5;;", "andel;;norrmalm;;2024;4;5;;"),
                         actor="contact")
    assert problems == ["rad 3: Du får inte rapportera siffror för Norrmalm."]
    assert session.exec(select(Measurement)).all() == []
    assert _import(session, setting, _csv("andel;;kista;;2024;4;5;;"), actor="contact").created == 1
    with pytest.raises(editing.NotAllowed):
        _import(session, setting, _csv("andel;;kista;;2024;4;5;;"), actor="reader")


def test_masked_figures_are_exported_as_fewer_than_5_and_refused_on_import(session, setting):
    _figures(session, setting, "antal", "norrmalm", numerator=3)
    _figures(session, setting, "andel", "norrmalm", numerator=38, denominator=40)  # 2 did not: as telling
    _figures(session, setting, "andel", "kista", numerator=2, denominator=50)
    rows = exchange.export_table(session, year=2024, threshold=5)
    # A masked share is withheld whole, as on the pages: its large denominator would tell the difference
    # (and the city's total minus it the other organisation's).
    assert [row[5:7] for row in rows[1:]] == [["dolt", "dolt"], ["dolt", "dolt"], ["färre än 5", None]]
    assert exchange.export_table(session, year=2024, threshold=None)[3][5:7] == [3, None]

    problems = _rejected(session, setting, exchange.to_xlsx(rows), "maskerad.xlsx")
    assert problems == [
        "rad 2: Täljare / antal: ”dolt” är en dold siffra – exakta siffror krävs.",
        "rad 2: Nämnare: ”dolt” är en dold siffra – exakta siffror krävs.",
        "rad 3: Täljare / antal: ”dolt” är en dold siffra – exakta siffror krävs.",
        "rad 3: Nämnare: ”dolt” är en dold siffra – exakta siffror krävs.",
        "rad 4: Täljare / antal: ”färre än 5” är en dold siffra – exakta siffror krävs.",
    ]


@pytest.mark.parametrize(("filename", "data", "problem"), [
    ("siffror.xls", b"\xd0\xcf\x11\xe0", "Filen siffror.xls är varken en Excelfil (.xlsx) eller en CSV-fil (.csv)."),
    ("siffror.xlsx", b"inte en zip", "Filen siffror.xlsx gick inte att läsa som Excelfil."),
    ("siffror.csv", HEADER.encode("utf-8") + "\r\nandel;;kista;;2024;1;2;Källa;\r\n".encode("cp1252"),
     "Filen siffror.csv är inte sparad som UTF-8. Spara den i Excel som ”CSV UTF-8” och försök igen."),
    ("siffror.csv", b"", "Filen siffror.csv är tom."),
    ("siffror.csv", "Effektmål;Organisation;År;Täljare\r\nandel;kista;2024;1\r\n".encode(),
     "Filen siffror.csv saknar kolumnerna ”Täljare / antal”, ”Nämnare”, ”Källa”, ”Kommentar”."),
    ("siffror.csv", HEADER.encode() + b'\r\nandel;;kista;;2024;1;2;;"ett citat\r\nantal;;norrmalm;;2024;3;;;\r\n',
     "Filen siffror.csv gick inte att läsa som CSV-fil."),  # an unclosed quote must not swallow the next rows
])
def test_an_unreadable_file_is_named_and_explained(session, setting, filename, data, problem):
    assert _rejected(session, setting, data, filename) == [problem]


def test_an_excel_file_without_styles_is_read(session, setting):
    """Files from other programs lack parts openpyxl warns about; the figures are read all the same."""
    rows = exchange.export_table(session, year=2024, threshold=None)
    rows[1][5:7] = [4, 5]
    source, stripped = zipfile.ZipFile(io.BytesIO(exchange.to_xlsx(rows))), io.BytesIO()
    with zipfile.ZipFile(stripped, "w") as target:
        for item in source.infolist():
            if item.filename != "xl/styles.xml":
                target.writestr(item, source.read(item))
    assert _import(session, setting, stripped.getvalue(), "annat-program.xlsx").created == 1


def test_a_failure_half_way_takes_back_what_the_import_saved(session, setting, monkeypatch):
    saves = []
    real_save = editing.save_measurement

    def save_then_conflict(session, **kwargs):
        if saves:
            raise editing.MeasurementConflict(saves[0])
        saves.append(real_save(session, **kwargs))
        return saves[0]

    monkeypatch.setattr(editing, "save_measurement", save_then_conflict)
    problems = _rejected(session, setting, _csv("andel;;kista;;2024;4;5;;", "antal;;norrmalm;;2024;9;;;"))
    assert problems == ["rad 3: Siffrorna ändrades av någon annan medan filen lästes in. Läs in filen igen."]
    session.commit()  # the caller's transaction is still usable
    assert session.exec(select(Measurement)).all() == []
    assert session.exec(select(MeasurementVersion)).all() == []
