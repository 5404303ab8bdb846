"""Outbox drafts: a message may be queued as the values it is composed from (draft) and
written out (raw) by the mail worker, so a signup's request no longer builds its email.

A draft's raw is empty (b""), so raw keeps its NOT NULL: making it nullable would copy the
table on SQLite, and dropping the old copy would cascade to outbox_mentions.

Revision ID: 0012_outbox_drafts
Revises: 0011_no_updated_at
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_outbox_drafts"
down_revision = "0011_no_updated_at"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("outbox_messages", sa.Column("draft", sa.Text(), nullable=True))


def downgrade():
    # A draft has no bytes yet: the older code could not send it.
    op.execute(sa.text("DELETE FROM outbox_messages WHERE draft IS NOT NULL"))
    op.drop_column("outbox_messages", "draft")
