"""Building the analysis pieces from a container's settings and embedder."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from askwhy.analysis.enrichment import Enricher
from askwhy.insights.assigning import AssignmentRule
from askwhy.settings import Settings

if TYPE_CHECKING:
    from askwhy.bootstrap import Container


def assignment_rule(settings: Settings) -> AssignmentRule:
    """The theme assignment rule the settings describe."""
    return AssignmentRule(
        threshold=settings.theme_similarity,
        margin=settings.theme_margin,
        max_themes=settings.theme_max_per_sentence,
    )


def enricher(container: Container) -> Enricher:
    """An enricher on the container's embedder (loaded on first use)."""
    return Enricher(
        container.embedder,
        model_name=container.settings.embedding_model,
        default_region=container.settings.redaction_region,
    )


WARM_UP_TEXT = "The parcel came two days late, but the support agent sorted it out kindly."


def warm_up(container: Container) -> float:
    """Load the analysis models and run them once on a sample sentence; returns the seconds taken.

    For queue workers, before they take tasks. Loading the embedding model takes seconds, most of
    them importing native libraries while holding the interpreter lock: done on first use, in the
    middle of the work, it stalled the process's other task threads (the interviewer's turns,
    deliveries) for as long. Nothing is stored.
    """
    started = time.perf_counter()
    enricher(container).enrich([WARM_UP_TEXT])
    return time.perf_counter() - started
