"""GET filters (ref §5): `where` (==, !=, <, >, <=, >=, AND/&&, OR/||, NOT, parentheses, .Contains,
.StartsWith, .EndsWith, GUID("..."), DateTime(y, m, d), null, true/false), `order`, paging.

Fields are looked up on the wire body (dotted: `Contact.ContactID`); string comparisons are
case-insensitive as Xero's are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fieldbook.sandbox.xero.errors import query_error
from fieldbook.sandbox.xero.timefmt import MS_DATE

TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|<=|>=|&&|\|\||[<>=!(),.])'
                   r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))")
Predicate = Callable[[dict[str, Any]], bool]


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = TOKEN.match(text, pos)
        if match is None:
            raise query_error(f"The where clause could not be parsed near: {text[pos:pos + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1].upper() != value.upper()):
            raise query_error(f"The where clause could not be parsed: expected {value or 'more'}")
        self.i += 1
        return tok

    def is_(self, *values: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[1].upper() in values

    def parse(self) -> Predicate:
        pred = self.or_()
        if self.peek() is not None:
            raise query_error(f"The where clause could not be parsed near {self.peek()}")
        return pred

    def or_(self) -> Predicate:
        left = self.and_()
        while self.is_("OR", "||"):
            self.take()
            left = _either(left, self.and_())
        return left

    def and_(self) -> Predicate:
        left = self.not_()
        while self.is_("AND", "&&"):
            self.take()
            left = _both(left, self.not_())
        return left

    def not_(self) -> Predicate:
        if self.is_("NOT", "!"):
            self.take()
            inner = self.not_()
            return lambda obj: not inner(obj)
        if self.is_("("):
            self.take("(")
            inner = self.or_()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        field = self.take()[1]
        while self.is_("."):
            self.take(".")
            name = self.take()[1]
            if name in ("Contains", "StartsWith", "EndsWith") and self.is_("("):
                self.take("(")
                arg = str(self.value())
                self.take(")")
                return _method(field, name, arg)
            if name in ("ToLower", "ToUpper") and self.is_("("):
                self.take("(")
                self.take(")")
                continue
            field = f"{field}.{name}"
        op = self.take()[1]
        if op == "=":
            op = "=="
        if op not in ("==", "!=", "<", ">", "<=", ">="):
            raise query_error(f"Unknown operator {op!r} in the where clause")
        value = self.value()
        return lambda obj: _compare(_lookup(obj, field), op, value)

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "str":
            return bytes(text[1:-1], "utf-8").decode("unicode_escape")
        if kind == "num":
            return Decimal(text)
        upper = text.upper()
        if upper in ("TRUE", "FALSE"):
            return upper == "TRUE"
        if upper == "NULL":
            return None
        if upper == "GUID":
            self.take("(")
            inner = self.value()
            self.take(")")
            return str(inner)
        if upper == "DATETIME":
            self.take("(")
            parts = [int(self.value())]
            while self.is_(","):
                self.take(",")
                parts.append(int(self.value()))
            self.take(")")
            if len(parts) < 3:
                raise query_error("DateTime needs a year, a month and a day")
            y, m, d, *rest = parts
            hh, mm, ss = [*rest, 0, 0, 0][:3]
            return datetime(y, m, d, hh, mm, ss, tzinfo=UTC)
        raise query_error(f"Unexpected {text!r} in the where clause")


def _either(a: Predicate, b: Predicate) -> Predicate:
    return lambda obj: a(obj) or b(obj)


def _both(a: Predicate, b: Predicate) -> Predicate:
    return lambda obj: a(obj) and b(obj)


def _lookup(obj: dict[str, Any], field: str) -> Any:
    value: Any = obj
    for part in field.split("."):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    return value


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        match = MS_DATE.match(value)
        if match:
            # Full precision (ordering by UpdatedDateUTC); Date fields are midnight UTC.
            return datetime.fromtimestamp(int(match.group("ms")) / 1000, tz=UTC)
        return value.casefold()
    if isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def _compare(left: Any, op: str, right: Any) -> bool:
    a, b = _normal(left), _normal(right)
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if a is None or b is None:
        return False
    try:
        return bool({"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op])
    except TypeError:
        return False


def _method(field: str, name: str, arg: str) -> Predicate:
    needle = arg.casefold()

    def pred(obj: dict[str, Any]) -> bool:
        value = _lookup(obj, field)
        if not isinstance(value, str):
            return False
        hay = value.casefold()
        return {"Contains": needle in hay, "StartsWith": hay.startswith(needle), "EndsWith": hay.endswith(needle)}[name]

    return pred


def where(text: str | None) -> Predicate | None:
    return _Parser(text).parse() if text and text.strip() else None


def order(rows: list[dict[str, Any]], text: str | None) -> list[dict[str, Any]]:
    if not text:
        return rows
    for part in reversed([p.strip() for p in text.split(",") if p.strip()]):
        field, _, direction = part.partition(" ")
        reverse = direction.strip().upper() == "DESC"
        present = [r for r in rows if _lookup(r, field) is not None]
        absent = [r for r in rows if _lookup(r, field) is None]
        present.sort(key=lambda r: _normal(_lookup(r, field)), reverse=reverse)
        rows = present + absent
    return rows
