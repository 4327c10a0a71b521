"""The themes a program sees: those it mentions, their parents, the themes merged into them, and
every theme of a guide whose themes it mentions; nothing another program alone mentions."""

from __future__ import annotations

from datetime import UTC, datetime

from askwhy.analysis.guide_themes import guide_prefix
from askwhy.insights.program_codebook import seen_by
from askwhy.store.analysis_tables import Theme

NOW = datetime(2026, 1, 1, tzinfo=UTC)
GUIDE = guide_prefix("post-checkout")
OTHER_GUIDE = guide_prefix("pre-sales")


def theme(theme_id: str, *, parent: str | None = None, merged_into: str | None = None) -> Theme:
    return Theme(
        id=theme_id, label=theme_id, status="merged" if merged_into else "accepted", parent_id=parent,
        merged_into_id=merged_into, created_at=NOW, updated_at=NOW,
    )  # fmt: skip


CODEBOOK = [
    theme("a0"),
    theme("a1", parent="a0"),
    theme("a2", parent="a1"),
    theme("b0"),
    theme("old", merged_into="a2"),
    theme("older", merged_into="old"),
    theme(f"{GUIDE}delivery"),
    theme(f"{GUIDE}price"),
    theme(f"{OTHER_GUIDE}demo"),
]


def test_a_subtheme_brings_its_parents_and_what_was_merged_into_it() -> None:
    assert seen_by(CODEBOOK, ["a2"]) == {"a0", "a1", "a2", "old", "older"}


def test_one_guide_theme_brings_its_guide_but_not_another_guide() -> None:
    assert seen_by(CODEBOOK, [f"{GUIDE}delivery"]) == {f"{GUIDE}delivery", f"{GUIDE}price"}


def test_nothing_mentioned_sees_nothing_and_unknown_ids_are_ignored() -> None:
    assert seen_by(CODEBOOK, []) == frozenset()
    assert seen_by(CODEBOOK, ["gone"]) == frozenset()
    assert "b0" not in seen_by(CODEBOOK, ["a0"])
