"""Registrations lose updated_at: nothing reads it since the directory's cache compares
revisions (0010).

Revision ID: 0011_no_updated_at
Revises: 0010_registration_revision
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_no_updated_at"
down_revision = "0010_registration_revision"
branch_labels = None
depends_on = None


def upgrade():
    # A plain DROP COLUMN (no table copy): SQLite keeps the expression indexes as they are.
    op.drop_column("registrations", "updated_at")


def downgrade():
    op.add_column("registrations", sa.Column("updated_at", sa.DateTime(timezone=True)))
    op.execute(sa.text("UPDATE registrations SET updated_at = created_at"))
