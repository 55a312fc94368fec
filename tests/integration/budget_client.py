"""A separate process reading one company's customers as fast as its limiter lets it: run by
test_shared_budget.py as `python -m tests.integration.budget_client CONNECTION_ID START THREADS ROUNDS`.
Prints its first and last call times (epoch seconds) as JSON."""

from __future__ import annotations

import json
import os
import sys
import threading
import time


def main(connection_id: int, start_at: float, threads: int, rounds: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbook.settings")
    django.setup()
    from django.db import connections

    from fieldbook.integration import ledgers
    from fieldbook.integration.models import Connection

    connection = Connection.objects.select_related("organisation").get(pk=connection_id)
    connections.close_all()
    times: list[float] = []

    def work() -> None:
        try:
            with ledgers.background(), ledgers.http_client() as client:
                connector = ledgers.connector_for(connection, client=client)
                for _ in range(rounds):
                    times.append(time.time())
                    connector.customers()  # two queries (active, inactive)
        finally:
            connections.close_all()

    time.sleep(max(0.0, start_at - time.time()))  # both processes start together
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(json.dumps({"first": min(times), "last": max(times), "calls": 2 * threads * rounds}))


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
