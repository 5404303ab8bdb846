"""Registrations get their personal-link token hash, their ticket code and their source.

Revision ID: 0003_registration_tokens
Revises: 0002_mail_outbox
Create Date: 2026-11-22

Existing rows get fresh random values: their old links (there were none) cannot break.
"""

import hashlib
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0003_registration_tokens"
down_revision = "0002_mail_outbox"
branch_labels = None
depends_on = None

SOURCE = sa.Enum(
    "public", "organiser", "api", "import", "walk_in",
    name="registration_source", native_enum=False, create_constraint=True, length=20,
)  # fmt: skip


def _drop_email_index():
    # SQLite's batch mode rebuilds the table and cannot carry an expression index over:
    # drop it first, create it again at the end.
    op.drop_index("uq_registrations_event_email", table_name="registrations")


def _create_email_index():
    op.create_index(
        "uq_registrations_event_email",
        "registrations",
        ["event_id", sa.text("lower(email)")],
        unique=True,
    )


def upgrade():
    _drop_email_index()
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manage_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("ticket_code", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("source", SOURCE, nullable=False, server_default="public")
        )

    connection = op.get_bind()
    registrations = sa.table(
        "registrations",
        sa.column("id", sa.Integer),
        sa.column("manage_token_hash", sa.String),
        sa.column("ticket_code", sa.String),
    )
    for (row_id,) in connection.execute(sa.select(registrations.c.id)).all():
        connection.execute(
            registrations.update()
            .where(registrations.c.id == row_id)
            .values(
                manage_token_hash=hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest(),
                ticket_code=secrets.token_urlsafe(16),
            )
        )

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.alter_column("manage_token_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("ticket_code", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("source", server_default=None, existing_type=SOURCE)
        batch_op.create_unique_constraint(
            batch_op.f("uq_registrations_manage_token_hash"), ["manage_token_hash"]
        )
        batch_op.create_unique_constraint(batch_op.f("uq_registrations_ticket_code"), ["ticket_code"])
    _create_email_index()


def downgrade():
    _drop_email_index()
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_registrations_ticket_code"), type_="unique")
        batch_op.drop_constraint(batch_op.f("uq_registrations_manage_token_hash"), type_="unique")
        batch_op.drop_constraint(batch_op.f("ck_registrations_registration_source"), type_="check")
        batch_op.drop_column("source")
        batch_op.drop_column("ticket_code")
        batch_op.drop_column("manage_token_hash")
    _create_email_index()
