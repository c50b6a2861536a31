"""Recording notifications once, delivering them with retries, and the digest opt-out."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, func, select

from tracker.accounts.models import Role
from tracker.db import ENGINE_KEY
from tracker.notifications import service
from tracker.notifications.models import EmailState, Notification, NotificationKind

NOW = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)


def _notify(session, user, *, kind=NotificationKind.deadline_reminder, key="2025-T3:14d", subject="Påminnelse"):
    return service.notify(session, user=user, kind=kind, key=key, subject=subject,
                          text=f"Hej {user.name}, glöm inte åtagandena.", html="<p>Hej</p>")


def _count(session) -> int:
    return session.exec(select(func.count()).select_from(Notification)).one()


def _make_due(session):
    for notification in session.exec(select(Notification)).all():
        notification.next_attempt_at = NOW - timedelta(seconds=1)
    session.commit()


def _due(session, *users, **notify) -> list[Notification]:
    """One notification per user, recorded and already due for delivery."""
    notifications = [_notify(session, user, **notify) for user in users]
    session.commit()
    _make_due(session)
    return notifications


def test_notifying_twice_for_the_same_occasion_records_one(session, make_user):
    user = make_user(Role.contact)
    first = _notify(session, user)
    second = _notify(session, user)
    session.commit()
    assert first is not None and first.id is not None
    assert second is None
    assert _count(session) == 1


def test_a_second_run_in_another_session_records_nothing_more(app, session, make_user):
    user = make_user(Role.contact)
    _notify(session, user)
    session.commit()
    with Session(app.extensions[ENGINE_KEY]) as other:
        assert _notify(other, other.merge(user)) is None
        other.commit()
    assert _count(session) == 1


def test_the_same_kind_with_another_key_or_user_is_recorded(session, make_user):
    user, other = make_user(Role.contact), make_user(Role.contact)
    assert _notify(session, user) is not None
    assert _notify(session, user, key="2025-T3:1d") is not None
    assert _notify(session, other) is not None
    session.commit()
    assert _count(session) == 3


def test_delivery_sends_each_pending_once_even_when_run_again(session, make_user, recording_mailer):
    users = [make_user(Role.contact) for _ in range(3)]
    _due(session, *users)

    first = service.deliver_pending(session, recording_mailer, now=NOW)
    second = service.deliver_pending(session, recording_mailer, now=NOW + timedelta(days=1))

    assert first == service.DeliveryResult(sent=3, failed=0, retried=0)
    assert second == service.DeliveryResult()
    assert sorted(m["to"] for m in recording_mailer.sent) == sorted(u.email for u in users)
    states = session.exec(select(Notification.email_state, Notification.attempts)).all()
    assert all(state == EmailState.sent and attempts == 1 for state, attempts in states)


def test_a_run_stopped_midway_resumes_without_resending(session, make_user, recording_mailer):
    _due(session, *(make_user(Role.contact) for _ in range(3)))

    service.deliver_pending(session, recording_mailer, now=NOW, limit=1)  # the process "stops" after one
    service.deliver_pending(session, recording_mailer, now=NOW)

    assert len(recording_mailer.sent) == 3
    assert len({m["to"] for m in recording_mailer.sent}) == 3


def test_a_notification_claimed_by_another_run_is_not_sent_again(app, session, make_user, recording_mailer):
    [notification] = _due(session, make_user(Role.contact))
    with Session(app.extensions[ENGINE_KEY]) as other:
        assert service._claim(other, notification.id, NOW)  # the other run is sending it right now

    assert service.deliver_pending(session, recording_mailer, now=NOW) == service.DeliveryResult()
    assert recording_mailer.sent == []


def test_a_failure_is_retried_with_backoff_and_does_not_stop_the_others(session, make_user, recording_mailer):
    failing, fine = make_user(Role.contact), make_user(Role.contact)
    _due(session, failing, fine)
    recording_mailer.failing.add(failing.email)

    result = service.deliver_pending(session, recording_mailer, now=NOW)

    assert result == service.DeliveryResult(sent=1, failed=0, retried=1)
    assert [m["to"] for m in recording_mailer.sent] == [fine.email]
    record = session.exec(select(Notification).where(Notification.user_id == failing.id)).one()
    assert record.email_state == EmailState.pending
    assert record.attempts == 1
    assert record.next_attempt_at == NOW + timedelta(minutes=1)
    assert "ConnectionRefusedError" in record.last_error
    # Not due again before the back-off has passed.
    assert service.deliver_pending(session, recording_mailer, now=NOW + timedelta(seconds=59)) == service.DeliveryResult()


def test_backoff_grows_and_gives_up_after_five_attempts(session, make_user, recording_mailer):
    user = make_user(Role.contact)
    _due(session, user)
    recording_mailer.failing.add(user.email)
    now, waits = NOW, []
    for _attempt in range(5):
        result = service.deliver_pending(session, recording_mailer, now=now)
        record = session.exec(select(Notification)).one()
        if record.next_attempt_at:
            waits.append(record.next_attempt_at - now)
            now = record.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
    assert result == service.DeliveryResult(failed=1)
    assert (record.email_state, record.attempts, record.next_attempt_at) == (EmailState.failed, 5, None)
    assert service.deliver_pending(session, recording_mailer, now=now + timedelta(days=1)) == service.DeliveryResult()


def test_opted_out_user_gets_digests_recorded_but_not_emailed(session, make_user, recording_mailer):
    user = make_user(Role.coordinator)
    user.digest_opt_out = True
    session.add(user)
    session.commit()
    digest = _notify(session, user, kind=NotificationKind.weekly_digest, key="2025-W49")
    coordinator_digest = _notify(session, user, kind=NotificationKind.coordinator_overdue_digest, key="2025-T3")
    reminder = _notify(session, user, kind=NotificationKind.deadline_reminder)
    session.commit()
    _make_due(session)

    service.deliver_pending(session, recording_mailer, now=NOW)

    assert digest.email_state == coordinator_digest.email_state == EmailState.skipped
    assert reminder.email_state == EmailState.sent
    assert [m["subject"] for m in recording_mailer.sent] == ["Påminnelse"]


def test_a_user_who_did_not_opt_out_gets_digests(session, make_user, recording_mailer):
    _due(session, make_user(Role.coordinator), kind=NotificationKind.weekly_digest, key="2025-W49")
    assert service.deliver_pending(session, recording_mailer, now=NOW).sent == 1


def test_changing_the_opt_out_is_audited(session, make_user):
    from tracker.audit.models import AuditEvent

    user = make_user(Role.reader)
    assert service.set_digest_opt_out(session, user=user, opt_out=True, actor=user)
    assert not service.set_digest_opt_out(session, user=user, opt_out=True, actor=user)
    session.commit()
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "user.digest_opt_out")).all()
    assert [e.changes for e in events] == [{"before": {"digest_opt_out": False}, "after": {"digest_opt_out": True}}]


def test_deadline_reminder_email_lists_commitments_and_links_to_my_commitments(app, make_user):
    from types import SimpleNamespace

    period = SimpleNamespace(label="Tertial 3 2025", deadline=datetime(2026, 1, 15).date())
    commitments = [SimpleNamespace(title="Utbilda personal om våld", organisation="Farsta"),
                   SimpleNamespace(title="Stöd till våldsutsatta <äldre>", organisation="Enskede-Årsta-Vantör")]
    with app.app_context():
        app.config["BASE_URL"] = "https://tracker.stockholm.se"
        text, html = service.render_email("deadline_reminder", user=SimpleNamespace(name="Åsa Öberg"), period=period,
                                          commitments=commitments, days_left=14)
    assert "Hej Åsa Öberg!" in text
    assert "2026-01-15 (om 14 dagar)" in text
    assert "- Utbilda personal om våld (Farsta)" in text
    assert "- Stöd till våldsutsatta <äldre> (Enskede-Årsta-Vantör)" in text
    assert "https://tracker.stockholm.se/mina-ataganden" in text
    assert '<a href="https://tracker.stockholm.se/mina-ataganden">' in html
    assert "Stöd till våldsutsatta &lt;äldre&gt;" in html


def test_digest_email_renders_items_and_how_to_opt_out(app):
    from types import SimpleNamespace

    period = SimpleNamespace(label="Tertial 3 2025", code="2025-T3")
    with app.app_context():
        text, html = service.render_email("coordinator_overdue_digest", user=SimpleNamespace(name="Per"),
                                          period=period, deadline="31 januari", organisations=13,
                                          missing=[SimpleNamespace(name="Farsta", submitted=2, total=5)])
    assert "Hej Per!" in text and "- Farsta: 2 av 5 inlämnade" in text
    assert "/aviseringar/" in text and "<li>Farsta: 2 av 5 inlämnade</li>" in html
    assert "Med vänliga hälsningar" in text and "<title>Rapportering efter sista dag</title>" in html
