"""An index on (event, status): counting an event's confirmed seats reads the index only.

Revision ID: 0005_registration_status_index
Revises: 0004_event_revision
Create Date: 2026-11-22
"""

from alembic import op

revision = "0005_registration_status_index"
down_revision = "0004_event_revision"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_registrations_event_id_status", "registrations", ["event_id", "status"])


def downgrade():
    op.drop_index("ix_registrations_event_id_status", table_name="registrations")
