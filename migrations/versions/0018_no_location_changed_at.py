"""Registrations lose location_changed_at: written by the geocoder and the pin, never read.

Revision ID: 0018_no_location_changed_at
Revises: 0017_geocoding_claims
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_no_location_changed_at"
down_revision = "0017_geocoding_claims"
branch_labels = None
depends_on = None


def upgrade():
    # A plain DROP COLUMN (no table copy), as 0011: a batch copy of the table would lose its
    # expression indexes on SQLite (lower(email)) unless they were dropped and made again.
    op.drop_column("registrations", "location_changed_at")


def downgrade():
    op.add_column("registrations", sa.Column("location_changed_at", sa.DateTime(timezone=True)))
