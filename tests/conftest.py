"""Suite-wide fixtures: personas (cf. Healthchecks' alice/bob/charlie), the pure/database split
for the PostgreSQL pass, and the browser gate."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import specs
from tests.support.specs import NOT_FOUND

CHROMIUM = Path("/usr/bin/chromium")
PURE_DIRS = ("sandbox", "connectors", "sync")
_skipped_browser: list[str] = []
_skipped_schema: list[str] = []
_postgres_only_ran: list[str] = []
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")
# The tests use the local sandboxes, as `make run` does (subprocesses inherit this).
os.environ.setdefault("FIELDBOOK_ALLOW_LOCAL_SANDBOX", "1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent
    if not ON_POSTGRES:
        # Deselected, not skipped: they belong to the PostgreSQL pass, which asserts they ran.
        kept = [i for i in items if "postgres_only" not in i.keywords]
        config.hook.pytest_deselected(items=[i for i in items if "postgres_only" in i.keywords])
        items[:] = kept
    for item in items:
        rel = Path(str(item.fspath)).resolve().relative_to(tests_root.resolve())
        if rel.parts and rel.parts[0] in PURE_DIRS:
            item.add_marker(pytest.mark.pure)
        if "browser" in item.keywords and not CHROMIUM.exists():
            if os.environ.get("CI"):
                continue  # the browser fixture fails loudly: in CI nothing may skip
            _skipped_browser.append(item.nodeid)
            item.add_marker(pytest.mark.skip(reason="BROWSER TESTS DID NOT RUN: /usr/bin/chromium is missing"))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "postgres_only" in report.keywords:
        _postgres_only_ran.append(report.nodeid)
    if report.skipped and isinstance(report.longrepr, tuple) and NOT_FOUND in str(report.longrepr[2]):
        _skipped_schema.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from django.conf import settings

    test_db = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if test_db and str(test_db).endswith(".sqlite3"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{test_db}{suffix}").unlink(missing_ok=True)
    if os.environ.get("FIELDBOOK_EXPECT_POSTGRES") and exitstatus == 0 and not _postgres_only_ran:
        print("\nPostgreSQL pass: no postgres_only test ran and passed; failing the pass.")
        session.exitstatus = 1


def _schema_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Outside CI without the official schemas: name every test that skipped or ran unchecked."""
    unchecked = sorted(specs.unchecked - set(_skipped_schema))
    if not _skipped_schema and not unchecked:
        return
    write = terminalreporter.write_line
    terminalreporter.section(f"{NOT_FOUND} at {specs.specs_path()}", sep="!", red=True, bold=True)
    write("Set FIELDBOOK_SPECS to the folder of the official schemas (../shared/specs beside the "
          "checkout) to run these; in CI they must run.", red=True)
    if _skipped_schema:
        write(f"{len(_skipped_schema)} test(s) skipped, they need the schemas:", red=True)
        for nodeid in _skipped_schema:
            write(f"  SKIPPED {nodeid}", red=True)
    if unchecked:
        write(f"{len(unchecked)} test(s) ran without checking the bodies they sent against the schemas:",
              red=True)
        for nodeid in unchecked:
            write(f"  UNCHECKED {nodeid}", red=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    _schema_summary(terminalreporter)
    if _postgres_only_ran:
        terminalreporter.write_line(f"PostgreSQL-only tests that ran and passed: {len(_postgres_only_ran)}")
    if _skipped_browser:
        terminalreporter.section("BROWSER TESTS DID NOT RUN", sep="!", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(_skipped_browser)} browser test(s) skipped: /usr/bin/chromium is missing. "
            "Install Debian's chromium (apt-get install chromium) to run them.",
            red=True,
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> None:  # type: ignore[misc]
    """The PostgreSQL pass first proves it really runs on PostgreSQL."""
    if os.environ.get("FIELDBOOK_EXPECT_POSTGRES"):
        from django.db import connection

        with django_db_blocker.unblock():  # type: ignore[attr-defined]
            assert connection.vendor == "postgresql", f"expected PostgreSQL, got {connection.vendor}"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    """Personas are made in almost every test: a fast hasher halves the suite's time. The test of
    the real hasher sets it back."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _local_sandbox_allowed(settings):  # type: ignore[no-untyped-def]
    settings.FIELDBOOK_ALLOW_LOCAL_SANDBOX = True


# --- personas ----------------------------------------------------------------------------------


@pytest.fixture
def org_a(db):  # type: ignore[no-untyped-def]
    from fieldbook.core.models import Organisation

    return Organisation.objects.create(name="Alpha Heating Ltd", slug="alpha")


@pytest.fixture
def org_b(db):  # type: ignore[no-untyped-def]
    from fieldbook.core.models import Organisation

    return Organisation.objects.create(name="Bravo Plumbing Ltd", slug="bravo")


def _member(org, username: str, role: str = "admin"):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from fieldbook.core.models import Membership

    user = get_user_model().objects.create_user(username=username, password="correct horse battery")
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


@pytest.fixture
def alice(org_a):  # type: ignore[no-untyped-def]
    """Admin of organisation A."""
    return _member(org_a, "alice")


@pytest.fixture
def bob(org_a):  # type: ignore[no-untyped-def]
    """Staff member of organisation A."""
    return _member(org_a, "bob", "staff")


@pytest.fixture
def carol(org_b):  # type: ignore[no-untyped-def]
    """Admin of organisation B: must never see A's rows."""
    return _member(org_b, "carol")


@pytest.fixture
def client_a(client, alice):  # type: ignore[no-untyped-def]
    client.force_login(alice)
    return client


@pytest.fixture
def client_b(alice, carol):  # type: ignore[no-untyped-def]
    from django.test import Client

    c = Client()
    c.force_login(carol)
    return c
