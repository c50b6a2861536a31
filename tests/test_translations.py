"""The English UI: a complete catalog, English pages for every role, and Swedish unchanged as the default.

Swedish texts are the msgids; English lives in tracker/translations/en/LC_MESSAGES/messages.po
(`make translations` extracts, `make install` compiles).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from sqlmodel import select

from tracker.accounts.models import ROLE_LABELS, Role
from tracker.organisations.models import ORG_KIND_LABELS, Organisation
from tracker.periods.models import PERIOD_STATE_LABELS, PeriodState, ReportingPeriod
from tracker.programs.models import PROGRAM_KIND_LABELS
from tracker.reporting.models import REPORT_STATE_LABELS, STATUS_LABELS

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "tracker/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
# As in the Makefile's `translations` target (plus Babel's defaults).
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "_l": None, "lazy_gettext": None}
PROGRAM = "/program/program-mot-vald-2021-2025"


def catalog():
    with PO.open("rb") as f:
        return read_po(f)


def entries():
    return [m for m in catalog() if m.id]


def ids_of(message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def strings_of(message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


# The catalog

def test_every_entry_has_an_english_translation_that_is_not_fuzzy():
    messages = entries()
    assert len(messages) > 400
    untranslated = [m.id for m in messages if m.fuzzy or not all(s.strip() for s in strings_of(m))]
    assert untranslated == []
    assert catalog().obsolete == {}


def test_translations_keep_the_placeholders():
    for message in entries():
        for msgid, msgstr in zip(ids_of(message), strings_of(message), strict=False):
            assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), (msgid, msgstr)
        if len(ids_of(message)) == 2:  # a plural: the English plural form keeps the plural msgid's placeholders
            assert sorted(PLACEHOLDER.findall(ids_of(message)[1])) == sorted(
                PLACEHOLDER.findall(strings_of(message)[-1])), message.id


def test_translations_keep_the_markup():
    for message in entries():
        for msgid, msgstr in zip(ids_of(message), strings_of(message), strict=False):
            assert re.findall(r"</?\w+>", msgid) == re.findall(r"</?\w+>", msgstr), msgid


def test_every_ui_text_in_the_sources_is_in_the_catalog():
    """A text wrapped in _()/gettext/N_ but not yet in the catalog means `make translations` was not run."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    known = {ids_of(m)[0] for m in entries()}
    found = [
        (filename, lineno, message if isinstance(message, str) else message[0])
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS)
    ]
    assert len(found) > 500
    assert [(filename, lineno, text) for filename, lineno, text in found if text not in known] == []


def test_the_compiled_catalog_matches_the_po_file():
    if not MO.exists():
        pytest.fail("messages.mo is missing: run `make install` (pybabel compile)")
    with MO.open("rb") as f:
        compiled = {ids_of(m)[0]: strings_of(m) for m in read_mo(f) if m.id}
    assert compiled == {ids_of(m)[0]: strings_of(m) for m in entries()}


def test_label_dictionaries_stay_plain_swedish_strings_for_pdfs_and_the_cli():
    """Translated where shown; outside a request (PDFs, the CLI) they are the Swedish texts."""
    known = {ids_of(m)[0] for m in entries()}
    for labels in (STATUS_LABELS, PERIOD_STATE_LABELS, REPORT_STATE_LABELS, ROLE_LABELS, ORG_KIND_LABELS,
                   PROGRAM_KIND_LABELS):
        for label in labels.values():
            assert type(label) is str and label in known, label
    assert STATUS_LABELS["deviation"] == "Pågår med avvikelse" and ROLE_LABELS[Role.contact] == "Kontaktperson"


# English pages

def english(client):
    client.set_cookie("lang", "en")
    return client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def assert_english(html: str, present: list[str], absent: list[str]) -> None:
    assert '<html lang="en">' in html
    for text in present:
        assert text in html, text
    for text in absent:
        assert text not in html, text


def open_latest_tertial(session) -> ReportingPeriod:
    period = session.exec(select(ReportingPeriod).order_by(ReportingPeriod.year.desc(),
                                                           ReportingPeriod.number.desc())).first()
    period.state = PeriodState.open
    session.add(period)
    session.commit()
    return period


def farsta(session) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.slug == "farsta")).one()


def test_the_language_link_switches_to_english(seeded, make_user, client, login):
    login(make_user(Role.coordinator))
    response = client.get("/sprak/en?next=/uppfoljning/")
    assert response.status_code == 303 and response.headers["Location"] == "/uppfoljning/"
    assert_english(page(client, "/uppfoljning/"), ["Programme overview", "All goals"], ["Alla mål"])


def test_programme_page_in_english_with_the_coordinators_edit_controls(seeded, make_user, login):
    client = english(login(make_user(Role.coordinator)))
    assert_english(
        page(client, PROGRAM),
        ["Goal 1: ", "Time frame", "Responsible", "Add responsible organisations", "Edit the goal",
         "Add activity", "Add goal", "Ended activities", "You are a coordinator", "Breadcrumbs", "Programme, 2021–2025"],
        ["Tidsperiod", "Ansvariga", "Lägg till ansvariga", "Ändra målet", "Spara målet", "Mål 1:", "Brödsmulor",
         "Avslutade aktiviteter"],
    )


def test_programme_page_in_english_for_a_reader(seeded, make_user, login):
    client = english(login(make_user(Role.reader)))
    assert_english(page(client, PROGRAM), ["Time frame", "Responsible", "(Reader)"],
                   ["Add responsible organisations", "Tidsperiod", "Ansvariga", "(Läsare)"])


