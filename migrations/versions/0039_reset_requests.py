""""Forgot your password?" goes through the worker: a request row, the same for any address,
so the answer's time no longer tells whether an address has an account (issue 20).

Revision ID: 0039_reset_requests
Revises: 0038_team_roles
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0039_reset_requests"
down_revision = "0038_team_roles"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_requests")),
    )


def downgrade():
    op.drop_table("password_reset_requests")
