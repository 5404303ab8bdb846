"""Registrations count their changes (revision): the directory's cached lists compare the
sum, which moves when a change commits, whatever the order of the clocks.

Revision ID: 0010_registration_revision
Revises: 0009_privacy
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_registration_revision"
down_revision = "0009_privacy"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD/DROP COLUMN (no table copy): SQLite keeps the expression indexes as they are.
    op.add_column(
        "registrations", sa.Column("revision", sa.Integer(), server_default="0", nullable=False)
    )
    # The cached lists' version reads (event, revision) from the index alone.
    op.drop_index("ix_registrations_event_id_updated_at", table_name="registrations")
    op.create_index(
        "ix_registrations_event_id_revision", "registrations", ["event_id", "revision"]
    )


def downgrade():
    op.drop_index("ix_registrations_event_id_revision", table_name="registrations")
    op.create_index(
        "ix_registrations_event_id_updated_at", "registrations", ["event_id", "updated_at"]
    )
    op.drop_column("registrations", "revision")
