"""theme mentions by theme and similarity: a theme's closest sentences read from the top of an index

A theme page's verbatims and the quotes of each side of a change are a theme's sentences closest
to it within a selection. Read from an index in that order, the query stops after the few it
shows instead of sorting every mention of the theme.

Revision ID: 0020_mentions_by_similarity
Revises: 0019_theme_mentions_by_response
Create Date: 2026-12-07 13:55:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_mentions_by_similarity"
down_revision: str | None = "0019_theme_mentions_by_response"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_theme_mentions_theme_similarity", "theme_mentions", ["theme_id", "similarity", "response_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_theme_mentions_theme_similarity", table_name="theme_mentions")
