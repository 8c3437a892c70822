"""IoT sensing: devices, the event store, alarm state, incident proposals, rejected input.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 18:27:30.713448
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "iot_rejected",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "protocol",
            sa.Enum("gb26875", "mqtt", name="iotprotocol", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("origin", sa.String(length=256), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_rejected")),
    )
    with op.batch_alter_table("iot_rejected", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iot_rejected_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "iot_device",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("address", sa.BigInteger(), nullable=True),
        sa.Column(
            "protocol",
            sa.Enum("gb26875", "mqtt", name="iotprotocol", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("profile", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clock_offset_s", sa.Float(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
            name=op.f("fk_iot_device_building_id_building"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_iot_device_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_device")),
        sa.UniqueConstraint(
            "district_id", "address", name=op.f("uq_iot_device_district_id_address")
        ),
        sa.UniqueConstraint("district_id", "code", name=op.f("uq_iot_device_district_id_code")),
    )
    with op.batch_alter_table("iot_device", schema=None) as batch_op:
        batch_op.create_index("ix_iot_device_address", ["address"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_iot_device_building_id"), ["building_id"], unique=False
        )

    op.create_table(
        "iot_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("command", sa.Integer(), nullable=False),
        sa.Column("adu_type", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "heartbeat",
                "fire",
                "fault",
                "supervisory",
                "state",
                "analog",
                "info",
                "other",
                name="eventkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("system_type", sa.Integer(), nullable=True),
        sa.Column("system_address", sa.Integer(), nullable=True),
        sa.Column("component_type", sa.Integer(), nullable=True),
        sa.Column("component_address", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.JSON(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(length=16), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["iot_device.id"],
            name=op.f("fk_iot_event_device_id_iot_device"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_event")),
        sa.UniqueConstraint(
            "device_id", "dedupe_key", "seq", name=op.f("uq_iot_event_device_id_dedupe_key_seq")
        ),
    )
    with op.batch_alter_table("iot_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_iot_event_device_received", ["device_id", "received_at"], unique=False
        )

    op.create_table(
        "iot_alarm_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("system_type", sa.Integer(), nullable=False),
        sa.Column("system_address", sa.Integer(), nullable=False),
        sa.Column("component_type", sa.Integer(), nullable=False),
        sa.Column("component_address", sa.BigInteger(), nullable=False),
        sa.Column("fire", sa.Boolean(), nullable=False),
        sa.Column("fault", sa.Boolean(), nullable=False),
        sa.Column("supervisory", sa.Boolean(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["iot_device.id"],
            name=op.f("fk_iot_alarm_state_device_id_iot_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["last_event_id"],
            ["iot_event.id"],
            name=op.f("fk_iot_alarm_state_last_event_id_iot_event"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_alarm_state")),
        sa.UniqueConstraint(
            "device_id",
            "system_type",
            "system_address",
            "component_type",
            "component_address",
            name="uq_iot_alarm_state_component",
        ),
    )
    with op.batch_alter_table("iot_alarm_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_iot_alarm_state_active"), ["active"], unique=False)

    op.create_table(
        "iot_incident_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("system_type", sa.Integer(), nullable=False),
        sa.Column("system_address", sa.Integer(), nullable=False),
        sa.Column("component_type", sa.Integer(), nullable=False),
        sa.Column("component_address", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "accepted",
                "dismissed",
                name="proposalstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
            name=op.f("fk_iot_incident_proposal_building_id_building"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["iot_device.id"],
            name=op.f("fk_iot_incident_proposal_device_id_iot_device"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_iot_incident_proposal_district_id_district"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["iot_event.id"],
            name=op.f("fk_iot_incident_proposal_event_id_iot_event"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_iot_incident_proposal_incident_id_incident"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_iot_incident_proposal")),
    )
    with op.batch_alter_table("iot_incident_proposal", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_iot_incident_proposal_building_id"), ["building_id"], unique=False
        )
        batch_op.create_index(
            "ix_iot_incident_proposal_district_status", ["district_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("iot_incident_proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_iot_incident_proposal_district_status")
        batch_op.drop_index(batch_op.f("ix_iot_incident_proposal_building_id"))

    op.drop_table("iot_incident_proposal")
    with op.batch_alter_table("iot_alarm_state", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_alarm_state_active"))

    op.drop_table("iot_alarm_state")
    with op.batch_alter_table("iot_event", schema=None) as batch_op:
        batch_op.drop_index("ix_iot_event_device_received")

    op.drop_table("iot_event")
    with op.batch_alter_table("iot_device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_device_building_id"))
        batch_op.drop_index("ix_iot_device_address")

    op.drop_table("iot_device")
    with op.batch_alter_table("iot_rejected", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_iot_rejected_received_at"))

    op.drop_table("iot_rejected")
