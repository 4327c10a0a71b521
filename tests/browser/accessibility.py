"""Accessibility checks in the browser: axe-core (vendored, MPL-2.0) run on the page as it is shown.

``tests/browser/vendor/axe.min.js`` is axe-core 4.14.1 from the npm registry (``npm pack
axe-core@4``), its licence beside it. The script goes in through the DevTools protocol, which a
page's Content-Security-Policy does not govern: the workspace's policy (scripts from its own
origin only) stays on while the check runs, so the page is checked as people get it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
BLOCKING = ("serious", "critical")
"""The impacts a page may not have; minor and moderate findings are left to review."""

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations on ``page`` with impact serious or critical: rule id, help, impact, targets."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        devtools = page.context.new_cdp_session(page)
        devtools.send("Runtime.evaluate", {"expression": _source()})
        devtools.detach()
    found: list[dict[str, Any]] = page.evaluate(_RUN)
    return [violation for violation in found if violation["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    """One readable line per violation, with the elements it was found on."""
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} — at {', '.join(v['targets'][:5])}" for v in violations
    )


def assert_accessible(page: Any, name: str) -> None:
    """Fail with the list of serious or critical axe violations of ``page`` (called ``name``)."""
    violations = serious_violations(page)
    assert not violations, f"{name} ({page.url}) has accessibility violations:\n{describe(violations)}"


class Findings:
    """axe's findings over a whole journey: each page is checked as it is reached, and the journey
    fails at its end with every page's violations, so one page's problem hides no other's."""

    def __init__(self) -> None:
        self.pages: dict[str, list[dict[str, Any]]] = {}

    def check(self, page: Any, name: str) -> None:
        self.pages[name] = serious_violations(page)

    def assert_none(self) -> None:
        found = {name: violations for name, violations in self.pages.items() if violations}
        report = "\n".join(f"{name}:\n{describe(violations)}" for name, violations in found.items())
        assert not found, f"serious or critical accessibility violations:\n{report}"
