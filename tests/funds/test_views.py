"""The funds pages through the client: who sees what, forms with and without htmx, bad input and conflicts."""
from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlmodel import select

from tests.conftest import html_part
from tests.funds.factories import make_fund_year
from tracker.accounts.models import Role
from tracker.audit.models import AuditEvent
from tracker.funds.models import Allocation, FundsVersion, FundYear, ReportingState, UsageReport
from tracker.organisations.models import Organisation

HTMX = {"HX-Request": "true"}
TODAY = date(2025, 1, 20)


def _org(session, slug: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.slug == slug)).one()


@pytest.fixture
def open_year(session, make_org):
    """2024, open for reports until 15 February 2025, with two nämnder in the allocation."""
    first, second = make_org("forsta", name="Första stadsdelsnämnd"), make_org("andra", name="Andra stadsdelsnämnd")
    fund_year = make_fund_year(session, year=2024, allocations=[(first, 300_000), (second, 200_000)],
                               reporting=ReportingState.open, deadline=date(2025, 2, 15), requisitioned=500_000)
    return fund_year, first, second


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def _report_form(purposes, **overrides):
    form = {"used": "250 000", "unspent": "50000", "reasons": ["time"], "evaluated": "no", "action": "submit",
            f"area-{purposes[0].id}-work": "Utbildning om våld i nära relationer för all personal.",
            f"area-{purposes[0].id}-amount": "100000", f"area-{purposes[0].id}-outcome": "partly"}
    form.update(overrides)
    return form


def test_the_index_shows_every_seeded_year_with_figures_as_printed(seeded, make_user, login):
    page = login(make_user(Role.reader)).get("/medel/").get_data(as_text=True)
    row_2016 = html_part(page, r'<a href="/medel/2016">2016</a>.*?</tr>', "the 2016 row")
    assert "3\u00a0166\u00a0133\u00a0kr" in row_2016 and "2\u00a0664\u00a0713\u00a0kr" in row_2016
    assert "501\u00a0420\u00a0kr" in row_2016 and "Försenad" in row_2016  # no payment is recorded
    row_2022 = html_part(page, r'<a href="/medel/2022">2022</a>.*?</tr>', "the 2022 row")
    assert "5\u00a0394\u00a0916\u00a0kr" in row_2022 and "Fördelat" in row_2022
    assert "okänt" in html_part(page, r'<a href="/medel/2021">2021</a>.*?</tr>', "the 2021 row")


def test_the_2022_year_page_shows_the_printed_total_beside_the_sum_of_its_rows(seeded, make_user, login):
    page = login(make_user(Role.reader)).get("/medel/2022").get_data(as_text=True)
    flags = html_part(page, r'id="section-flags".*?</section>', "the flags")
    assert "Skiljer sig" in flags and "5\u00a0394\u00a0916\u00a0kr" in flags and "5\u00a0394\u00a0915\u00a0kr" in flags
    assert "+1\u00a0kr" in flags
    allocation = html_part(page, r'id="section-allocation".*?</section>', "the allocation")
    assert "Hägersten-Älvsjö stadsdelsnämnd" in allocation and "Dnr 3.1.2-208/2022" in allocation
    assert "Ändra" not in allocation  # a reader does not edit


def test_2016_shows_the_names_of_that_year_and_their_successor(seeded, make_user, login):
    page = login(make_user(Role.coordinator)).get("/medel/2016").get_data(as_text=True)
    allocation = html_part(page, r'id="section-allocation".*?</section>', "the allocation")
    assert "Hägersten-Liljeholmens stadsdelsnämnd" in allocation and "nu Hägersten-Älvsjö" in allocation
    assert "Hägersten-Älvsjö stadsdelsnämnd</option>" not in page  # not in the list of nämnder of 2016


def test_a_contact_sees_the_allocation_but_only_their_own_report(session, open_year, make_user, login):
    fund_year, first, second = open_year
    client = login(make_user(Role.contact, orgs=[first]))
    page = client.get("/medel/2024").get_data(as_text=True)
    reporting = html_part(page, r'id="section-reporting".*?</section>', "the reporting section")
    assert "Första stadsdelsnämnd" in reporting and "Andra stadsdelsnämnd" not in reporting
    assert "Andra stadsdelsnämnd" in html_part(page, r'id="section-allocation".*?</section>', "the allocation")
    assert client.get("/medel/2024/aterrapportering/andra").status_code == 403
    assert client.get("/medel/2024/sammanstallning").status_code == 403
    assert client.get("/medel/2024/export.xlsx").status_code == 403


