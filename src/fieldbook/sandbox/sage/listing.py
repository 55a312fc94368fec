"""List responses (ref §7): the `$items` envelope, paging, stubs, incremental filters.

`items_per_page` defaults to 20 and may be at most 200 (more is refused, 422); a page beyond the
end returns the last page. Items are stubs (`id`, `displayed_as`, `$path`) unless `attributes`
is `all` or names the attributes to add. `updated_or_created_since` is inclusive (updated_at >=
it); `deleted_since` is exclusive (deleted_at > it) and lists only deleted (or voided) records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fieldbook.sandbox.common.http import Request
from fieldbook.sandbox.sage import errors

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 200
STUB_KEYS = ("id", "displayed_as", "$path")
_DATE_ONLY = re.compile(r"^(\d{4}-\d{2}-\d{2})T?([+-]\d{2}:\d{2}|Z)?$")

Record = dict[str, Any]


def parse_since(value: str, source: str) -> datetime:
    """`YYYY-MM-DDThh:mm:ss(+|-)hh:mm` or a date `YYYY-MM-DDT(+|-)hh:mm` (spec); a zone is required."""
    text = value.strip()
    match = _DATE_ONLY.match(text)
    if match:
        zone = match.group(2) or "Z"
        text = f"{match.group(1)}T00:00:00{zone}"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise errors.invalid(source, f"{source} must be an ISO 8601 time with a UTC offset, "
                                     f"e.g. 2026-05-01T10:00:00+01:00 (got {value!r}; is '+' URL-encoded?)")
    return parsed


def _int(req: Request, name: str, default: int, low: int, high: int | None) -> int:
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise errors.invalid(name, f"{name} must be a whole number") from None
    if value < low or (high is not None and value > high):
        raise errors.invalid(name, f"{name} must be between {low} and {high}" if high else f"{name} must be >= {low}")
    return value


def select(req: Request, records: Iterable[Record], listed: Callable[[Record], bool]) -> list[Record]:
    """The records the incremental filters let through, in creation order."""
    deleted = req.arg("deleted_since")
    changed = req.arg("updated_or_created_since")
    out = list(records)
    if deleted:
        since = parse_since(deleted, "deleted_since")
        out = [r for r in out if r.get("deleted_at") is not None and r["deleted_at"] > since]
    else:
        out = [r for r in out if listed(r)]
    if changed:
        since = parse_since(changed, "updated_or_created_since")
        out = [r for r in out if r["updated_at"] >= since]
    return sorted(out, key=lambda r: r["_seq"])


def _shape(full: Record, attributes: str | None) -> Record:
    if attributes == "all":
        return full
    wanted = [a.strip() for a in (attributes or "").split(",") if a.strip()]
    return {key: full[key] for key in [*STUB_KEYS, *wanted] if key in full}


def envelope(req: Request, path: str, records: list[Record], render: Callable[[Record], Record]) -> Record:
    per_page = _int(req, "items_per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    page = _int(req, "page", 1, 1, None)
    total = len(records)
    last = max(1, -(-total // per_page))
    page = min(page, last)
    chosen = records[(page - 1) * per_page: page * per_page]
    attributes = req.arg("attributes")
    params = [(k, v) for k, v in req.args.items() if k not in ("page",)]

    def link(number: int) -> str:
        query = urlencode([*((k, v[0]) for k, v in params), ("page", str(number))])
        return f"{path}?{query}"

    return {"$total": total, "$page": page, "$next": link(page + 1) if page < last else None,
            "$back": link(page - 1) if page > 1 else None, "$itemsPerPage": per_page,
            "$items": [_shape(render(r), attributes) for r in chosen]}
