"""The contact's reporting pages: Mina åtaganden, inline editing with htmx, and plain form posts.

The lists show a compact row per commitment; its editor is loaded on demand (tests/reporting/test_rows.py).
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from tracker.accounts.models import Role
from tracker.organisations.models import Organisation
from tracker.periods.models import PeriodReopening, PeriodState, ReportingPeriod
from tracker.periods.service import get_period, previous_period
from tracker.programs.models import Activity, Commitment, Goal, Program
from tracker.reporting import service as reporting
from tracker.reporting.models import ReportState, ReportStatus, StatusReport, StatusReportContent, StatusReportVersion

PERIOD = "2024-T1"


def hx(target: str) -> dict[str, str]:
    return {"HX-Request": "true", "HX-Target": target}


def post_report(client, commitment, *, htmx=True, period=PERIOD, **fields):
    data = {"status": "", "comment": "", "next_steps": "", "support_text": "", "version": "", "action": "draft"}
    data.update(fields)
    headers = hx(f"report-{commitment.id}") if htmx else {}
    return client.post(f"/rapport/{commitment.id}/{period}", data=data, headers=headers)


def report_of(session, commitment, period) -> StatusReport | None:
    session.expire_all()
    return reporting.get_report(session, commitment.id, period.id)


def count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def row_of(html: str, commitment) -> str:
    """The compact row of one commitment in a list."""
    match = re.search(rf'<tr id="row-{commitment.id}".*?</tr>', html, re.S)
    assert match, f"no row for commitment {commitment.id}"
    return match.group(0)


def editor_page(client, commitment, period=PERIOD) -> str:
    """The commitment's editor on a page of its own (where the row's link goes without JavaScript)."""
    response = client.get(f"/rapport/{commitment.id}/{period}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def article(html: str, commitment) -> str:
    """The component of one commitment in a page."""
    match = re.search(rf'<article[^>]*id="report-{commitment.id}".*?</article>', html, re.S)
    assert match, f"no component for commitment {commitment.id}"
    return match.group(0)


def error_beside(html: str, commitment, field: str) -> str:
    """The error message of a field, checking that the field points at it and is marked invalid."""
    field_id = f"c{commitment.id}-{field}"
    message = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', html, re.S)
    assert message, f"no error beside {field}"
    control = re.search(rf'<(?:textarea|select|input)[^>]*id="{field_id}"[^>]*>', html).group(0)
    assert f"{field_id}-error" in control and 'aria-invalid="true"' in control
    return message.group(1)


# Mina åtaganden

def _open(seeded, code):
    period = get_period(seeded, code)
    period.state = PeriodState.open
    seeded.add(period)
    return period


def test_contact_sees_own_commitments_by_goal_with_last_tertials_report(seeded, make_user, login):
    period = _open(seeded, "2025-T3")
    org = seeded.exec(select(Organisation).where(Organisation.slug == "socialnamnden")).one()
    rows = seeded.exec(
        select(Commitment, Activity, Goal).join(Activity, Commitment.activity_id == Activity.id).join(Goal)
        .join(Program, Goal.program_id == Program.id)
        .where(Commitment.organisation_id == org.id, Commitment.active, Activity.active)
        .order_by(Program.start_year, Program.id, Goal.position, Goal.number, Activity.position, Activity.id)
    ).all()
    first = rows[0][0]
    seeded.add(StatusReport(commitment_id=first.id, period_id=previous_period(seeded, period).id,
                            status=ReportStatus.done, comment="Klart i våras.", state=ReportState.submitted))
    not_farstas = seeded.exec(select(Activity).where(
        Activity.id.not_in(select(Commitment.activity_id).where(Commitment.organisation_id == org.id)))).first()
    seeded.commit()

    client = login(make_user(Role.contact, orgs=[org]))
    html = client.get("/mina-ataganden").get_data(as_text=True)

    assert re.findall(r"<h2[^>]*>(.*?)</h2>", html) == [f"{org.name} – Tertial 3 2025"]
    assert html.count('<tr id="row-') == len(rows)
    assert "<textarea" not in html and "<article" not in html  # compact: no editor until one is asked for
    headings = re.findall(r"<h3[^>]*>(.*?)</h3>", html)
    # Socialnämnden has commitments in both seeded programmes, so each heading names its programme.
    programs = {p.id: p.short_name for p in seeded.exec(select(Program)).all()}
    expected = list(dict.fromkeys(
        (f"Mål {goal.number}: {goal.title}" if goal.number else goal.title)
        + f' <span class="meta">({programs[goal.program_id]})</span>' for _c, _a, goal in rows))
    assert headings == expected
    assert 'Implementering av programmet <span class="meta">(Program mot våld 2021–2025)</span>' in headings
    assert headings[-1] == ("Information om stöd och hjälp för våldsutsatta är tydlig, lättillgänglig och säker"
                            ' <span class="meta">(Bryt upp)</span>')
    assert not_farstas.title not in html
    assert '<th scope="col">Status Tertial 2 2025</th>' in html
    row = row_of(html, first)
    assert '<span aria-hidden="true">●</span> Genomförd' in row  # last tertial's status, in words too
    assert "Ej rapporterad" in row
    component = article(editor_page(client, first, "2025-T3"), first)
    assert "Förra tertialen (Tertial 2 2025)" in component
    assert "Klart i våras." in component and "Genomförd" in component and "●" in component
    assert rows[0][1].time_frame in component


def test_contact_of_two_organisations_gets_a_section_for_each(world, make_user, login):
    user = make_user(Role.contact, orgs=[world.farsta, world.bromma])
    html = login(user).get("/mina-ataganden").get_data(as_text=True)
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", html) == [
        "Bromma stadsdelsnämnd – Tertial 1 2024", "Farsta stadsdelsnämnd – Tertial 1 2024"]
    assert all(f'id="row-{c.id}"' in html for c in (world.parenting, world.brommas))


def test_without_an_open_tertial_the_page_says_so_and_when_the_next_opens(seeded, make_user, make_period, login):
    seeded.exec(select(ReportingPeriod).where(ReportingPeriod.year == 2026, ReportingPeriod.number == 3)
                ).one().state = PeriodState.closed  # the seed's open 2026 T3
    make_period("2027-T1", state=PeriodState.upcoming)
    seeded.commit()
    farsta = seeded.exec(select(Organisation).where(Organisation.slug == "farsta")).one()
    html = login(make_user(Role.contact, orgs=[farsta])).get("/mina-ataganden").get_data(as_text=True)
    assert "Ingen tertial är öppen för rapportering just nu." in html
    assert "Nästa tertial, Tertial 1 2027, öppnar 1 januari 2027" in html
    assert "<textarea" not in html


def test_reopened_tertial_is_open_for_that_organisation_only(world, session, make_period, login):
    closed = make_period("2023-T2", state=PeriodState.closed)
    session.add(PeriodReopening(period_id=closed.id, organisation_id=world.farsta.id, reason="Sen rapport"))
    session.commit()
    client = login(world.coordinator)
    assert post_report(client, world.parenting, period="2023-T2", status="done").status_code == 200
    assert post_report(client, world.brommas, period="2023-T2", status="done").status_code == 409
    assert report_of(session, world.brommas, closed) is None


# Saving and submitting one report

def test_draft_save_with_htmx_returns_the_component_and_keeps_every_version(world, session, login):
    client = login(world.contact)
    first = post_report(client, world.parenting, status="in_progress", comment="Första utkastet")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert html.startswith(f'<article class="report report-draft" id="report-{world.parenting.id}"')
    assert "<html" not in html and "Utkast sparat" in html
    assert re.search(r'<div id="live-status" role="status" hx-swap-oob="innerHTML">Utkast sparat \d\d:\d\d', html)
    assert 'name="version" value="1"' in html

    second = post_report(client, world.parenting, status="in_progress", comment="Andra utkastet", version="1")
    assert second.status_code == 200 and 'name="version" value="2"' in second.get_data(as_text=True)

    report = report_of(session, world.parenting, world.period)
    assert (report.version, report.state, report.comment) == (2, ReportState.draft, "Andra utkastet")
    assert [(v.version, v.comment) for v in reporting.report_versions(session, report.id)] == [
        (1, "Första utkastet"), (2, "Andra utkastet")]
    assert report.updated_by_id == world.contact.id


def test_submitting_one_report(world, session, login):
    response = post_report(login(world.contact), world.parenting, status="done", comment="Klart.", action="submit")
    assert response.status_code == 200
    assert "Inlämnad" in response.get_data(as_text=True)
    report = report_of(session, world.parenting, world.period)
    assert report.state == ReportState.submitted and report.submitted_by_id == world.contact.id
    assert report_of(session, world.campaign, world.period) is None


def test_a_submitted_report_is_corrected_as_a_new_submitted_version(world, session, login):
    client = login(world.contact)
    post_report(client, world.parenting, status="done", comment="Klart.", action="submit")
    html = post_report(client, world.parenting, status="", comment="Rättelse", version="1").get_data(as_text=True)
    assert error_beside(html, world.parenting, "status") == "Välj en status innan du lämnar in."

    corrected = post_report(client, world.parenting, status="done", comment="Klart, rättat.", version="1")
    assert corrected.status_code == 200 and "Lämna in rättelsen" in corrected.get_data(as_text=True)
    report = report_of(session, world.parenting, world.period)
    assert [(v.version, v.state, v.comment) for v in reporting.report_versions(session, report.id)] == [
        (1, ReportState.submitted, "Klart."), (2, ReportState.submitted, "Klart, rättat.")]


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"action": "submit"}, "status", "Välj en status innan du lämnar in."),
    ({"status": "deviation"}, "comment", "Skriv i kommentaren varför aktiviteten pågår med avvikelse."),
    ({"status": "cancelled", "comment": "   "}, "comment", "Skriv i kommentaren varför aktiviteten utgår."),
    ({"status": "in_progress", "support_needed": "on"}, "support_text", "Beskriv vilket stöd ni behöver."),
    ({"comment": "x" * 5001}, "comment", "högst 5 000 tecken"),
    ({"next_steps": "x" * 5001}, "next_steps", "högst 5 000 tecken"),
    ({"support_needed": "on", "support_text": "x" * 2001}, "support_text", "högst 2 000 tecken"),
    ({"status": "finished"}, "status", "Välj en av statusarna i listan."),
])
def test_each_rule_answers_422_with_the_message_beside_the_field(world, session, login, fields, field, message):
    response = post_report(login(world.contact), world.parenting, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in error_beside(html, world.parenting, field)
    assert f'href="#c{world.parenting.id}-{field}"' in html  # the summary links to the field
    if "comment" in fields:
        assert fields["comment"] in html  # the user's text is kept
    assert count(session, StatusReport) == 1 and count(session, StatusReportVersion) == 0


def test_line_breaks_count_as_one_character(world, session, login):
    text = "rad\r\n" * 1000  # 5 000 characters as typed, 6 000 as sent
    assert post_report(login(world.contact), world.parenting, comment=text).status_code == 200


# Lämna in alla

def _draft(session, commitment, period, actor, **content):
    reporting.save_report(session, commitment=commitment, period=period, actor=actor, expected_version=None,
                          content=StatusReportContent(**content))


def test_submit_all_submits_every_draft_of_the_organisation(world, session, login):
    _draft(session, world.parenting, world.period, world.contact, status=ReportStatus.in_progress, comment="A")
    _draft(session, world.campaign, world.period, world.contact, status=ReportStatus.done)
    _draft(session, world.brommas, world.period, None, status=ReportStatus.done)
    session.commit()
    response = login(world.contact).post(f"/rapportera/farsta/{PERIOD}/lamna-in",
                                         headers=hx(f"submit-all-{world.farsta.id}"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 rapporter för Farsta stadsdelsnämnd är inlämnade." in html
    # Both rows are refreshed out of band (an editor open in the list closes to its row, now submitted).
    assert html.count('<template><tr id="row-') == html.count('hx-swap-oob="true"') == 2
    for commitment in (world.parenting, world.campaign):
        assert '<span class="tag state-submitted">Inlämnad</span>' in row_of(html, commitment)
    assert "<textarea" not in html
    assert report_of(session, world.parenting, world.period).state == ReportState.submitted
    assert report_of(session, world.campaign, world.period).state == ReportState.submitted
    assert report_of(session, world.brommas, world.period).state == ReportState.draft


def test_submit_all_submits_nothing_when_one_report_cannot_be_submitted(world, session, login):
    _draft(session, world.parenting, world.period, world.contact, status=ReportStatus.in_progress, comment="A")
    _draft(session, world.campaign, world.period, world.contact, comment="Status saknas")
    session.commit()
    response = login(world.contact).post(f"/rapportera/farsta/{PERIOD}/lamna-in",
                                         headers=hx(f"submit-all-{world.farsta.id}"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ingenting lämnades in. 1 av åtagandena behöver rättas först." in html
    link = f'<a href="#row-{world.campaign.id}">Kampanj mot sexköp</a>'
    assert f"{link}: Välj en status innan du lämnar in." in html
    assert "Föräldraskapsstöd" not in html
    assert report_of(session, world.parenting, world.period).state == ReportState.draft
    assert count(session, StatusReportVersion) == 2


def test_submit_all_without_javascript_shows_the_errors_in_the_rows(world, session, login):
    _draft(session, world.parenting, world.period, world.contact, status=ReportStatus.in_progress, comment="A")
    session.commit()
    response = login(world.contact).post(f"/rapportera/farsta/{PERIOD}/lamna-in", data={"from": "mine"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<h1>Mina åtaganden</h1>" in html
    row = row_of(html, world.campaign)
    assert '<span class="error"> Ingen rapport är sparad än. Välj en status och spara.</span>' in row
    assert f'href="/rapport/{world.campaign.id}/{PERIOD}?from=mine"' in row  # its editor, to fix it there
    assert "error" not in row_of(html, world.parenting)
    assert report_of(session, world.parenting, world.period).state == ReportState.draft


# Closed tertials and conflicts

def test_closed_tertial_refuses_with_a_clear_message_and_writes_nothing(world, session, login):
    world.period.state = PeriodState.closed
    session.add(world.period)
    session.commit()
    response = post_report(login(world.contact), world.parenting, status="done", comment="Sent inskickat")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Tertial 1 2024 är stängd för rapportering. Ingenting sparades." in html
    assert "Sent inskickat" in html and "<textarea" not in html
    assert count(session, StatusReport) == 1 and count(session, StatusReportVersion) == 0


def test_conflicting_save_shows_the_other_version_and_keeps_the_users_text(world, session, login):
    _draft(session, world.parenting, world.period, world.coordinator, status=ReportStatus.in_progress,
           comment="Samordnarens text")
    report = reporting.get_report(session, world.parenting.id, world.period.id)
    report.updated_at = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)  # 13:00 in Stockholm
    session.commit()
    client = login(world.contact)

    response = post_report(client, world.parenting, status="deviation", comment="Min egen text")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    conflict = re.search(r'<section class="conflict".*?</section>', html, re.S).group(0)
    assert world.coordinator.name in conflict and "1 mars 2024 13:00" in conflict
    assert "Samordnarens text" in conflict
    assert ">Min egen text</textarea>" in html and 'name="version" value="1"' in html
    assert report_of(session, world.parenting, world.period).comment == "Samordnarens text"

    again = post_report(client, world.parenting, status="deviation", comment="Min egen text", version="1")
    assert again.status_code == 200
    assert [v.comment for v in reporting.report_versions(session, report.id)] == ["Samordnarens text", "Min egen text"]


def test_a_race_lost_at_the_database_is_answered_as_a_conflict(world, session, login):
    _draft(session, world.parenting, world.period, world.coordinator, status=ReportStatus.done, comment="Först")
    report = reporting.get_report(session, world.parenting.id, world.period.id)
    # Another save has written version 2 but this request still reads version 1: the insert of
    # version 2 trips the unique constraint, as when two saves run at the same moment.
    session.add(StatusReportVersion(report_id=report.id, version=2, state=ReportState.draft, comment="Samtidig"))
    session.commit()
    response = post_report(login(world.contact), world.parenting, status="in_progress", comment="Min", version="1")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert '<section class="conflict"' in html and ">Min</textarea>" in html
    assert report_of(session, world.parenting, world.period).comment == "Först"
    assert count(session, StatusReportVersion) == 2


# Who may report

def test_contact_cannot_report_on_another_organisations_commitment(world, session, login):
    _draft(session, world.brommas, world.period, None, status=ReportStatus.in_progress, comment="Brommas text")
    session.commit()
    before = (count(session, StatusReport), count(session, StatusReportVersion))
    client = login(world.contact)
    for response in (
        post_report(client, world.brommas, status="done", comment="Förfalskat", version="1"),
        post_report(client, world.brommas, status="done", action="submit", version="1", htmx=False),
        client.post(f"/rapport/{world.brommas.id}/{PERIOD}/kopiera", data={"version": "1"}),
        client.post(f"/rapportera/bromma/{PERIOD}/lamna-in"),
        client.get("/rapportera/bromma"),
    ):
        assert response.status_code == 403
    assert (count(session, StatusReport), count(session, StatusReportVersion)) == before
    report = report_of(session, world.brommas, world.period)
    assert (report.comment, report.state, report.version) == ("Brommas text", ReportState.draft, 1)


def test_coordinator_can_report_for_any_organisation(world, session, login):
    client = login(world.coordinator)
    assert client.get("/rapportera/bromma").status_code == 200
    response = post_report(client, world.brommas, status="done", comment="För Bromma", action="submit")
    assert response.status_code == 200
    report = report_of(session, world.brommas, world.period)
    assert report.state == ReportState.submitted and report.submitted_by_id == world.coordinator.id
    assert client.get("/mina-ataganden").status_code == 403


@pytest.mark.parametrize("role", [Role.reader, Role.admin])
def test_readers_and_admins_cannot_use_any_reporting_post(world, session, make_user, login, role):
    client = login(make_user(role))
    for url in (f"/rapport/{world.parenting.id}/{PERIOD}", f"/rapport/{world.parenting.id}/{PERIOD}/kopiera",
                f"/rapportera/farsta/{PERIOD}/lamna-in"):
        assert client.post(url, data={"status": "done", "action": "submit"}).status_code == 403
    assert client.get("/rapportera/farsta").status_code == 403
    assert count(session, StatusReportVersion) == 0


# Last tertial's text

def test_copy_previous_fills_the_form_without_saving(world, session, login):
    response = login(world.contact).post(
        f"/rapport/{world.parenting.id}/{PERIOD}/kopiera",
        data={"status": "in_progress", "comment": "", "version": ""}, headers=hx(f"report-{world.parenting.id}"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ">Grupper startade i två parker.</textarea>" in html
    assert ">Fler grupper i höst.</textarea>" in html
    assert '<option value="in_progress" selected>' in html  # the user's own choice stays
    assert "Texten är oförändrad från förra tertialen" in html
    assert report_of(session, world.parenting, world.period) is None


def test_copy_is_offered_only_when_last_tertial_has_text(world, login):
    client = login(world.contact)
    assert f'id="c{world.parenting.id}-copy"' in editor_page(client, world.parenting)
    assert f'id="c{world.campaign.id}-copy"' not in editor_page(client, world.campaign)


def test_text_submitted_unchanged_from_last_tertial_is_flagged(world, session, login):
    response = post_report(login(world.contact), world.parenting, status="in_progress", action="submit",
                           comment="Grupper startade i två parker.", next_steps="Fler grupper i höst.")
    assert "Texten är oförändrad från förra tertialen" in response.get_data(as_text=True)
    report = report_of(session, world.parenting, world.period)
    previous = report_of(session, world.parenting, world.previous)
    assert reporting.unchanged_from_previous(report, previous)


# Without JavaScript

def test_plain_post_redirects_back_with_a_flash_message(world, session, login):
    client = login(world.contact)
    response = post_report(client, world.parenting, htmx=False, status="in_progress", comment="Utan JS",
                           **{"from": "mine"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/mina-ataganden#row-{world.parenting.id}")
    page = client.get("/mina-ataganden").get_data(as_text=True)
    assert re.search(r'<div class="flash" role="status"><p>Utkast sparat \d\d:\d\d: Föräldraskapsstöd</p>', page)
    assert report_of(session, world.parenting, world.period).comment == "Utan JS"


def test_plain_post_from_the_organisation_page_returns_there(world, login):
    response = post_report(login(world.coordinator), world.parenting, htmx=False, status="done", action="submit")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/rapportera/farsta?period={PERIOD}#row-{world.parenting.id}")


def test_plain_post_with_an_error_shows_the_whole_page_with_the_users_text(world, session, login):
    response = post_report(login(world.contact), world.parenting, htmx=False, status="deviation",
                           next_steps="Mitt nästa steg", **{"from": "mine"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<h1>Mina åtaganden</h1>" in html and ">Mitt nästa steg</textarea>" in html
    assert error_beside(html, world.parenting, "comment")
    assert report_of(session, world.parenting, world.period) is None


def test_boosted_request_gets_the_redirect_not_a_fragment(world, login):
    headers = {"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "main"}
    response = login(world.contact).post(f"/rapport/{world.parenting.id}/{PERIOD}",
                                         data={"status": "done", "version": ""}, headers=headers)
    assert response.status_code == 303


# The organisation page

def test_organisation_page_shows_a_chosen_closed_tertial_read_only(world, login):
    client = login(world.contact)
    html = client.get("/rapportera/farsta?period=2023-T3").get_data(as_text=True)
    assert "Tertial 3 2023 är stängd för rapportering" in html
    assert '<span aria-hidden="true">◐</span> Pågår' in row_of(html, world.parenting)
    assert f'href="/rapport/{world.parenting.id}/2023-T3"' in row_of(html, world.parenting)
    assert row_of(html, world.parenting).endswith(">Visa</a></td>\n</tr>")  # read only: shown, not reported
    assert 'action="/rapport/' not in html and "Lämna in alla" not in html
    editor = editor_page(client, world.parenting, "2023-T3")
    assert "Grupper startade i två parker." in editor and 'action="/rapport/' not in editor
    assert client.get("/rapportera/farsta?period=2019-T1").status_code == 404
    assert client.get("/rapportera/farsta?period=T1").status_code == 404
    assert client.post(f"/rapport/{world.parenting.id}/2024-T9", data={}).status_code == 404


def test_organisation_page_defaults_to_the_open_tertial(world, login):
    html = login(world.contact).get("/rapportera/farsta").get_data(as_text=True)
    assert "Farsta stadsdelsnämnd – Tertial 1 2024" in html
    assert html.count('<tr id="row-') == 2 and html.count(">Rapportera</a>") == 2
    assert 'action="/rapport/' not in html  # the editors are loaded on demand
    assert "Lämna in alla" in html


def test_ids_are_unique_on_the_page(world, make_user, login):
    user = make_user(Role.contact, orgs=[world.farsta, world.bromma])
    html = login(user).get("/mina-ataganden").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    labels = set(re.findall(r'<label for="([^"]+)"', html))
    controls = set(re.findall(r'<(?:textarea|select|input)[^>]*\sid="([^"]+)"', html))
    assert controls <= labels
