""""An index that covers the counts" (issue 23, point 5): the counts of an evening's
registrations (confirmed, waitlisted, cancelled, checked in, walk-ins: every public page and
the organisers' lists ask them) read the index alone, not every registration's row, so the
event page stays as fast at 20,000 registrations as at 50. It replaces the index on
(event_id, status), its first two columns.

Revision ID: 0040_count_index
Revises: 0039_reset_requests
Create Date: 2026-12-06
"""

from alembic import op


revision = "0040_count_index"
down_revision = "0039_reset_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_registrations_counts",
        "registrations",
        ["event_id", "status", "checked_in_at", "source"],
    )
    op.drop_index("ix_registrations_event_id_status", table_name="registrations")


def downgrade():
    op.create_index("ix_registrations_event_id_status", "registrations", ["event_id", "status"])
    op.drop_index("ix_registrations_counts", table_name="registrations")
