"""Workers' heartbeats: /healthz says when a worker last went round its loop.

Revision ID: 0015_worker_heartbeats
Revises: 0014_series_contact_email
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_worker_heartbeats"
down_revision = "0014_series_contact_email"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "worker_heartbeats",
        sa.Column("worker", sa.String(length=120), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker", name=op.f("pk_worker_heartbeats")),
    )
    op.create_index(
        op.f("ix_worker_heartbeats_beat_at"), "worker_heartbeats", ["beat_at"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_worker_heartbeats_beat_at"), table_name="worker_heartbeats")
    op.drop_table("worker_heartbeats")
