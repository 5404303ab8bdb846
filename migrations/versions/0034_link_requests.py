""""Send me my link again" goes through the worker: a request row, the same for any address,
so the answer's time no longer tells whether someone is registered.

Revision ID: 0034_link_requests
Revises: 0033_news_per_series
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = "0034_link_requests"
down_revision = "0033_news_per_series"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "link_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_link_requests_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_requests")),
    )


def downgrade():
    op.drop_table("link_requests")
