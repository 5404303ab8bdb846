"""My encounters: badges an attendee scanned with their phone, their private list.

Revision ID: 0031_encounters
Revises: 0030_left_the_room
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0031_encounters"
down_revision = "0030_left_the_room"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "encounters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scanner_id", sa.Integer(), nullable=False),
        sa.Column("met_id", sa.Integer(), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scanner_id"],
            ["registrations.id"],
            name=op.f("fk_encounters_scanner_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["met_id"],
            ["registrations.id"],
            name=op.f("fk_encounters_met_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encounters")),
        sa.UniqueConstraint("scanner_id", "met_id", name="uq_encounters_pair"),
    )
    op.create_index(op.f("ix_encounters_scanner_id"), "encounters", ["scanner_id"])
    op.create_index(op.f("ix_encounters_met_id"), "encounters", ["met_id"])


def downgrade():
    op.drop_index(op.f("ix_encounters_met_id"), table_name="encounters")
    op.drop_index(op.f("ix_encounters_scanner_id"), table_name="encounters")
    op.drop_table("encounters")
