"""Notification fixtures: mailers for the real local SMTP server (tests/smtp.py) and one that records."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tracker.notifications.mail import SmtpMailer


@pytest.fixture
def smtp_mailer(smtp_server) -> SmtpMailer:
    _handler, controller = smtp_server
    return SmtpMailer(host=controller.hostname, port=controller.port, security="none",
                      sender="tracker <noreply@stockholm.se>")


@dataclass
class RecordingMailer:
    """Records what it would send; raises for the addresses in `failing`."""

    sender: str = "tracker <noreply@stockholm.se>"
    sent: list[dict] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)

    def send(self, *, to: str, subject: str, text: str, html: str) -> str:
        if to in self.failing:
            raise ConnectionRefusedError(f"kan inte nå servern för {to}")
        self.sent.append({"to": to, "subject": subject, "text": text, "html": html})
        return f"<{len(self.sent)}@test>"


@pytest.fixture
def recording_mailer() -> RecordingMailer:
    return RecordingMailer()
