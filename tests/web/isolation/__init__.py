"""Isolation registry. Every URL pattern must be in exactly one of these, per app module:

- OBJECTS: patterns naming an object: {name: (factory(org) -> (row, url_kwargs), methods)}.
  The meta-test creates the row in organisation A, requests it as a user of B, asserts 404 and
  that the row is unchanged.
- LISTS: list/search pages: {name: factory(org) -> marker text, or (marker, url kwargs)}. B's user
  never sees A's marker.
- FOREIGN_POSTS: create forms and bulk actions taking ids: {name: check(client_b, org_a)}, a
  function that posts A's ids as B and asserts they were refused and nothing changed.
- ALLOWED: patterns open by design (login, logout) or guarded otherwise (admin: superusers).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

OBJECTS: dict[str, tuple[Callable[[Any], tuple[Any, dict[str, Any]]], tuple[str, ...]]] = {}
LISTS: dict[str, Callable[[Any], str]] = {}
FOREIGN_POSTS: dict[str, Callable[[Any, Any], None]] = {}
ALLOWED: set[str] = set()


def load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        mod = importlib.import_module(f"{__name__}.{module.name}")
        OBJECTS.update(getattr(mod, "OBJECTS", {}))
        LISTS.update(getattr(mod, "LISTS", {}))
        FOREIGN_POSTS.update(getattr(mod, "FOREIGN_POSTS", {}))
        ALLOWED.update(getattr(mod, "ALLOWED", set()))
