"""the follow-up's data version

One row per area whose pages remember computed results (tracker.followup.freshness):
every write to the tables the programme overview counts moves `version` on in the same
transaction, so each app server counts again after any change, whichever server made it.
The row for 'followup' starts at 0.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 17:30:00.000000

"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel.sql.sqltypes.AutoString)
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    table = op.create_table('dataversion',
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('area', name=op.f('pk_dataversion'))
    )
    now = datetime.now(UTC)
    if op.get_context().dialect.name == "sqlite":  # stored as naive UTC there (tracker.db.UTCDateTime)
        now = now.replace(tzinfo=None)
    op.bulk_insert(table, [{"area": "followup", "version": 0, "changed_at": now}])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('dataversion')
