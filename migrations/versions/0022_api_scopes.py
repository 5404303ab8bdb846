"""Scoped API keys: each token lists what it may do; signup keys belong to a series.

Revision ID: 0022_api_scopes
Revises: 0021_invitations
Create Date: 2026-12-06

Tokens made before keep their rights: they get the three staff scopes (read, write, door),
and their user's role still bounds them. Columns are added without rebuilding a table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0022_api_scopes"
down_revision = "0021_invitations"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "api_tokens",
        sa.Column("scopes", sa.String(length=40), server_default="read write door", nullable=False),
    )
    op.create_table(
        "signup_keys",
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_signup_keys_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["series.id"],
            name=op.f("fk_signup_keys_series_id_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_signup_keys")),
    )
    op.create_index(op.f("ix_signup_keys_series_id"), "signup_keys", ["series_id"])
    op.add_column(
        "series",
        sa.Column("api_signups_per_hour", sa.Integer(), server_default="200", nullable=False),
    )


def downgrade():
    op.drop_column("series", "api_signups_per_hour")
    op.drop_index(op.f("ix_signup_keys_series_id"), "signup_keys")
    op.drop_table("signup_keys")
    op.drop_column("api_tokens", "scopes")
