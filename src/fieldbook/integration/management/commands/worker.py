"""`fieldbook worker`: django-tasks-db's database worker plus the sweeper (integration/sweeper.py)
in a thread beside it. `--once` sweeps once, works the queue until it is empty and exits (cron,
tests). Every option of `db_worker` is accepted."""

from __future__ import annotations

import os
import threading
from argparse import ArgumentParser
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from fieldbook.integration import sweeper


class Command(DbWorkerCommand):
    help = "Run the background worker (django-tasks-db) and the sweeper that resumes stalled sync runs."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--once", action="store_true",
                            help="Sweep once, run every queued task, then exit.")  # fmt: skip
        parser.add_argument("--sweep-seconds", type=float, default=None,
                            help="Seconds between sweeps (default: settings.FIELDBOOK_SWEEP_SECONDS, 60).")  # fmt: skip

    def handle(self, *args: Any, **opts: Any) -> None:
        self.configure_logging(opts["verbosity"])
        once = opts["once"]
        every = opts["sweep_seconds"] if opts["sweep_seconds"] is not None else sweeper.sweep_seconds()
        queue_names = opts["queue_name"].split(",")
        excluded = opts["exclude_queues"].split(",") if opts["exclude_queues"] else []
        worker = Worker(
            queue_names=queue_names, interval=opts["interval"], batch=once or opts["batch"],
            backend_name=opts["backend_name"], startup_delay=opts["startup_delay"] and not once,
            max_tasks=opts["max_tasks"], worker_id=opts["worker_id"], excluded_queue_names=excluded,
        )  # fmt: skip
        if once:
            report = sweeper.sweep_once()
            self.stdout.write(f"Sweep: resumed {len(report.resumed)} run(s), refreshed {len(report.refreshed)} "
                              f"connection(s), {len(report.reconnect)} need reconnecting.")  # fmt: skip
            worker.run()
            return
        if opts["reload"] and not opts["batch"]:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process works
            run_with_reloader(lambda: self._serve(worker, every))
            return
        worker.configure_signals()
        self._serve(worker, every)

    def _serve(self, worker: Worker, every: float) -> None:
        stop = threading.Event()
        thread = threading.Thread(target=sweeper.sweep_forever, args=(stop, every), name="fieldbook-sweeper",
                                  daemon=True)  # fmt: skip
        thread.start()
        try:
            worker.run()
        finally:
            stop.set()
            thread.join(timeout=30)
