"""Admins invite users, set their organisations and deactivate them; all audited."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from tests.conftest import log_in
from tracker.accounts.models import Role, User, UserOrganisation
from tracker.audit.models import AuditEvent
from tracker.organisations.models import Organisation


@pytest.fixture
def admin(make_user, login, seeded):
    user = make_user(Role.admin, email="admin@example.se")
    login(user)
    return user


def _org(session, slug):
    return session.exec(select(Organisation).where(Organisation.slug == slug)).one()


def test_admin_invites_a_contact_who_sets_a_password_and_logs_in(client, session, admin):
    farsta = _org(session, "farsta")
    response = client.post("/admin/anvandare", data={
        "name": "Karin Kontakt", "email": "karin@example.se", "role": "contact", "organisations": [farsta.id]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    link = re.search(r'value="[^"]*?(/inbjudan/[^"]+)"', page).group(1)
    session.rollback()
    user = session.exec(select(User).where(User.email == "karin@example.se")).one()
    assert user.password_hash == "" and user.role == "contact"
    assert session.exec(select(UserOrganisation.organisation_id).where(UserOrganisation.user_id == user.id)).all() == [farsta.id]

    client.post("/logout")
    assert "Välj lösenord" in client.get(link).get_data(as_text=True)
    weak = client.post(link, data={"password": "1234567890", "confirm": "1234567890"})
    assert weak.status_code == 422
    assert re.search(r'id="password-error">Lösenordet är för lätt att gissa', weak.get_data(as_text=True))
    own_name = client.post(link, data={"password": "karinkontakt", "confirm": "karinkontakt"})
    assert own_name.status_code == 422 and "för lätt att gissa" in own_name.get_data(as_text=True)
    mismatch = client.post(link, data={"password": "ett-bra-lösenord", "confirm": "annat"})
    assert mismatch.status_code == 422 and "Lösenorden är inte lika." in mismatch.get_data(as_text=True)
    done = client.post(link, data={"password": "ett-bra-lösenord", "confirm": "ett-bra-lösenord"})
    assert done.status_code == 303
    assert client.get(link).status_code == 410  # single use
    login = client.post("/login", data={"email": "karin@example.se", "password": "ett-bra-lösenord"})
    assert login.status_code == 303
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.entity_type == "user")).all()
    assert "user.invited" in actions and "user.password_set" in actions


def test_tampered_invitation_is_refused(client):
    assert client.get("/inbjudan/abc.def.ghi").status_code == 410


@pytest.mark.parametrize(("data", "message"), [
    ({"name": "", "email": "a@example.se", "role": "reader"}, "Fältet måste fyllas i."),
    ({"name": "A", "email": "inte-en-adress", "role": "reader"}, "Ange en giltig e-postadress."),
    ({"name": "A", "email": "a@example.se", "role": "contact"}, "minst en organisation"),
    ({"name": "A", "email": "admin@example.se", "role": "reader"}, "finns redan"),
])
def test_invalid_invitation_shows_the_problem_beside_the_field(client, session, admin, data, message):
    before = session.exec(select(User)).all()
    response = client.post("/admin/anvandare", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    session.rollback()
    assert len(session.exec(select(User)).all()) == len(before)


def test_admin_changes_role_and_deactivates(client, session, admin, make_user):
    user = make_user(Role.reader, email="r@example.se")
    bromma = _org(session, "bromma")
    response = client.post(f"/admin/anvandare/{user.id}", data={
        "name": "Ny Kontakt", "email": "r@example.se", "role": "contact", "organisations": [bromma.id],
        "active": "y"})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(User, user.id).role == "contact"
    response = client.post(f"/admin/anvandare/{user.id}", data={
        "name": "Ny Kontakt", "email": "r@example.se", "role": "contact", "organisations": [bromma.id]})
    session.expire_all()
    assert session.get(User, user.id).active is False  # checkbox not sent = inactive
    other = client.application.test_client()
    log_in(other, session.get(User, user.id))
    assert other.get("/").status_code == 303  # deactivated: logged out
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "user.updated")
                         .order_by(AuditEvent.id.desc())).first()
    assert event.changes == {"before": {"active": True}, "after": {"active": False}}


def test_admin_cannot_lock_themselves_out(client, session, admin):
    response = client.post(f"/admin/anvandare/{admin.id}", data={
        "name": "Admin", "email": "admin@example.se", "role": "reader", "active": "y"})
    assert response.status_code == 422
    assert "din egen" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, admin.id).role == "admin"


def test_new_link_resets_a_forgotten_password(client, session, admin, make_user):
    user = make_user(Role.reader, email="r@example.se")
    fragment = client.post(f"/admin/anvandare/{user.id}/inbjudan", headers={"HX-Request": "true"})
    link = re.search(r'value="[^"]*?(/inbjudan/[^"]+)"', fragment.get_data(as_text=True)).group(1)
    weak = client.post(link, data={"password": "1234567890", "confirm": "1234567890"})
    assert weak.status_code == 422 and "för lätt att gissa" in weak.get_data(as_text=True)
    assert client.post(link, data={"password": "nytt-lösenord-1", "confirm": "nytt-lösenord-1"}).status_code == 303
    assert client.get(link).status_code == 410


def test_invitation_links_use_the_configured_address_never_the_host_header(app, client, admin, make_user):
    app.config["BASE_URL"] = "https://tracker.stockholm.se"
    evil = {"Host": "evil.example"}
    client.set_cookie("session", client.get_cookie("session").value, domain="evil.example")  # still the admin
    response = client.post("/admin/anvandare", data={"name": "Ny", "email": "ny@example.se", "role": "reader"},
                           headers=evil)
    links = re.findall(r'id="invitation-url" type="text" readonly value="([^"]+)"', response.get_data(as_text=True))
    user = make_user(Role.reader, email="r@example.se")
    fragment = client.post(f"/admin/anvandare/{user.id}/inbjudan", headers={**evil, "HX-Request": "true"})
    links += re.findall(r'id="invitation-url" type="text" readonly value="([^"]+)"', fragment.get_data(as_text=True))
    assert len(links) == 2
    assert all(link.startswith("https://tracker.stockholm.se/inbjudan/") for link in links), links
