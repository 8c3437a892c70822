"""Passwords are argon2id hashes, weak ones are refused with the reason, generated ones are good."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from firegrid.accounts.passwords import (
    MIN_LENGTH,
    check_password_policy,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from firegrid.errors import InvalidInputError


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_password("Fire-station-7"), hash_password("Fire-station-7")
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt every time
    assert "Fire-station-7" not in first
    assert verify_password("Fire-station-7", first)
    assert not verify_password("fire-station-7", first)
    assert not needs_rehash(first)


def test_malformed_hash_does_not_verify_or_raise() -> None:
    assert not verify_password("anything-at-all", "not-a-hash")
    assert needs_rehash("not-a-hash")


def test_hash_made_with_old_parameters_needs_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("Fire-station-7")
    assert verify_password("Fire-station-7", old)
    assert needs_rehash(old)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Ab1!", f"too short: 4 characters, at least {MIN_LENGTH}"),
        ("abcdefghijkl", "too simple"),
        ("ABCDEFGHIJKL", "too simple"),
        ("123456789012", "too simple"),
        ("消防救援消防救援消防救援", "too simple"),
        ("x" * 1025 + "1", "too long"),
        ("my-alice-password", "must not contain the username 'alice'"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password: str, reason: str) -> None:
    with pytest.raises(InvalidInputError, match=reason) as info:
        check_password_policy(password, username="alice")
    assert password not in str(info.value)  # never echoed back


@pytest.mark.parametrize(
    "password", ["correct horse battery", "Firegrid2024", "消防站 7 号 ok long", "ten-chars1"]
)
def test_reasonable_passwords_and_passphrases_pass(password: str) -> None:
    check_password_policy(password, username="alice")


def test_generated_passwords_are_readable_random_and_pass_the_policy() -> None:
    passwords = {generate_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == 19
        assert not set(password) & set("0o1liI")  # no look-alike characters
        check_password_policy(password)
