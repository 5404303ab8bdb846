"""The neighbourhood digest (issue 19, point 7): a series turns it on and picks its day; one
row per person and month claims their digest.

Revision ID: 0036_digest
Revises: 0035_tables
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0036_digest"
down_revision = "0035_tables"
branch_labels = None
depends_on = None


def upgrade():
    # Added, not batch-altered: on SQLite a batch would rebuild `series` (and what points at it).
    op.add_column(
        "series",
        sa.Column("digest_enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "series", sa.Column("digest_day", sa.Integer(), server_default="1", nullable=False)
    )
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("person", sa.String(length=64), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "nothing",
                name="digest_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"], ["series.id"], name=op.f("fk_digests_series_id_series"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_digests_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_digests_event_id_events"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint(
            "series_id", "period", "person", name="uq_digests_series_period_person"
        ),
    )
    op.create_index(op.f("ix_digests_series_id"), "digests", ["series_id"])
    op.create_index(op.f("ix_digests_person"), "digests", ["person"])
    op.create_index(op.f("ix_digests_registration_id"), "digests", ["registration_id"])


def downgrade():
    op.drop_index(op.f("ix_digests_registration_id"), table_name="digests")
    op.drop_index(op.f("ix_digests_person"), table_name="digests")
    op.drop_index(op.f("ix_digests_series_id"), table_name="digests")
    op.drop_table("digests")
    op.drop_column("series", "digest_day")
    op.drop_column("series", "digest_enabled")
