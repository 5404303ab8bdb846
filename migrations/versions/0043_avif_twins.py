"""A cover's (and each copy's) AVIF twin: the same pixels in about half the bytes, which
pages offer before the JPEG (issue 23, point 9: a photo cover kept a phone's event page over
its 100 KB). Covers kept before get theirs from the worker's daily round.

Revision ID: 0043_avif_twins
Revises: 0042_phone_copies
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = "0043_avif_twins"
down_revision = "0042_phone_copies"
branch_labels = None
depends_on = None

#: SQLite's table copy reflects images only (registrations has an expression index that
#: reflection cannot read).
NO_REFERRED_TABLES = {"resolve_fks": False}


def upgrade():
    with op.batch_alter_table("images", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.add_column(sa.Column("avif_sha256", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_images_avif_sha256", ["avif_sha256"], unique=False)


def downgrade():
    # The twins stay as rows nothing names: the daily purge takes them a day later.
    with op.batch_alter_table("images", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.drop_index("ix_images_avif_sha256")
        batch_op.drop_column("avif_sha256")
