"""Name clashes, flagged on Compare before a sync rather than failing in it (issue 11).

A ledger may insist that customer names are unique (QuickBooks: DisplayName, across customers,
suppliers and employees). A customer of ours going up under a name another ledger customer
already has would be refused; when that ledger customer is one of ours (linked, or carrying our
marker), Compare says so, names both of our customers, and offers the fix the user can tick: a
unique ledger name with the account reference appended (Fieldbook keeps its own name)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, ClassVar, Protocol, TypeVar

from fieldbook.connectors.records import CustomerRecord
from fieldbook.sync.actions import Action, Side
from fieldbook.sync.store import Link, Record


class Compared(Protocol):
    """What this pass reads of compare.Compared (which imports this module): a dataclass."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    @property
    def local(self) -> Record | None: ...
    @property
    def action(self) -> Action: ...
    @property
    def link(self) -> Link | None: ...
    @property
    def needs_confirmation(self) -> bool: ...

    def changed(self, side: Side) -> tuple[str, ...]: ...


C = TypeVar("C", bound=Compared)


def clash_key(name: str) -> str:
    """Names as a ledger compares them for uniqueness: case and spacing do not make them differ."""
    return " ".join(name.split()).casefold()


def unique_ledger_name(name: str, number: str) -> str:
    return f"{' '.join(name.split())} ({number})"


def name_clashes(compared: list[C], ledger: Sequence[Record]) -> list[C]:
    owners = {c.link.ledger_id: c.link.local_number for c in compared if c.link is not None}
    taken: dict[str, list[CustomerRecord]] = {}
    for r in ledger:
        if isinstance(r, CustomerRecord) and r.name:
            taken.setdefault(clash_key(r.name), []).append(r)
    return [_flag(c, taken, owners) for c in compared]


def _flag(c: C, taken: dict[str, list[CustomerRecord]], owners: dict[str, str]) -> C:
    mine = c.local
    sending_name = c.action == Action.ADD or (c.action == Action.UPDATE and "name" in c.changed(Side.OURS))
    if not isinstance(mine, CustomerRecord) or not sending_name or c.needs_confirmation or not mine.name:
        return c
    own_id = c.link.ledger_id if c.link is not None else None
    others = [r for r in taken.get(clash_key(mine.name), []) if r.ledger_id != own_id]
    # An unlinked ledger customer of the same name that is not ours is a Link candidate instead.
    ours = [(owners.get(r.ledger_id or "") or r.number, r) for r in others if owners.get(r.ledger_id or "") or r.number]
    if not ours:
        return c
    owner, record = ours[0]
    rename = unique_ledger_name(mine.name, mine.number)
    reason = (
        f"Name clash: the ledger already has a customer named {record.name!r}, which is our customer {owner}. "
        f"Ledger names must be unique, so our customer {mine.number} cannot be sent as it is: rename "
        f"{mine.number} in Fieldbook, or tick below to send it to the ledger as {rename!r} (Fieldbook keeps "
        f"{mine.name!r})."
    )
    return replace(c, action=Action.CONFLICT, reason=reason, rename=rename)
