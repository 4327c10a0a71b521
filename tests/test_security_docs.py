"""docs/security.md's route table names every route the server answers, and nothing else."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from askwhy.bootstrap import Container
from askwhy.service.app import create_app

from .conftest import ROOT

PAGE = ROOT / "docs" / "security.md"


def _routes(routes: Iterable[Any]) -> Iterator[str]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # a router included lazily
            yield from _routes(included.routes)
        elif getattr(route, "methods", None):
            yield from (f"{method} {route.path}" for method in sorted(route.methods - {"HEAD"}))


def _documented() -> set[str]:
    page = PAGE.read_text(encoding="utf-8")
    table = page[page.index("## Routes") : page.index("## Limits")]
    return set(re.findall(r"^\| `((?:GET|POST|PUT|PATCH|DELETE) [^`]+)` \|", table, flags=re.M))


def test_every_route_is_in_the_security_route_table(container: Container) -> None:
    served = set(_routes(create_app(container).router.routes))
    assert len(served) > 20
    missing = sorted(served - _documented())
    assert not missing, f"routes missing from docs/security.md: {missing}"


def test_the_security_route_table_names_no_route_that_does_not_exist(container: Container) -> None:
    extra = sorted(_documented() - set(_routes(create_app(container).router.routes)))
    assert not extra, f"docs/security.md names routes the server does not answer: {extra}"


def test_every_api_key_scope_is_explained() -> None:
    from askwhy.service.api_keys import SCOPES

    page = PAGE.read_text(encoding="utf-8")
    assert all(f"| `{scope}` |" in page for scope in SCOPES)
