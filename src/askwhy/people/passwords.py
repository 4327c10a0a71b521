"""Passwords, hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommendation)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
"""Shorter passwords are refused: length is what makes a password hard to guess."""


class WeakPassword(ValueError):
    """A password askwhy refuses to store."""


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def hash_password(password: str) -> str:
    """The argon2id hash to store; `WeakPassword` if it is too short."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher().hash(password)


def password_matches(*, password: str, stored: str | None) -> bool:
    """True when ``password`` is the one ``stored`` was made from (False for no stored hash)."""
    if not stored:
        # Spend the same time as a real check, so timing does not tell which accounts exist.
        _hasher().hash(password or "-")
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
