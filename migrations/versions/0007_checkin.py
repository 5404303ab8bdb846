"""Check-in: which door let each person in, and the answers given to scan request ids.
Badges: consent to print the office street, and what each printed badge said.

Revision ID: 0007_checkin
Revises: 0006_badges
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_checkin"
down_revision = "0006_badges"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "checkin_requests",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_checkin_requests_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_checkin_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "request_id", name=op.f("pk_checkin_requests")),
    )
    op.create_index(
        op.f("ix_checkin_requests_registration_id"),
        "checkin_requests",
        ["registration_id"],
        unique=False,
    )
    # A plain ADD COLUMN (no table copy): SQLite keeps the lower(email) index as it is.
    op.add_column(
        "registrations",
        sa.Column("checked_in_door", sa.String(length=40), server_default="", nullable=False),
    )
    # Nobody agreed to this yet: streets stop appearing on badges until people say yes.
    op.add_column(
        "registrations",
        sa.Column("street_on_badge", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("registrations", sa.Column("badge_fingerprint", sa.String(length=64)))


def downgrade():
    op.drop_column("registrations", "badge_fingerprint")
    op.drop_column("registrations", "street_on_badge")
    op.drop_column("registrations", "checked_in_door")
    op.drop_index(op.f("ix_checkin_requests_registration_id"), table_name="checkin_requests")
    op.drop_table("checkin_requests")
