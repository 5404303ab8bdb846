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
    with op.batch_alter_table("series") as batch_op:
        batch_op.add_column(sa.Column("logo_sha256", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_series_logo_sha256"), ["logo_sha256"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_series_logo_sha256_images"), "images", ["logo_sha256"], ["sha256"]
        )
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("cover_sha256", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_events_cover_sha256"), ["cover_sha256"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_events_cover_sha256_images"), "images", ["cover_sha256"], ["sha256"]
        )


def downgrade():
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_events_cover_sha256_images"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_events_cover_sha256"))
        batch_op.drop_column("cover_sha256")
    with op.batch_alter_table("series") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_series_logo_sha256_images"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_series_logo_sha256"))
        batch_op.drop_column("logo_sha256")
    op.drop_table("images")
