"""Leadership is told: new styrkort and reports in the archive, once per person and document set."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlmodel import func, select

from tracker.accounts.models import Role, User
from tracker.archive import generation
from tracker.archive import service as archive
from tracker.archive.models import ArchivedDocument, DocumentKind
from tracker.archive.service import Rendered, Subject
from tracker.audit.models import AuditEvent
from tracker.clock import utcnow
from tracker.notifications import jobs, publications
from tracker.notifications.models import EmailState, Notification, NotificationKind
from tracker.periods.models import PeriodState
from tracker.reporting.models import ReportState, ReportStatus, StatusReport
from tracker.reports import service as reports

from .factories import recorded, utc

PUBLISHED = NotificationKind.documents_published
BASE_URL = "https://tracker.example.se"
T2_KEY = "scorecard:program-mot-vald/2023-T2"


@pytest.fixture
def world(app, session, make_org, make_program, make_activity, make_commitment, make_period, make_user):
    """A programme with Farsta and Enskede responsible, two closed tertials, and people of every kind."""
    app.config["BASE_URL"] = BASE_URL
    program = make_program("program-mot-vald", start_year=2021, end_year=2025)
    t2, t3 = make_period("2023-T2", state=PeriodState.closed), make_period("2023-T3", state=PeriodState.closed)
    farsta = make_org("farsta", name="Farsta stadsdelsnämnd")
    enskede = make_org("enskede", name="Enskede-Årsta-Vantörs stadsdelsnämnd")
    elsewhere = make_org("utanfor", name="Nämnd utan åtaganden")
    activity = make_activity(program=program, title="Utbilda personal om våld")
    farsta_commitment = make_commitment(organisation=farsta, activity=activity)
    make_commitment(organisation=enskede, activity=activity)
    session.add(StatusReport(commitment_id=farsta_commitment.id, period_id=t2.id, status=ReportStatus.in_progress,
                             state=ReportState.submitted, comment="Två utbildningar är genomförda."))
    session.commit()
    people = SimpleNamespace(
        reader=make_user(Role.reader, email="ledning@example.se"),
        reader2=make_user(Role.reader, email="direktor@example.se"),
        former_reader=make_user(Role.reader, email="slutat@example.se", active=False),
        coordinator=make_user(Role.coordinator, email="samordnare@example.se"),
        admin=make_user(Role.admin, email="admin@example.se"),
        farsta_contact=make_user(Role.contact, orgs=[farsta], email="farsta@example.se"),
        enskede_contact=make_user(Role.contact, orgs=[enskede], email="enskede@example.se"),
        former_farsta=make_user(Role.contact, orgs=[farsta], email="farsta-slutat@example.se", active=False),
        outside=make_user(Role.contact, orgs=[elsewhere], email="utanfor@example.se"),
    )
    return SimpleNamespace(app=app, program=program, t2=t2, t3=t3, farsta=farsta, enskede=enskede, **vars(people))


def scorecards(world, session, tmp_path, period, organisation=None) -> list[ArchivedDocument]:
    """Generate and archive styrkort, as every route to the archive does (in an app context)."""
    with world.app.app_context():
        subjects = generation.scorecard_subjects(session, period=period, organisation=organisation)
        return generation.generate(session, tmp_path, subjects, generated_by_id=world.coordinator.id,
                                   generated_by_label=world.coordinator.email)


def midterm(world, session, tmp_path, period) -> ArchivedDocument:
    with world.app.app_context():
        first, last = reports.midterm_range(session, world.program, period)
        subject = generation.report_subject(kind=DocumentKind.midterm, program=world.program, first=first, last=last)
        [document] = generation.generate(session, tmp_path, [subject], generated_by_id=None,
                                         generated_by_label="tracker")
        return document


def fake_rendered() -> Rendered:
    return Rendered(pdf=b"%PDF-1.4 test", page_count=1, data_version="d" * 64, data_as_of=utc(2024, 1, 20, 10, 0))


def link(document: ArchivedDocument) -> str:
    return f"{BASE_URL}/arkiv/dokument/{document.id}"


def by_org(documents, organisation) -> ArchivedDocument:
    [document] = [d for d in documents if d.organisation_id == organisation.id]
    return document


def notice_count(session) -> int:
    return session.exec(select(func.count()).select_from(Notification)).one()


def test_a_tertials_styrkort_tell_each_reader_once_with_every_link_and_each_contact_their_own(session, world,
                                                                                              tmp_path):
    documents = scorecards(world, session, tmp_path, world.t2)
    farsta_doc, enskede_doc = by_org(documents, world.farsta), by_org(documents, world.enskede)

    notices = recorded(session, PUBLISHED)

    assert set(notices) == {"ledning@example.se", "direktor@example.se", "farsta@example.se", "enskede@example.se"}
    assert {n.key for n in notices.values()} == {T2_KEY}
    reader = notices["ledning@example.se"]
    assert reader.subject == "Nya styrkort: program-mot-vald, Tertial 2 2023"
    for body in (reader.text_body, reader.html_body):
        assert link(farsta_doc) in body and link(enskede_doc) in body
    assert f'<a href="{link(farsta_doc)}">Styrkort – Farsta stadsdelsnämnd</a>' in reader.html_body
    assert f"{BASE_URL}/aviseringar/" in reader.text_body
    farsta = notices["farsta@example.se"]
    assert link(farsta_doc) in farsta.text_body and link(farsta_doc) in farsta.html_body
    assert link(enskede_doc) not in farsta.text_body + farsta.html_body
    assert "Styrkort för din organisation för Tertial 2 2023" in farsta.text_body
    assert link(enskede_doc) in notices["enskede@example.se"].text_body
    assert all(n.email_state == EmailState.pending for n in notices.values())


def test_the_notice_carries_titles_and_links_but_no_figures(session, world, tmp_path):
    scorecards(world, session, tmp_path, world.t2)
    text = recorded(session, PUBLISHED)["ledning@example.se"].text_body.split("\n", 1)[1]  # after "Hej Reader 1!"

    without_links_and_dates = re.sub(r"https://\S+|Tertial \d 20\d\d", "", text)
    assert not re.search(r"\d", without_links_and_dates), without_links_and_dates
    assert "genomförda" not in text  # no report text either


def test_regenerating_or_one_organisations_styrkort_again_notifies_nobody_again(session, world, tmp_path):
    scorecards(world, session, tmp_path, world.t2)
    before = notice_count(session)

    again = scorecards(world, session, tmp_path, world.t2)
    farsta_again = scorecards(world, session, tmp_path, world.t2, organisation=world.farsta)

    assert {d.version for d in again} == {2} and farsta_again[0].version == 3
    assert notice_count(session) == before == 4


def test_the_next_tertials_styrkort_are_a_new_set(session, world, tmp_path):
    scorecards(world, session, tmp_path, world.t2)
    scorecards(world, session, tmp_path, world.t3)

    t3 = recorded(session, PUBLISHED, key="scorecard:program-mot-vald/2023-T3")
    assert set(t3) == {"ledning@example.se", "direktor@example.se", "farsta@example.se", "enskede@example.se"}
    assert notice_count(session) == 8


def test_one_organisations_styrkort_first_tells_its_contacts_and_leadership_waits_for_the_whole_tertial(
        session, world, tmp_path):
    [farsta_doc] = scorecards(world, session, tmp_path, world.t2, organisation=world.farsta)

    assert set(recorded(session, PUBLISHED)) == {"farsta@example.se"}

    documents = scorecards(world, session, tmp_path, world.t2)
    notices = recorded(session, PUBLISHED)
    assert set(notices) == {"farsta@example.se", "enskede@example.se", "ledning@example.se", "direktor@example.se"}
    reader_text = notices["ledning@example.se"].text_body
    assert link(by_org(documents, world.farsta)) in reader_text and link(by_org(documents, world.enskede)) in reader_text
    assert link(farsta_doc) in notices["farsta@example.se"].text_body  # told once, of the first version


def test_coordinators_admins_inactive_users_and_uninvolved_contacts_are_not_told(session, world, tmp_path):
    scorecards(world, session, tmp_path, world.t2)
    midterm(world, session, tmp_path, world.t2)

    told = set(recorded(session, PUBLISHED, key=T2_KEY)) | set(
        recorded(session, PUBLISHED, key="midterm:program-mot-vald/2023-T2"))
    assert not told & {"samordnare@example.se", "admin@example.se", "slutat@example.se", "farsta-slutat@example.se",
                       "utanfor@example.se"}


def test_a_halvtidsrapport_tells_the_readers_not_the_contacts(session, world, tmp_path):
    """Contacts get only their own styrkort from the archive, so they are not told of reports."""
    document = midterm(world, session, tmp_path, world.t2)

    notices = recorded(session, PUBLISHED, key="midterm:program-mot-vald/2023-T2")

    assert set(notices) == {"ledning@example.se", "direktor@example.se"}
    for notice in notices.values():
        assert notice.subject == "Ny halvtidsrapport: program-mot-vald, till och med Tertial 2 2023"
        assert link(document) in notice.text_body and link(document) in notice.html_body
    assert "Halvtidsrapporten för Program program-mot-vald, till och med Tertial 2 2023, finns nu i arkivet." in (
        notices["ledning@example.se"].text_body)
    midterm(world, session, tmp_path, world.t2)  # a new version: the same set
    assert notice_count(session) == 2


@pytest.mark.parametrize(("kind", "name", "key", "subject"), [
    (DocumentKind.annual, "arlig-sammanstallning-2023", "annual:program-mot-vald/2023-T3",
     "Ny årlig sammanställning: program-mot-vald, 2023"),
    (DocumentKind.final, "slutrapport", "final:program-mot-vald", "Ny slutrapport: program-mot-vald"),
])
def test_an_annual_compilation_and_a_final_report_are_announced_once(session, world, tmp_path, kind, name, key,
                                                                      subject):
    archived = Subject(kind, f"program-mot-vald/2023-T3/{name}", world.program.id, world.t3.id,
                       first_period_id=world.t2.id)

    def store() -> ArchivedDocument:
        return archive.store(session, tmp_path, subject=archived, rendered=fake_rendered(), generated_by_id=None,
                             generated_by_label="tracker")

    with world.app.app_context():
        first = store()
        assert publications.announce(session, [first]) == 2
        assert publications.announce(session, [store()]) == 0  # version 2: the same set

    notices = recorded(session, PUBLISHED, key=key)
    assert set(notices) == {"ledning@example.se", "direktor@example.se"}
    assert {n.subject for n in notices.values()} == {subject}
    assert all(link(first) in n.text_body for n in notices.values())


def test_an_opted_out_reader_has_the_notice_but_no_email(session, world, tmp_path):
    world.reader.publication_opt_out = True
    session.add(world.reader)
    session.commit()

    scorecards(world, session, tmp_path, world.t2)

    notices = recorded(session, PUBLISHED)
    assert notices["ledning@example.se"].email_state == EmailState.skipped
    assert notices["direktor@example.se"].email_state == EmailState.pending


def test_the_notices_are_emailed_over_smtp_and_their_links_open_the_documents(session, world, tmp_path, smtp_server,
                                                                              login):
    handler, controller = smtp_server
    world.app.config["SCORECARD_DIR"] = tmp_path
    documents = scorecards(world, session, tmp_path, world.t2)

    with world.app.app_context():
        summary = jobs.deliver_notifications(session, now=utcnow(),
                                             config={**world.app.config, "SMTP_HOST": controller.hostname,
                                                     "SMTP_PORT": controller.port, "SMTP_SECURITY": "none"})

    assert summary == "4 skickade, 0 misslyckade, 0 försöks igen."
    by_recipient = {tuple(r.recipients): r for r in handler.received}
    farsta_mail = by_recipient["farsta@example.se",]
    assert farsta_mail.message["Subject"] == "Nya styrkort: program-mot-vald, Tertial 2 2023"
    farsta_link = link(by_org(documents, world.farsta))
    assert f'<a href="{farsta_link}">' in farsta_mail.html and farsta_link in farsta_mail.text
    assert link(by_org(documents, world.enskede)) not in farsta_mail.html
    response = login(world.farsta_contact).get(farsta_link.removeprefix(BASE_URL))
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_a_failing_announcement_does_not_fail_the_generation_and_the_next_one_announces(session, world, tmp_path,
                                                                                        monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("mallen saknas")

    monkeypatch.setattr(publications, "render_email", broken)
    documents = scorecards(world, session, tmp_path, world.t2)
    assert len(documents) == 2 and notice_count(session) == 0
    assert session.exec(select(func.count()).select_from(ArchivedDocument)).one() == 2

    monkeypatch.undo()
    scorecards(world, session, tmp_path, world.t2)
    assert len(recorded(session, PUBLISHED, key=T2_KEY)) == 4


def test_announce_counts_what_it_recorded_and_ignores_funds_documents(session, world, tmp_path):
    documents = scorecards(world, session, tmp_path, world.t2)
    for notification in session.exec(select(Notification)).all():
        session.delete(notification)
    session.commit()

    with world.app.app_context():
        assert publications.announce(session, documents) == 4
        assert publications.announce(session, documents) == 0
        funds = ArchivedDocument(key="utvecklingsmedel/2025/sammanstallning", version=1,
                                 kind=DocumentKind.funds_compilation, fund_year_id=1, path="x", checksum="0" * 64,
                                 size_bytes=1, page_count=1, data_version="0" * 64, data_as_of=utc(2025, 1, 1),
                                 generated_by_label="test")
        assert publications.announce(session, [funds]) == 0


# The setting on Aviseringar

def test_a_reader_opts_out_of_publication_emails_and_it_is_audited(session, world, login):
    client = login(world.reader)

    page = client.get("/aviseringar/").get_data(as_text=True)
    assert 'id="publication_opt_out"' in page and 'aria-describedby="publication-hint"' in page

    response = client.post("/aviseringar/installningar", data={"publication_opt_out": "y"})

    assert response.status_code == 303
    page = client.get("/aviseringar/").get_data(as_text=True)
    assert "Du får inte längre e-post om nya styrkort och rapporter" in page
    assert "checked" in re.search(r'<input[^>]*id="publication_opt_out"[^>]*>', page).group(0)
    session.expire_all()
    user = session.get(User, world.reader.id)
    assert user.publication_opt_out is True and user.digest_opt_out is False
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "user.publication_opt_out")).all()
    assert event.actor_id == world.reader.id

    response = client.post("/aviseringar/installningar", data={},
                           headers={"HX-Request": "true", "HX-Target": "notification-settings"})
    assert "Du får e-post om nya styrkort och rapporter." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, world.reader.id).publication_opt_out is False
    assert len(session.exec(select(AuditEvent).where(AuditEvent.action == "user.publication_opt_out")).all()) == 2


def test_coordinators_have_no_publication_setting_to_change(session, world, login):
    assert 'id="publication_opt_out"' in login(world.farsta_contact).get("/aviseringar/").get_data(as_text=True)
    client = login(world.coordinator)

    assert 'id="publication_opt_out"' not in client.get("/aviseringar/").get_data(as_text=True)
    client.post("/aviseringar/installningar", data={"publication_opt_out": "y"})

    session.expire_all()
    assert session.get(User, world.coordinator.id).publication_opt_out is False
    assert not session.exec(select(AuditEvent).where(AuditEvent.action == "user.publication_opt_out")).all()


def test_an_anonymous_visitor_cannot_change_the_setting(session, world, client):
    response = client.post("/aviseringar/installningar", data={"publication_opt_out": "y"})

    assert response.status_code == 303 and response.headers["Location"].startswith("/login?next=")
    assert not session.exec(select(AuditEvent).where(AuditEvent.action == "user.publication_opt_out")).all()
