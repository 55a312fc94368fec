"""Compare: what a transfer would do to each record, before anything happens.

Each record is paired with its counterpart (a stored link first, then strong keys: our marker,
the reference/number, an email unique on both sides; a name-only match is a candidate the user
confirms), then classified. Changes are judged per side against the values stored at the last
sync, so "who changed what" never depends on the two systems rendering a field the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from fieldbook.connectors.base import RecordKind, marker
from fieldbook.connectors.records import CustomerRecord, InvoiceRecord, LedgerState, Totals
from fieldbook.sync.actions import Action, Side
from fieldbook.sync.clash import name_clashes
from fieldbook.sync.keys import compared_key
from fieldbook.sync.limits import Limits, limit_problem
from fieldbook.sync.normalise import field_label, field_values
from fieldbook.sync.pairing import Pair, name_candidates, pair_records
from fieldbook.sync.store import Link, Record, Transfer

CENT = Decimal("0.01")


@dataclass(frozen=True)
class FieldChange:
    field: str
    ours: str
    theirs: str
    changed_by: frozenset[Side] = frozenset()  # empty: a difference, not a change since a sync
    conflict: bool = False  # both sides changed it, to different values


@dataclass(frozen=True)
class TotalsCheck:
    """Our totals beside the ledger's prediction for the same invoice."""

    ours: Totals
    theirs: Totals | None  # None: the ledger computes tax itself
    limit: str = ""  # an amount beyond what every ledger accepts (sync.limits), naming the limit

    @property
    def difference(self) -> Decimal:
        return Decimal(0) if self.theirs is None else self.theirs.total - self.ours.total

    @property
    def differs(self) -> bool:
        if self.theirs is None:
            return False
        pairs = ((self.ours.net, self.theirs.net), (self.ours.tax, self.theirs.tax))
        return abs(self.difference) >= CENT or any(abs(a - b) >= CENT for a, b in pairs)

    @property
    def note(self) -> str:
        if self.theirs is None:
            return "The ledger computes tax: its totals may differ from ours."
        if self.differs:
            return (
                f"The ledger will compute a total of {self.theirs.total} (tax {self.theirs.tax}); "
                f"ours is {self.ours.total} (tax {self.ours.tax})."
            )
        return ""

    @property
    def ledger_form(self) -> str:
        """How the invoice will look in the ledger where it is not line for line (a credit)."""
        return self.theirs.note if self.theirs is not None else ""

    @property
    def problem(self) -> str:
        """Why the ledger cannot take the invoice as it stands: never sent, whatever is ticked."""
        if self.limit:
            return self.limit
        return self.theirs.problem if self.theirs is not None else ""

    @property
    def warning(self) -> str:
        """What the user must accept knowingly before it is sent ('' = nothing)."""
        if self.problem:
            return ""
        if self.ours.total == 0:
            return (f"This invoice totals {self.ours.total:.2f}: nothing is owed on it. It is sent only if you tick "
                    f"“Send anyway”.")
        if self.differs:
            return f"{self.note} It is sent only if you tick “Send anyway”."
        return ""


@dataclass(frozen=True)
class Compared:
    key: str  # how the selection names it: our number, or "ledger:<id>"
    kind: RecordKind
    action: Action
    reason: str  # why it matched and why it is classified so, as a sentence
    local: Record | None = None
    ledger: Record | None = None
    link: Link | None = None
    changes: tuple[FieldChange, ...] = ()
    needs_confirmation: bool = False  # a name-only Link candidate
    candidates: tuple[Record, ...] = ()  # several name matches (a Conflict)
    state: LedgerState | None = None
    totals: TotalsCheck | None = None
    rename: str = ""  # a name clash: the unique ledger name Fieldbook offers to send instead
    resend: bool = False  # its flags were set again: ours is sent even if unchanged

    def changed(self, side: Side) -> tuple[str, ...]:
        return tuple(c.field for c in self.changes if side in c.changed_by)


@dataclass(frozen=True)
class Absent:
    """Our records that exist but are not compared, by number: merged duplicates (their target's
    number) and customers not flagged "integrate with accounts". A link to one of them is
    shown for what it is, never as a record to re-create."""

    merged: Mapping[str, str] = field(default_factory=dict)
    not_integrated: frozenset[str] = frozenset()


