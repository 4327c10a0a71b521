"""theme mentions by response and theme: which themes a response mentions, read from one index

Driver and change analysis count a selection's responses by score and by the set of themes each
mentions (`store.theme_patterns`). With the theme beside the response in one index, each
response's themes are read from the index alone instead of from every mention's row.

Revision ID: 0019_theme_mentions_by_response
Revises: 0018_api_key_programs
Create Date: 2026-12-07 13:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019_theme_mentions_by_response"
down_revision: str | None = "0018_api_key_programs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_theme_mentions_response_theme", "theme_mentions", ["response_id", "theme_id"])


def downgrade() -> None:
    op.drop_index("ix_theme_mentions_response_theme", table_name="theme_mentions")
