"""Two workers coding the same sentences at once store what one would, with no error.

On PostgreSQL a second coder waits on the first one's uncommitted theme mentions and, once that
commits, must not fail on the same (sentence, theme) keys; on SQLite the second waits for its
write turn. Discovery, which proposes themes with ids taken from their content, runs one at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from askwhy.alerts.pool_discovery import POOL_MARK, discover_if_grown
from askwhy.bootstrap import Container
from askwhy.insights.analyse_responses import enrich_responses
from askwhy.insights.code_responses import assign_pool
from askwhy.store import alerts
from askwhy.store.analysis_tables import ResponseAnalysis, Sentence, Theme, ThemeMention
from askwhy.store.tables import Response

pytest_plugins = ("tests.insights.fixtures",)

Stored = tuple[set[tuple[int, str, float, int]], set[tuple[int, str]], set[str]]


def _stored(container: Container) -> Stored:
    """Every mention, every sentence's theme state and every theme id."""
    with container.reads() as session:
        mentions = session.execute(
            select(
                ThemeMention.sentence_id,
                ThemeMention.theme_id,
                ThemeMention.similarity,
                ThemeMention.polarity,
            )
        )
        states = session.execute(select(Sentence.id, Sentence.theme_state))
        return (
            {(s, t, similarity, polarity) for s, t, similarity, polarity in mentions},
            {(s, state) for s, state in states},
            set(session.scalars(select(Theme.id))),
        )


def _at_once(container: Container, work: Callable[[], object]) -> list[BaseException]:
    """Run ``work`` twice at once: the second starts while the first, written but not committed,
    holds its rows (and its write turn on SQLite) for a second. Returns what the second raised."""
    failures: list[BaseException] = []
    second: list[threading.Thread] = []
    main = threading.current_thread()

    def run_again() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the test
            failures.append(exc)

    def hold(session: Session) -> None:
        if threading.current_thread() is main and not second:
            second.append(threading.Thread(target=run_again))
            second[0].start()
            second[0].join(timeout=1.0)  # the second now waits on the first's rows, lock or turn

    event.listen(container.sessions, "before_commit", hold)
    try:
        work()
    finally:
        event.remove(container.sessions, "before_commit", hold)
    assert second, "the first run committed"
    second[0].join(timeout=60)
    assert not second[0].is_alive()
    return failures


def _back_to_the_pool(container: Container) -> None:
    """Every themed sentence back in the pool, its mentions gone: coding has it all to do again."""
    with container.sessions.begin() as session:
        session.execute(delete(ThemeMention))
        session.execute(update(Sentence).where(Sentence.theme_state == "themed").values(theme_state="pool"))


def _nothing_discovered(container: Container) -> None:
    """No theme, every sentence in the pool and no discovery run yet."""
    with container.sessions.begin() as session:
        session.execute(delete(ThemeMention))
        session.execute(delete(Theme))
        session.execute(update(Sentence).values(theme_state="pool"))
        alerts.set_mark(session=session, name=POOL_MARK, value=0, now=container.clock.now())


def test_two_coders_of_the_same_pool_store_what_one_would(analysed: Container) -> None:
    def code() -> object:
        with analysed.sessions.begin() as session:
            return assign_pool(session=session, rule=analysed.assignment_rule)

    _back_to_the_pool(analysed)
    code()
    expected = _stored(analysed)
    assert expected[0], "the pool finds its themes again"
    _back_to_the_pool(analysed)
    assert _at_once(analysed, code) == []
    assert _stored(analysed) == expected


def test_two_discoveries_of_the_same_pool_store_what_one_would(analysed: Container) -> None:
    results: list[object] = []

    def discover() -> object:
        result = discover_if_grown(
            sessions=analysed.sessions,
            rule=analysed.assignment_rule,
            now=analysed.clock.now(),
            every=1,
            min_theme_size=5,
            brand_terms=(),
        )
        results.append(result)
        return result

    _nothing_discovered(analysed)
    discover()
    expected = _stored(analysed)
    assert expected[2], "discovery proposes themes"
    _nothing_discovered(analysed)
    results.clear()
    assert _at_once(analysed, discover) == []
    assert _stored(analysed) == expected
    assert sum(result is not None for result in results) == 1, "the second found the pool discovered"


def _analysed_rows(container: Container) -> tuple[int, set[tuple[object, ...]], set[tuple[object, ...]]]:
    """How many analyses, every sentence and every mention, by response and position (not by id)."""
    with container.reads() as session:
        sentences = session.execute(
            select(Sentence.response_id, Sentence.position, Sentence.text, Sentence.theme_state)
        )
        mentions = session.execute(
            select(
                Sentence.response_id, Sentence.position, ThemeMention.theme_id, ThemeMention.similarity
            ).join(Sentence, Sentence.id == ThemeMention.sentence_id)
        )
        analyses = session.scalar(select(func.count()).select_from(ResponseAnalysis)) or 0
        return analyses, {tuple(row) for row in sentences}, {tuple(row) for row in mentions}


def test_two_analysis_batches_of_the_same_responses_store_what_one_would(analysed: Container) -> None:
    with analysed.reads() as session:
        ids = sorted(session.scalars(select(Response.id)))[::3]

    def forget() -> None:
        with analysed.sessions.begin() as session:
            session.execute(delete(Sentence).where(Sentence.response_id.in_(ids)))
            session.execute(delete(ResponseAnalysis).where(ResponseAnalysis.response_id.in_(ids)))

    def analyse() -> object:
        return enrich_responses(
            sessions=analysed.sessions,
            enricher=analysed.enricher,
            response_ids=ids,
            rule=analysed.assignment_rule,
            now=analysed.clock.now(),
        )

    forget()
    analyse()
    expected = _analysed_rows(analysed)
    assert expected[2], "the batch's sentences are coded into themes"
    forget()
    assert _at_once(analysed, analyse) == []
    assert _analysed_rows(analysed) == expected


def test_a_coder_skips_the_sentences_of_a_response_analysed_again_meanwhile(analysed: Container) -> None:
    """An edited response analysed again deletes its sentences while a coder, which read them in the
    pool, is about to code them: the coder waits, then codes the others and not those."""
    _back_to_the_pool(analysed)
    with analysed.reads() as session:
        edited = session.scalars(select(Sentence.response_id).order_by(Sentence.id)).first()
    failures: list[BaseException] = []

    def code() -> None:
        try:
            with analysed.sessions.begin() as session:
                assign_pool(session=session, rule=analysed.assignment_rule)
        except BaseException as exc:  # reported by the test
            failures.append(exc)

    analysis = analysed.sessions()
    analysis.begin()
    analysis.execute(delete(Sentence).where(Sentence.response_id == edited))
    analysis.flush()
    coder = threading.Thread(target=code)
    coder.start()
    coder.join(timeout=1.0)  # the coder now waits on the deleted sentences (or the write turn)
    analysis.commit()
    analysis.close()
    coder.join(timeout=60)
    assert not coder.is_alive()
    assert failures == []
    mentions, states, _ = _stored(analysed)
    with analysed.reads() as session:
        left = set(session.scalars(select(Sentence.id).where(Sentence.response_id == edited)))
    assert not left
    themed = {sentence for sentence, state in states if state == "themed"}
    assert themed
    assert themed == {sentence for sentence, *_ in mentions}
