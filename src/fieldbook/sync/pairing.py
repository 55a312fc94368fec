"""Pairing: each of our records with its counterpart in the ledger, before anything is classified.

A stored link first (it belongs to our record, whatever its number now), then strong keys: our
marker, our reference/number, an email unique on both sides. A name-only match is never a pair:
it becomes a candidate the user confirms on Compare."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fieldbook.connectors.base import marker
from fieldbook.connectors.records import CustomerRecord
from fieldbook.sync.normalise import email_key, name_key
from fieldbook.sync.store import Link, Record


@dataclass
class Pair:
    local: Record | None = None
    ledger: Record | None = None
    link: Link | None = None
    reason: str = ""
    candidates: list[Record] = field(default_factory=list)
    absent_number: str = ""  # a ledger-only record carrying our marker for a record not compared



def pair_records(org_slug: str, local: Sequence[Record], ledger: Sequence[Record], links: Sequence[Link]) -> list[Pair]:
    """Pair records by link, then strong keys. Unpaired records come back alone."""
    local_by_number = {r.number: r for r in local}
    ledger_by_id = {r.ledger_id: r for r in ledger if r.ledger_id}
    pairs: list[Pair] = []
    used_local: set[str] = set()
    used_ledger: set[str] = set()
    for link in links:
        mine = local_by_number.get(link.local_number)
        theirs = ledger_by_id.get(link.ledger_id)
        # A link whose two records are both gone has nothing to show.
        if mine is not None or theirs is not None:
            reason = f"Linked at an earlier sync to ledger record {link.ledger_id}."
            pairs.append(Pair(mine, theirs, link, reason))
        used_local.add(link.local_number)
        used_ledger.add(link.ledger_id)

    free_local = [r for r in local if r.number not in used_local]
    free_ledger = [r for r in ledger if r.ledger_id not in used_ledger]
    emails_local = Counter(email_key(r.email) for r in local if isinstance(r, CustomerRecord) and r.email)
    emails_ledger = Counter(email_key(r.email) for r in ledger if isinstance(r, CustomerRecord) and r.email)

    def key_marker(r: Record) -> str:
        return marker(org_slug, r.number) if r.number else ""

    def key_email(r: Record) -> str:
        if not isinstance(r, CustomerRecord) or not r.email:
            return ""
        k = email_key(r.email)
        return k if emails_local[k] == 1 and emails_ledger[k] == 1 else ""

    noun = "customer" if any(isinstance(r, CustomerRecord) for r in (*local, *ledger)) else "invoice"
    strong: list[tuple[Callable[[Record], str], Callable[[Record], str], str]] = [
        (key_marker, lambda r: r.marker, "The ledger record carries our marker {value}."),
        (lambda r: r.number, lambda r: r.number, f"The ledger {noun} has our reference {{value}}."),
        (key_email, key_email, "Both have the email {value}, and no other customer on either side does."),
    ]
    for our_key, their_key, sentence in strong:
        index: dict[str, Record] = {}
        for r in free_ledger:
            value = their_key(r)
            if value and r.ledger_id not in used_ledger:
                index.setdefault(value, r)
        for mine in free_local:
            value = our_key(mine)
            theirs = index.get(value) if value else None
            if mine.number in used_local or theirs is None or theirs.ledger_id in used_ledger:
                continue
            pairs.append(Pair(mine, theirs, None, sentence.format(value=value)))
            used_local.add(mine.number)
            used_ledger.add(theirs.ledger_id or "")

    for mine in free_local:
        if mine.number not in used_local:
            pairs.append(Pair(local=mine))
    for theirs in free_ledger:
        if theirs.ledger_id not in used_ledger:
            pairs.append(Pair(ledger=theirs))
    return pairs


def name_candidates(pairs: list[Pair], up: bool) -> None:
    """Name-only matches between unpaired customers: candidates, never links."""
    lonely_other: dict[str, list[Record]] = defaultdict(list)
    for p in pairs:
        other = p.ledger if up and p.local is None else p.local if not up and p.ledger is None else None
        if isinstance(other, CustomerRecord) and p.link is None and name_key(other.name):
            lonely_other[name_key(other.name)].append(other)
    for p in pairs:
        mine = p.local if up else p.ledger
        unpaired = p.link is None and (p.ledger is None if up else p.local is None)
        if isinstance(mine, CustomerRecord) and unpaired and name_key(mine.name):
            p.candidates = lonely_other.get(name_key(mine.name), [])
