"""Single sign-on: who a verified identity from the company's provider may sign in as.

The provider has proved who the person is (the ID token is checked before this is called); this
decides whether that person gets a workspace session: the e-mail must be verified and in an allowed
domain, the account must exist and be enabled, or be created when the team has chosen so. The
first sign-in links the account to the provider's subject (``sub``, the one stable name OpenID
Connect gives a person); from then on the subject finds the account, and another subject with the
same address (an address given to someone new) is refused until an admin unlinks it. Every answer,
yes or no, is written to the audit log in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from askwhy.domain.people import Role
from askwhy.people import accounts
from askwhy.store import people as queries
from askwhy.store.people_tables import Person


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a checked ID token says about the person."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool | None
    name: str | None


@dataclass(frozen=True)
class AccountPolicy:
    """Who may sign in through the provider, and whether a first sign-in creates an account."""

    allowed_domains: tuple[str, ...]
    create_accounts: bool
    new_account_role: Role
    trust_unverified_email: bool


class SignInRefused(Exception):
    """The provider vouched for the person, but askwhy does not let them in; ``reason`` is for them."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def sign_in_with_identity(
    *, session: Session, identity: VerifiedIdentity, policy: AccountPolicy, now: datetime
) -> accounts.SignedIn:
    """The session for a verified identity; `SignInRefused` (recorded in the audit log) when refused."""
    try:
        email = _usable_email(identity, policy)
        person = queries.person_for_identity(
            session=session, issuer=identity.issuer, subject=identity.subject
        )
        if person is None:
            person = _account_to_link(session, identity, policy, email=email, now=now)
        if person.disabled_at is not None:
            raise SignInRefused(
                f"The askwhy account for {person.email} is disabled. Ask an admin if you need it again.",
                code="disabled",
            )
        if queries.linked_subject(session=session, person_id=person.id, issuer=identity.issuer) is None:
            queries.link_identity(
                session=session, person_id=person.id, issuer=identity.issuer, subject=identity.subject, at=now
            )
    except SignInRefused as refused:
        queries.record(
            session=session, at=now, person_id=None, action="sign_in.refused", target=None,
            detail={"how": "oidc", "reason": refused.code, "email_hash": _hash(identity.email or "")},
        )  # fmt: skip
        raise
    person.last_sign_in_at = now
    queries.record(
        session=session, at=now, person_id=person.id, action="sign_in", target=None,
        detail={"how": "oidc", "issuer": identity.issuer},
    )  # fmt: skip
    return accounts.SignedIn(person_id=person.id, session_version=person.session_version)


def record_failure(*, session: Session, code: str, now: datetime) -> None:
    """A sign-in that failed before anyone was known (the provider refused, or its token did not
    pass the checks), so the audit log shows attempts as well as sign-ins."""
    queries.record(
        session=session, at=now, person_id=None, action="sign_in.refused", target=None,
        detail={"how": "oidc", "reason": code},
    )  # fmt: skip


def _usable_email(identity: VerifiedIdentity, policy: AccountPolicy) -> str:
    email = (identity.email or "").strip().lower()
    if "@" not in email:
        raise SignInRefused(
            "The identity provider did not say which e-mail address you use, so askwhy cannot find "
            "your account. Ask your IT team to release the e-mail claim to askwhy.",
            code="no_email",
        )
    if identity.email_verified is not True and not policy.trust_unverified_email:
        raise SignInRefused(
            f"The identity provider has not verified {email}. Verify it there, then sign in again.",
            code="unverified_email",
        )
    domain = email.rsplit("@", 1)[1]
    if policy.allowed_domains and domain not in policy.allowed_domains:
        raise SignInRefused(
            f"Addresses at {domain} may not sign in to this workspace.", code="domain_not_allowed"
        )
    return email


def unlink(*, session: Session, email: str, now: datetime, by: str | None = None) -> int:
    """Forget the single sign-on identities of an account (when its address has changed hands at the
    provider): the next person to sign in with the address is linked to it, and its sessions end."""
    person = queries.person_by_email(session=session, email=email)
    if person is None:
        raise accounts.AccountError(f"no account for {email.strip().lower()}")
    removed = queries.unlink_identities(session=session, person_id=person.id)
    person.session_version += 1
    queries.record(
        session=session, at=now, person_id=by, action="account.identities_unlinked", target=person.id,
        detail={"identities": removed},
    )  # fmt: skip
    return removed


def _account_to_link(
    session: Session, identity: VerifiedIdentity, policy: AccountPolicy, *, email: str, now: datetime
) -> Person:
    """The account with the address, unless it belongs to another person at this provider."""
    person = queries.person_by_email(session=session, email=email)
    if person is None:
        return _new_account(session, identity, policy, email=email, now=now)
    if queries.linked_subject(session=session, person_id=person.id, issuer=identity.issuer) is not None:
        raise SignInRefused(
            f"The askwhy account for {email} belongs to another person at the identity provider. If the "
            f"address has changed hands, an admin can release it (askwhy users unlink-sso {email}).",
            code="other_identity",
        )
    return person


def _new_account(
    session: Session, identity: VerifiedIdentity, policy: AccountPolicy, *, email: str, now: datetime
) -> Person:
    if not policy.create_accounts:
        raise SignInRefused(
            f"There is no askwhy account for {email}. Ask an admin to create one "
            "(askwhy users create), then sign in again.",
            code="no_account",
        )
    try:
        return accounts.create_person(
            session=session, email=email, name=(identity.name or "").strip()[:200],
            role=policy.new_account_role, now=now,
        )  # fmt: skip
    except accounts.AccountError as error:
        raise SignInRefused(
            f"askwhy cannot make an account for this address: {error}.", code="bad_email"
        ) from None


def _hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]
