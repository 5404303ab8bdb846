"""The organisers write to an evening's people: campaigns, and the outbox's link to them.

Revision ID: 0024_campaigns
Revises: 0023_allowed_origins
Create Date: 2026-12-06

outbox_messages gains a plain column (ADD COLUMN, no table rebuild on SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_campaigns"
down_revision = "0023_allowed_origins"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("segment", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=150), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_campaigns_event_id_events"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"],
            ["users.id"],
            name=op.f("fk_campaigns_sent_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("nonce", name=op.f("uq_campaigns_nonce")),
    )
    op.create_index(op.f("ix_campaigns_event_id"), "campaigns", ["event_id"])
    op.add_column("outbox_messages", sa.Column("campaign_id", sa.Integer(), nullable=True))
    op.create_index(
        op.f("ix_outbox_messages_campaign_id"), "outbox_messages", ["campaign_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_outbox_messages_campaign_id"), table_name="outbox_messages")
    op.drop_column("outbox_messages", "campaign_id")
    op.drop_index(op.f("ix_campaigns_event_id"), table_name="campaigns")
    op.drop_table("campaigns")
