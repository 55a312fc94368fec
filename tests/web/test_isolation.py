"""Isolation, proven for every URL pattern (see tests/web/isolation/__init__.py)."""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.web import isolation

isolation.load_all()


def _walk(patterns: list[Any], namespace: str = "") -> list[str]:
    names = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            names += _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern):
            names.append(f"{namespace}{p.name}" if p.name else f"{namespace}<unnamed {p.pattern}>")
    return names


ALL_PATTERNS = _walk(get_resolver().url_patterns)


def _all_fields(row: Any) -> dict[str, Any]:
    # Every column, including the non-editable ones (version, updated_at, closed_at...) that
    # model_to_dict leaves out: a foreign POST that only bumps a version must fail too.
    return {f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields}


def _covered(name: str) -> int:
    allowed = any(fnmatch(name, a) for a in isolation.ALLOWED)
    return sum([name in isolation.OBJECTS, name in isolation.LISTS, name in isolation.FOREIGN_POSTS, allowed])


def test_every_url_pattern_is_covered_exactly_once() -> None:
    assert len(ALL_PATTERNS) > 5
    uncovered = [n for n in ALL_PATTERNS if _covered(n) != 1]
    assert not uncovered, f"URL patterns with no (or several) isolation cases: {uncovered}"


def test_the_registry_names_no_pattern_that_does_not_exist() -> None:
    stale = set(isolation.OBJECTS) | set(isolation.LISTS) | set(isolation.FOREIGN_POSTS)
    assert not stale - set(ALL_PATTERNS)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(isolation.OBJECTS))
def test_object_of_another_organisation_is_404_and_unchanged(name, org_a, client_b) -> None:  # type: ignore[no-untyped-def]
    factory, methods = isolation.OBJECTS[name]
    row, kwargs = factory(org_a)
    before = _all_fields(row)
    url = reverse(name, kwargs=kwargs)
    for method in methods:
        response = client_b.get(url) if method == "GET" else client_b.post(url, {"name": "hijacked"})
        assert response.status_code == 404, f"{method} {url} gave {response.status_code}"
    assert _all_fields(type(row).objects.get(pk=row.pk)) == before


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(isolation.LISTS))
def test_lists_never_show_another_organisations_rows(name, org_a, client_b) -> None:  # type: ignore[no-untyped-def]
    marker = isolation.LISTS[name](org_a)
    marker, kwargs = marker if isinstance(marker, tuple) else (marker, {})
    response = client_b.get(reverse(name, kwargs=kwargs), {"compare": "1"})
    assert response.status_code == 200
    assert marker not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(isolation.FOREIGN_POSTS))
def test_posting_another_organisations_ids_is_refused(name, org_a, client_b) -> None:  # type: ignore[no-untyped-def]
    isolation.FOREIGN_POSTS[name](client_b, org_a)
