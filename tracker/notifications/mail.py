"""Sending email: over SMTP in production, to an outbox folder (and the log) in development."""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)
SECURITY_CHOICES = ("starttls", "tls", "none")
SMTP_TIMEOUT = 30  # seconds; a stuck server must not hold the job forever


class Mailer(Protocol):
    sender: str

    def send(self, *, to: str, subject: str, text: str, html: str) -> str:
        """Send one message; return its Message-ID. Raises on failure."""


def build_message(*, sender: str, to: str, subject: str, text: str, html: str) -> EmailMessage:
    """A UTF-8 message with a plain-text part and an HTML alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # Python 3.11 drops the space between two encoded words when it folds a long non-ASCII
    # header (CPython gh-144156): leave headers unfolded (RFC 5322 allows 998 characters).
    message.policy = message.policy.clone(max_line_length=998)
    return message


def _domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip(" >") or "tracker.local"


@dataclass
class SmtpMailer:
    host: str
    port: int = 587
    security: str = "starttls"
    user: str | None = None
    password: str | None = None
    sender: str = "tracker <noreply@stockholm.se>"

    def __post_init__(self) -> None:
        if self.security not in SECURITY_CHOICES:
            raise ValueError(f"TRACKER_SMTP_SECURITY must be one of {', '.join(SECURITY_CHOICES)}")

    def send(self, *, to: str, subject: str, text: str, html: str) -> str:
        message = build_message(sender=self.sender, to=to, subject=subject, text=text, html=html)
        context = ssl.create_default_context()
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(message)
        return message["Message-ID"]


@dataclass
class OutboxMailer:
    """Development: each message becomes an .eml file in `directory`, and a line in the log."""

    directory: Path
    sender: str = "tracker <noreply@stockholm.se>"

    def send(self, *, to: str, subject: str, text: str, html: str) -> str:
        message = build_message(sender=self.sender, to=to, subject=subject, text=text, html=html)
        directory = Path(self.directory)
        directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("/", "_").replace("@", "_at_") + ".eml"
        # Written beside its final name and renamed: a reader never sees half a message.
        with tempfile.NamedTemporaryFile("wb", dir=directory, suffix=".tmp", delete=False) as handle:
            handle.write(message.as_bytes())
            temporary = Path(handle.name)
        os.replace(temporary, directory / name)
        log.info("E-post till %s: %s (sparat som %s)", to, subject, directory / name)
        return message["Message-ID"]


def mailer_from_config(config) -> Mailer:
    """SMTP when TRACKER_SMTP_HOST is set; otherwise the outbox folder."""
    sender = config["MAIL_SENDER"]
    if config.get("SMTP_HOST"):
        return SmtpMailer(host=config["SMTP_HOST"], port=int(config["SMTP_PORT"]), security=config["SMTP_SECURITY"],
                          user=config.get("SMTP_USER") or None, password=config.get("SMTP_PASSWORD") or None,
                          sender=sender)
    return OutboxMailer(directory=Path(config["OUTBOX_DIR"]), sender=sender)
