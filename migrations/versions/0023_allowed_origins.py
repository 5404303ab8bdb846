"""The web origins (the club's own sites) whose pages may call a series' signup and public
evening data from the browser (CORS).

Revision ID: 0023_allowed_origins
Revises: 0022_api_scopes
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_allowed_origins"
down_revision = "0022_api_scopes"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "series", sa.Column("allowed_origins", sa.Text(), server_default="", nullable=False)
    )


def downgrade():
    op.drop_column("series", "allowed_origins")
