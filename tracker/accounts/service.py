"""Creating users and checking passwords (argon2, and zxcvbn for how guessable a new one is)."""
from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Iterable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlmodel import Session, select
from zxcvbn import zxcvbn

from tracker.accounts import sessions
from tracker.accounts.models import Role, User, UserCreate, UserOrganisation
from tracker.audit import service as audit
from tracker.clock import utcnow
from tracker.organisations.models import Organisation

_hasher = PasswordHasher()
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0–4; 3 is "safely unguessable" for an online attack
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; the first 72 characters are scored
# Words an attacker here would try first, besides the person's own name and email.
CONTEXT_WORDS = ("tracker", "stockholm", "stockholms", "stad", "socialförvaltningen", "våld", "program")


class AccountError(Exception):
    """Input that cannot become an account; the message is for the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    return _verify(user.password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    """Check a password; without a hash (no account, or invited) a dummy is checked, so it takes as long."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def password_is_guessable(password: str, *, user_inputs: Iterable[str] = ()) -> bool:
    """Whether zxcvbn scores the password below MIN_PASSWORD_SCORE, knowing the person's name and email."""
    words = [*CONTEXT_WORDS]
    for text in user_inputs:
        words += [text, *(part for part in re.split(r"[\W_]+", text) if len(part) > 2)]
    return zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)["score"] < MIN_PASSWORD_SCORE


def get_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(
    session: Session, *, data: UserCreate, org_slugs: list[str] | tuple[str, ...] = (), actor: Any = None
) -> User:
    """Create an account; a contact must report for at least one organisation.

    Used by the CLI (`tracker create-user`), whose output is not translated: these messages stay Swedish.
    """
    email = data.email.strip().lower()
    if get_by_email(session, email) is not None:
        raise AccountError(f"Det finns redan en användare med e-post {email}.")
    orgs = []
    for slug in org_slugs:
        org = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
        if org is None:
            raise AccountError(f"Okänd organisation: {slug}")
        orgs.append(org)
    if data.role == Role.contact and not orgs:
        raise AccountError("En kontaktperson måste kopplas till minst en organisation (--org).")
    if data.role != Role.contact and orgs:
        raise AccountError("Bara kontaktpersoner kopplas till organisationer.")
    if password_is_guessable(data.password, user_inputs=(email, data.name)):
        raise AccountError("Lösenordet är för lätt att gissa. Välj ett längre, gärna några ord som inte hör ihop.")
    user = User(email=email, name=data.name, role=data.role, password_hash=hash_password(data.password))
    session.add(user)
    session.flush()
    for org in orgs:
        session.add(UserOrganisation(user_id=user.id, organisation_id=org.id))
    audit.record(
        session, actor=actor, action="user.created", entity=user,
        after={"email": email, "name": data.name, "role": data.role, "organisations": [o.slug for o in orgs]},
    )
    return user


def organisations_of(session: Session, user: User) -> list[Organisation]:
    return list(
        session.exec(
            select(Organisation).join(UserOrganisation)
            .where(UserOrganisation.user_id == user.id).order_by(Organisation.name)
        )
    )


def organisation_ids(session: Session, user: User) -> list[int]:
    return list(session.exec(
        select(UserOrganisation.organisation_id).where(UserOrganisation.user_id == user.id)
    ))