_STATE_WORDS = {
    LedgerState.INACTIVE: "inactive",
    LedgerState.ARCHIVED: "archived",
    LedgerState.MERGED: "merged into another record",
    LedgerState.DELETED: "deleted",
    LedgerState.VOIDED: "voided",
    LedgerState.PAID: "paid",
    LedgerState.PART_PAID: "part paid",
}


def _renumbered(p: Pair) -> tuple[FieldChange, ...]:
    """Our record's number changed since the ledger last received it (the link followed the
    record): an Update that sends the new number, never a new record."""
    assert p.link is not None and p.local is not None
    synced = p.link.synced_number
    if not synced or synced == p.local.number:
        return ()
    return (FieldChange("number", p.local.number, synced, frozenset({Side.OURS})),)


def _diff_against_last_sync(p: Pair) -> tuple[FieldChange, ...]:
    assert p.link is not None and p.local is not None
    ours = field_values(p.local)
    same_version = p.ledger is None or (bool(p.ledger.version) and p.ledger.version == p.link.ledger_version)
    renumbered = _renumbered(p)
    if same_version and all(value == p.link.local_values.get(name) for name, value in ours.items()):
        return renumbered  # otherwise unchanged (most linked records): no need to render the ledger's
    theirs = field_values(p.ledger) if p.ledger is not None else dict(p.link.ledger_values)
    changes = []
    for name, value in ours.items():
        by = set()
        if value != p.link.local_values.get(name):
            by.add(Side.OURS)
        if not same_version and theirs.get(name, "") != p.link.ledger_values.get(name):
            by.add(Side.THEIRS)
        if by:
            conflict = len(by) == 2 and value != theirs.get(name, "")
            changes.append(FieldChange(name, value, theirs.get(name, ""), frozenset(by), conflict))
    return renumbered + tuple(changes)


def _differences(mine: Record | None, theirs: Record | None) -> tuple[FieldChange, ...]:
    ours = field_values(mine) if mine is not None else {}
    other = field_values(theirs) if theirs is not None else {}
    names = list(ours) or list(other)
    return tuple(
        FieldChange(n, ours.get(n, ""), other.get(n, "")) for n in names if ours.get(n, "") != other.get(n, "")
    )


def _fields(changes: Sequence[FieldChange]) -> str:
    return ", ".join(field_label(c.field) for c in changes)


def _absent(base: Compared, p: Pair, absent: Absent) -> Compared | None:
    """A link (or our marker) whose record of ours is merged or left out of integration (None:
    really gone)."""
    if base.kind != RecordKind.CUSTOMER:
        return None
    number = p.link.local_number if p.link is not None else p.absent_number
    target = absent.merged.get(number)
    if target is not None:
        merged = f"{p.reason} Our customer {number} was merged into {target}; its later invoices go to {target}."
        if p.ledger is not None and p.ledger.state == LedgerState.ACTIVE:
            return replace(base, action=Action.MERGED, reason=f"{merged} Select it to make this ledger record "
                           "inactive (nothing is deleted).")  # fmt: skip
        words = _STATE_WORDS.get(p.ledger.state, "") if p.ledger is not None else ""
        return replace(base, action=Action.UNCHANGED, reason=f"{merged} It is {words} in the ledger.")
    if number in absent.not_integrated:
        reason = f"{p.reason} Our customer {number} is not flagged to integrate with accounts: left as it is."
        return replace(base, action=Action.UNCHANGED, reason=reason)
    return None


def _mark_absent(pairs: list[Pair], org_slug: str, absent: Absent) -> None:
    """A ledger customer nobody linked but carrying our marker for a merged or not-integrated
    customer is that customer's, not a new one to download."""
    for p in pairs:
        theirs = p.ledger
        if p.link is not None or p.local is not None or theirs is None or not theirs.number:
            continue
        known = theirs.number in absent.merged or theirs.number in absent.not_integrated
        if known and theirs.marker == marker(org_slug, theirs.number):
            p.absent_number = theirs.number
            p.reason = f"The ledger record carries our marker {theirs.marker}."


def _flagged_again(base: Compared, p: Pair, complete: bool) -> Compared | None:
    """Our record's flags were set again after its transfer (the user's guide: "to force an
    entry ... set the Flags"). Gone from the ledger (deleted, or voided): an Add that says so,
    sent only if the user selects it. Otherwise None (an Update re-sends the current version)."""
    assert p.link is not None and p.local is not None
    if p.ledger is None and not complete:
        return None
    state = p.ledger.state if p.ledger is not None else LedgerState.DELETED
    if state not in (LedgerState.DELETED, LedgerState.VOIDED):
        return None
    reason = (f"{p.reason} It was {_STATE_WORDS[state]} in the ledger, and its flags were set again: "
              "selecting it sends it as a new record.")  # fmt: skip
    return replace(base, action=Action.ADD, state=state, resend=True, changes=(), reason=reason.strip())


