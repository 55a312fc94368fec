"""HTML helpers shared by every ledger's books pages: escaping, money, the page skeleton and the
list of companies. Each ledger keeps its own page bodies, wording and anchors.

Every value from a store is user data and goes through `e` (html.escape).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from html import escape
from typing import Any

STYLE = ("body{font-family:system-ui,sans-serif;margin:2rem;color:#222;overflow-wrap:anywhere}"
         "table{border-collapse:collapse;margin:.5rem 0 1.5rem}"
         "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}td.n{text-align:right}"
         ".muted{color:#888}:target{background:#fff6c8}")


def e(value: Any) -> str:
    """Escaped text of a value; None is empty."""
    return escape("" if value is None else str(value))


def money(value: Any) -> str:
    """An amount with thousands separators and 2 places; a value that is no number is shown as is."""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except ArithmeticError:
        return e(value)


def doc(title: str, body: str, style: str = STYLE) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{e(title)}</title>'
            f"<style>{style}</style></head><body>{body}</body></html>")


def index_page(title: str, heading: str, companies: Iterable[tuple[str, str]], url: Callable[[str], str],
               kind: str, style: str = STYLE) -> str:
    """The list of a ledger's companies, each linking to its books; `kind` names the key (realm, ...)."""
    rows = "".join(f'<li><a href="{e(url(key))}">{e(name)}</a> '
                   f'<span class="muted">{kind} {e(key)}</span></li>' for key, name in companies)
    return doc(title, f"<h1>{heading}</h1><ul>{rows}</ul>", style)
