"""Re-running analysis on a store with themes: ids stay, edits survive, only the rest is proposed."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select, update

from askwhy.analysis.discovered import DiscoveredTheme, text_key
from askwhy.analysis.theme_matching import KnownTheme, kept_share, place_themes
from askwhy.bootstrap import Container
from askwhy.domain.scales import Metric
from askwhy.insights import analyse_responses, codebook, importing, propose_themes
from askwhy.insights.feedback_files import ColumnMapping
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, Theme, ThemeMention
from askwhy.store.tables import Response

pytest_plugins = ("tests.insights.fixtures",)

TOPICS = {
    "delivery": [
        "the delivery was late",
        "my parcel arrived late",
        "shipping took two weeks",
        "courier lost it",
    ],
    "staff": ["the support agent was rude", "staff were unhelpful", "nobody answered my email", "rude agent"],
    "price": ["great price for the quality", "the price is fair", "too expensive for what it is", "cheap"],
    "fit": ["the dress fits perfectly", "the size runs small", "runs large in the waist", "fit is great"],
    "fabric": [
        "the fabric feels thin",
        "lovely soft material",
        "the cotton shrank in the wash",
        "itchy wool",
    ],
    "returns": [
        "the refund never arrived",
        "returns were easy",
        "still waiting for my refund",
        "return label",
    ],
    "colour": [
        "the colour faded quickly",
        "colour is not as pictured",
        "beautiful bright colours",
        "dull grey",
    ],
    "website": [
        "the website kept crashing",
        "checkout was confusing",
        "the app is slow",
        "search is useless",
    ],
}
DETAILS = ["", "honestly", "this time", "again", "overall", "to be fair", "as usual", "sadly", "luckily"]
MAPPING = ColumnMapping(text="comment", score="score", metric=Metric.CSAT, id="id")


def feedback(count: int, *, start: int = 0, seed: int = 1) -> list[tuple[str, str, int]]:
    """(id, comment, score) rows: one or two topics each, in varied words, reproducible."""
    draw = random.Random(seed)
    names = list(TOPICS)
    rows = []
    for i in range(start, start + count):
        first = names[i % len(names)]
        parts = [draw.choice(TOPICS[first])]
        if draw.random() < 0.4:
            parts.append(draw.choice(TOPICS[draw.choice(names)]))
        detail = draw.choice(DETAILS)
        text = ". ".join(p.capitalize() for p in parts) + (f", {detail}." if detail else ".")
        rows.append((f"r{i}", text, 1 + draw.randrange(5)))
    return rows


def write(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "comment", "score"])
        writer.writerows(rows)
    return path


def analyse(container: Container, path: Path) -> propose_themes.DiscoveryResult:
    """Import a file and run the whole analysis, as `askwhy analyze` does on an existing store."""
    importing.import_feedback(
        sessions=container.sessions,
        path=path,
        mapping=MAPPING,
        program="reviews",
        channel="import",
        now=container.clock.now(),
    )
    rule = container.assignment_rule
    analyse_responses.enrich_pending(
        sessions=container.sessions, enricher=container.enricher, rule=rule, now=container.clock.now
    )
    with container.sessions.begin() as session:
        return propose_themes.discover(session=session, rule=rule, now=container.clock.now())


def codebook_rows(container: Container) -> dict[str, tuple[str, str, str | None, str | None]]:
    """Every theme: id → (label, status, parent, merged into)."""
    with container.sessions() as session:
        return {
            t.id: (t.label, t.status, t.parent_id, t.merged_into_id) for t in session.scalars(select(Theme))
        }


def test_adding_ten_percent_more_data_keeps_the_themes_and_their_ids(
    insights_container: Container, tmp_path: Path
) -> None:
    first = analyse(insights_container, write(tmp_path / "a.csv", feedback(400)))
    before = codebook_rows(insights_container)
    assert len(first.themes) >= 2

    second = analyse(insights_container, write(tmp_path / "b.csv", feedback(40, start=400, seed=2)))
    after = codebook_rows(insights_container)

    assert kept_share(list(before), list(after)) >= 0.9
    assert {i: after[i] for i in before} == before  # same labels, statuses and places
    live_tops = [label for label, status, parent, _ in after.values() if status != "merged" and not parent]
    assert len(live_tops) == len(set(live_tops)), "a re-run proposed a theme the codebook already has"
    assert not set(second.themes) & set(before)


def test_running_discovery_again_on_the_same_data_changes_nothing(
    insights_container: Container, tmp_path: Path
) -> None:
    analyse(insights_container, write(tmp_path / "a.csv", feedback(400)))
    before = codebook_rows(insights_container)
    with insights_container.sessions() as session:
        mentions = set(session.execute(select(ThemeMention.sentence_id, ThemeMention.theme_id)))

    with insights_container.sessions.begin() as session:
        again = propose_themes.discover(
            session=session, rule=insights_container.assignment_rule, now=insights_container.clock.now()
        )
        after = set(session.execute(select(ThemeMention.sentence_id, ThemeMention.theme_id)))

    assert again.themes == []
    assert again.subthemes == []
    assert codebook_rows(insights_container) == before
    assert after >= mentions


def test_edited_themes_survive_a_rerun_unchanged(insights_container: Container, tmp_path: Path) -> None:
    analyse(insights_container, write(tmp_path / "a.csv", feedback(400)))
    now = insights_container.clock.now()
    with insights_container.sessions.begin() as session:
        tops = list(session.scalars(select(Theme.id).where(Theme.parent_id.is_(None)).order_by(Theme.label)))
        renamed, accepted = tops[:2]
        subthemes = select(Theme.id).where(Theme.parent_id == tops[2]).order_by(Theme.label)
        merged, into = list(session.scalars(subthemes))[:2]
        codebook.rename(session=session, theme_id=renamed, label="what people call it", now=now)
        codebook.accept(session=session, theme_id=accepted, now=now)
        codebook.merge(session=session, theme_id=merged, into_id=into, now=now)
    edited = codebook_rows(insights_container)

    analyse(insights_container, write(tmp_path / "b.csv", feedback(40, start=400, seed=2)))
    after = codebook_rows(insights_container)

    assert {i: after[i] for i in (renamed, accepted, merged, into)} == {
        i: edited[i] for i in (renamed, accepted, merged, into)
    }
    assert after[renamed][0] == "what people call it"
    assert after[accepted][1] == "accepted"
    assert after[merged][1:] == ("merged", edited[merged][2], into)


def test_the_same_rows_in_another_order_give_the_same_ids_and_labels(
    insights_container: Container, tmp_path: Path
) -> None:
    rows = feedback(400)
    analyse(insights_container, write(tmp_path / "a.csv", rows))
    first = codebook_rows(insights_container)
    _empty(insights_container)

    shuffled = rows[:]
    random.Random(5).shuffle(shuffled)
    analyse(insights_container, write(tmp_path / "b.csv", shuffled))

    assert codebook_rows(insights_container) == first


def test_a_proposed_themes_sentences_back_in_the_pool_find_that_theme_again(
    insights_container: Container, tmp_path: Path
) -> None:
    analyse(insights_container, write(tmp_path / "a.csv", feedback(400)))
    before = codebook_rows(insights_container)
    with insights_container.sessions.begin() as session:
        theme = session.scalars(select(Theme).where(Theme.parent_id.is_(None)).order_by(Theme.label)).first()
        assert theme is not None
        family = [theme.id, *session.scalars(select(Theme.id).where(Theme.parent_id == theme.id))]
        members = list(
            session.scalars(select(ThemeMention.sentence_id).where(ThemeMention.theme_id.in_(family)))
        )
        session.execute(delete(ThemeMention).where(ThemeMention.sentence_id.in_(members)))
        session.execute(update(Sentence).where(Sentence.id.in_(members)).values(theme_state="pool"))
        theme_id = theme.id

    with insights_container.sessions.begin() as session:
        again = propose_themes.discover(
            session=session, rule=insights_container.assignment_rule, now=insights_container.clock.now()
        )
        back = set(session.scalars(select(ThemeMention.sentence_id).where(ThemeMention.theme_id == theme_id)))
        fresh = set(session.scalars(select(Theme.id))) - set(before)
        elsewhere = set(
            session.scalars(select(ThemeMention.sentence_id).where(ThemeMention.theme_id.in_(fresh)))
        )

    after = codebook_rows(insights_container)
    assert theme_id in again.found_again
    assert {i: after[i] for i in before} == before
    assert len(back & set(members)) >= 0.9 * len(set(members))
    assert len(elsewhere & set(members)) <= 0.1 * len(set(members)), "a near-identical new theme took them"


def test_a_discovered_theme_is_matched_by_shared_texts_label_or_near_centre() -> None:
    texts = ["late parcel", "parcel came late", "late again", "rude agent"]
    centre = np.array([1.0, 0.0], dtype=np.float32)
    found = DiscoveredTheme("late parcel", "", (), (0, 1, 2), centre, 3, None, (0,), id="new")
    keys = frozenset(text_key(t) for t in texts[:2])
    far = np.array([0.0, 1.0], dtype=np.float32)
    near = np.array([0.95, 0.312], dtype=np.float32)

    by_texts = place_themes([found], texts, [KnownTheme("old", "delivery", far, keys)])
    by_label = place_themes([found], texts, [KnownTheme("old", "Late parcel", far)])
    by_centre = place_themes([found], texts, [KnownTheme("old", "delivery", near)])
    apart = place_themes(
        [found], texts, [KnownTheme("old", "delivery", far, frozenset({text_key(texts[3])}))]
    )

    assert [p[0].id for p in (by_texts, by_label, by_centre)] == ["old", "old", "old"]
    assert (apart[0].known, apart[0].id) == (None, "new")


def _empty(container: Container) -> None:
    """A store with no responses and no themes, as a fresh database would be (ids keep counting)."""
    with container.sessions.begin() as session:
        session.execute(delete(ThemeMention))
        session.execute(delete(Sentence))
        session.execute(delete(ResponseAnalysis))
        session.execute(update(Theme).values(parent_id=None, merged_into_id=None))
        session.execute(delete(Theme))
        session.execute(delete(Response))
