"""Creating users and checking passwords (argon2)."""
from __future__ import annotations

from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from tracker.accounts.models import Role, User, UserCreate, UserOrganisation
from tracker.audit import service as audit
from tracker.organisations.models import Organisation

_hasher = PasswordHasher()


class AccountError(Exception):
    """Input that cannot become an account; the message is for the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def get_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(
    session: Session, *, data: UserCreate, org_slugs: list[str] | tuple[str, ...] = (), actor: Any = None
) -> User:
    """Create an account; a contact must report for at least one organisation."""
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
