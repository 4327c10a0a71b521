"""A response's language: from its text, or from its conversation's locale when the text is too short."""

from __future__ import annotations

from sqlalchemy import select

from askwhy.analysis.embeddings import HashingEmbedder
from askwhy.analysis.enrichment import Enricher
from askwhy.analysis.language import language_with_locale
from askwhy.bootstrap import Container
from askwhy.insights.analyse_responses import enrich_responses
from askwhy.insights.code_responses import AssignmentRule
from askwhy.store.analysis_tables import ResponseAnalysis
from askwhy.store.tables import Response

pytest_plugins = ("tests.insights.fixtures",)


def test_the_locale_decides_only_what_the_text_cannot() -> None:
    assert language_with_locale("und", locale="es-MX") == "es"
    assert language_with_locale("und", locale="pt_BR") == "pt"
    assert language_with_locale("en", locale="es") == "en"
    assert language_with_locale("und", locale="") == "und"
    assert language_with_locale("und", locale=None) == "und"
    assert language_with_locale("und", locale="??") == "und"


def _response(container: Container, comment: str, *, language: str, external_id: str) -> str:
    now = container.clock.now()
    with container.sessions.begin() as session:
        row = Response(
            program="shop",
            guide_id="import",
            channel="import",
            metric="none",
            band="unknown",
            comment=comment,
            source="import",
            external_id=external_id,
            language=language,
            completion="completed",
            responded_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        return row.id


def test_a_one_word_reply_takes_its_conversations_language_and_a_clear_text_keeps_its_own(
    insights_container: Container,
) -> None:
    container = insights_container
    short = _response(container, "ok", language="es-MX", external_id="a")
    text = "The parcel arrived two weeks late and nobody answered my emails."
    clear = _response(container, text, language="es", external_id="b")
    unknown = _response(container, "ok", language="", external_id="c")
    enrich_responses(
        sessions=container.sessions,
        enricher=Enricher(HashingEmbedder()),
        response_ids=[short, clear, unknown],
        rule=AssignmentRule(),
        now=container.clock.now(),
    )
    with container.sessions() as session:
        rows = session.execute(select(ResponseAnalysis.response_id, ResponseAnalysis.language))
        found = {row.response_id: row.language for row in rows}
        stored = {row.id: row.language for row in session.execute(select(Response.id, Response.language))}
    assert found == {short: "es", clear: "en", unknown: "und"}
    assert stored[short] == "es-MX"
