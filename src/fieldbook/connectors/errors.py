"""Errors classified at the boundary: the engine decides what to do from the class alone.

- Retriable: nothing was committed (429, 503 before processing, connect errors); wait and resend.
- Uncertain: the request was sent and may have committed (timeouts, resets after sending);
  resolved by `lookup` before anything is resent.
- Permanent: the ledger refused the record (validation); the record fails, the run goes on.
- Conflict: stale version (QBO 5010); re-read and re-compare.
- NotFound: the ledger record is gone.
- ReconnectRequired: invalid_grant / revoked; the run pauses with its remaining steps kept.
"""

from __future__ import annotations


class LedgerError(Exception):
    """`message` is a sentence a bookkeeper understands; `fix` says what to do about it;
    `code`/`field`/`detail` keep the ledger's own words for support."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "",
        field: str = "",
        detail: str = "",
        fix: str = "",
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.detail = detail
        self.fix = fix
        self.status = status

    @property
    def kind(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"{self.kind}(code={self.code!r}, field={self.field!r}, message={self.message!r})"


class Retriable(LedgerError):
    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class Uncertain(LedgerError):
    pass


class Permanent(LedgerError):
    pass


class DuplicateName(Permanent):
    """The ledger already has a record with this name (QBO 6240): a Link candidate or a rename,
    never a bare failure."""


class DuplicateNumber(Permanent):
    """The ledger already has a document with this number (QBO 6140): read it, and our marker
    says mine (link) or foreign (conflict)."""


class Conflict(LedgerError):
    pass


class NotFound(LedgerError):
    pass


class ReconnectRequired(LedgerError):
    pass
