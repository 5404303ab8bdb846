"""Roles per team: an organiser of one series may be a door volunteer of another (issue 20).
Each member keeps the rights their account's role gave them: door volunteers' accounts
become door volunteers of their teams, organisers' and administrators' organisers.

Revision ID: 0038_team_roles
Revises: 0036_digest
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0038_team_roles"
down_revision = "0036_digest"
branch_labels = None
depends_on = None

#: SQLite's table copy reflects series_team only, not the tables it refers to (users has an
#: expression index that reflection cannot read).
NO_REFERRED_TABLES = {"resolve_fks": False}


def upgrade():
    with op.batch_alter_table("series_team", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.add_column(sa.Column("role", sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE series_team SET role = CASE WHEN EXISTS (SELECT 1 FROM users"
        " WHERE users.id = series_team.user_id AND users.role = 'door')"
        " THEN 'door' ELSE 'organiser' END"
    )
    with op.batch_alter_table("series_team", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.alter_column("role", existing_type=sa.String(length=20), nullable=False)
        batch_op.create_check_constraint("team_role", "role IN ('organiser', 'door')")


def downgrade():
    with op.batch_alter_table("series_team", reflect_kwargs=NO_REFERRED_TABLES) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_series_team_team_role"), type_="check")
        batch_op.drop_column("role")
