"""Exact neighbour lists: where lists place each office (the settled pin) and when a moved
pin counts; the moments offices moved in lists (a few a month at most).

Revision ID: 0026_exact_neighbours
Revises: 0025_event_moves
Create Date: 2026-12-06

Existing pins count at once: they are the positions lists used (rounded) until now.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_exact_neighbours"
down_revision = "0025_event_moves"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("registrations", sa.Column("near_latitude", sa.Float(), nullable=True))
    op.add_column("registrations", sa.Column("near_longitude", sa.Float(), nullable=True))
    op.add_column("registrations", sa.Column("near_due_at", sa.DateTime(timezone=True)))
    op.create_index(
        "ix_registrations_near_latitude_near_longitude",
        "registrations",
        ["near_latitude", "near_longitude"],
    )
    op.create_index("ix_registrations_near_due_at", "registrations", ["near_due_at"])
    op.execute(
        "UPDATE registrations SET near_latitude = latitude, near_longitude = longitude"
        " WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
    )
    op.create_table(
        "position_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_position_changes_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_changes")),
    )
    op.create_index(
        op.f("ix_position_changes_registration_id"), "position_changes", ["registration_id"]
    )
    op.create_index(op.f("ix_position_changes_changed_at"), "position_changes", ["changed_at"])


def downgrade():
    op.drop_index(op.f("ix_position_changes_changed_at"), table_name="position_changes")
    op.drop_index(op.f("ix_position_changes_registration_id"), table_name="position_changes")
    op.drop_table("position_changes")
    op.drop_index("ix_registrations_near_due_at", table_name="registrations")
    op.drop_index("ix_registrations_near_latitude_near_longitude", table_name="registrations")
    op.drop_column("registrations", "near_due_at")
    op.drop_column("registrations", "near_longitude")
    op.drop_column("registrations", "near_latitude")
