"""The analysis tables: enriched responses, their sentences, the themes codebook and theme mentions.

A response is enriched once (redacted text, language, sentiment) and split into sentences or
clauses, each with its own sentiment and embedding. Themes have stable ids: an edit of one theme
never renumbers or reassigns another. A sentence that no theme explains waits in the pool for
discovery.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from askwhy.store.base import Base, new_id


class ResponseAnalysis(Base):
    """What enrichment learnt about one response; its absence means the response awaits enrichment."""

    __tablename__ = "response_analyses"

    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True)
    text: Mapped[str] = mapped_column(Text, comment="The comment with personal data redacted.")
    pii_found: Mapped[list[Any]] = mapped_column(default=list, comment="Kinds of personal data removed.")
    language: Mapped[str] = mapped_column(String(8))
    sentiment: Mapped[str] = mapped_column(String(10), comment="negative, neutral or positive")
    sentiment_score: Mapped[float] = mapped_column(Float, comment="-1..1")
    sentences: Mapped[int] = mapped_column(Integer, default=0)
    model: Mapped[str] = mapped_column(String(200), comment="The embedding model used.")
    enriched_at: Mapped[datetime] = mapped_column(index=True)


class Sentence(Base):
    """One sentence (or clause of a sentence) of a response, redacted, with sentiment and embedding."""

    __tablename__ = "sentences"
    __table_args__ = (Index("ix_sentences_response_position", "response_id", "position", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    response_id: Mapped[str] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(comment="Order within the response, from 0.")
    kind: Mapped[str] = mapped_column(String(8), comment="sentence or clause")
    text: Mapped[str] = mapped_column(Text, comment="Redacted.")
    sentiment: Mapped[str] = mapped_column(String(10))
    sentiment_score: Mapped[float] = mapped_column(Float)
    embedding: Mapped[bytes] = mapped_column(LargeBinary, comment="float32, L2-normalised.")
    theme_state: Mapped[str] = mapped_column(
        String(8), default="pending", index=True, comment="pending, themed or pool"
    )


class Theme(Base):
    """A code of the codebook: discovered (proposed) or accepted by the team."""

    __tablename__ = "themes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), index=True, comment="proposed, accepted or merged")
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    merged_into_id: Mapped[str | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary, comment="float32, L2-normalised.")
    examples: Mapped[list[Any]] = mapped_column(default=list, comment="Representative sentence ids.")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ThemeMention(Base):
    """A sentence that speaks of a theme, with how closely and in which direction."""

    __tablename__ = "theme_mentions"
    __table_args__ = (
        Index("ix_theme_mentions_theme_response", "theme_id", "response_id"),
        Index("ix_theme_mentions_response_theme", "response_id", "theme_id"),
        Index("ix_theme_mentions_theme_similarity", "theme_id", "similarity", "response_id"),
    )

    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"), primary_key=True)
    theme_id: Mapped[str] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True)
    response_id: Mapped[str] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True, comment="The sentence's response."
    )
    similarity: Mapped[float] = mapped_column(Float)
    polarity: Mapped[int] = mapped_column(comment="-1, 0 or 1: the sign of the sentence's sentiment.")
