"""A guide's keyword matcher is compiled once and kept across analysis batches while its themes'
keywords stay as they are; a changed keyword is matched from the next batch on."""

from __future__ import annotations

from askwhy.analysis.guide_themes import guide_prefix
from askwhy.insights.guide_themes import GuideCodebook, SeedTheme

GUIDE = "post-checkout"


def codebook(*keywords: str) -> GuideCodebook:
    theme = SeedTheme(f"{guide_prefix(GUIDE)}delivery", "Delivery", tuple(keywords), None)
    return GuideCodebook(themes={theme.id: theme})


def test_batches_with_the_same_keywords_share_one_matcher() -> None:
    first, second = codebook("courier", "parcel"), codebook("courier", "parcel")
    heard = first.keyword_hits(GUIDE, "the courier never came")
    assert heard == second.keyword_hits(GUIDE, "the courier came late")
    assert first._matchers[GUIDE] is second._matchers[GUIDE]


def test_a_changed_keyword_is_matched_by_the_next_batch() -> None:
    assert codebook("courier").keyword_hits(GUIDE, "my parcel was crushed") == []
    [hit] = codebook("courier", "parcel").keyword_hits(GUIDE, "my parcel was crushed")
    assert hit.endswith("delivery")
