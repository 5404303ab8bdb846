"""A series' contact address: where attendees' replies to its emails go (Reply-To).

Revision ID: 0014_series_contact_email
Revises: 0013_earlier_links
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_series_contact_email"
down_revision = "0013_earlier_links"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("series") as batch:
        batch.add_column(
            sa.Column("contact_email", sa.String(length=254), nullable=False, server_default="")
        )


def downgrade():
    # Not batch: rebuilding "series" would drop a table that others' foreign keys point at.
    op.drop_column("series", "contact_email")
