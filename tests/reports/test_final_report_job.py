"""The close-of-programme job: once the programme mot våld's last tertial has closed (on the seed, 2025-T3), every
active coordinator is told once that its final report can be generated; Bryt upp (to 2026) is not offered yet."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from tracker.accounts.models import Role
from tracker.archive import generation
from tracker.archive.models import DocumentKind
from tracker.notifications.models import Notification, NotificationKind
from tracker.programs.models import Program
from tracker.reports import service
from tracker.reports.jobs import offer_final_reports, programmes_due

SLUG = "program-mot-vald-2021-2025"
NOW = datetime(2026, 12, 2, 0, 40, tzinfo=UTC)


def _notices(session) -> list[Notification]:
    session.expire_all()
    return list(session.exec(select(Notification).where(Notification.kind == NotificationKind.final_report_due)
                             .order_by(Notification.user_id)))


def test_each_active_coordinator_is_told_once(app, seeded, make_user):
    first, second = make_user(Role.coordinator), make_user(Role.coordinator)
    make_user(Role.coordinator, active=False)
    make_user(Role.reader)
    with app.app_context():
        summary = offer_final_reports(seeded, now=NOW, config=app.config)
        again = offer_final_reports(seeded, now=NOW, config=app.config)
    assert summary == "Slutrapport kan skapas – Program mot våld 2021–2025: 2 aviseringar registrerade."
    assert again == "Slutrapport kan skapas – Program mot våld 2021–2025: samordnarna har redan fått aviseringen."
    notices = _notices(seeded)
    assert [(n.user_id, n.key) for n in notices] == [(first.id, SLUG), (second.id, SLUG)]
    assert notices[0].subject == "Slutrapporten för Program mot våld 2021–2025 kan skapas"
    text = notices[0].text_body
    assert "programmets sista tertial, Tertial 3 2025, är stängd" in text
    assert f"/rapporter/{SLUG}/slutrapport" in text and "/arkiv/generera" in text
    assert f'/rapporter/{SLUG}/slutrapport">' in notices[0].html_body


def test_a_programme_that_has_not_ended_is_not_offered(seeded):
    assert [program.slug for program, _last in programmes_due(seeded)] == [SLUG]


def test_nothing_is_offered_once_the_final_report_is_archived(app, seeded, make_user, tmp_path):
    program = seeded.exec(select(Program).where(Program.slug == SLUG)).one()
    first, last = service.final_range(seeded, program)
    subject = generation.report_subject(kind=DocumentKind.final, program=program, first=first, last=last)
    with app.app_context():
        generation.generate(seeded, Path(tmp_path), [subject], generated_by_id=None, generated_by_label="test")
        make_user(Role.coordinator)
        summary = offer_final_reports(seeded, now=NOW, config=app.config)
    assert summary == "Inget program väntar på sin slutrapport."
    assert _notices(seeded) == []


def test_without_coordinators_the_summary_says_so(app, seeded):
    with app.app_context():
        summary = offer_final_reports(seeded, now=NOW, config=app.config)
    assert summary.endswith("ingen aktiv samordnare att avisera.")
