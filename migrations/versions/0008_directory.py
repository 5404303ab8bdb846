"""Directory: office locations and their geocoding state, field consents, the evening's
directory opening, neighbour radius per series, the geocoder cache, introductions.

Revision ID: 0008_directory
Revises: 0007_checkin
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_directory"
down_revision = "0007_checkin"
branch_labels = None
depends_on = None

LOCATION_STATUS = sa.Enum(
    "none",
    "pending",
    "found",
    "not_found",
    "failed",
    "placed",
    name="registration_location_status",
    native_enum=False,
    create_constraint=True,
    length=20,
)


def _drop_expression_indexes():
    # SQLite's table copy (batch) cannot carry expression indexes: dropped and made again.
    op.drop_index("uq_registrations_event_email", table_name="registrations")


def _create_expression_indexes():
    op.create_index(
        "uq_registrations_event_email",
        "registrations",
        ["event_id", sa.text("lower(email)")],
        unique=True,
    )


def upgrade():
    op.create_table(
        "geocode_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column(
            "answer",
            sa.Enum(
                "found",
                "not_found",
                name="geocode_answer",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_geocode_cache")),
    )
    op.create_table(
        "introductions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "accepted",
                "declined",
                name="introduction_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["registrations.id"],
            name=op.f("fk_introductions_recipient_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["registrations.id"],
            name=op.f("fk_introductions_requester_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_introductions")),
        sa.UniqueConstraint("requester_id", "recipient_id", name="uq_introductions_pair"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_introductions_token_hash")),
    )
    op.create_index(
        op.f("ix_introductions_recipient_id"), "introductions", ["recipient_id"], unique=False
    )
    op.create_index(
        op.f("ix_introductions_requester_id"), "introductions", ["requester_id"], unique=False
    )

    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("neighbour_radius_m", sa.Integer(), server_default="300", nullable=False)
        )
        batch_op.add_column(sa.Column("directory_delay_hours", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            "neighbour_radius_in_range", "neighbour_radius_m BETWEEN 50 AND 5000"
        )
        batch_op.create_check_constraint(
            "directory_delay_in_range",
            "directory_delay_hours IS NULL OR directory_delay_hours BETWEEN 0 AND 720",
        )

    # Existing series: directories open by themselves 12 hours after each evening.
    op.execute(sa.text("UPDATE series SET directory_delay_hours = 12"))

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("directory_opened_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("directory_announced_at", sa.DateTime(timezone=True)))

    _drop_expression_indexes()
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("location_status", LOCATION_STATUS, server_default="none", nullable=False)
        )
        batch_op.add_column(sa.Column("location_changed_at", sa.DateTime(timezone=True)))
        batch_op.add_column(
            sa.Column("geocode_attempts", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("geocode_after", sa.DateTime(timezone=True)))
        # Consents: nobody has given them yet.
        for name in (
            "share_email",
            "share_phone",
            "share_address",
            "accept_introductions",
            "notify_new_neighbours",
        ):
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
            )
        batch_op.add_column(sa.Column("directory_token_hash", sa.String(length=64)))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True)))
        batch_op.create_unique_constraint(
            batch_op.f("uq_registrations_directory_token_hash"), ["directory_token_hash"]
        )
        batch_op.create_index(
            "ix_registrations_latitude_longitude", ["latitude", "longitude"], unique=False
        )
        batch_op.create_index(
            "ix_registrations_location_status", ["location_status"], unique=False
        )
        batch_op.create_index(
            "ix_registrations_event_id_updated_at", ["event_id", "updated_at"], unique=False
        )
    _create_expression_indexes()
    op.create_index("ix_registrations_email_lower", "registrations", [sa.text("lower(email)")])

    op.execute(sa.text("UPDATE registrations SET updated_at = created_at"))
    # Addresses typed before the geocoder existed wait for it; pins already there (the demo's)
    # count as found.
    registrations = sa.table(
        "registrations",
        sa.column("street", sa.String),
        sa.column("postcode", sa.String),
        sa.column("city", sa.String),
        sa.column("latitude", sa.Float),
        sa.column("location_status", sa.String),
    )
    op.execute(
        registrations.update()
        .where(registrations.c.latitude.is_not(None))
        .values(location_status="found")
    )
    op.execute(
        registrations.update()
        .where(
            registrations.c.latitude.is_(None),
            sa.or_(
                registrations.c.street != "",
                registrations.c.postcode != "",
                registrations.c.city != "",
            ),
        )
        .values(location_status="pending")
    )


def downgrade():
    op.drop_index("ix_registrations_email_lower", table_name="registrations")
    _drop_expression_indexes()
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_event_id_updated_at")
        batch_op.drop_index("ix_registrations_location_status")
        batch_op.drop_index("ix_registrations_latitude_longitude")
        batch_op.drop_constraint(
            batch_op.f("uq_registrations_directory_token_hash"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("ck_registrations_registration_location_status"), type_="check"
        )
        for name in (
            "updated_at",
            "directory_token_hash",
            "accept_introductions",
            "notify_new_neighbours",
            "share_address",
            "share_phone",
            "share_email",
            "geocode_after",
            "geocode_attempts",
            "location_changed_at",
            "location_status",
        ):
            batch_op.drop_column(name)
    _create_expression_indexes()

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("directory_announced_at")
        batch_op.drop_column("directory_opened_at")

    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_series_directory_delay_in_range"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_series_neighbour_radius_in_range"), type_="check")
        batch_op.drop_column("directory_delay_hours")
        batch_op.drop_column("neighbour_radius_m")

    op.drop_index(op.f("ix_introductions_requester_id"), table_name="introductions")
    op.drop_index(op.f("ix_introductions_recipient_id"), table_name="introductions")
    op.drop_table("introductions")
    op.drop_table("geocode_cache")
