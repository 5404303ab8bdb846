"""Periodic jobs' leases: each runs once per period across every worker and host.

Revision ID: 0016_job_leases
Revises: 0015_worker_heartbeats
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_job_leases"
down_revision = "0015_worker_heartbeats"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_by", sa.String(length=120), nullable=True),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade():
    op.drop_table("job_leases")
