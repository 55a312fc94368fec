"""How QBO writes times: ISO-8601 with the offset of Intuit's servers (US Pacific).

ref §2: `MetaData` times carry an offset ("2015-07-23T11:04:15-07:00") and the envelope `time`
has milliseconds. Writing Pacific rather than UTC catches clients that drop the offset.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")


def meta_time(value: datetime) -> str:
    return value.astimezone(PACIFIC).replace(microsecond=0).isoformat()


def qbo_time(value: datetime) -> str:
    return value.astimezone(PACIFIC).isoformat(timespec="milliseconds")


def epoch_ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def parse_instant(text: str) -> datetime:
    """A query/CDC timestamp: full ISO with offset, or a date / naive time taken as Pacific.

    Naive values are UNCONFIRMED (ref §5, §7); Pacific is our assumption, matching what we write.
    """
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    if len(cleaned) == 10:
        return datetime.combine(date.fromisoformat(cleaned), time(0), tzinfo=PACIFIC)
    parsed = datetime.fromisoformat(cleaned)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=PACIFIC)
    return parsed
