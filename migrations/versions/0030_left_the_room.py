"""Tonight, in the room: when an attendee said they were leaving (off tonight's list).

Revision ID: 0030_left_the_room
Revises: 0029_webhooks
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_left_the_room"
down_revision = "0029_webhooks"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("registrations", sa.Column("left_at", sa.DateTime(timezone=True)))


def downgrade():
    op.drop_column("registrations", "left_at")
