"""Initial schema: districts, townships, places, stations, apparatus, personnel, water sources,
buildings, incidents, published figures, users, tokens and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:58:20.952171
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=128), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin",
                "planner",
                "dispatcher",
                "inspector",
                "viewer",
                name="role",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_log_entity", ["entity", "entity_id"], unique=False)

    op.create_table(
        "district",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column("adcode", sa.String(length=12), nullable=True),
        sa.Column("province", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("boundary_geojson", sa.Text(), nullable=True),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district")),
        sa.UniqueConstraint("code", name=op.f("uq_district_code")),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_api_token_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_token_token_sha256")),
    )
    op.create_table(
        "district_population",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("derived", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_district_population_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_population")),
        sa.UniqueConstraint(
            "district_id", "year", name=op.f("uq_district_population_district_id_year")
        ),
    )
    op.create_table(
        "published_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("table_code", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("column_key", sa.String(length=64), nullable=False),
        sa.Column("measure", sa.String(length=64), nullable=True),
        sa.Column("column_heading", sa.Text(), nullable=False),
        sa.Column("declared_unit", sa.String(length=16), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_published_figure_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_published_figure")),
        sa.UniqueConstraint(
            "district_id",
            "table_code",
            "row_key",
            "column_key",
            name=op.f("uq_published_figure_district_id_table_code_row_key_column_key"),
        ),
    )
    op.create_table(
        "township",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name_zh", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "street", "town", "township", name="townshipkind", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("boundary_geojson", sa.Text(), nullable=True),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("population_year", sa.Integer(), nullable=True),
        sa.Column("seat_lon", sa.Float(), nullable=True),
        sa.Column("seat_lat", sa.Float(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_township_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_township")),
        sa.UniqueConstraint("district_id", "name_zh", name=op.f("uq_township_district_id_name_zh")),
    )
    op.create_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("occupancy", sa.String(length=64), nullable=False),
        sa.Column("floors_above", sa.Integer(), nullable=True),
        sa.Column("floors_below", sa.Integer(), nullable=True),
        sa.Column("height_m", sa.Float(), nullable=True),
        sa.Column("floor_area_m2", sa.Float(), nullable=True),
        sa.Column("beds", sa.Integer(), nullable=True),
        sa.Column("rooms", sa.Integer(), nullable=True),
        sa.Column("has_control_room", sa.Boolean(), nullable=True),
        sa.Column("key_unit", sa.Boolean(), nullable=False),
        sa.Column("key_unit_category", sa.String(length=64), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_building_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["township_id"],
            ["township.id"],
            name=op.f("fk_building_township_id_township"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building")),
        sa.UniqueConstraint("district_id", "code", name=op.f("uq_building_district_id_code")),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "fire",
                "rescue",
                "social_assistance",
                "other",
                name="incidentcategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subtype", sa.String(length=64), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column(
            "location_precision",
            sa.Enum("exact", "approximate", name="locationprecision", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("injuries", sa.Integer(), nullable=False),
        sa.Column("serious_injuries", sa.Integer(), nullable=False),
        sa.Column("loss_fen", sa.BigInteger(), nullable=True),
        sa.Column("building_fire", sa.Boolean(), nullable=True),
        sa.Column("cause", sa.String(length=64), nullable=True),
        sa.Column("occupancy", sa.String(length=64), nullable=True),
        sa.Column("households_affected", sa.Integer(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_incident_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["township_id"],
            ["township.id"],
            name=op.f("fk_incident_township_id_township"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint(
            "district_id", "external_id", name=op.f("uq_incident_district_id_external_id")
        ),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_district_received", ["district_id", "received_at"], unique=False
        )

    op.create_table(
        "place",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("is_settlement", sa.Boolean(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_place_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["township_id"],
            ["township.id"],
            name=op.f("fk_place_township_id_township"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place")),
        sa.UniqueConstraint(
            "district_id", "source_id", name=op.f("uq_place_district_id_source_id")
        ),
    )
    op.create_table(
        "station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column(
            "station_class",
            sa.Enum(
                "level1",
                "level2",
                "small",
                "special",
                "support",
                "water",
                "aviation",
                "gov_fulltime",
                "enterprise_fulltime",
                "township_team",
                "volunteer",
                "micro",
                "specialist",
                name="stationclass",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("specialty", sa.String(length=64), nullable=True),
        sa.Column(
            "staffing",
            sa.Enum(
                "national",
                "gov_fulltime",
                "enterprise_fulltime",
                "township_fulltime",
                "volunteer",
                "mixed",
                "unknown",
                name="staffing",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "existing",
                "under_construction",
                "planned",
                "closed",
                name="stationstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("planned_year", sa.Integer(), nullable=True),
        sa.Column("commissioned_year", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column(
            "location_precision",
            sa.Enum("exact", "approximate", name="locationprecision", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("building_area_m2", sa.Float(), nullable=True),
        sa.Column("host_station_id", sa.Integer(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_station_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["host_station_id"],
            ["station.id"],
            name=op.f("fk_station_host_station_id_station"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["township_id"],
            ["township.id"],
            name=op.f("fk_station_township_id_township"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station")),
        sa.UniqueConstraint("district_id", "name", name=op.f("uq_station_district_id_name")),
    )
    op.create_table(
        "water_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("township_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "hydrant",
                "pool",
                "crane",
                "well",
                "intake",
                name="watersourcekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "in_service",
                "faulty",
                "out_of_service",
                "planned",
                "removed",
                name="watersourcestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("commissioned_year", sa.Integer(), nullable=True),
        sa.Column("flow_l_s", sa.Float(), nullable=True),
        sa.Column("pressure_mpa", sa.Float(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_water_source_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["township_id"],
            ["township.id"],
            name=op.f("fk_water_source_township_id_township"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_source")),
        sa.UniqueConstraint("district_id", "code", name=op.f("uq_water_source_district_id_code")),
    )
    op.create_table(
        "apparatus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column(
            "vehicle_type",
            sa.Enum(
                "water_tender",
                "foam",
                "cafs",
                "aerial_ladder",
                "high_spray",
                "rescue",
                "smoke_lighting",
                "hazmat_decon",
                "command",
                "engineering",
                "water_supply",
                "hooklift",
                "logistics",
                name="vehicletype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "in_service",
                "planned",
                "out_of_service",
                "retired",
                name="apparatusstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("commission_year", sa.Integer(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_apparatus_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.id"],
            name=op.f("fk_apparatus_station_id_station"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apparatus")),
        sa.UniqueConstraint("district_id", "code", name=op.f("uq_apparatus_district_id_code")),
    )
    op.create_table(
        "personnel_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "national",
                "gov_fulltime_municipal",
                "gov_fulltime_district",
                "gov_fulltime",
                "enterprise_fulltime",
                "township_fulltime",
                "volunteer",
                "civilian_staff",
                name="personnelcategory",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_personnel_count_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["station.id"],
            name=op.f("fk_personnel_count_station_id_station"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personnel_count")),
        sa.UniqueConstraint(
            "district_id",
            "station_id",
            "year",
            "category",
            name=op.f("uq_personnel_count_district_id_station_id_year_category"),
        ),
    )


def downgrade() -> None:

    op.drop_table("personnel_count")
    op.drop_table("apparatus")
    op.drop_table("water_source")
    op.drop_table("station")
    op.drop_table("place")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_district_received")

    op.drop_table("incident")
    op.drop_table("building")
    op.drop_table("township")
    op.drop_table("published_figure")
    op.drop_table("district_population")
    op.drop_table("api_token")
    op.drop_table("district")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_entity")
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    op.drop_table("app_user")
