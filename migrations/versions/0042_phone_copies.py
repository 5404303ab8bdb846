"""A wide cover's copies (1,200 and 800 px), each a picture of its own that the next wider
one names, so that pages offer them all (srcset) and a phone loads a third to a half of the
bytes (issue 23, point 9). Covers kept before get theirs from the worker's daily round.

Revision ID: 0042_phone_copies
Revises: 0041_qr_path
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = "0042_phone_copies"
down_revision = "0041_qr_path"
branch_labels = None
depends_on = None

#: SQLite's table copy reflects images only (registrations has an expression index that
#: reflection cannot read).
NO_REFERRED_TABLES = {"resolve_fks": False}


def upgrade():
    with op.batch_alter_table("images", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.add_column(sa.Column("small_sha256", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_images_small_sha256", ["small_sha256"], unique=False)


def downgrade():
    with op.batch_alter_table("images", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.drop_index("ix_images_small_sha256")
        batch_op.drop_column("small_sha256")
