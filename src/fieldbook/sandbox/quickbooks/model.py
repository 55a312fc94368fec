"""One QBO company ("realm") in the store, and how its objects are written out.

Stored objects are the QBO JSON shapes with Decimal money and aware datetimes in MetaData;
keys starting with "_" are the emulator's own bookkeeping (e.g. "_status": "Deleted" | "Voided")
and never leave the sandbox through the API.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fieldbook.sandbox.common.control import ControlError as ControlError  # the books pages catch it here
from fieldbook.sandbox.quickbooks.timefmt import meta_time

# Entity name (as in JSON and queries; case-sensitive, ref §5) -> URL segment (lower case, ref §1).
ENTITIES = {
    "Customer": "customer", "Vendor": "vendor", "Employee": "employee", "Invoice": "invoice",
    "Item": "item", "TaxCode": "taxcode", "TaxRate": "taxrate", "Account": "account", "Term": "term",
    "Payment": "payment", "CompanyInfo": "companyinfo", "Preferences": "preferences",
}
BY_SEGMENT = {segment: name for name, segment in ENTITIES.items()}
NAME_ENTITIES = ("Customer", "Vendor", "Employee")


class Company:
    def __init__(self, tree: dict[str, Any]) -> None:
        self.tree = tree
        # Batch isolation (ref §6): objects created earlier in the same batch are invisible.
        self.hidden: set[tuple[str, str]] = set()

    # ---- identity and settings ----
    @property
    def realm_id(self) -> str:
        return str(self.tree["realm_id"])

    @property
    def country(self) -> str:
        return str(self.tree["country"])

    @property
    def is_us(self) -> bool:
        return self.country == "US"

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(str(self.tree["timezone"]))

    @property
    def tax_rounding(self) -> str:
        return str(self.tree.get("tax_rounding", "total"))

    @property
    def preferences(self) -> dict[str, Any]:
        prefs: dict[str, Any] = self.tree["entities"]["Preferences"]["1"]
        return prefs

    @property
    def custom_txn_numbers(self) -> bool:
        return bool(self.preferences.get("SalesFormsPrefs", {}).get("CustomTxnNumbers", False))

    def local_today(self, now: datetime) -> date:
        return now.astimezone(self.timezone).date()

    # ---- objects ----
    def table(self, entity: str) -> dict[str, dict[str, Any]]:
        tables: dict[str, dict[str, dict[str, Any]]] = self.tree["entities"]
        return tables.setdefault(entity, {})

    def get(self, entity: str, object_id: Any, include_deleted: bool = False) -> dict[str, Any] | None:
        key = str(object_id)
        if (entity, key) in self.hidden:
            return None
        obj = self.table(entity).get(key)
        if obj is None or (obj.get("_status") == "Deleted" and not include_deleted):
            return None
        return obj

    def live(self, entity: str) -> list[dict[str, Any]]:
        return [obj for key, obj in self.table(entity).items()
                if obj.get("_status") != "Deleted" and (entity, key) not in self.hidden]

    def stored(self, entity: str) -> list[dict[str, Any]]:
        """The books as they are, batch isolation aside: what derived totals (Customer.Balance)
        are computed from, so an invoice created earlier in the same batch still counts."""
        return [obj for obj in self.table(entity).values() if obj.get("_status") != "Deleted"]

    def new_id(self, entity: str) -> str:
        counters: dict[str, int] = self.tree.setdefault("next_ids", {})
        value = counters.get(entity, 1)
        while str(value) in self.table(entity):
            value += 1
        counters[entity] = value + 1
        return str(value)

    def insert(self, entity: str, obj: dict[str, Any], now: datetime) -> dict[str, Any]:
        obj["Id"] = self.new_id(entity)
        obj["SyncToken"] = "0"
        obj["domain"] = "QBO"
        obj["sparse"] = False
        obj["MetaData"] = {"CreateTime": now, "LastUpdatedTime": now}
        self.table(entity)[obj["Id"]] = obj
        return obj

    def touch(self, obj: dict[str, Any], now: datetime) -> None:
        """ref §3: every write increments SyncToken ("0" -> "1") and moves LastUpdatedTime."""
        obj["SyncToken"] = str(int(obj.get("SyncToken", "0")) + 1)
        obj.setdefault("MetaData", {"CreateTime": now})["LastUpdatedTime"] = now



def render(obj: dict[str, Any]) -> dict[str, Any]:
    """The API form of a stored object: bookkeeping keys dropped, MetaData times as QBO writes them."""
    out = {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}
    meta = out.get("MetaData")
    if isinstance(meta, dict):
        for key, value in list(meta.items()):
            if isinstance(value, datetime):
                meta[key] = meta_time(value)
    return out


def ref(obj: dict[str, Any], name_key: str = "Name") -> dict[str, Any]:
    return {"value": obj["Id"], "name": obj.get(name_key, "")}
