"""An evening's title, theme and description in English beside the French ones.

Revision ID: 0032_event_texts_in_english
Revises: 0031_encounters
Create Date: 2026-12-06

Plain ADD COLUMNs (no table rebuild on SQLite), empty for the evenings already there.
"""

import sqlalchemy as sa
from alembic import op

revision = "0032_event_texts_in_english"
down_revision = "0031_encounters"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "events", sa.Column("title_en", sa.String(length=200), server_default="", nullable=False)
    )
    op.add_column(
        "events", sa.Column("theme_en", sa.String(length=200), server_default="", nullable=False)
    )
    op.add_column(
        "events", sa.Column("description_en", sa.Text(), server_default="", nullable=False)
    )


def downgrade():
    op.drop_column("events", "description_en")
    op.drop_column("events", "theme_en")
    op.drop_column("events", "title_en")
