"""Events count their revisions: the SEQUENCE of their calendar files.

Revision ID: 0004_event_revision
Revises: 0003_registration_tokens
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_event_revision"
down_revision = "0003_registration_tokens"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("revision")
