"""Xero's date formats (ref §6): `/Date(ms+0000)/` out, `YYYY-MM-DD` or `/Date(ms)/` in, and the
two `If-Modified-Since` formats clients send (ISO-8601 from xero-python, RFC-1123 from pyxero)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")


def ms_datetime(value: datetime) -> str:
    """`/Date(1551399321043+0000)/` for a timestamp (UpdatedDateUTC)."""
    return f"/Date({int(value.timestamp() * 1000)}+0000)/"


def envelope_time(value: datetime) -> str:
    """The envelope's DateTimeUTC has no offset: `/Date(1552327126164)/`."""
    return f"/Date({int(value.timestamp() * 1000)})/"


def ms_date(value: str) -> str:
    """A stored `YYYY-MM-DD` as Xero writes a date: midnight UTC in milliseconds."""
    day = date.fromisoformat(value)
    return ms_datetime(datetime(day.year, day.month, day.day, tzinfo=UTC))


def parse_date(value: object) -> str:
    """A request date (`YYYY-MM-DD`, `YYYY-MM-DDT00:00:00`, `/Date(ms[+zzzz])/`) as `YYYY-MM-DD`;
    ValueError when it is none of them."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    match = MS_DATE.match(text)
    if match:
        moment = datetime.fromtimestamp(int(match.group("ms")) / 1000, tz=UTC)
        offset = match.group("offset")
        if offset:
            sign = 1 if offset[0] == "+" else -1
            moment += sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:]))
        return moment.date().isoformat()
    if "T" in text:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    return date.fromisoformat(text).isoformat()


def parse_since(value: str) -> datetime:
    """`If-Modified-Since`: ISO-8601 (no zone = UTC) or RFC-1123; ValueError otherwise."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"not a date-time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
