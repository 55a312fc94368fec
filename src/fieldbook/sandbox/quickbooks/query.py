"""The QBO query language subset (ref §5).

    SELECT * | COUNT(*) FROM <Entity> [WHERE a op v AND ...] [ORDERBY|ORDER BY f [ASC|DESC]]
    [STARTPOSITION n] [MAXRESULTS n]

Keywords are case-insensitive, the entity name is case-sensitive; operators = IN LIKE < > <= >=;
values in single quotes with backslash escapes. Anything else (OR, JOIN, GROUP BY, projections,
unfilterable fields) is a QueryParserError, code 4000.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fieldbook.sandbox.quickbooks import errors
from fieldbook.sandbox.quickbooks.timefmt import parse_instant

# ref §5 lists Customer and Invoice (Invoice: DocNumber, TxnDate, DueDate, CustomerRef, Balance).
# ASSUMPTIONS (not in the reference): Invoice also Id and MetaData.LastUpdatedTime; Vendor and
# Employee as Customer; Item/TaxCode/TaxRate/Account/Term/Payment: Id, Name, Active,
# MetaData.LastUpdatedTime (Payment: Id, TxnDate, CustomerRef, MetaData.LastUpdatedTime).
_NAMES = frozenset({"Id", "DisplayName", "GivenName", "FamilyName", "CompanyName", "PrimaryEmailAddr",
                    "Active", "Balance", "MetaData.LastUpdatedTime"})
_LISTS = frozenset({"Id", "Name", "Active", "MetaData.LastUpdatedTime"})
FILTERABLE: dict[str, frozenset[str]] = {
    "Customer": _NAMES,
    "Vendor": _NAMES,
    "Employee": _NAMES - {"Balance"},
    "Invoice": frozenset({"Id", "DocNumber", "TxnDate", "DueDate", "CustomerRef", "Balance",
                          "MetaData.LastUpdatedTime"}),
    "Item": _LISTS, "TaxCode": _LISTS, "TaxRate": _LISTS, "Account": _LISTS, "Term": _LISTS,
    "Payment": frozenset({"Id", "TxnDate", "CustomerRef", "MetaData.LastUpdatedTime"}),
    "CompanyInfo": frozenset(), "Preferences": frozenset(),
}
DEFAULT_MAX = 100
MAX_RESULTS = 1000

_TOKEN = re.compile(r"""\s*(?:
    (?P<string>'(?:\\.|[^'\\])*')
  | (?P<op><=|>=|<>|!=|=|<|>)
  | (?P<punct>[(),*])
  | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<number>-?\d+(?:\.\d+)?)
)""", re.VERBOSE)


@dataclass
class Condition:
    field: str
    op: str
    values: list[Any]


@dataclass
class Query:
    entity: str
    count: bool = False
    extra_columns: list[str] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    order_by: str | None = None
    descending: bool = False
    start: int = 1
    max_results: int = DEFAULT_MAX


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.strip().rstrip(";")
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise errors.query_parser(f"Encountered \"{text[position:position + 10]}\" at column {position + 1}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def next(self, what: str) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise errors.query_parser(f"Encountered \"<EOF>\" while expecting {what}")
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].upper() == word:
            self.pos += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            token = self.peek()
            found = token[1] if token else "<EOF>"
            raise errors.query_parser(f"Encountered \"{found}\" while expecting \"{word}\"")


def parse(text: str) -> Query:
    p = _Parser(text)
    p.expect_keyword("SELECT")
    count = False
    extra: list[str] = []
    if p.keyword("COUNT"):
        for expected in ("(", "*", ")"):
            if p.next("COUNT(*)")[1] != expected:
                raise errors.query_parser("expected COUNT(*)")
        count = True
    else:
        if p.next("*")[1] != "*":
            raise errors.query_parser("only SELECT * or SELECT COUNT(*) is supported (no projections)")
        while p.peek() == ("punct", ","):
            p.pos += 1
            kind, value = p.next("a column")
            if kind != "word" or value != "Sku":  # ref §4: `SELECT *, Sku FROM Item` only
                raise errors.query_parser(f"unsupported column \"{value}\"")
            extra.append(value)
    p.expect_keyword("FROM")
    kind, entity = p.next("an entity")
    if kind != "word" or entity not in FILTERABLE:
        raise errors.query_parser(f"QueryValidationError: unsupported entity \"{entity}\"")
    query = Query(entity=entity, count=count, extra_columns=extra)
    if p.keyword("WHERE"):
        query.conditions.append(_condition(p, entity))
        while p.keyword("AND"):
            query.conditions.append(_condition(p, entity))
    ordering = p.keyword("ORDERBY")
    if not ordering and p.keyword("ORDER"):
        p.expect_keyword("BY")  # ref §5: python-quickbooks writes both ORDERBY and ORDER BY
        ordering = True
    if ordering:
        kind, name = p.next("a field")
        if kind != "word":
            raise errors.query_parser(f"Encountered \"{name}\" after ORDER BY")
        query.order_by = _field(name, entity, ordering=True)
        if p.keyword("DESC"):
            query.descending = True
        else:
            p.keyword("ASC")
    if p.keyword("STARTPOSITION"):
        query.start = _int(p.next("a number"))
    if p.keyword("MAXRESULTS"):
        # ref §5: max 1000 (we clip rather than refuse; the client learns by paging).
        query.max_results = min(_int(p.next("a number")), MAX_RESULTS)
    token = p.peek()
    if token is not None:
        raise errors.query_parser(f"Encountered \"{token[1]}\" (only AND, ORDERBY, STARTPOSITION and "
                                  f"MAXRESULTS may follow; OR, JOIN and GROUP BY are not supported)")
    return query


def _int(token: tuple[str, str]) -> int:
    if token[0] != "number" or "." in token[1] or int(token[1]) < 1:
        raise errors.query_parser(f"Encountered \"{token[1]}\" while expecting a positive integer")
    return int(token[1])


def _field(name: str, entity: str, ordering: bool = False) -> str:
    canonical = "MetaData.LastUpdatedTime" if name.lower() == "metadata.lastupdatedtime" else name
    if canonical not in FILTERABLE[entity]:
        verb = "sortable" if ordering else "queryable"
        raise errors.query_parser(f"QueryValidationError: property '{name}' is not {verb} for {entity}")
    return canonical


def _value(token: tuple[str, str]) -> Any:
    kind, raw = token
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if kind == "number":
        return Decimal(raw)
    if kind == "word" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise errors.query_parser(f"Encountered \"{raw}\" while expecting a value")


def _condition(p: _Parser, entity: str) -> Condition:
    kind, name = p.next("a field")
    if kind != "word":
        raise errors.query_parser(f"Encountered \"{name}\" while expecting a field")
    fld = _field(name, entity)
    token = p.next("an operator")
    if token[0] == "op" and token[1] in ("=", "<", ">", "<=", ">="):
        return Condition(fld, token[1], [_value(p.next("a value"))])
    if token[0] == "word" and token[1].upper() == "LIKE":
        value = _value(p.next("a value"))
        if not isinstance(value, str):
            raise errors.query_parser("LIKE needs a quoted string")
        return Condition(fld, "LIKE", [value])
    if token[0] == "word" and token[1].upper() == "IN":
        if p.next("(")[1] != "(":
            raise errors.query_parser("IN needs a parenthesised list")
        values = [_value(p.next("a value"))]
        while p.peek() == ("punct", ","):
            p.pos += 1
            values.append(_value(p.next("a value")))
        if p.next(")")[1] != ")":
            raise errors.query_parser("IN list not closed")
        return Condition(fld, "IN", values)
    raise errors.query_parser(f"Encountered \"{token[1]}\" while expecting one of = < > <= >= LIKE IN")


# ---- evaluation ----

def _actual(obj: dict[str, Any], fld: str) -> Any:
    if fld == "MetaData.LastUpdatedTime":
        return obj.get("MetaData", {}).get("LastUpdatedTime")
    value = obj.get(fld)
    if fld == "CustomerRef" and isinstance(value, dict):
        return value.get("value")
    if fld == "PrimaryEmailAddr" and isinstance(value, dict):
        return value.get("Address")
    return value


def _coerce(actual: Any, wanted: Any, fld: str) -> tuple[Any, Any]:
    """Compare like with like; string comparison ignores case (UNCONFIRMED, our assumption)."""
    if isinstance(actual, datetime):
        return actual, parse_instant(str(wanted))
    if isinstance(actual, bool):
        return actual, wanted if isinstance(wanted, bool) else str(wanted).lower() == "true"
    if isinstance(actual, Decimal | int) and not isinstance(actual, bool):
        try:
            return Decimal(actual), Decimal(str(wanted))
        except InvalidOperation:
            raise errors.query_parser(f"'{wanted}' is not a number for {fld}") from None
    if fld == "Id" and str(actual).isdigit() and str(wanted).isdigit():
        return int(str(actual)), int(str(wanted))
    return str(actual).casefold(), str(wanted).casefold()


def _like(actual: str, pattern: str) -> bool:
    regex = "^" + ".*".join(re.escape(part) for part in pattern.casefold().split("%")) + "$"
    return re.match(regex, actual.casefold(), re.DOTALL) is not None


def matches(obj: dict[str, Any], condition: Condition) -> bool:
    actual = _actual(obj, condition.field)
    if actual is None:
        # ref §5: null is written ' '; a blank value matches only that.
        return condition.op == "=" and str(condition.values[0]).strip() == ""
    if condition.op == "LIKE":
        return _like(str(actual), str(condition.values[0]))
    if condition.op == "IN":
        return any(_compare(actual, "=", value, condition.field) for value in condition.values)
    return _compare(actual, condition.op, condition.values[0], condition.field)


def _compare(actual: Any, op: str, wanted: Any, fld: str) -> bool:
    left, right = _coerce(actual, wanted, fld)
    try:
        return bool({"=": left == right, "<": left < right, ">": left > right,
                     "<=": left <= right, ">=": left >= right}[op])
    except TypeError:
        return False


def sort_key(obj: dict[str, Any], fld: str) -> tuple[int, Any]:
    value = _actual(obj, fld)
    if value is None:
        return (0, "")
    if fld == "Id":
        text = str(value)
        return (1, (0, int(text), "")) if text.isdigit() else (1, (1, 0, text))
    if isinstance(value, str):
        return (1, value.casefold())
    return (1, value)
