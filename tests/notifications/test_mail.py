"""Email through a real local SMTP server, retries when it refuses, and the development outbox."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlmodel import select

from tests.smtp import free_port
from tracker.accounts.models import Role
from tracker.notifications import service
from tracker.notifications.mail import OutboxMailer, SmtpMailer, mailer_from_config
from tracker.notifications.models import EmailState, Notification, NotificationKind

NOW = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)


def _pending(session, user, subject="Påminnelse: rapportera före den 15 januari"):
    service.notify(session, user=user, kind=NotificationKind.deadline_reminder, key="2025-T3:14d", subject=subject,
                   text="Hej Åsa!\n\nTvå åtaganden är inte rapporterade än: våld i nära relationer.",
                   html="<p>Hej Åsa!</p><p>Två åtaganden är inte rapporterade än.</p>")
    session.commit()
    for notification in session.exec(select(Notification)).all():
        notification.next_attempt_at = NOW
    session.commit()


def test_delivery_reaches_the_smtp_server_with_recipient_subject_and_body(session, make_user, smtp_server,
                                                                          smtp_mailer):
    handler, _controller = smtp_server
    user = make_user(Role.contact, email="åsa.oberg@example.se")
    _pending(session, user)

    result = service.deliver_pending(session, smtp_mailer, now=NOW)

    assert result.sent == 1
    [received] = handler.received
    assert received.recipients == ["åsa.oberg@example.se"]
    assert received.message["Subject"] == "Påminnelse: rapportera före den 15 januari"
    assert received.message["From"] == "tracker <noreply@stockholm.se>"
    assert received.message["Message-ID"] and received.message["Date"]
    assert "Två åtaganden är inte rapporterade än: våld i nära relationer." in received.text
    assert "<p>Två åtaganden är inte rapporterade än.</p>" in received.html


def test_a_refused_recipient_is_retried_later_and_the_next_one_still_gets_mail(session, make_user, smtp_server,
                                                                              smtp_mailer):
    handler, _controller = smtp_server
    refused, fine = make_user(Role.contact), make_user(Role.contact)
    handler.refuse.add(refused.email)
    for user in (refused, fine):
        _pending(session, user)

    result = service.deliver_pending(session, smtp_mailer, now=NOW)

    assert result == service.DeliveryResult(sent=1, failed=0, retried=1)
    assert [r.recipients for r in handler.received] == [[fine.email]]
    record = session.exec(select(Notification).where(Notification.user_id == refused.id)).one()
    assert (record.email_state, record.attempts) == (EmailState.pending, 1)
    assert record.next_attempt_at == NOW + timedelta(minutes=1)
    assert "451" in record.last_error

    handler.refuse.clear()  # the server has recovered
    assert service.deliver_pending(session, smtp_mailer, now=NOW + timedelta(minutes=1)).sent == 1
    assert [r.recipients for r in handler.received] == [[fine.email], [refused.email]]


def test_an_unreachable_server_is_recorded_as_a_failed_attempt(session, make_user):
    user = make_user(Role.contact)
    _pending(session, user)
    closed = SmtpMailer(host="127.0.0.1", port=free_port(), security="none")

    assert service.deliver_pending(session, closed, now=NOW).retried == 1
    record = session.exec(select(Notification)).one()
    assert record.attempts == 1 and "ConnectionRefusedError" in record.last_error


def test_outbox_writes_each_message_as_an_eml_file(tmp_path, session, make_user, caplog):
    user = make_user(Role.contact, email="per@example.se")
    _pending(session, user)
    outbox = OutboxMailer(directory=tmp_path / "outbox")

    with caplog.at_level("INFO", logger="tracker.notifications.mail"):
        assert service.deliver_pending(session, outbox, now=NOW).sent == 1

    [path] = list((tmp_path / "outbox").iterdir())
    assert path.suffix == ".eml"
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "per@example.se"
    assert message["Subject"] == "Påminnelse: rapportera före den 15 januari"
    assert "våld i nära relationer" in message.get_body(("plain",)).get_content()
    assert "per@example.se" in caplog.text and "Påminnelse" in caplog.text


def test_mailer_from_config_uses_the_outbox_without_an_smtp_host(app):
    mailer = mailer_from_config(app.config)
    assert isinstance(mailer, OutboxMailer)
    assert Path(mailer.directory) == Path(app.instance_path) / "outbox"


def test_mailer_from_config_uses_smtp_when_a_host_is_set(app):
    config = {**app.config, "SMTP_HOST": "smtp.stockholm.se", "SMTP_PORT": 465, "SMTP_SECURITY": "tls",
              "SMTP_USER": "tracker", "SMTP_PASSWORD": "hemligt"}
    mailer = mailer_from_config(config)
    assert isinstance(mailer, SmtpMailer)
    assert (mailer.host, mailer.port, mailer.security, mailer.user) == ("smtp.stockholm.se", 465, "tls", "tracker")


def test_an_unknown_security_setting_is_refused():
    with pytest.raises(ValueError, match="TRACKER_SMTP_SECURITY"):
        SmtpMailer(host="smtp.example.se", security="ssl")
