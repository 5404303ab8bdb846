"""Badges: each ticket's QR matrix kept once encoded, and when a badge was last printed.

Revision ID: 0006_badges
Revises: 0005_registration_status_index
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_badges"
down_revision = "0005_registration_status_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ticket_qr_codes",
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.String(length=400), nullable=False),
        sa.Column("modules", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_ticket_qr_codes_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("registration_id", name=op.f("pk_ticket_qr_codes")),
    )
    # A plain ADD/DROP COLUMN (no table copy): SQLite keeps the lower(email) index as it is.
    op.add_column(
        "registrations",
        sa.Column("badge_printed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_column("registrations", "badge_printed_at")
    op.drop_table("ticket_qr_codes")
