""""Seat people by neighbourhood": how many tables the evening's room has, and the table each
registration was given (issue 21, point 5).

Revision ID: 0035_tables
Revises: 0034_link_requests
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op


revision = "0035_tables"
down_revision = "0034_link_requests"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("events", sa.Column("table_count", sa.Integer()))
    op.add_column("registrations", sa.Column("table_number", sa.Integer()))


def downgrade():
    op.drop_column("registrations", "table_number")
    op.drop_column("events", "table_count")