def test_a_contact_cannot_write_another_nammds_report(session, open_year, make_user, login):
    fund_year, first, second = open_year
    purposes = session.exec(select(FundYear)).one() and fund_year
    client = login(make_user(Role.contact, orgs=[first]))
    response = client.post("/medel/2024/aterrapportering/andra", data={"used": "1", "action": "draft"})
    assert response.status_code == 403
    session.rollback()
    assert session.exec(select(UsageReport)).all() == [] and purposes


def test_a_contact_saves_a_draft_then_submits(session, open_year, make_user, login):
    fund_year, first, _second = open_year
    from tests.funds.factories import purposes_of

    purposes = purposes_of(session, fund_year)
    client = login(make_user(Role.contact, orgs=[first]))
    draft = client.post("/medel/2024/aterrapportering/forsta", data={"used": "120 000", "action": "draft"},
                        headers=HTMX | {"HX-Target": "usage-report"})
    assert draft.status_code == 200 and "Utkastet är sparat" in draft.get_data(as_text=True)
    session.rollback()
    report = session.exec(select(UsageReport)).one()
    assert (report.state, report.used, report.version) == ("draft", 120_000, 1)

    incomplete = client.post("/medel/2024/aterrapportering/forsta", data={"used": "250000", "action": "submit",
                                                                          "version": "1"})
    body = incomplete.get_data(as_text=True)
    assert incomplete.status_code == 422
    assert 'id="f-unspent-error"' in body and "Fyll i hur mycket som inte har använts" in body
    assert "Välj om användningen har utvärderats" in body
    session.rollback()
    assert session.get(UsageReport, report.id).version == 1  # nothing half written

    done = client.post("/medel/2024/aterrapportering/forsta", data=_report_form(purposes, version="1"))
    assert done.status_code == 303
    session.rollback()
    report = session.get(UsageReport, report.id)
    assert (report.state, report.used, report.unspent, report.version) == ("submitted", 250_000, 50_000, 2)
    versions = session.exec(select(FundsVersion).where(FundsVersion.record_type == "usagereport")).all()
    assert [v.version for v in versions] == [1, 2] and versions[1].content["state"] == "submitted"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "funds.report_submitted")).one()


def test_a_stale_report_is_refused_with_the_other_version(session, open_year, make_user, login):
    fund_year, first, _second = open_year
    from tests.funds.factories import purposes_of

    purposes = purposes_of(session, fund_year)
    one, two = (login(make_user(Role.contact, orgs=[first])) for _ in range(2))
    assert one.post("/medel/2024/aterrapportering/forsta", data={"used": "1000", "action": "draft"}).status_code == 303
    assert two.post("/medel/2024/aterrapportering/forsta", data={"used": "2000", "action": "draft", "version": "1"}
                    ).status_code == 303
    stale = one.post("/medel/2024/aterrapportering/forsta", data=_report_form(purposes, version="1"))
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Någon annan har sparat återrapporten" in body and "2\u00a0000\u00a0kr" in body
    session.rollback()
    assert session.exec(select(UsageReport)).one().used == 2000


def test_bad_amounts_are_refused_beside_the_field(session, open_year, make_user, login):
    fund_year, first, _second = open_year
    client = login(make_user(Role.contact, orgs=[first]))
    for raw, message in (("-500", "kan inte vara negativt"), ("12,50", "hela kronor"), ("mycket", "hela kronor")):
        response = client.post("/medel/2024/aterrapportering/forsta", data={"used": raw, "action": "draft"})
        body = response.get_data(as_text=True)
        assert response.status_code == 422, raw
        assert message in html_part(body, r'<p class="error" id="f-used-error">.*?</p>', "the used error"), raw
    session.rollback()
    assert session.exec(select(UsageReport)).all() == []


def test_a_closed_round_refuses_reports_unless_reopened_for_the_nammd(session, open_year, make_user, login):
    fund_year, first, second = open_year
    coordinator = make_user(Role.coordinator)
    client = login(coordinator)
    assert client.post("/medel/2024/aterrapportering/stang").status_code == 303
    contact = login(make_user(Role.contact, orgs=[first, second]))
    closed = contact.post("/medel/2024/aterrapportering/forsta", data={"used": "1", "action": "draft"})
    assert closed.status_code == 422 and "är stängd" in closed.get_data(as_text=True)
    login(coordinator)
    no_reason = client.post("/medel/2024/aterrapportering/ateroppna", data={"organisation": "forsta", "reason": ""},
                            headers=HTMX | {"HX-Target": "section-reporting"})
    assert no_reason.status_code == 422 and "Skriv varför" in no_reason.get_data(as_text=True)
    assert client.post("/medel/2024/aterrapportering/ateroppna",
                       data={"organisation": "forsta", "reason": "Fel belopp i rapporten"}).status_code == 303
    login(make_user(Role.contact, orgs=[first, second]))
    assert client.post("/medel/2024/aterrapportering/forsta", data={"used": "1", "action": "draft"}).status_code == 303
    assert client.post("/medel/2024/aterrapportering/andra", data={"used": "1", "action": "draft"}).status_code == 422


