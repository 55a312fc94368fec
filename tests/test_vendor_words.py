"""No code names a ledger outside that ledger's own connector and sandbox packages and the
registry lists (issue 12): every other layer reads the ledger's profile.

Code only: comments and docstrings may say which ledger a rule comes from. Read with `tokenize`,
so names, strings and f-string parts are checked and comments never are. Migrations are left
out: their choices are generated. Templates are checked word by word."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "fieldbook"
LEDGERS = ("quickbooks", "xero", "sage", "sage50")  # the keys of connectors.registry's packages
LONG_WORDS = ("quickbooks", "intuit", "xero")  # unmistakable inside a longer name too
WORDS = {"sage", "sage50", "qbo", "realm"}  # only as a word of a name ("message" is no hit)
WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
OWN = tuple(f"{layer}/{ledger}/" for layer in ("connectors", "sandbox") for ledger in LEDGERS)
REGISTRIES = {
    "connectors/registry.py": "the one list of ledger packages",
    "sandbox/app.py": "the sandbox's list of the emulators it serves",
    # Being extended for the Xero and Sage sandboxes meanwhile; its QBO options ("--realm", the
    # token command) move into sandbox/quickbooks/ after that work lands.
    "sandbox/cli.py": "pending: the sandbox CLI's QuickBooks options",
}


def vendor_words(text: str) -> set[str]:
    low = text.lower()
    return {w for w in LONG_WORDS if w in low} | {w.lower() for w in WORD.findall(text) if w.lower() in WORDS}


def code_hits(source: str) -> list[tuple[int, str]]:
    """(line, token) of every vendor word in code: names and strings, not comments or docstrings
    (a string standing as a statement of its own)."""
    hits = []
    previous = tokenize.NEWLINE
    checked = {tokenize.NAME, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL):
            continue
        docstring = token.type == tokenize.STRING and previous in (tokenize.NEWLINE, tokenize.INDENT,
                                                                     tokenize.DEDENT)  # fmt: skip
        if token.type in checked and not docstring and vendor_words(token.string):
            hits.append((token.start[0], token.string[:80]))
        previous = token.type
    return hits


def _checked(suffix: str) -> list[Path]:
    return [p for p in sorted(SRC.rglob(f"*{suffix}"))
            if "migrations" not in p.parts and not p.relative_to(SRC).as_posix().startswith(OWN)
            and p.relative_to(SRC).as_posix() not in REGISTRIES]  # fmt: skip


def test_no_code_outside_a_ledgers_own_packages_names_a_ledger() -> None:
    files = _checked(".py")
    assert len(files) > 100 and SRC / "integration" / "ledgers.py" in files
    found = {p.relative_to(SRC).as_posix(): code_hits(p.read_text(encoding="utf-8")) for p in files}
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_no_template_names_a_ledger() -> None:
    files = _checked(".html")
    assert files
    found = {p.relative_to(SRC).as_posix(): sorted(vendor_words(p.read_text(encoding="utf-8"))) for p in files}
    assert {path: words for path, words in found.items() if words} == {}


def test_the_check_sees_code_and_not_comments_or_docstrings() -> None:
    probe = '''"""QuickBooks: a docstring may say so."""
def f(realm_id: str) -> str:  # QuickBooks' realm: a comment may too
    """The realm, as Intuit calls it."""
    message = "usage"
    return f"{realm_id}/QuickBooks" + QBO_LIMITS + sage50
'''
    assert [line for line, _token in code_hits(probe)] == [2, 5, 5, 5]  # realm_id, the f-string, two names
