"""The composition root: builds every adapter once, from settings, with overrides for tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from askwhy.analysis.assignment import STRONG_SIMILARITY
from askwhy.analysis.embeddings import DEFAULT_MODEL, Embedder
from askwhy.analysis.enrichment import Enricher
from askwhy.analysis.multilingual_embeddings import (
    MULTILINGUAL_MODEL,
    MultilingualE5Embedder,
    check_installed,
)
from askwhy.analysis.quotes import NEAR_DUPLICATE
from askwhy.analysis.similarity_scale import DEFAULT_SCALE, SimilarityScale, measure_scale
from askwhy.channels.adapter import ChannelAdapter, ChatLink, SenderNeeds
from askwhy.channels.base import Sender
from askwhy.channels.registry import build_senders
from askwhy.clock import Clock, SystemClock
from askwhy.conversations.inbound import Answering
from askwhy.conversations.webhook_storing import PARSERS, Parser, Storing, parser_of
from askwhy.conversations.wording import LLMWording
from askwhy.domain import channels as channel_table
from askwhy.domain.conversation import Channel
from askwhy.insights.code_responses import AssignmentRule
from askwhy.interview.llm import LLMClient
from askwhy.llm import llm_client_from
from askwhy.outbox.delivery import Delivering, RetryPolicy
from askwhy.outbox.write_hook import watch_outbox
from askwhy.outreach import chat_links
from askwhy.programs.guides import GuideLibrary
from askwhy.queue.jobs import Jobs, make_jobs
from askwhy.settings import Settings
from askwhy.store.database import make_engine, make_read_sessions, make_sessions
from askwhy.store.inbox import Inbox, open_inbox
from askwhy.tasks import register_tasks
from askwhy.tasks.voice_notes import hearing_from


@dataclass
class Container:
    """What the app, the CLI and the worker share. Built by `bootstrap`, never at import."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    """Sessions for work that writes (on SQLite each transaction takes the single write turn)."""
    reads: sessionmaker[Session]
    """Sessions for reads only: they never wait for, or hold up, a writer."""
    guides: GuideLibrary
    clock: Clock
    jobs: Jobs
    embedder_factory: Callable[[], Embedder]
    senders: dict[Channel, Sender] = field(default_factory=dict)
    """The configured channels' senders, used by the outbox worker (`askwhy.outbox.delivery`)."""
    added: dict[str, ChannelAdapter] = field(default_factory=dict)
    """Channels added at start-up (`askwhy.channels.adapter`), by name: their webhooks take the
    shared route."""
    llm: LLMWording | None = None
    """The optional LLM that words the interviewer's follow-ups (`askwhy.conversations.wording`);
    None when ``ASKWHY_LLM_BASE_URL`` is unset, and nothing then waits for or calls one."""
    _embedder: Embedder | None = field(default=None, init=False, repr=False)
    _embedder_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _scale: SimilarityScale | None = field(default=None, init=False, repr=False)
    _scale_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _inbox: Inbox | None = field(default=None, init=False, repr=False)
    _inbox_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (a few seconds) and shared afterwards."""
        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = self.embedder_factory()
            return self._embedder

    @property
    def enricher(self) -> Enricher:
        """The analysis pipeline on the embedding model (loaded on first use)."""
        return Enricher(
            self.embedder,
            model_name=self.settings.embedding_model,
            default_region=self.settings.redaction_region,
        )

    @property
    def assignment_rule(self) -> AssignmentRule:
        """The theme assignment rule the settings describe."""
        scale = self.similarity_scale
        return AssignmentRule(
            threshold=scale.threshold(self.settings.theme_similarity),
            margin=scale.difference(self.settings.theme_margin),
            max_themes=self.settings.theme_max_per_sentence,
            strong=scale.threshold(STRONG_SIMILARITY),
            near_duplicate=self.near_duplicate,
        )

    @property
    def near_duplicate(self) -> float:
        """The cosine at which two texts (quotes) or theme centres say the same thing, on the
        embedding model's own scale (`NEAR_DUPLICATE` is the default model's)."""
        return self.similarity_scale.near_duplicate(NEAR_DUPLICATE)

    @property
    def similarity_scale(self) -> SimilarityScale:
        """The embedding model's similarity scale: the default model's own, or measured once for
        another model on the packaged calibration set (about 7 s for multilingual-e5-small)."""
        if self.settings.embedding_model == DEFAULT_MODEL:
            return DEFAULT_SCALE
        with self._scale_lock:
            if self._scale is None:
                self._scale = measure_scale(self.embedder)
            return self._scale

    @property
    def inbox(self) -> Inbox:
        """The webhook inbox (`askwhy.store.inbox`), opened on first use."""
        with self._inbox_lock:
            if self._inbox is None:
                self._inbox = open_inbox(self.engine)
            return self._inbox

    @property
    def answering(self) -> Answering:
        """The ports answering stored messages uses (`askwhy.conversations.inbound`)."""
        return Answering(
            sessions=self.sessions,
            reads=self.reads,
            guides=self.guides,
            clock=self.clock,
            llm=self.llm,
            hearing=hearing_from(self.settings),
        )

    @property
    def storing(self) -> Storing:
        """The ports storing webhook deliveries uses (`askwhy.conversations.webhook_storing`)."""
        return Storing(
            sessions=self.sessions,
            jobs=self.jobs,
            guides=self.guides,
            clock=self.clock,
            max_attempts=self.settings.inbox_max_attempts,
            parsers=self.parsers,
        )

    @property
    def parsers(self) -> dict[str, Parser]:
        """Each inbox channel's parser: askwhy's own and the added channels'."""
        added = {name: parser_of(a.webhook) for name, a in self.added.items() if a.webhook is not None}
        return {**PARSERS, **added}

    @property
    def delivering(self) -> Delivering:
        """The ports the outbox worker uses (`askwhy.outbox.delivery`), with the current settings."""
        return Delivering(
            sessions=self.sessions,
            reads=self.reads,
            clock=self.clock,
            jobs=self.jobs,
            senders=self.senders,
            policy=RetryPolicy.from_settings(self.settings),
        )

    def close(self) -> None:
        if self._inbox is not None and self._inbox.engine is not self.engine:
            self._inbox.engine.dispose()
        if self.llm is not None and callable(close_llm := getattr(self.llm.client, "close", None)):
            close_llm()
        self.engine.dispose()


