"""The monthly loop: news of the next evenings (a consent), one-tap links, reminders.

Revision ID: 0019_monthly_loop
Revises: 0018_alerts_sent
Create Date: 2026-12-06

Columns are added without rebuilding a table (plain ADD COLUMN on SQLite too): the
registrations' expression indexes and the foreign keys pointing at series and events stay.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_monthly_loop"
down_revision = "0018_alerts_sent"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "series", sa.Column("reminder_hours", sa.Integer(), server_default="24", nullable=False)
    )
    op.add_column("events", sa.Column("announced_at", sa.DateTime(timezone=True)))
    op.add_column(
        "registrations",
        sa.Column("news", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("registrations", sa.Column("reminded_at", sa.DateTime(timezone=True)))
    op.create_table(
        "one_tap_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "signup",
                "unsubscribe",
                name="one_tap_purpose",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_one_tap_links_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_one_tap_links_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_tap_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_one_tap_links_token_hash")),
    )
    op.create_index(op.f("ix_one_tap_links_event_id"), "one_tap_links", ["event_id"])
    op.create_index(
        op.f("ix_one_tap_links_registration_id"), "one_tap_links", ["registration_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_one_tap_links_registration_id"), table_name="one_tap_links")
    op.drop_index(op.f("ix_one_tap_links_event_id"), table_name="one_tap_links")
    op.drop_table("one_tap_links")
    op.drop_column("registrations", "reminded_at")
    op.drop_column("registrations", "news")
    op.drop_column("events", "announced_at")
    op.drop_column("series", "reminder_hours")
