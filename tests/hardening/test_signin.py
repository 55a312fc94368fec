"""Sign-in throttling counts a username and an address together (issue 18, Sign-in)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
LOCKED = "Too many failed sign-in attempts"


def test_wrong_passwords_for_random_usernames_lock_nobody_else_out(alice, settings):  # type: ignore[no-untyped-def]
    client = Client()  # every request comes from 127.0.0.1: one address, as behind a NAT
    for n in range(settings.LOGIN_MAX_ATTEMPTS * 2):
        client.post(reverse("login"), {"username": f"random{n}", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": "correct horse battery"})
    assert response.status_code == 302


def test_the_same_username_and_address_are_locked(alice, settings):  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(settings.LOGIN_MAX_ATTEMPTS):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": "correct horse battery"})
    assert LOCKED in response.content.decode()
    # From another address the same user still signs in: nobody can lock a user out from afar.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert other.post(reverse("login"), {"username": "alice", "password": "correct horse battery"}).status_code == 302


def test_an_address_throttle_refuses_wrong_passwords_but_lets_a_correct_one_in(alice, settings):  # type: ignore[no-untyped-def]
    settings.LOGIN_MAX_ATTEMPTS_PER_ADDRESS = 8
    client = Client()
    for n in range(8):
        client.post(reverse("login"), {"username": f"guess{n}", "password": "wrong"})
    assert LOCKED in client.post(reverse("login"), {"username": "alice", "password": "wrong"}).content.decode()
    response = client.post(reverse("login"), {"username": "alice", "password": "correct horse battery"})
    assert response.status_code == 302
