"""Door phones paired by a QR code to one evening's door (only the codes' hashes).

Revision ID: 0028_door_phones
Revises: 0027_introduction_message
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_door_phones"
down_revision = "0027_introduction_message"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "door_phones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_door_phones_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_door_phones_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_door_phones_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_door_phones")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_door_phones_code_hash")),
        sa.UniqueConstraint("event_id", "number", name=op.f("uq_door_phones_event_id")),
        sa.UniqueConstraint("user_id", name=op.f("uq_door_phones_user_id")),
    )
    op.create_index(op.f("ix_door_phones_event_id"), "door_phones", ["event_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_door_phones_event_id"), table_name="door_phones")
    op.drop_table("door_phones")
