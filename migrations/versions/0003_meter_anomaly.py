"""meter anomaly: a session records when the charger's energy register went backwards

Revision ID: 0003_meter_anomaly
Revises: 0002_auth_throttle
Create Date: 2026-11-28 09:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_meter_anomaly"
down_revision: str | None = "0002_auth_throttle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("charging_session", sa.Column("meter_anomaly", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("charging_session") as batch:
        batch.drop_column("meter_anomaly")