def bootstrap(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    guides: GuideLibrary | None = None,
    engine: Engine | None = None,
    embedder: Embedder | None = None,
    senders: dict[Channel, Sender] | None = None,
    channels: tuple[ChannelAdapter, ...] = (),
    llm: LLMClient | None = None,
) -> Container:
    """Wire askwhy from settings; tests pass fakes for the clock, guides, engine, senders or LLM.

    ``channels`` adds providers beyond askwhy's own: their facts join the channel table, their
    configured senders the others, and their webhooks the shared route."""
    settings = settings or Settings()
    for adapter in channels:
        channel_table.register(adapter.name, adapter.facts)
    if senders is None:
        needs = SenderNeeds(chat_link=_chat_link(settings))
        senders = build_senders(settings, needs=needs, added=channels)
    engine = engine or make_engine(settings.resolved_database_url)
    container = Container(
        settings=settings,
        engine=engine,
        sessions=make_sessions(engine),
        reads=make_read_sessions(engine),
        guides=guides if guides is not None else GuideLibrary.from_folder(settings.guides_dir),
        clock=clock or SystemClock(),
        jobs=make_jobs(settings),
        embedder_factory=(lambda: embedder) if embedder else _embedder_from(settings),
        senders=senders,
        added={adapter.name: adapter for adapter in channels},
        llm=_llm_from(settings, client=llm),
    )
    register_tasks(container.jobs, container)
    watch_outbox(sessions=container.sessions, jobs=container.jobs, clock=container.clock)
    return container


def _llm_from(settings: Settings, *, client: LLMClient | None) -> LLMWording | None:
    """The given client, else the one the ``ASKWHY_LLM_*`` settings describe, else no LLM."""
    client = client or llm_client_from(settings)
    return None if client is None else LLMWording(client=client, timeout=settings.llm_timeout_seconds)


def _chat_link(settings: Settings) -> ChatLink:
    return chat_links.link_maker(
        secret_key=settings.secret_key.get_secret_value(), base_url=settings.public_base_url
    )


def _embedder_from(settings: Settings) -> Callable[[], Embedder]:
    if settings.embedding_model == MULTILINGUAL_MODEL:
        check_installed()
        return lambda: MultilingualE5Embedder(batch_size=settings.embedding_batch_size)

    def load() -> Embedder:
        from askwhy.analysis.embeddings import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(
            settings.embedding_model,
            batch_size=settings.embedding_batch_size,
            max_seq_length=settings.embedding_max_seq_length,
            precision=settings.embedding_precision,
            threads=settings.embedding_threads or _cores(),
        )

    return load


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
