"""Alerts to the admins: when each kind was last sent (at most once an hour).

Revision ID: 0017_alerts_sent
Revises: 0016_job_leases
Create Date: 2026-12-12
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_alerts_sent"
down_revision = "0016_job_leases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alerts_sent",
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_alerts_sent")),
    )


def downgrade():
    op.drop_table("alerts_sent")