def test_organisation_page_in_english(seeded, make_user, login):
    client = english(login(make_user(Role.coordinator)))
    assert_english(page(client, "/organisation/farsta"),
                   ["District committee", "Scorecard for Farsta", "Latest status", "Not reported", "History"],
                   ["Stadsdelsnämnd<", "Styrkort för", "Senaste status", "Ej rapporterad", "Tidsperiod", "Historik"])


def test_scorecard_in_english(seeded, make_user, login):
    client = english(login(make_user(Role.coordinator)))
    assert_english(
        page(client, "/styrkort/farsta"),
        ["Scorecard: Farsta", "Summary", "commitments have a submitted report", "Status trail", "Effect goals",
         "Time frame", "Not reported"],
        ["Styrkort:", "Sammanfattning", "Statusspår", "Effektmål", "Tidsperiod", "Ej rapporterad"],
    )
    assert_english(page(client, "/styrkort/"), ["One scorecard per committee and company", "Scorecard for"],
                   ["Styrkort för", "Ett styrkort per"])


def test_followup_pages_in_english(seeded, make_user, login):
    client = english(login(make_user(Role.coordinator)))
    assert_english(
        page(client, "/uppfoljning/?support=1&q=x"),
        ["Programme overview", "All goals", "All statuses", "In progress with deviation", "Active filters",
         "Free text: “x”", "How the overview is counted", "Summary"],
        ["Alla mål", "Alla statusar", "Pågår med avvikelse", "Aktiva filter", "Sammanfattning", "Tidsperiod"],
    )
    assert_english(
        page(client, "/uppfoljning/rapportering"),
        ["Reporting per organisation", "Share submitted", "No contact", "Total"],
        ["Rapportering per organisation", "Andel inlämnade", "Ingen kontaktperson", "Totalt"],
    )


def test_tertial_calendar_in_english(seeded, make_user, login):
    client = english(login(make_user(Role.coordinator)))
    html = page(client, "/tertialer/")
    assert_english(html, ["Reporting deadline", "Closed", "Manage", "You are a coordinator"],
                   ["Sista dag för rapportering", "Stängd", "Hantera"])
    code = re.search(r'href="/tertialer/(\d{4}-T\d)"', html)[1]
    response = client.post(f"/tertialer/{code}/ateroppna", data={"organisation": "", "reason": ""})
    assert response.status_code == 422
    assert_english(response.get_data(as_text=True),
                   ["Choose the organisation the tertial is to be reopened for.", "Reason for reopening"],
                   ["Välj vilken organisation", "Skäl till återöppningen"])


def test_my_commitments_in_english_with_the_report_form(seeded, session, make_user, login):
    period = open_latest_tertial(session)
    client = english(login(make_user(Role.contact, orgs=[farsta(session)])))
    html = page(client, "/mina-ataganden")
    assert_english(html, ["My commitments", "Reporting deadline:", "Not reported", "Report", "Filter"],
                   ["Rapportera", "Ej rapporterad", "Sista dag att rapportera", "Filtrera"])
    commitment = re.search(r'href="/rapport/(\d+)/' + period.code + r'\?from=mine"', html)[1]
    editor = page(client, f"/rapport/{commitment}/{period.code}?from=mine")  # the row's editor, on its own page
    assert_english(editor, ["Save draft", "Submit", "Time frame", "Choose a status", "Not started",
                            "Back to My commitments"],
                   ["Spara utkast", "Lämna in", "Tidsperiod", "Välj status", "Ej påbörjad"])
    response = client.post(f"/rapport/{commitment}/{period.code}", data={
        "status": "", "comment": "", "version": "", "action": "submit", "from": "mine"})
    assert response.status_code == 422
    assert_english(response.get_data(as_text=True), ["Choose a status before you submit."],
                   ["Välj en status innan du lämnar in."])
    saved = client.post(f"/rapport/{commitment}/{period.code}", data={
        "status": "in_progress", "comment": "Vi har börjat.", "version": "", "action": "draft", "from": "mine"},
        follow_redirects=True)
    assert_english(saved.get_data(as_text=True), ["Draft saved", "Draft"], ["Utkast sparat"])
    assert "Vi har börjat." in page(client, f"/rapport/{commitment}/{period.code}?from=mine")


def test_users_page_in_english_for_the_admin(seeded, make_user, login):
    client = english(login(make_user(Role.admin)))
    assert_english(page(client, "/admin/anvandare"),
                   ["Invite a user", "Last logged in", "Administrator", "Only for contacts", "Create invitation"],
                   ["Bjud in en användare", "Senast inloggad", "Administratör", "Åtgärder", "Skapa inbjudan"])
    response = client.post("/admin/anvandare", data={"name": "", "email": "", "role": "contact"})
    assert response.status_code == 422
    assert_english(response.get_data(as_text=True), ["This field is required."], ["Fältet måste fyllas i."])


def test_access_denied_in_english(seeded, make_user, login):
    client = english(login(make_user(Role.reader)))
    assert_english(page(client, "/admin/anvandare", status=403), ["Access denied"], ["Åtkomst nekad"])


# Swedish stays the default and unchanged

def test_swedish_is_the_default(seeded, make_user, login):
    client = login(make_user(Role.coordinator))
    html = page(client, PROGRAM)
    assert '<html lang="sv">' in html
    for text in ("Tidsperiod", "Ansvariga", "Lägg till ansvariga", "Ändra målet", "Mål 1: ", "Program, 2021–2025"):
        assert text in html, text
    assert "Time frame" not in html and "Responsible" not in html


@pytest.mark.parametrize("cookie", ["sv", "de", ""])
def test_any_other_language_cookie_gives_swedish(seeded, make_user, login, cookie):
    client = login(make_user(Role.reader))
    client.set_cookie("lang", cookie)
    html = page(client, "/uppfoljning/")
    assert '<html lang="sv">' in html and "Alla mål" in html and "All goals" not in html
