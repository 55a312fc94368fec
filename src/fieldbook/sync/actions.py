"""What Compare proposes for a record, and which side a value is on (compare.py builds on these;
the name-clash pass reads them without importing compare back)."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    ADD = "add"
    UPDATE = "update"
    LINK = "link"
    CONFLICT = "conflict"
    UNCHANGED = "unchanged"
    LEDGER_STATE = "ledger_state"  # deleted / voided / archived / merged / inactive / paid
    MERGED = "merged"  # our record was merged into another; its ledger record can be made inactive
    VOID = "void"  # voided in Fieldbook: void it in the ledger (when the user confirms)


class Side(StrEnum):
    OURS = "ours"
    THEIRS = "theirs"