def _voided_here(base: Compared, p: Pair, complete: bool) -> Compared:
    """Our invoice was voided in Fieldbook: void it in the ledger too, if it is there and can be."""
    if p.link is None:
        return replace(base, action=Action.UNCHANGED, reason="Voided in Fieldbook and never transferred.")
    state = p.ledger.state if p.ledger is not None else (LedgerState.DELETED if complete else LedgerState.ACTIVE)
    if state in (LedgerState.VOIDED, LedgerState.DELETED):
        reason = f"{p.reason} Voided in Fieldbook and {_STATE_WORDS[state]} in the ledger: nothing to do."
        return replace(base, action=Action.UNCHANGED, reason=reason)
    if state != LedgerState.ACTIVE:
        reason = (f"{p.reason} Voided in Fieldbook, but it is {_STATE_WORDS.get(state, state.value)} in the "
                  "ledger: it is not voided there (remove the payment in the ledger first).")  # fmt: skip
        return replace(base, action=Action.LEDGER_STATE, state=state, reason=reason)
    reason = (f"{p.reason} Voided in Fieldbook: tick it to void it in the ledger at this sync (the ledger keeps "
              "it, with its amounts zeroed).")  # fmt: skip
    return replace(base, action=Action.VOID, reason=reason)


def _classify(p: Pair, kind: RecordKind, up: bool, complete: bool, absent: Absent,
              resend: bool = False) -> Compared:  # fmt: skip
    key = compared_key(
        p.local.number if p.local else (p.link.local_number if p.link else None),
        p.ledger.ledger_id if p.ledger else None,
    )
    base = Compared(key, kind, Action.UNCHANGED, "", local=p.local, ledger=p.ledger, link=p.link)
    here, there = ("Fieldbook", "the ledger") if up else ("the ledger", "Fieldbook")
    if up and isinstance(p.local, InvoiceRecord) and p.local.state == LedgerState.VOIDED:
        return _voided_here(base, p, complete)
    if p.link is not None:
        again = _flagged_again(base, p, complete) if resend and p.local is not None else None
        if again is not None:
            return again
        if p.ledger is None and complete:
            return replace(
                base,
                action=Action.LEDGER_STATE,
                state=LedgerState.DELETED,
                reason=f"{p.reason} It is no longer in the ledger: it will not be re-created.",
            )
        if p.local is None:
            shown = _absent(base, p, absent)
            if shown is not None:
                return shown
            return replace(
                base,
                action=Action.ADD,
                changes=_differences(None, p.ledger),
                reason=f"{p.reason} Our {kind.value} {p.link.local_number} no longer exists.",
            )
        if p.ledger is not None and p.ledger.state != LedgerState.ACTIVE:
            return _ledger_state(base, p)
        changes = _diff_against_last_sync(p)
        conflicts = [c for c in changes if c.conflict]
        if conflicts:
            return replace(
                base,
                action=Action.CONFLICT,
                changes=changes,
                reason=f"{p.reason} Changed on both sides since then: {_fields(conflicts)}.",
            )
        if not changes and resend:
            reason = f"{p.reason} No change since, but its flags were set again: the current version is sent again."
            return replace(base, action=Action.UPDATE, resend=True, reason=reason)
        if not changes:
            return replace(base, action=Action.UNCHANGED, reason=f"{p.reason} No change since.")
        sides = {s for c in changes for s in c.changed_by}
        who = (
            "on both sides (different fields, merged)"
            if len(sides) == 2
            else "in Fieldbook"
            if Side.OURS in sides
            else "in the ledger"
        )
        forced = " Its flags were set again: ours is sent." if resend and Side.OURS not in sides else ""
        return replace(
            base,
            action=Action.UPDATE,
            changes=changes,
            resend=resend,
            reason=f"{p.reason} Changed {who} since then: {_fields(changes)}.{forced}",
        )
    if p.local is not None and p.ledger is not None:
        if p.ledger.state != LedgerState.ACTIVE:
            return _ledger_state(base, p)
        return replace(base, action=Action.LINK, changes=_differences(p.local, p.ledger), reason=p.reason)
    if p.absent_number:
        shown = _absent(base, p, absent)
        if shown is not None:
            return shown
    mine = p.local if up else p.ledger
    assert mine is not None
    if up is False and mine.state != LedgerState.ACTIVE:
        return _ledger_state(base, p)
    if len(p.candidates) == 1:
        other = p.candidates[0]
        ours, theirs = (mine, other) if up else (other, mine)
        assert isinstance(mine, CustomerRecord) and isinstance(other, CustomerRecord)
        return replace(
            base,
            local=ours,
            ledger=theirs,
            action=Action.LINK,
            needs_confirmation=True,
            changes=_differences(ours, theirs),
            reason=f"Only the name matches ({mine.name!r} ~ {other.name!r}): confirm the link before it is made.",
        )
    if p.candidates:
        return replace(
            base,
            action=Action.CONFLICT,
            candidates=tuple(p.candidates),
            reason=f"{len(p.candidates)} records in {there} have this name: choose the one to link.",
        )
    changes = _differences(p.local, None) if up else _differences(None, p.ledger)
    return replace(base, action=Action.ADD, changes=changes, reason=f"Not in {there} yet; from {here}.")