INVITATION_MAX_AGE = 7 * 24 * 3600


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """Return the active user with these credentials, recording the login.

    Exactly one hash is checked whoever the email belongs to, so the time taken does not tell.
    """
    user = get_by_email(session, email)
    usable = user is not None and user.active
    if not _verify(user.password_hash if usable else "", password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    return user


def invitation_token(user: User, secret_key: str) -> str:
    """A link token that sets the password once: it binds the current password hash."""
    return _serializer(secret_key).dumps({"u": user.id, "h": user.password_hash[-16:]})


def user_for_invitation(session: Session, token: str, secret_key: str) -> User | None:
    """The user a still-valid, unused invitation token is for, else None."""
    try:
        data = _serializer(secret_key).loads(token, max_age=INVITATION_MAX_AGE)
    except BadData:
        return None
    user = session.get(User, data.get("u"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("h"):
        return None
    return user


def set_password(session: Session, *, user: User, password: str, actor: Any) -> None:
    """Set a new password (invitation, reset or change); every session of the user ends."""
    if not 10 <= len(password) <= 200:
        raise AccountError(_("Lösenordet ska ha 10–200 tecken."))
    if password_is_guessable(password, user_inputs=(user.email, user.name)):
        raise AccountError(_("Lösenordet är för lätt att gissa. Välj ett längre, gärna några ord som inte hör ihop."))
    user.password_hash = hash_password(password)
    session.add(user)
    sessions.end_all(session, user_id=user.id, reason=sessions.EndReason.password, now=utcnow())
    audit.record(session, actor=actor, action="user.password_set", entity=user)


def invite_user(
    session: Session, *, email: str, name: str, role: Role, org_ids: list[int], actor: Any
) -> User:
    """Create an account without a password; the invitation link sets it."""
    email = email.strip().lower()
    if get_by_email(session, email) is not None:
        raise AccountError(_("Det finns redan en användare med e-post %(email)s.", email=email))
    user = User(email=email, name=name, role=role, password_hash="")
    session.add(user)
    session.flush()
    _set_organisations(session, user, org_ids)
    audit.record(session, actor=actor, action="user.invited", entity=user,
                 after={"email": email, "name": name, "role": role, "organisations": org_ids})
    return user


def update_user(
    session: Session, *, user: User, name: str, email: str, role: Role, org_ids: list[int],
    active: bool, actor: Any,
) -> None:
    """Change a user's details, role, organisations or active state (audited)."""
    email = email.strip().lower()
    other = get_by_email(session, email)
    if other is not None and other.id != user.id:
        raise AccountError(_("Det finns redan en användare med e-post %(email)s.", email=email))
    if actor is not None and actor.id == user.id and (not active or role != Role.admin):
        raise AccountError(_("Du kan inte ta bort din egen administratörsbehörighet eller inaktivera dig själv."))
    before = {"name": user.name, "email": user.email, "role": user.role, "active": user.active,
              "organisations": sorted(organisation_ids(session, user))}
    user.name, user.email, user.role, user.active = name, email, role, active
    session.add(user)
    _set_organisations(session, user, org_ids)
    after = {"name": name, "email": email, "role": role, "active": active, "organisations": sorted(org_ids)}
    old, new = audit.diff(before, after)
    if new:
        audit.record(session, actor=actor, action="user.updated", entity=user, before=old, after=new)
    if new.keys() & {"role", "organisations", "active"}:
        # What a session may do was decided at login: start again with the new access.
        sessions.end_all(session, user_id=user.id, reason=sessions.EndReason.access, now=utcnow())


def _set_organisations(session: Session, user: User, org_ids: list[int]) -> None:
    current = set(organisation_ids(session, user))
    wanted = set(org_ids)
    for org_id in current - wanted:
        session.delete(session.get(UserOrganisation, (user.id, org_id)))
    for org_id in wanted - current:
        if session.get(Organisation, org_id) is None:
            raise AccountError(_("Okänd organisation: %(organisation)s", organisation=org_id))
        session.add(UserOrganisation(user_id=user.id, organisation_id=org_id))
    session.flush()


def list_users(session: Session) -> list[tuple[User, list[Organisation]]]:
    """Every user with their organisations (two queries)."""
    users = session.exec(select(User).order_by(User.active.desc(), User.name)).all()
    links = session.exec(select(UserOrganisation.user_id, Organisation).join(Organisation)).all()
    orgs: dict[int, list[Organisation]] = {}
    for user_id, org in links:
        orgs.setdefault(user_id, []).append(org)
    return [(u, sorted(orgs.get(u.id, []), key=lambda o: o.name)) for u in users]


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="tracker-invitation")


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the users who saved or submitted reports."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.exec(select(User.id, User.name).where(User.id.in_(wanted))).all())