def test_the_coordinator_edits_an_allocation_row_with_htmx(session, open_year, make_user, login):
    fund_year, first, _second = open_year
    client = login(make_user(Role.coordinator))
    row = session.exec(select(Allocation).where(Allocation.organisation_id == first.id)).one()
    response = client.post("/medel/2024/fordelning", data={"organisation": "forsta", "amount": "310 000 kr",
                                                           "version": str(row.version)},
                           headers=HTMX | {"HX-Target": "section-allocation"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="section-allocation"')
    assert "<html" not in body
    assert 'hx-swap-oob="true"' in body and "Fördelningen är sparad" in body and "310\u00a0000\u00a0kr" in body
    session.rollback()
    assert session.get(Allocation, row.id).amount == 310_000

    stale = client.post("/medel/2024/fordelning", data={"organisation": "forsta", "amount": "1", "version": "1"},
                        headers=HTMX | {"HX-Target": "section-allocation"})
    assert stale.status_code == 409 and "Någon annan har sparat" in stale.get_data(as_text=True)
    negative = client.post("/medel/2024/fordelning", data={"organisation": "forsta", "amount": "-5", "version": "2"},
                           headers=HTMX | {"HX-Target": "section-allocation"})
    assert negative.status_code == 422 and "kan inte vara negativt" in negative.get_data(as_text=True)
    session.rollback()
    assert session.get(Allocation, row.id).amount == 310_000


def test_an_allocation_to_a_nammd_that_did_not_exist_that_year_is_refused(seeded, make_user, login):
    client = login(make_user(Role.coordinator))
    response = client.post("/medel/2016/fordelning", data={"organisation": "hagersten-alvsjo", "amount": "5"})
    assert response.status_code == 422
    assert "Hägersten-Älvsjö stadsdelsnämnd fanns inte år 2016" in response.get_data(as_text=True)
    seeded.rollback()
    alvsjo = _org(seeded, "hagersten-alvsjo")
    assert seeded.exec(select(Allocation).where(Allocation.organisation_id == alvsjo.id,
                                                Allocation.fund_year_id == 1)).first() is None


def test_a_section_saved_on_an_old_version_is_refused(seeded, make_user, login):
    client = login(make_user(Role.coordinator))
    year = seeded.exec(select(FundYear).where(FundYear.year == 2022)).one()
    ok = client.post("/medel/2022/uppgifter/repayment", data={"repayment_amount": "0", "version": str(year.version)})
    assert ok.status_code == 303
    stale = client.post("/medel/2022/uppgifter/repayment", data={"repayment_amount": "7", "version": str(year.version)})
    assert stale.status_code == 409
    bad_date = client.post("/medel/2022/uppgifter/repayment", data={"repayment_paid_on": "30/6", "version": str(
        year.version + 1)})
    assert bad_date.status_code == 422 and "ÅÅÅÅ-MM-DD" in bad_date.get_data(as_text=True)
    seeded.rollback()
    assert seeded.get(FundYear, year.id).repayment_amount == 0


def test_a_new_year_gets_socialstyrelsens_usual_dates(seeded, make_user, login):
    client = login(make_user(Role.coordinator))
    assert client.post("/medel/", data={"year": "2026"}).status_code == 303
    twice = client.post("/medel/", data={"year": "2026"})
    assert twice.status_code == 422 and "finns redan" in twice.get_data(as_text=True)
    seeded.rollback()
    year = seeded.exec(select(FundYear).where(FundYear.year == 2026)).one()
    assert (year.requisition_deadline, year.report_deadline, year.repayment_deadline) == (
        date(2026, 6, 1), date(2027, 3, 31), date(2027, 6, 30))


def test_the_compilation_changes_when_a_report_is_submitted(session, open_year, make_user, login):
    fund_year, first, _second = open_year
    from tests.funds.factories import purposes_of

    purposes = purposes_of(session, fund_year)
    reader = make_user(Role.reader)
    before = login(reader).get("/medel/2024/sammanstallning").get_data(as_text=True)
    assert "0 av 2 nämnder har arbetat inom området" in before
    login(make_user(Role.contact, orgs=[first])).post("/medel/2024/aterrapportering/forsta",
                                                       data=_report_form(purposes))
    after = login(reader).get("/medel/2024/sammanstallning").get_data(as_text=True)
    assert "1 av 2 nämnder har arbetat inom området" in after
    assert "Utbildning om våld i nära relationer för all personal." in after
    assert "Tidsbrist: 1 av 2 nämnder" in after


def test_an_organisations_page_and_styrkort_show_its_funds_for_the_year(seeded, make_user, login):
    from tests.scorecards.test_pdf import pdf_text
    from tracker.periods.service import get_period
    from tracker.scorecards.pdf import render_scorecard
    from tracker.scorecards.service import build_scorecard

    client = login(make_user(Role.reader))
    page = client.get("/organisation/hagersten-alvsjo").get_data(as_text=True)
    funds = html_part(page, r'id="funds-heading".*?</table>', "the funds table")
    assert '<a href="/medel/2022">2022</a>' in funds and "504\u00a0276\u00a0kr" in funds and "Inte påbörjad" in funds
    assert "2016" not in funds  # Hägersten-Liljeholmen had the 2016 funds, under its own name
    assert "/medel/2016" in client.get("/organisation/hagersten-liljeholmen").get_data(as_text=True)

    card_page = client.get("/styrkort/rinkeby-kista?period=2022-T3").get_data(as_text=True)
    card_funds = html_part(card_page, r'id="funds-heading".*?</section>', "the styrkort's funds")
    assert "Utvecklingsmedel 2022" in card_funds and "624\u00a0090\u00a0kr" in card_funds
    rinkeby = _org(seeded, "rinkeby-kista")
    card = build_scorecard(seeded, organisation=rinkeby, period=get_period(seeded, "2022-T3"))
    text, _pages = pdf_text(render_scorecard(card, generated_at=card.data_as_of))
    assert "Utvecklingsmedel 2022" in text and "624 090 kr" in text.replace("\u00a0", " ")
    none_2023 = build_scorecard(seeded, organisation=rinkeby, period=get_period(seeded, "2023-T1"))
    assert none_2023.funds == []
    assert "inga utvecklingsmedel registrerade för 2023" in pdf_text(render_scorecard(
        none_2023, generated_at=none_2023.data_as_of))[0]


def test_the_year_goes_out_as_excel_and_comes_back_through_the_import_page(seeded, make_user, login):
    client = login(make_user(Role.coordinator))
    exported = client.get("/medel/2022/export.xlsx")
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert 'filename="utvecklingsmedel-2022.xlsx"' in exported.headers["Content-Disposition"]
    assert client.get("/medel/2022/import").status_code == 200
    empty = client.post("/medel/2022/import", data={})
    assert empty.status_code == 422 and "Välj en fil att importera." in empty.get_data(as_text=True)
    from io import BytesIO

    damaged = client.post("/medel/2022/import", data={"fil": (BytesIO(b"not a workbook"), "medel.xlsx")},
                          content_type="multipart/form-data")
    assert damaged.status_code == 422 and "Ingenting importerades" in damaged.get_data(as_text=True)
    versions_before = len(seeded.exec(select(FundsVersion)).all())
    same = client.post("/medel/2022/import", data={"fil": (BytesIO(exported.data), "medel.xlsx")},
                       content_type="multipart/form-data")
    assert same.status_code == 303
    seeded.rollback()
    assert len(seeded.exec(select(FundsVersion)).all()) == versions_before  # nothing changed, nothing written
    assert login(make_user(Role.contact, orgs=[_org(seeded, "farsta")])).post("/medel/2022/import").status_code == 403


def test_a_contact_does_not_see_why_another_nammd_was_reopened(session, open_year, make_user, login):
    fund_year, first, second = open_year
    coordinator = login(make_user(Role.coordinator))
    coordinator.post("/medel/2024/aterrapportering/stang")
    coordinator.post("/medel/2024/aterrapportering/ateroppna", data={"organisation": "andra",
                                                                    "reason": "Andras belopp var fel"})
    assert "Andras belopp var fel" in coordinator.get("/medel/2024").get_data(as_text=True)
    page = login(make_user(Role.contact, orgs=[first])).get("/medel/2024").get_data(as_text=True)
    assert "Andras belopp var fel" not in page


def test_the_round_is_not_reopened_for_a_nammd_outside_the_allocation(session, open_year, make_user, make_org,
                                                                        login):
    make_org("tredje", name="Tredje stadsdelsnämnd")
    client = login(make_user(Role.coordinator))
    client.post("/medel/2024/aterrapportering/stang")
    refused = client.post("/medel/2024/aterrapportering/ateroppna", data={"organisation": "tredje", "reason": "Test"})
    assert refused.status_code == 422 and "finns inte i årets fördelning" in refused.get_data(as_text=True)
