"""Password hashing (argon2id), the password policy and generated passwords.

Policy (:func:`check_password_policy`), kept deliberately short so that operators can remember
it and long passphrases are welcome:

* at least :data:`MIN_LENGTH` (10) and at most :data:`MAX_LENGTH` (1024) characters;
* characters from at least two of four classes — lower-case letters, upper-case letters,
  digits, anything else (punctuation, spaces, Chinese characters …);
* not containing the username (case-insensitive), when one is given.

Hashes are argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile); when those
defaults change, :func:`needs_rehash` says so and the login re-hashes the password.
"""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from firegrid.errors import InvalidInputError

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "check_password_policy",
    "dummy_verify",
    "generate_password",
    "hash_password",
    "needs_rehash",
    "verify_password",
]

MIN_LENGTH = 10
#: Longer inputs are refused so that hashing cannot be used to burn CPU.
MAX_LENGTH = 1024

_HASHER = PasswordHasher(type=Type.ID)

# Generated passwords: lower-case letters and digits without look-alikes (0/o, 1/l/i), in
# dash-separated groups — easy to read out over a radio or type from a printout.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_GROUPS = 4
_GROUP_LEN = 4


def _classes(password: str) -> set[str]:
    found: set[str] = set()
    for ch in password:
        if ch.isdigit():
            found.add("digit")
        elif ch.isupper():
            found.add("upper")
        elif ch.islower():
            found.add("lower")
        else:
            found.add("other")
    return found


def check_password_policy(password: str, *, username: str | None = None) -> None:
    """Raise :class:`InvalidInputError` saying why ``password`` is too weak (never echoing it)."""
    if len(password) < MIN_LENGTH:
        raise InvalidInputError(
            f"password too short: {len(password)} characters, at least {MIN_LENGTH} required"
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInputError(
            f"password too long: {len(password)} characters, at most {MAX_LENGTH} allowed"
        )
    if len(_classes(password)) < 2:
        raise InvalidInputError(
            "password too simple: use at least two of lower-case letters, upper-case letters, "
            "digits and other characters"
        )
    if username and username.lower() in password.lower():
        raise InvalidInputError(f"password must not contain the username {username!r}")


def hash_password(password: str) -> str:
    """Hash ``password`` with argon2id (the policy is checked by the caller, not here)."""
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (constant-time; a malformed hash is False).

    Call :func:`needs_rehash` after a successful check to upgrade hashes made with older
    parameters.
    """
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether ``password_hash`` was made with other parameters than the current ones."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


@cache
def _dummy_hash() -> str:
    return _HASHER.hash(secrets.token_urlsafe(16))


def dummy_verify(password: str) -> None:
    """Spend the time of a real verification, so unknown usernames can't be told by timing."""
    verify_password(password, _dummy_hash())


def generate_password() -> str:
    """A random, readable password such as ``k7mq-x3vr-9tpa-bnwe`` (≈79 bits; passes the policy)."""
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(_GROUP_LEN)) for _ in range(_GROUPS))
    return "-".join(groups)
