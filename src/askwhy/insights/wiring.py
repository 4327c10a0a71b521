"""Building the analysis pieces from a container's settings and embedder."""

from __future__ import annotations

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