def _ledger_state(base: Compared, p: Pair) -> Compared:
    assert p.ledger is not None
    words = _STATE_WORDS.get(p.ledger.state, p.ledger.state.value)
    reason = f"{p.reason} It is {words} in the ledger: shown only, never edited or re-created.".strip()
    return replace(base, action=Action.LEDGER_STATE, state=p.ledger.state, reason=reason)


def compare(
    transfer: Transfer,
    org_slug: str,
    local: Sequence[Record],
    ledger: Sequence[Record],
    links: Sequence[Link],
    *,
    predict_totals: Callable[[InvoiceRecord], Totals | None] | None = None,
    complete: bool = True,
    absent: Absent | None = None,
    resend: bool = False,
    limits: Limits | None = None,
) -> list[Compared]:
    """Classify every record the transfer is about: our records going up, the ledger's coming
    down. `complete` says `ledger` is a full read, so a linked record missing from it is gone
    (an incremental read only holds what changed). `predict_totals` is the connector's.
    `absent` names our records that exist but are not in `local` (merged, not integrated).
    `resend` says every record in `local` was flagged for transfer (jobs and service invoices
    with both flags set): a linked one was flagged again, so it is sent again. `limits`: the
    amounts every ledger accepts; an invoice beyond them cannot be sent (its totals say why)."""
    absent = absent or Absent()
    up = transfer != Transfer.CUSTOMERS_DOWN
    kind = RecordKind.INVOICE if transfer == Transfer.INVOICES_UP else RecordKind.CUSTOMER
    pairs = pair_records(org_slug, local, ledger, [link for link in links if link.kind == kind])
    if kind == RecordKind.CUSTOMER:
        _mark_absent(pairs, org_slug, absent)
        name_candidates(pairs, up)
    # Up: our records (a ledger-only record is not ours to send), and a merged duplicate's
    # ledger record (making it inactive goes up). Down: the ledger's.
    wanted = [p for p in pairs if (p.local if up else p.ledger) is not None
              or (up and p.link is not None and p.ledger is not None and p.link.local_number in absent.merged)]
    result = [_classify(p, kind, up, complete, absent, resend and up) for p in wanted]
    if kind == RecordKind.CUSTOMER and up:
        result = name_clashes(result, ledger)
    if predict_totals is not None:
        result = [_with_totals(c, predict_totals) for c in result]
    if limits is not None:
        result = [_within(c, limits) for c in result]
    return sorted(result, key=lambda c: c.key)


def _within(c: Compared, limits: Limits) -> Compared:
    if not isinstance(c.local, InvoiceRecord) or not (problem := limit_problem(c.local, limits)):
        return c
    totals = c.totals or TotalsCheck(Totals(c.local.net_total, c.local.tax_total, c.local.total), None)
    return replace(c, totals=replace(totals, limit=problem))


def _with_totals(c: Compared, predict: Callable[[InvoiceRecord], Totals | None]) -> Compared:
    if not isinstance(c.local, InvoiceRecord):
        return c
    ours = Totals(c.local.net_total, c.local.tax_total, c.local.total)
    return replace(c, totals=TotalsCheck(ours, predict(c.local)))
