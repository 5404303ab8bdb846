"""Pictures: a series' logo and an evening's cover, kept in the database under the SHA-256 of
their re-encoded bytes, so that every web host serves them (issue 19, point 8).

Revision ID: 0037_images
Revises: 0040_count_index
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = "0037_images"
down_revision = "0040_count_index"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "images",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        # PostgreSQL bytea, SQLite BLOB.
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_images_dimensions_positive")),
        sa.CheckConstraint("byte_size = length(data)", name=op.f("ck_images_byte_size_matches")),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_images")),
    )
    # Plain columns, no foreign key: on SQLite a foreign key means copying the table, and
    # dropping the old `series` would cascade to its team (foreign_keys is on).
    op.add_column("series", sa.Column("logo_sha256", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_series_logo_sha256"), "series", ["logo_sha256"])
    op.add_column("events", sa.Column("cover_sha256", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_events_cover_sha256"), "events", ["cover_sha256"])


def downgrade():
    op.drop_index(op.f("ix_events_cover_sha256"), table_name="events")
    op.drop_column("events", "cover_sha256")
    op.drop_index(op.f("ix_series_logo_sha256"), table_name="series")
    op.drop_column("series", "logo_sha256")
    op.drop_table("images")
