"""The Sage sandbox's rate budget (ref §9: 60 calls a minute per business by default, settable,
relaxed like QBO's) and its HTTP faults, on the virtual clock."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from fieldbook.sandbox import Sandbox
from fieldbook.sandbox.app import RELAXED_FACTOR
from fieldbook.sandbox.common.clock import VirtualClock
from fieldbook.sandbox.sage.control import CLIENT_ID, CLIENT_SECRET
from tests.sandbox.sage_helpers import Sage, codes, contact_body

THROTTLED = [{"$severity": "error", "$dataCode": "TooManyRequests",
              "$message": "Too many requests: the rate limit was exceeded", "$source": ""}]


@pytest.fixture
def sage(sandbox: Sandbox) -> Iterator[Sage]:
    client = Sage(sandbox)
    yield client
    client.http.close()


def spend(sage: Sage, calls: int, **kwargs: str) -> list[int]:
    return [sage.get("tax_rates", **kwargs).status_code for _ in range(calls)]


def test_60_calls_a_minute_then_429_with_the_error_array(sage: Sage) -> None:
    assert spend(sage, 60) == [200] * 60
    refused = sage.get("tax_rates")
    assert (refused.status_code, refused.json()) == (429, THROTTLED)
    assert refused.headers.get("retry-after") is None  # UNCONFIRMED for Sage: not sent by default


def test_the_window_reopens_exactly_60_seconds_after_the_first_call(sage: Sage, clock: VirtualClock) -> None:
    assert spend(sage, 1) == [200]
    clock.advance(30)
    assert spend(sage, 59) == [200] * 59
    clock.advance(29.9)
    assert spend(sage, 1) == [429]  # 59.9 s after the first call
    clock.advance(0.1)
    assert spend(sage, 2) == [200, 429]  # at 60 s the first call leaves the window, one slot only


def test_refused_calls_do_not_use_the_budget(sage: Sage, clock: VirtualClock) -> None:
    spend(sage, 60)
    assert spend(sage, 5) == [429] * 5
    clock.advance(60)
    assert spend(sage, 60) == [200] * 60


def test_the_budget_is_per_business(sandbox: Sandbox, sage: Sage) -> None:
    other = sandbox.sage.seed_business(name="Bayside")
    spend(sage, 60)
    assert spend(sage, 1, business=other) == [200]
    assert spend(sage, 1) == [429]


def test_writes_and_idempotent_replays_count(sage: Sage) -> None:
    body = {"contact": contact_body(idempotency_id="a" * 32)}
    assert [sage.post("contacts", body).status_code for _ in range(60)] == [201] * 60
    assert codes(sage.post("contacts", body)) == ["TooManyRequests"]


def test_token_calls_are_outside_the_api_budget(sandbox: Sandbox, sage: Sage) -> None:
    spend(sage, 60)
    reply = sage.http.post("/sage/token", data={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                                "grant_type": "refresh_token",
                                                "refresh_token": sage.tokens["refresh_token"]})
    assert reply.status_code == 200


def test_the_budget_is_settable_in_process_and_over_http(sandbox: Sandbox, sage: Sage) -> None:
    sandbox.sage.set_rate_limit(5)
    assert spend(sage, 6) == [200] * 5 + [429]
    with httpx.Client(transport=sandbox.transport(), base_url="http://sandbox.test") as http:
        assert http.post("/control/sage/set_rate_limit", json={"per_minute": 7}).status_code == 200
        assert http.post("/control/sage/set_rate_limit", json={"per_minute": 0}).status_code == 409
    assert sandbox.sage_limits.per_minute == 7
    assert spend(sage, 3) == [200, 200, 429]


def test_relaxed_multiplies_the_budget_as_for_quickbooks() -> None:
    sandbox = Sandbox(clock=VirtualClock(), relaxed_limits=True)
    sage = Sage(sandbox)
    assert sandbox.sage_limits.per_minute * sandbox.sage_limits.factor == 60 * RELAXED_FACTOR
    assert spend(sage, 61) == [200] * 61


def test_throttle_fault_with_retry_after(sandbox: Sandbox, sage: Sage) -> None:
    sandbox.faults.add(ledger="sage", kind="throttle", retry_after=7)
    reply = sage.get("tax_rates")
    assert (reply.status_code, reply.headers["retry-after"], reply.json()) == (429, "7", THROTTLED)


@pytest.mark.parametrize(("kind", "status", "code"), [("http_500", 500, "InternalServerError"),
                                                      ("http_503", 503, "ServiceUnavailable")])
def test_server_faults_commit_nothing(sandbox: Sandbox, sage: Sage, kind: str, status: int, code: str) -> None:
    sandbox.faults.add(ledger="sage", kind=kind, match="/contacts")
    reply = sage.post("contacts", {"contact": contact_body()})
    assert (reply.status_code, codes(reply)) == (status, [code])
    assert sage.get("contacts").json()["$total"] == 0


def test_commit_then_drop_commits_and_an_idempotent_retry_finds_it(sandbox: Sandbox, sage: Sage) -> None:
    body = {"contact": contact_body(idempotency_id="b" * 32)}
    sandbox.faults.add(ledger="sage", kind="commit_then_drop", match="POST /sage/v3.1/contacts")
    with pytest.raises(httpx.ReadTimeout):
        sage.post("contacts", body)
    retried = sage.post("contacts", body)
    assert retried.status_code == 201
    assert sage.get("contacts").json()["$total"] == 1
