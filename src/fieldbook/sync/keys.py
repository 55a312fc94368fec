"""Deterministic identifiers for runs, steps and compared records.

A step's id is part of every request key (`connectors.base.request_key`), so it must be the same
in every process that ever handles the run: a resumed run re-renders nothing, and a step that
has to be prepared again after a crash gets the same key for the same body.
"""

from __future__ import annotations

from fieldbook.connectors.base import RecordKind

# The prefix for compared records that exist only in the ledger (customers down, no reference).
LEDGER_PREFIX = "ledger:"


def step_id(run: str, kind: RecordKind, number: str) -> str:
    """`<run>:<kind>:<number>`: readable in the journal, unique within a run."""
    return f"{run}:{kind.value}:{number}"


def compared_key(local_number: str | None, ledger_id: str | None) -> str:
    """How the user's selection names a compared record: our number when we have the record,
    otherwise the ledger's id (a ledger customer we have never seen)."""
    if local_number:
        return local_number
    return f"{LEDGER_PREFIX}{ledger_id or ''}"
