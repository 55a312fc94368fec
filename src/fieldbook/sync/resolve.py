"""Settling what a send left unclear, by asking the ledger rather than by writing again.

- Uncertain outcome (timeout, reset, a crash after sending): look every open member up by our
  number; our marker means it committed (created/updated), a foreign record is a conflict for
  the user, nothing found means the journalled request is resent unchanged.
- Duplicate number / name on create: the same lookup; ours means an earlier try committed.
- Stale version: re-read the record; if only our side changed since the last sync, the step is
  re-planned on the new version and sent again, otherwise it is a conflict for the user.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Protocol, TypeVar

from fieldbook.connectors.base import Connector, Operation
from fieldbook.connectors.errors import DuplicateName, LedgerError, NotFound
from fieldbook.connectors.records import LedgerState
from fieldbook.sync.normalise import field_label, field_values
from fieldbook.sync.store import Outcome, OutcomeStatus, PlannedStep, Record, StepRow, SyncStore

T = TypeVar("T")


class _Options(Protocol):
    @property
    def max_replans(self) -> int: ...


class Engine(Protocol):
    """What the resolver asks of the engine (sync.apply.Engine), which owns it: a protocol, so
    this module does not import the engine back."""

    store: SyncStore
    connector: Connector
    connection_id: str
    run_id: str
    rows: dict[str, StepRow]

    @property
    def options(self) -> _Options: ...

    def retrying(self, call: Callable[[], T]) -> T: ...

    def succeed(
        self, planned: PlannedStep, status: OutcomeStatus, ledger: Record, ledger_id: str = "",
        ledger_number: str = "", version: str | None = None, *, ledger_copy: bool = False,
    ) -> None: ...

    def fail(self, planned: PlannedStep, e: LedgerError, *, fix: str = "") -> None: ...

    def finish(self, planned: PlannedStep, outcome: Outcome) -> None: ...


def _gone(record: Record) -> bool:
    return record.state in (LedgerState.VOIDED, LedgerState.DELETED)


class Resolver:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._replans: Counter[str] = Counter()

    def replanned(self, step_id: str) -> bool:
        return step_id in self._replans

    def by_lookup(self, steps: list[PlannedStep]) -> None:
        engine = self.engine
        for planned in steps:
            found = engine.retrying(partial(engine.connector.lookup, planned.step))
            if found is None or (planned.step.operation == Operation.CREATE and _gone(found.record)):
                continue  # our voided or deleted copy is not the one this create made
            if not found.mine:
                engine.finish(planned, self._foreign(planned))
            elif planned.step.operation == Operation.CREATE:
                engine.succeed(planned, OutcomeStatus.CREATED, found.record, ledger_copy=True)
            elif field_values(found.record) == field_values(planned.step.record):
                engine.succeed(planned, OutcomeStatus.UPDATED, found.record, ledger_copy=True)
            # An update not visible yet stays open: resending it is safe (same key, same version).

    def duplicate(self, planned: PlannedStep, error: LedgerError) -> None:
        engine = self.engine
        found = engine.retrying(lambda: engine.connector.lookup(planned.step))
        if found is not None and found.mine and _gone(found.record):
            # A record sent again after it was voided (flags set again): the ledger keeps the
            # voided copy under the same number and refuses a second one.
            words = found.record.state.value
            message = (f"The ledger keeps our {words} {planned.step.kind.value} {planned.local_number} under this "
                       "number and refuses a second one.")  # fmt: skip
            fix = f"Delete the {words} copy in the ledger, then sync this again."
            engine.finish(planned, Outcome(OutcomeStatus.FAILED, code=error.code, message=message, fix=fix))
        elif found is not None and found.mine:
            engine.succeed(planned, OutcomeStatus.CREATED, found.record, ledger_copy=True)
        elif found is not None and isinstance(error, DuplicateName):
            engine.finish(planned, self._name_taken(planned, error, found.record))
        elif found is not None:
            engine.finish(planned, self._foreign(planned, error))
        else:
            engine.fail(planned, error, fix="Rename the record in Fieldbook or in the ledger, then sync again.")

    def _name_taken(self, planned: PlannedStep, error: LedgerError, holder: Record) -> Outcome:
        """The clash is the name, and the record holding it may well be one of ours."""
        name = getattr(holder, "name", "") or getattr(planned.step.record, "name", "")
        whose = f"our customer {holder.number}" if holder.number else "a customer Fieldbook did not create"
        return Outcome(
            OutcomeStatus.CONFLICT,
            code=error.code,
            message=f"The ledger already has a customer named {name!r}: {whose}. Names must be unique there, "
            f"so our customer {planned.local_number} was not created.",
            fix=f"Rename {planned.local_number} in Fieldbook, or compare again and tick the unique ledger name "
            "offered for it.",
        )

    def _foreign(self, planned: PlannedStep, error: LedgerError | None = None) -> Outcome:
        kind = planned.step.kind.value
        if isinstance(error, DuplicateName):
            fix = "Link ours to it from Compare (if it is the same one), or rename ours."
        else:
            fix = f"Check the ledger's {kind}: link it from Compare if it is the same one, or renumber ours."
        return Outcome(
            OutcomeStatus.CONFLICT,
            code=error.code if error else "",
            message=f"The ledger already has a {kind} {planned.local_number} that Fieldbook did not create.",
            fix=fix,
        )

    def stale(self, planned: PlannedStep, replans: list[PlannedStep]) -> None:
        """Someone saved the ledger record since we read it."""
        engine = self.engine
        step = planned.step
        if step.operation != Operation.UPDATE or not step.record.ledger_id:
            engine.fail(planned, LedgerError("The ledger reported a conflict on a new record."))
            return
        ledger_id = step.record.ledger_id
        try:
            fresh = engine.retrying(lambda: engine.connector.read(step.kind, ledger_id))
        except NotFound as e:
            engine.fail(planned, e, fix="It was deleted in the ledger; compare again.")
            return
        if field_values(fresh) == field_values(step.record):
            # Our own earlier try landed; the "stale" version is the one it produced.
            engine.succeed(planned, OutcomeStatus.UPDATED, fresh, ledger_copy=True)
            return
        link = engine.store.link(engine.connection_id, step.kind, planned.local_number)
        theirs = field_values(fresh)
        changed = [name for name, value in theirs.items() if link is None or link.ledger_values.get(name) != value]
        if changed or self._replans[planned.id] >= engine.options.max_replans:
            what = ", ".join(field_label(name) for name in changed) or "it"
            engine.finish(
                planned,
                Outcome(
                    OutcomeStatus.CONFLICT,
                    code="stale",
                    message=f"Changed in the ledger while we were sending ({what}).",
                    fix="Compare again and choose which side to keep.",
                ),
            )
            return
        self._replans[planned.id] += 1
        renewed = replace(planned, step=replace(step, record=replace(step.record, version=fresh.version)))
        engine.store.replace_step(engine.run_id, renewed)
        engine.rows[planned.id].planned = renewed
        replans.append(renewed)
