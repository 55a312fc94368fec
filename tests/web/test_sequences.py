"""Per-organisation number sequences never hand out the same number twice."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from fieldbook.core.models import Sequence


@pytest.mark.django_db
def test_numbers_follow_on_and_are_per_organisation(org_a, org_b):  # type: ignore[no-untyped-def]
    assert [Sequence.take(org_a, "job") for _ in range(3)] == [1, 2, 3]
    assert Sequence.take(org_a, "job", count=10) == 4
    assert Sequence.take(org_a, "job") == 14
    assert Sequence.take(org_b, "job") == 1
    assert Sequence.take(org_a, "service_invoice") == 1


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_takers_never_share_a_number(org_a):  # type: ignore[no-untyped-def]
    assert connection.vendor == "postgresql"
    taken: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(25):
                with transaction.atomic():
                    taken.append(Sequence.take(org_a, "job"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection: the test database can then be dropped

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(taken) == list(range(1, 101))
