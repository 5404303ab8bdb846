"""Alerts to the admins: when each kind was last sent (at most once an hour).

Revision ID: 0018_alerts_sent
Revises: 0017_geocoding_claims
Create Date: 2026-12-12
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_alerts_sent"
down_revision = "0017_geocoding_claims"
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
