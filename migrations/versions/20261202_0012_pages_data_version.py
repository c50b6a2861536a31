"""the pages' data version

A second row in `dataversion`: every write to a table some page shows moves the 'pages'
version on in the same transaction (tracker.followup.freshness), and the pages remembered
as rendered (tracker.pagecache) are keyed on it. It starts at 0; no data changes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 21:30:00.000000

"""
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

dataversion = sa.table('dataversion', sa.column('area', sa.String), sa.column('version', sa.Integer),
                       sa.column('changed_at', sa.DateTime(timezone=True)))


def upgrade() -> None:
    """Upgrade schema."""
    now = datetime.now(UTC)
    if op.get_context().dialect.name == "sqlite":  # stored as naive UTC there (tracker.db.UTCDateTime)
        now = now.replace(tzinfo=None)
    op.bulk_insert(dataversion, [{"area": "pages", "version": 0, "changed_at": now}])


def downgrade() -> None:
    """Downgrade schema."""
    op.execute(dataversion.delete().where(dataversion.c.area == 'pages'))
