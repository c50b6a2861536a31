"""A grant year as an Excel file: exported with the import's columns, imported all or nothing, every bad row named."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlmodel import select

from tests.funds.exchange_factories import counts, open_2022, organisation, row_of, saved, set_cell, workbook
from tests.funds.factories import COORDINATOR
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.funds import editing, exchange, reporting, reporting_round, service, versions
from tracker.funds.models import Allocation, FundsVersion, ReportState, UsageArea, UsageReport

ALLOCATION_2022 = [  # 002's table, as printed; its total row (5 394 915) is not a row of the allocation
    ("rinkeby-kista", 624090), ("spanga-tensta", 372657), ("hasselby-vallingby", 536871), ("bromma", 279427),
    ("kungsholmen", 197426), ("norrmalm", 201411), ("ostermalm", 212811), ("sodermalm", 504527),
    ("enskede-arsta-vantor", 619066), ("skarpnack", 251550), ("farsta", 461210), ("hagersten-alvsjo", 504276),
    ("skarholmen", 379594), ("aldrenamnden", 250000),
]


def _export(session, year):
    return exchange.export_year(session, service.get_year(session, year))


def _import(session, year, data, *, filename="medel.xlsx", actor=COORDINATOR):
    session.expire_all()
    return exchange.import_year(session, service.get_year(session, year), filename=filename, data=data, actor=actor)


def _rejected(session, year, data, filename="medel.xlsx"):
    before = counts(session)
    with pytest.raises(exchange.ImportRejected) as rejected:
        _import(session, year, data, filename=filename)
    session.commit()  # whatever the import left in the session would be saved now
    assert counts(session) == before
    return rejected.value.problems


def _values(sheet):
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_2022_export_has_the_fourteen_allocation_rows_as_printed_and_no_total_row(seeded):
    book = workbook(_export(seeded, 2022))

    assert book.sheetnames == ["Fördelning", "Återrapport", "Områden", "Metod"]
    assert [c.value for c in book["Fördelning"][1]] == ["År", "Nämnd-id", "Nämnd", "Belopp (kr)",
                                                        "Stadsövergripande", "Anteckning"]
    assert [c.value for c in book["Återrapport"][1]] == [
        "År", "Nämnd-id", "Nämnd", "Status", "Använt (kr)", "Ej använt (kr)", "Orsaker", "Orsaker, fritext",
        "Utvärderat", "Utvärdering, fritext"]
    assert [c.value for c in book["Områden"][1]] == ["År", "Nämnd-id", "Nämnd", "Syfte-id", "Syfte",
                                                     "Vad som gjorts", "Belopp (kr)", "Bedömning"]
    rows = _values(book["Fördelning"])
    assert [(row[1], row[3]) for row in rows] == ALLOCATION_2022
    assert {row[0] for row in rows} == {2022} and {row[4] for row in rows} == {"Nej"}
    assert rows[11][2] == "Hägersten-Älvsjö stadsdelsnämnd" and rows[13][5] == "Fast belopp."
    assert all(cell.data_type == "n" and type(cell.value) is int for (cell,) in book["Fördelning"].iter_rows(
        min_row=2, min_col=4, max_col=4))
    # Nobody has reported: a row per nämnd with an empty status, and a row per nämnd and purpose to fill in.
    assert [row[1:4] for row in _values(book["Återrapport"])] == [[slug, name, None] for slug, name in (
        (row[1], row[2]) for row in rows)]
    assert len(_values(book["Områden"])) == 14 * 6


def test_2016_district_amounts_are_unknown_empty_cells_under_that_years_names(seeded):
    book = workbook(_export(seeded, 2016))

    rows = {row[1]: row for row in _values(book["Fördelning"])}
    assert len(rows) == 15 and "hagersten-alvsjo" not in rows
    assert rows["hagersten-liljeholmen"][2] == "Hägersten-Liljeholmens stadsdelsnämnd"
    districts = [row for slug, row in rows.items() if slug != "socialnamnden"]
    assert [row[3] for row in districts] == [None] * 14  # unknown, not 0
    sheet = book["Fördelning"]
    assert all(sheet.cell(row_of(book, "Fördelning", slug), 4).value is None for slug in rows if slug != "socialnamnden")
    assert rows["socialnamnden"][3:] == [40883, "Ja", "Sommarens utbetalning, använd på stadsövergripande nivå (000)."]
    reports = {row[1]: row for row in _values(book["Återrapport"])}
    assert reports["spanga-tensta"][3:] == ["Inlämnad", None, None, None, None, "Planeras",
                                            "Planerar att göra en utvärdering av relationsvåldsteamets arbete inom "
                                            "en månad."]
    assert reports["socialnamnden"][3:6] == ["Inlämnad", 40883, None]
    areas = {(row[1], row[3]): row for row in _values(book["Områden"])}
    assert areas[("socialnamnden", "langsiktigt")][6] == 40883
    assert areas[("hagersten-liljeholmen", "langsiktigt")][5].startswith("Har hyrt in ytterligare en jourlägenhet")
    assert areas[("bromma", "barn")][5:] == [None, None, None]


def test_the_method_sheet_explains_unknown_amounts_and_importing_back(seeded):
    lines = [" ".join(str(v) for v in row if v) for row in workbook(_export(seeded, 2016))["Metod"].iter_rows(
        values_only=True)]
    text = "\n".join(lines)
    assert "Ett tomt belopp betyder att beloppet inte är känt. Det är aldrig 0" in text
    assert "Filen kan ändras och läsas in igen" in text and "År måste vara 2016" in text
    assert "En återrapport läses bara in för en nämnd som har en rad i fördelningen" in text
    assert "Återrapport Orsaker Orsaker till att inte allt använts, åtskilda med semikolon: Tidsbrist; " in text
    assert "Områden Bedömning Nämndens egen bedömning: Helt; I stor utsträckning; Delvis; I liten utsträckning; " \
           "Inte alls; Vet ej." in text


@pytest.mark.parametrize(("year", "allocations", "reports"), [(2016, 15, 15), (2022, 14, 0)])
def test_an_exported_year_imports_back_unchanged_and_writes_nothing(seeded, year, allocations, reports):
    data = _export(seeded, year)
    before = counts(seeded)

    result = _import(seeded, year, data)
    seeded.commit()

    assert (result.allocations_changed, result.allocations_unchanged, result.reports_changed,
            result.reports_unchanged) == (0, allocations, 0, reports)
    after = counts(seeded)
    assert after == before | {"AuditEvent": before["AuditEvent"] + 1}  # only the import's own summary
    summary = seeded.exec(select(AuditEvent).where(AuditEvent.action == "funds.year_imported")).one()
    assert summary.changes["after"]["allocations_unchanged"] == allocations


def test_changing_one_amount_and_one_area_text_saves_exactly_those_as_import_versions(seeded):
    fund_year = open_2022(seeded)
    book = workbook(exchange.export_year(seeded, fund_year))
    set_cell(book, "Fördelning", "farsta", "Belopp (kr)", 461211)
    set_cell(book, "Områden", "rinkeby-kista", "Vad som gjorts", "Samverkansrutiner och en gemensam utbildning.",
             code="langsiktigt")
    before = counts(seeded)

    result = _import(seeded, 2022, saved(book))
    seeded.commit()

    assert (result.allocations_changed, result.allocations_unchanged, result.reports_changed,
            result.reports_unchanged) == (1, 13, 1, 1)
    assert counts(seeded) == before | {"FundsVersion": before["FundsVersion"] + 2,
                                       "AuditEvent": before["AuditEvent"] + 3}
    data = service.load_year(seeded, fund_year)
    farsta = data.allocation_of(organisation(seeded, "farsta").id)
    assert (farsta.amount, farsta.version) == (461211, 2)
    assert [v.via for v in versions.versions_of(seeded, farsta)] == ["seed", "import"]
    rinkeby = data.reports[organisation(seeded, "rinkeby-kista").id]
    assert rinkeby.report.version == 2 and rinkeby.report.state == ReportState.submitted
    assert sorted(area.work for area in rinkeby.areas.values()) == ["Gruppbehandling.",
                                                                     "Samverkansrutiner och en gemensam utbildning."]
    assert [v.via for v in versions.versions_of(seeded, rinkeby.report)] == ["form", "import"]
    assert data.reports[organisation(seeded, "bromma").id].report.version == 1
    saves = seeded.exec(select(AuditEvent).where(AuditEvent.action.in_(
        ["funds.allocation_saved", "funds.report_saved"])).order_by(AuditEvent.id.desc()).limit(2)).all()
    assert {(e.action, e.changes["after"]["organisation"], e.changes["after"]["via"]) for e in saves} == {
        ("funds.allocation_saved", "farsta", "import"), ("funds.report_saved", "rinkeby-kista", "import")}
    assert saves[0].changes["before"] == {"areas": {str(p.id): {"work": "Samverkansrutiner.", "amount": 400000,
                                                                "outcome": "large"}
                                                    for p in data.purposes if p.code == "langsiktigt"}
                                          | {str(p.id): {"work": "Gruppbehandling.", "amount": None,
                                                         "outcome": "unknown"}
                                             for p in data.purposes if p.code == "valdsutovare"}}


def test_an_import_adds_allocation_rows_submits_new_reports_and_empties_areas(seeded):
    fund_year = open_2022(seeded)
    book = workbook(exchange.export_year(seeded, fund_year))
    book["Fördelning"].append([2022, "socialnamnden", "Socialnämnden", None, "Ja", "Stadsövergripande arbete."])
    book["Återrapport"].append([2022, "socialnamnden", "", "Inlämnad", 0, 0, None, None, "Nej", None])
    set_cell(book, "Återrapport", "farsta", "Status", "inlämnad")  # labels are read in any case
    for column, value in (("Använt (kr)", "461 210 kr"), ("Ej använt (kr)", 0), ("Utvärderat", "Planeras")):
        set_cell(book, "Återrapport", "farsta", column, value)
    set_cell(book, "Områden", "farsta", "Vad som gjorts", "Rutin för remittering.", code="valdsutovare")
    set_cell(book, "Områden", "farsta", "Bedömning", "Delvis", code="valdsutovare")
    set_cell(book, "Områden", "bromma", "Vad som gjorts", None, code="langsiktigt")  # emptied: removed

    result = _import(seeded, 2022, saved(book))
    seeded.commit()

    assert (result.allocations_changed, result.reports_changed, result.reports_unchanged) == (1, 3, 1)
    data = service.load_year(seeded, fund_year)
    social = organisation(seeded, "socialnamnden")
    assert (data.allocation_of(social.id).amount, data.allocation_of(social.id).citywide) == (None, True)
    farsta = data.reports[organisation(seeded, "farsta").id]
    assert (farsta.report.state, farsta.report.used, farsta.report.unspent, farsta.report.evaluated) == (
        ReportState.submitted, 461210, 0, "planned")
    assert farsta.report.submitted_at is not None
    assert [(a.work, a.outcome) for a in farsta.areas.values()] == [("Rutin för remittering.", "partly")]
    assert data.reports[social.id].submitted
    bromma = data.reports[organisation(seeded, "bromma").id]
    assert bromma.areas == {} and bromma.report.state == ReportState.draft and bromma.report.version == 2
    assert "Importen är klar: 1 ändrade och 14 oförändrade rader i fördelningen, 3 ändrade och 1 oförändrade " \
           "återrapporter." == result.message


def _append_copy(book, sheet, slug, **changes):
    header = [c.value for c in book[sheet][1]]
    values = [c.value for c in book[sheet][row_of(book, sheet, slug)]]
    for column, value in changes.items():
        values[header.index(column)] = value
    book[sheet].append(values)


BAD_2022 = {
    "other year": (lambda b: set_cell(b, "Fördelning", "rinkeby-kista", "År", 2021),
                   ["Blad Fördelning, rad 2, År: Raden gäller 2021, men filen läses in i bidragsåret 2022."]),
    "unknown nämnd": (lambda b: b["Fördelning"].append([2022, "kista-nord", "Kista", 100, "Nej", None]),
                      ["Blad Fördelning, rad 16, Nämnd-id: Okänd nämnd: kista-nord."]),
    "nämnd gone that year": (
        lambda b: b["Fördelning"].append([2022, "hagersten-liljeholmen", "", 100, "Nej", None]),
        ["Blad Fördelning, rad 16, Nämnd-id: Hägersten-Liljeholmens stadsdelsnämnd fanns inte år 2022."]),
    "negative, decimal and wordy amounts": (
        lambda b: [set_cell(b, "Fördelning", slug, "Belopp (kr)", value)
                   for slug, value in (("bromma", -5), ("norrmalm", 2.5), ("farsta", "mycket"))]
        + [set_cell(b, "Återrapport", "rinkeby-kista", "Använt (kr)", "-1 000")]
        + [set_cell(b, "Områden", "rinkeby-kista", "Belopp (kr)", "12,5", code="langsiktigt")],
        ["Blad Fördelning, rad 5, Belopp (kr): Beloppet kan inte vara negativt. Skriv ett heltal i kronor, "
         "0 eller större.",
         "Blad Fördelning, rad 7, Belopp (kr): Skriv beloppet i hela kronor, utan decimaler, till exempel 250 000.",
         "Blad Fördelning, rad 12, Belopp (kr): Skriv beloppet i hela kronor, utan decimaler, till exempel 250 000.",
         "Blad Återrapport, rad 2, Använt (kr): Beloppet kan inte vara negativt. Skriv ett heltal i kronor, "
         "0 eller större.",
         "Blad Områden, rad 2, Belopp (kr): Skriv beloppet i hela kronor, utan decimaler, till exempel 250 000."]),
    "unknown purpose": (lambda b: set_cell(b, "Områden", "bromma", "Syfte-id", "okant", code="samverkan"),
                        ["Blad Områden, rad 25, Syfte-id: Okänt syfte för 2022: okant."]),
    "unknown labels": (
        lambda b: [set_cell(b, "Återrapport", "bromma", column, value) for column, value in (
            ("Status", "Klar"), ("Utvärderat", "Kanske"), ("Orsaker", "Tidsbrist; Regn"))]
        + [set_cell(b, "Fördelning", "bromma", "Stadsövergripande", "Kanske")]
        + [set_cell(b, "Områden", "bromma", "Bedömning", "Jättebra", code="langsiktigt")],
        ["Blad Fördelning, rad 5, Stadsövergripande: Skriv Ja eller Nej.",
         "Blad Återrapport, rad 5, Status: Okänt värde ”Klar”. Skriv något av: Utkast, Inlämnad.",
         "Blad Återrapport, rad 5, Orsaker: Okänt värde ”Regn”. Skriv något av: Tidsbrist; Personalbrist, "
         "sjukskrivningar eller rekrytering; Medlen kom sent under året; Planerade insatser kunde inte genomföras; "
         "Aktiviteterna kostade mindre än beräknat; Annat.",
         "Blad Återrapport, rad 5, Utvärderat: Okänt värde ”Kanske”. Skriv något av: Ja, Planeras, Nej.",
         "Blad Områden, rad 20, Bedömning: Okänt värde ”Jättebra”. Skriv något av: Helt, I stor utsträckning, "
         "Delvis, I liten utsträckning, Inte alls, Vet ej."]),
    "duplicate rows": (
        lambda b: [_append_copy(b, "Fördelning", "bromma", **{"Belopp (kr)": 1}),
                   _append_copy(b, "Återrapport", "bromma"), _append_copy(b, "Områden", "bromma")],
        ["Blad Fördelning, rad 16: Samma nämnd som rad 5.",
         "Blad Återrapport, rad 16: Samma nämnd som rad 5.",
         "Blad Områden, rad 86: Samma nämnd och syfte som rad 20."]),
    "missing year and nämnd": (lambda b: b["Fördelning"].append([None, None, "Bromma", 5, "Nej", None]),
                               ["Blad Fördelning, rad 16: År saknas.", "Blad Fördelning, rad 16: Nämnd-id saknas."]),
    "report without allocation": (
        lambda b: b["Återrapport"].append([2022, "socialnamnden", "", "Utkast", 100, None, None, None, None, None]),
        ["Blad Återrapport, rad 16, Nämnd-id: Socialnämnden har ingen rad i fördelningen för 2022: lägg till "
         "nämnden på bladet Fördelning först."]),
    "submitted but incomplete": (
        lambda b: set_cell(b, "Återrapport", "bromma", "Status", "Inlämnad"),
        ["Blad Återrapport, rad 5, Ej använt (kr): Fyll i hur mycket som inte har använts, i kronor (0 om allt är "
         "använt).",
         "Blad Återrapport, rad 5, Utvärderat: Välj om användningen har utvärderats.",
         "Blad Områden, rad 20, Bedömning: Välj hur väl resultatet motsvarar det förväntade (”Vet ej” går också)."]),
    "submitted back to draft": (
        lambda b: set_cell(b, "Återrapport", "rinkeby-kista", "Status", "Utkast"),
        ["Blad Återrapport, rad 2, Status: Återrapporten är redan inlämnad och kan inte bli ett utkast igen."]),
    "status emptied": (
        lambda b: set_cell(b, "Återrapport", "bromma", "Status", None),
        ["Blad Återrapport, rad 5, Status: Bromma stadsdelsnämnd har redan en återrapport: skriv Utkast eller "
         "Inlämnad."]),
    "figures without status": (
        lambda b: set_cell(b, "Återrapport", "spanga-tensta", "Använt (kr)", 5),
        ["Blad Återrapport, rad 3, Status: Skriv Utkast eller Inlämnad: nämnden har uppgifter i filen men ingen "
         "status."]),
}


@pytest.mark.parametrize("case", BAD_2022)
def test_a_bad_row_is_named_and_nothing_is_written(seeded, case):
    open_2022(seeded)
    book = workbook(_export(seeded, 2022))
    edit, problems = BAD_2022[case]
    edit(book)
    set_cell(book, "Fördelning", "skarholmen", "Belopp (kr)", 1)  # a good change beside the bad: not saved either

    assert _rejected(seeded, 2022, saved(book)) == problems


def test_every_problem_in_the_file_is_listed_at_once(seeded):
    open_2022(seeded)
    book = workbook(_export(seeded, 2022))
    for case in ("figures without status", "unknown nämnd", "submitted back to draft", "unknown purpose"):
        BAD_2022[case][0](book)

    assert _rejected(seeded, 2022, saved(book)) == [
        "Blad Fördelning, rad 16, Nämnd-id: Okänd nämnd: kista-nord.",
        "Blad Återrapport, rad 2, Status: Återrapporten är redan inlämnad och kan inte bli ett utkast igen.",
        "Blad Återrapport, rad 3, Status: Skriv Utkast eller Inlämnad: nämnden har uppgifter i filen men ingen "
        "status.",
        "Blad Områden, rad 25, Syfte-id: Okänt syfte för 2022: okant.",
    ]


def test_a_nämnd_that_did_not_exist_that_year_is_refused(seeded):
    book = workbook(_export(seeded, 2016))
    book["Fördelning"].append([2016, "hagersten-alvsjo", "Hägersten-Älvsjö stadsdelsnämnd", None, "Nej", None])
    book["Områden"].append([2016, "hagersten-alvsjo", "", "barn", "", "Text", None, None])

    assert _rejected(seeded, 2016, saved(book)) == [
        "Blad Fördelning, rad 17, Nämnd-id: Hägersten-Älvsjö stadsdelsnämnd fanns inte år 2016.",
        "Blad Områden, rad 92, Nämnd-id: Hägersten-Älvsjö stadsdelsnämnd fanns inte år 2016.",
    ]


def test_reports_change_only_while_reporting_is_open_for_the_nämnd(seeded):
    book = workbook(_export(seeded, 2016))
    for slug in ("rinkeby-kista", "skarholmen"):
        set_cell(book, "Områden", slug, "Bedömning", "Delvis", code="langsiktigt")
    set_cell(book, "Fördelning", "bromma", "Belopp (kr)", 100)  # allocations have no reporting round
    assert _rejected(seeded, 2016, saved(book)) == [
        f"Blad Återrapport, rad {row}: Återrapporteringen för 2016 är stängd för {name}: återöppna den för nämnden "
        "för att ändra återrapporten." for row, name in ((2, "Rinkeby-Kista stadsdelsnämnd"),
                                                         (15, "Skärholmens stadsdelsnämnd"))]

    fund_year = service.get_year(seeded, 2016)
    reporting_round.reopen_for(seeded, fund_year=fund_year, organisation=organisation(seeded, "skarholmen"),
                       reason="Bedömningen saknades.", actor=COORDINATOR)
    seeded.commit()
    set_cell(book, "Områden", "rinkeby-kista", "Bedömning", None, code="langsiktigt")
    # Reopened, Skärholmen's report must now meet the rules for a submitted one, as in the form.
    assert _rejected(seeded, 2016, saved(book)) == [
        "Blad Återrapport, rad 15, Använt (kr): Fyll i hur mycket som har använts, i kronor (0 om inget).",
        "Blad Återrapport, rad 15, Ej använt (kr): Fyll i hur mycket som inte har använts, i kronor (0 om allt är "
        "använt).",
        "Blad Områden, rad 83, Bedömning: Välj hur väl resultatet motsvarar det förväntade (”Vet ej” går också).",
    ]
    for column, value in (("Använt (kr)", 0), ("Ej använt (kr)", 0)):
        set_cell(book, "Återrapport", "skarholmen", column, value)
    set_cell(book, "Områden", "skarholmen", "Bedömning", "Vet ej", code="forebyggande")
    result = _import(seeded, 2016, saved(book))
    assert (result.allocations_changed, result.reports_changed, result.reports_unchanged) == (1, 1, 14)

    closed_2022 = workbook(_export(seeded, 2022))
    set_cell(closed_2022, "Återrapport", "bromma", "Status", "Utkast")
    assert _rejected(seeded, 2022, saved(closed_2022)) == [
        "Blad Återrapport, rad 5: Återrapporteringen för 2022 har inte öppnat, så återrapporter kan inte ändras än."]


def test_a_refusal_while_writing_takes_back_the_whole_import(seeded, monkeypatch):
    fund_year = open_2022(seeded)
    book = workbook(exchange.export_year(seeded, fund_year))
    set_cell(book, "Fördelning", "farsta", "Belopp (kr)", 1)
    set_cell(book, "Områden", "bromma", "Vad som gjorts", "Ny text.", code="langsiktigt")

    def closed_meanwhile(session, **kwargs):
        raise reporting.NotOpen(reporting.not_open_message(fund_year))  # open here: the message of a closed round

    monkeypatch.setattr(reporting, "save_report", closed_meanwhile)
    assert _rejected(seeded, 2022, saved(book)) == [
        "Blad Återrapport, rad 5: Återrapporteringen för 2022 är stängd. Kontakta samordnaren om något behöver rättas."]
    assert service.load_year(seeded, fund_year).allocation_of(organisation(seeded, "farsta").id).amount == 461210

    def refused(session, **kwargs):
        purpose_id = next(iter(kwargs["content"].areas))
        raise editing.FundsError({f"area-{purpose_id}-work": "Texten är för lång."})

    monkeypatch.setattr(reporting, "save_report", refused)
    assert _rejected(seeded, 2022, saved(book)) == ["Blad Områden, rad 20, Vad som gjorts: Texten är för lång."]


def test_somebody_elses_save_meanwhile_rejects_the_import(seeded, monkeypatch):
    fund_year = open_2022(seeded)
    book = workbook(exchange.export_year(seeded, fund_year))
    set_cell(book, "Fördelning", "farsta", "Belopp (kr)", 1)
    real_save = editing.save_allocation

    def saved_meanwhile(session, **kwargs):
        real_save(session, **kwargs | {"amount": 2, "expected_version": None, "via": "form"})
        return real_save(session, **kwargs)

    monkeypatch.setattr(editing, "save_allocation", saved_meanwhile)
    assert _rejected(seeded, 2022, saved(book)) == [
        "Blad Fördelning, rad 12: Raden ändrades av någon annan medan filen lästes in. Läs in filen igen."]


@pytest.mark.parametrize("role", [Role.contact, Role.reader])
def test_only_coordinators_import(seeded, make_user, role):
    data = _export(seeded, 2016)
    actor = make_user(role, orgs=[organisation(seeded, "farsta")] if role == Role.contact else [])
    before = counts(seeded)
    with pytest.raises(editing.NotAllowed):
        _import(seeded, 2016, data, actor=actor)
    assert counts(seeded) == before


def test_formula_like_text_stays_text_both_ways(seeded):
    fund_year = service.get_year(seeded, 2022)
    farsta = organisation(seeded, "farsta")
    editing.save_allocation(seeded, fund_year=fund_year, organisation=farsta, amount=461210, citywide=False,
                            note='=HYPERLINK("http://x")', expected_version=None, actor=COORDINATOR)
    seeded.commit()
    book = workbook(_export(seeded, 2022))
    cell = book["Fördelning"].cell(row_of(book, "Fördelning", "farsta"), 6)
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://x")', "s")
    assert _import(seeded, 2022, saved(book)).allocations_unchanged == 14

    for slug, text in (("bromma", "-5 % enligt beslutet"), ("norrmalm", "+46 8 508 000 00"), ("kungsholmen", "@alla")):
        set_cell(book, "Fördelning", slug, "Anteckning", text)
    assert _import(seeded, 2022, saved(book)).allocations_changed == 3
    seeded.commit()
    again = workbook(_export(seeded, 2022))
    assert {row[1]: row[5] for row in _values(again["Fördelning"]) if row[5]} == {
        "bromma": "-5 % enligt beslutet", "norrmalm": "+46 8 508 000 00", "kungsholmen": "@alla",
        "farsta": '=HYPERLINK("http://x")', "aldrenamnden": "Fast belopp."}
    assert all(c.data_type == "s" for (c,) in again["Fördelning"].iter_rows(min_row=2, min_col=6, max_col=6) if c.value)


def test_a_sheet_saved_as_csv_imports_on_its_own(seeded):
    header = "År;Nämnd-id;Nämnd;Belopp (kr);Stadsövergripande;Anteckning"
    data = ("\ufeff" + header + "\r\n2022;farsta;Farsta;461 211;Nej;'=inte en formel\r\n"
            "2022;bromma;;279427;nej;\r\n;;;;;\r\n").encode()
    result = _import(seeded, 2022, data, filename="fordelning.csv")
    assert (result.allocations_changed, result.allocations_unchanged, result.reports_changed) == (1, 1, 0)
    seeded.commit()
    farsta = service.load_year(seeded, service.get_year(seeded, 2022)).allocation_of(organisation(seeded, "farsta").id)
    assert (farsta.amount, farsta.note) == (461211, "=inte en formel")

    areas = "År;Nämnd-id;Nämnd;Syfte-id;Syfte;Vad som gjorts;Belopp (kr);Bedömning\r\n" \
            "2022;farsta;;samverkan;;Text;;\r\n"
    assert _rejected(seeded, 2022, areas.encode(), "omraden.csv") == [
        "Blad Områden, rad 2, Nämnd-id: Farsta stadsdelsnämnd har ingen återrapport för 2022: lägg till nämnden "
        "på bladet Återrapport."]
    assert _rejected(seeded, 2022, b"Nej;Ja\r\n1;2\r\n", "annat.csv") == [
        "Filen annat.csv har inte kolumnerna för något av bladen Fördelning, Återrapport, Områden."]


def _rezipped(data: bytes, replace: dict[str, bytes]) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item)))
        for name, content in replace.items():
            if name not in source.namelist():
                target.writestr(name, content)
    return out.getvalue()


def test_unreadable_and_oversized_files_are_named(seeded):
    data = _export(seeded, 2016)
    book = workbook(data)
    book["Fördelning"]["D1"] = "Summa"
    entity = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "Bromma">]>'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              b'<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>')
    cases = [
        ("medel.xls", b"\xd0\xcf\x11\xe0", "Filen medel.xls är varken en Excelfil (.xlsx) eller en CSV-fil (.csv)."),
        ("medel.xlsx", b"inte en zip", "Filen medel.xlsx gick inte att läsa som Excelfil."),
        ("medel.xlsx", saved(book), "Blad Fördelning saknar kolumnerna ”Belopp (kr)”."),
        # defusedxml: an XML entity (the start of a "billion laughs") is refused, never expanded.
        ("medel.xlsx", _rezipped(data, {"xl/worksheets/sheet1.xml": entity}),
         "Filen medel.xlsx gick inte att läsa som Excelfil."),
        ("medel.xlsx", _rezipped(data, {"xl/media/padding.bin": bytes(exchange.MAX_UNPACKED + 1)}),
         "Filen medel.xlsx är för stor uppackad, mer än 50 MB. Dela upp den."),
        ("medel.csv", b"", "Filen medel.csv är tom."),
    ]
    for filename, content, problem in cases:
        assert _rejected(seeded, 2016, content, filename) == [problem]
    only_method = workbook(data)
    for title in ("Fördelning", "Återrapport", "Områden"):
        del only_method[title]
    assert _rejected(seeded, 2016, saved(only_method)) == [
        "Filen medel.xlsx har inget av bladen Fördelning, Återrapport, Områden."]


def test_a_sheet_longer_than_the_limit_is_refused_before_its_rows_are_checked(seeded, monkeypatch):
    monkeypatch.setattr(exchange, "MAX_ROWS", 20)
    assert _rejected(seeded, 2016, _export(seeded, 2016)) == ["Blad Områden har fler än 20 rader."]


def test_an_area_left_out_of_the_file_is_kept(seeded):
    fund_year = open_2022(seeded)
    book = workbook(exchange.export_year(seeded, fund_year))
    sheet = book["Områden"]
    sheet.delete_rows(2, sheet.max_row - 1)  # no area rows at all: the reports' areas stay as they are
    set_cell(book, "Återrapport", "bromma", "Ej använt (kr)", 79427)

    result = _import(seeded, 2022, saved(book))
    assert (result.reports_changed, result.reports_unchanged) == (1, 1)
    seeded.commit()
    bromma = service.load_year(seeded, fund_year).reports[organisation(seeded, "bromma").id]
    assert (bromma.report.unspent, [a.work for a in bromma.areas.values()]) == (79427, ["Utbildning."])
    assert seeded.exec(select(UsageArea)).all() and seeded.exec(select(Allocation)).all()
    assert seeded.exec(select(FundsVersion).where(FundsVersion.via == "import")).one().record_type == "usagereport"
    assert len(seeded.exec(select(UsageReport)).all()) == 2 + 15  # 2022's two and 2016's fifteen
