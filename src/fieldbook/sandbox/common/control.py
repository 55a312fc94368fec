"""What every ledger's control API (`<ledger>/control.py`) shares: the app it drives, saving
under the store's lock, the default company, and the token calls' bookkeeping.

The calls themselves (their names, arguments and the books they change) stay with each ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from fieldbook.sandbox.common.store import Store
from fieldbook.sandbox.common.tokens import TokenStore


class ControlError(ValueError):
    """A control call the books refuse (e.g. paying more than is outstanding)."""


class LedgerApp(Protocol):
    store: Store

    @property
    def tree(self) -> dict[str, Any]: ...


AppT = TypeVar("AppT", bound=LedgerApp)
T = TypeVar("T")


class LedgerControl(Generic[AppT]):
    token_store: ClassVar[TokenStore]  # the ledger's token rules (tokens.STORE)

    def __init__(self, app: AppT) -> None:
        self.app = app

    @property
    def _tree(self) -> dict[str, Any]:
        return self.app.tree

    def _commit(self) -> None:
        self.app.store.save()

    def _changed(self, change: Callable[[], T]) -> T:
        """Run `change` under the store's lock and save what it did."""
        with self.app.store.lock:
            result = change()
            self._commit()
            return result

    def _default(self, key: str, seed: Callable[[], str]) -> str:
        """The default company's id, seeded on first use."""
        with self.app.store.lock:
            if not self._tree.get(key):
                self._tree[key] = seed()
                self._commit()  # with the key: another process must not seed a second default
            return str(self._tree[key])

    def register_app(self, client_id: str, client_secret: str) -> None:
        self._changed(lambda: self.token_store.register_app(self._tree, client_id, client_secret))

    def _issued(self, issued: dict[str, Any], client_id: str, **company: str) -> dict[str, Any]:
        """A token body as the control call returns it: with the company and the app's credentials."""
        secret = self.token_store.state(self._tree)["apps"][client_id]["secret"]
        return {**issued, **company, "client_id": client_id, "client_secret": secret}
