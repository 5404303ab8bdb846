"""Geocoding shared by many workers: an address asked about once, calls paced across all.

Revision ID: 0017_geocoding_claims
Revises: 0016_job_leases
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_geocoding_claims"
down_revision = "0016_job_leases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "geocode_lookups",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_geocode_lookups")),
    )
    op.create_table(
        "geocoder_pace",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("next_call_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_geocoder_pace")),
    )


def downgrade():
    op.drop_table("geocoder_pace")
    op.drop_table("geocode_lookups")
