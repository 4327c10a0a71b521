"""The codebook: discovery proposes themes from the pool; edits never move other themes' ids or members."""

from __future__ import annotations

from collections import defaultdict

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.bootstrap import Container
from askwhy.insights import codebook
from askwhy.insights.theme_views import list_themes, show_theme
from askwhy.store.analysis_tables import Sentence, Theme, ThemeMention

pytest_plugins = ("tests.insights.fixtures",)


def memberships(session: Session) -> dict[str, set[int]]:
    members: dict[str, set[int]] = defaultdict(set)
    for sentence_id, theme_id in session.execute(select(ThemeMention.sentence_id, ThemeMention.theme_id)):
        members[theme_id].add(sentence_id)
    return dict(members)


def test_discovery_proposes_themes_with_quotes_from_the_pool(analysed: Container) -> None:
    with analysed.sessions() as session:
        themes = list_themes(session=session)
        assert len(themes) >= 4
        assert all(t.status == "proposed" and t.mentions >= 5 for t in themes)
        detail = show_theme(session=session, theme_id=themes[0].id, quotes=3, near_duplicate=NEAR_DUPLICATE)
        texts = [q.text for q in detail.quotes]
        assert 1 <= len(texts) <= 3
        assert len(set(texts)) == len(texts)
        pooled = session.scalars(select(Sentence).where(Sentence.theme_state == "pool")).all()
        themed = session.scalars(select(Sentence).where(Sentence.theme_state == "themed")).all()
    assert len(themed) > len(pooled)


def test_rename_accept_merge_split_delete_keep_other_ids_and_members(analysed: Container) -> None:
    now = analysed.clock.now()
    with analysed.sessions.begin() as session:
        before = memberships(session)
        ids = sorted(before, key=lambda t: -len(before[t]))
        first, second, third, fourth = ids[:4]
        codebook.rename(session=session, theme_id=first, label="Late parcels", now=now)
        codebook.accept(session=session, theme_id=first, now=now)
    with analysed.sessions.begin() as session:
        assert memberships(session) == before
        theme = session.get(Theme, first)
        assert theme is not None
        assert (theme.label, theme.status) == ("Late parcels", "accepted")

        codebook.merge(session=session, theme_id=second, into_id=third, now=now)
    with analysed.sessions.begin() as session:
        after_merge = memberships(session)
        assert after_merge[third] == before[second] | before[third]
        assert second not in after_merge
        assert {t: m for t, m in after_merge.items() if t != third} == {
            t: m for t, m in before.items() if t not in (second, third)
        }
        merged = session.get(Theme, second)
        assert merged is not None
        assert (merged.status, merged.merged_into_id) == ("merged", third)

        children = codebook.split(session=session, theme_id=first, now=now)
    with analysed.sessions.begin() as session:
        after_split = memberships(session)
        assert len(children) == 2
        assert all(c.parent_id == first for c in children)
        assert set().union(*(after_split[c.id] for c in children)) == before[first]
        assert first not in after_split
        untouched = {t for t in after_merge if t != first}
        assert {t: after_split[t] for t in untouched} == {t: after_merge[t] for t in untouched}

        codebook.delete_theme(session=session, theme_id=fourth)
    with analysed.sessions() as session:
        after_delete = memberships(session)
        assert fourth not in after_delete
        assert after_delete == {t: m for t, m in after_split.items() if t != fourth}
        orphans = before[fourth] - set().union(*after_delete.values())
        states = set(session.scalars(select(Sentence.theme_state).where(Sentence.id.in_(orphans))))
        assert states <= {"pool"}


def test_editing_a_merged_or_missing_theme_says_why(analysed: Container) -> None:
    now = analysed.clock.now()
    with analysed.sessions.begin() as session:
        a, b = [t.id for t in list_themes(session=session)][:2]
        codebook.merge(session=session, theme_id=a, into_id=b, now=now)
        with pytest.raises(codebook.CodebookError, match="merged into"):
            codebook.rename(session=session, theme_id=a, label="x", now=now)
        with pytest.raises(codebook.CodebookError, match="itself"):
            codebook.merge(session=session, theme_id=b, into_id=b, now=now)
        with pytest.raises(codebook.ThemeNotFound):
            codebook.accept(session=session, theme_id="nope", now=now)


def test_new_sentences_are_assigned_to_existing_themes_with_polarity(analysed: Container) -> None:
    from askwhy.insights.analyse_responses import enrich_pending
    from askwhy.store.tables import Response

    now = analysed.clock.now()
    with analysed.sessions.begin() as session:
        session.add(
            Response(
                program="reviews",
                guide_id="import",
                channel="import",
                metric="csat",
                score=1,
                band="detractor",
                comment="The support agent was rude.",
                source="import",
                external_id="new",
                language="",
                completion="completed",
                responded_at=now,
                updated_at=now,
            )
        )
    enrich_pending(
        sessions=analysed.sessions,
        enricher=analysed.enricher,
        rule=analysed.assignment_rule,
        now=analysed.clock.now,
    )
    with analysed.sessions() as session:
        response_id = session.scalars(select(Response.id).where(Response.external_id == "new")).one()
        mentions = session.scalars(select(ThemeMention).where(ThemeMention.response_id == response_id)).all()
    assert mentions
    assert all(m.polarity == -1 for m in mentions)


def test_every_mention_points_the_way_of_its_sentence_label(analysed: Container) -> None:
    from askwhy.store.analysis_tables import Sentence

    direction = {"positive": 1, "neutral": 0, "negative": -1}
    with analysed.sessions() as session:
        rows = session.execute(
            select(Sentence.sentiment, ThemeMention.polarity).join(
                ThemeMention, ThemeMention.sentence_id == Sentence.id
            )
        ).all()
    assert rows
    assert all(polarity == direction[label] for label, polarity in rows)


def test_a_neutral_sentence_is_a_neutral_mention_whatever_its_score() -> None:
    from askwhy.insights.code_responses import mention_rows

    rows = mention_rows(sentence_id=1, response_id="r", sentiment="neutral", matches=[("t", 0.7), ("u", 0.6)])
    assert [row["polarity"] for row in rows] == [0, 0]
    assert (
        mention_rows(sentence_id=1, response_id="r", sentiment="negative", matches=[("t", 0.7)])[0][
            "polarity"
        ]
        == -1
    )
