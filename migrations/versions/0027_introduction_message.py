"""'Introduce us' takes an optional word (at most 300 characters) shown in the request.

Revision ID: 0027_introduction_message
Revises: 0026_exact_neighbours
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_introduction_message"
down_revision = "0026_exact_neighbours"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "introductions", sa.Column("message", sa.Text(), server_default="", nullable=False)
    )


def downgrade():
    op.drop_column("introductions", "message")
