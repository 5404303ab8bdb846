"""An evening's address follows its date: earlier slugs redirect, the calendar UID stays.

Revision ID: 0025_event_moves
Revises: 0024_campaigns
Create Date: 2026-12-06

events gains a plain column (ADD COLUMN, no table rebuild on SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_event_moves"
down_revision = "0024_campaigns"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("events", sa.Column("calendar_key", sa.String(length=120), nullable=True))
    op.create_table(
        "event_slug_redirects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_slug", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_slug_redirects_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_slug_redirects")),
        sa.UniqueConstraint("old_slug", name=op.f("uq_event_slug_redirects_old_slug")),
    )
    op.create_index(
        op.f("ix_event_slug_redirects_event_id"), "event_slug_redirects", ["event_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_event_slug_redirects_event_id"), table_name="event_slug_redirects")
    op.drop_table("event_slug_redirects")
    op.drop_column("events", "calendar_key")
