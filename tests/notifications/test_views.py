"""Aviseringar: each user sees only their own notices, reading one marks it read, the digest opt-out."""
from __future__ import annotations

import re

from sqlmodel import select

from tracker.accounts.models import Role, User
from tracker.audit.models import AuditEvent
from tracker.notifications import service
from tracker.notifications.models import Notification, NotificationKind


def _notice(session, user, *, subject="Påminnelse om tertial 3", key="2025-T3:14d",
            kind=NotificationKind.deadline_reminder) -> Notification:
    notification = service.notify(session, user=user, kind=kind, key=key, subject=subject,
                                  text="Hej!\n\nRapportera åtagandena <snart>.", html="<p>Hej!</p>")
    session.commit()
    return notification


def test_the_list_shows_own_notices_newest_first_with_unread_in_text(session, make_user, login):
    user, other = make_user(Role.contact), make_user(Role.contact)
    _notice(session, user, subject="Första påminnelsen", key="a")
    _notice(session, user, subject="Andra påminnelsen", key="b")
    _notice(session, other, subject="Någon annans avisering", key="a")

    page = login(user).get("/aviseringar/").get_data(as_text=True)

    assert page.index("Andra påminnelsen") < page.index("Första påminnelsen")
    assert "Någon annans avisering" not in page
    assert page.count("Oläst:") == 2
    assert "Väntar" in page


def test_every_role_has_aviseringar_in_the_menu(session, make_user, login):
    for role in Role:
        page = login(make_user(role)).get("/aviseringar/").get_data(as_text=True)
        assert 'href="/aviseringar/"' in page, role


def test_opening_a_notice_shows_it_and_marks_it_read(session, make_user, login):
    user = make_user(Role.reader)
    notification = _notice(session, user)
    client = login(user)

    page = client.get(f"/aviseringar/{notification.id}").get_data(as_text=True)

    assert "Påminnelse om tertial 3" in page
    assert "Rapportera åtagandena &lt;snart&gt;." in page
    session.expire_all()
    assert session.get(Notification, notification.id).read_at is not None
    assert "Oläst:" not in client.get("/aviseringar/").get_data(as_text=True)


def test_another_users_notice_is_not_found(session, make_user, login):
    owner, other = make_user(Role.contact), make_user(Role.coordinator)
    notification = _notice(session, owner)

    assert login(other).get(f"/aviseringar/{notification.id}").status_code == 404
    session.expire_all()
    assert session.get(Notification, notification.id).read_at is None


def test_opting_out_of_digests_by_plain_post_is_saved_and_audited(session, make_user, login):
    user = make_user(Role.coordinator)
    client = login(user)

    response = client.post("/aviseringar/installningar", data={"digest_opt_out": "y"})

    assert response.status_code == 303 and response.headers["Location"].endswith("/aviseringar/")
    page = client.get("/aviseringar/").get_data(as_text=True)
    assert "Du får inte längre sammanställningar med e-post" in page
    assert "checked" in re.search(r'<input[^>]*id="digest_opt_out"[^>]*>', page).group(0)
    session.expire_all()
    assert session.get(User, user.id).digest_opt_out is True
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "user.digest_opt_out")).one().actor_id == user.id


def test_opting_in_again_with_htmx_returns_the_settings_region(session, make_user, login):
    user = make_user(Role.contact)
    user.digest_opt_out = True
    session.add(user)
    session.commit()

    response = login(user).post("/aviseringar/installningar", data={},
                                headers={"HX-Request": "true", "HX-Target": "notification-settings"})

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="notification-settings"')
    assert "<html" not in body
    assert "Du får sammanställningar med e-post." in body
    session.expire_all()
    assert session.get(User, user.id).digest_opt_out is False


def test_the_settings_apply_only_to_the_logged_in_user(session, make_user, login):
    user, other = make_user(Role.contact), make_user(Role.contact)
    login(user).post("/aviseringar/installningar", data={"digest_opt_out": "y", "user_id": str(other.id)})
    session.expire_all()
    assert session.get(User, other.id).digest_opt_out is False
    assert session.get(User, user.id).digest_opt_out is True


def test_a_skipped_digest_is_shown_as_not_sent(session, make_user, login):
    user = make_user(Role.coordinator)
    user.digest_opt_out = True
    session.add(user)
    session.commit()
    _notice(session, user, subject="Veckans sammanställning", kind=NotificationKind.weekly_digest, key="2025-W49")

    page = login(user).get("/aviseringar/").get_data(as_text=True)
    assert "Ej skickad (avregistrerad)" in page
