"""Earlier personal links: a link replaced by a newer email's keeps opening the page.

Revision ID: 0013_earlier_links
Revises: 0012_outbox_drafts
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_earlier_links"
down_revision = "0012_outbox_drafts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "earlier_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_earlier_links_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earlier_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_earlier_links_token_hash")),
    )
    op.create_index(
        op.f("ix_earlier_links_registration_id"), "earlier_links", ["registration_id"]
    )


def downgrade():
    op.drop_index(op.f("ix_earlier_links_registration_id"), table_name="earlier_links")
    op.drop_table("earlier_links")
