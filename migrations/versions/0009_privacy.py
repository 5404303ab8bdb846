"""Privacy: consent history, the audit of exports and erasures, the people an email speaks
of, erased registrations, retention per series, evenings reduced to counts.

Revision ID: 0009_privacy
Revises: 0008_directory
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_privacy"
down_revision = "0008_directory"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("consent", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.Column("wording", sa.String(length=20), nullable=False),
        sa.Column("how", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_consent_records_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    op.create_index(
        "ix_consent_records_registration_id_id", "consent_records", ["registration_id", "id"]
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_audit_entries_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    op.create_index(op.f("ix_audit_entries_created_at"), "audit_entries", ["created_at"])
    op.create_index(op.f("ix_audit_entries_user_id"), "audit_entries", ["user_id"])
    op.create_table(
        "outbox_mentions",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_outbox_mentions_message_id_outbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "registration_id", name=op.f("pk_outbox_mentions")),
    )
    op.create_index(
        op.f("ix_outbox_mentions_registration_id"), "outbox_mentions", ["registration_id"]
    )
    # Plain ADD COLUMNs (no table copy): SQLite keeps the expression indexes as they are.
    op.add_column("registrations", sa.Column("erased_at", sa.DateTime(timezone=True)))
    op.add_column("events", sa.Column("came_count", sa.Integer()))
    op.add_column("events", sa.Column("walk_in_count", sa.Integer()))
    op.add_column("events", sa.Column("checkins_summarised_at", sa.DateTime(timezone=True)))
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retention_nobody_days", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.add_column(
            sa.Column("retention_checkin_days", sa.Integer(), server_default="365", nullable=False)
        )
        batch_op.create_check_constraint(
            "retention_nobody_in_range", "retention_nobody_days BETWEEN 1 AND 3650"
        )
        batch_op.create_check_constraint(
            "retention_checkin_in_range", "retention_checkin_days BETWEEN 30 AND 3650"
        )


def downgrade():
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_series_retention_checkin_in_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_series_retention_nobody_in_range"), type_="check")
        batch_op.drop_column("retention_checkin_days")
        batch_op.drop_column("retention_nobody_days")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("checkins_summarised_at")
        batch_op.drop_column("walk_in_count")
        batch_op.drop_column("came_count")
    op.drop_column("registrations", "erased_at")
    op.drop_index(op.f("ix_outbox_mentions_registration_id"), table_name="outbox_mentions")
    op.drop_table("outbox_mentions")
    op.drop_index(op.f("ix_audit_entries_user_id"), table_name="audit_entries")
    op.drop_index(op.f("ix_audit_entries_created_at"), table_name="audit_entries")
    op.drop_table("audit_entries")
    op.drop_index("ix_consent_records_registration_id_id", table_name="consent_records")
    op.drop_table("consent_records")
