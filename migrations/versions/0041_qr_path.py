"""A ticket's QR code keeps its PDF path (the merged rectangles as PDF operators) with its
module matrix, so that badge prints draw it as stored instead of finding the rectangles
again on every print (issue 23, point 6). Rows kept before are filled in when printed.

Revision ID: 0041_qr_path
Revises: 0037_images
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = "0041_qr_path"
down_revision = "0037_images"
branch_labels = None
depends_on = None

#: SQLite's table copy reflects ticket_qr_codes only, not registrations (which has an
#: expression index that reflection cannot read).
NO_REFERRED_TABLES = {"resolve_fks": False}


def upgrade():
    with op.batch_alter_table("ticket_qr_codes", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.add_column(sa.Column("pdf_path", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("ticket_qr_codes", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.drop_column("pdf_path")
