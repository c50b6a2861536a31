"""programme origins, the final report and publication notices

A programme, goal or activity copied from an earlier programme keeps a link to its origin
(tracker.programs.founding). The archive and its generation jobs take a third programme
report, the slutrapport ('final'). Two notification kinds: readers and contacts are told
when new styrkort or reports land in the archive ('documents_published', opt-out with
user.publication_opt_out), coordinators when a programme's last tertial has closed
('final_report_due').

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:40:00.000000

"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    for table in ("program", "goal", "activity"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('origin_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_origin_id_{table}'), table, ['origin_id'], ['id'])
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publication_opt_out', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    _set_document_kinds(DOCUMENT_KINDS_0010, JOB_KINDS_0010)
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_kind'), _kinds(KINDS_0010))


def downgrade() -> None:
    """Downgrade schema (final reports' rows and the two notification kinds go; files stay)."""
    op.execute("DELETE FROM notification WHERE kind IN ('documents_published', 'final_report_due')")
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notification_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_notification_kind'), _kinds(KINDS_0008))
    _drop_append_only_guard("archiveddocument")
    op.execute("DELETE FROM archiveddocument WHERE kind = 'final'")
    _guard_append_only("archiveddocument")
    op.execute("DELETE FROM generationjob WHERE kind = 'final'")
    _set_document_kinds(DOCUMENT_KINDS_0008, JOB_KINDS_0004)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('publication_opt_out')
    for table in ("activity", "goal", "program"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_origin_id_{table}'), type_='foreignkey')
            batch_op.drop_column('origin_id')


def _set_document_kinds(documents: tuple[str, ...], jobs: tuple[str, ...]) -> None:
    # SQLite's batch mode copies the table, which drops its triggers: take the guard off and put it back.
    _drop_append_only_guard("archiveddocument")
    with op.batch_alter_table('archiveddocument', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_archiveddocument_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_archiveddocument_kind'), _kinds(documents))
    _guard_append_only("archiveddocument")
    with op.batch_alter_table('generationjob', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_generationjob_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_generationjob_kind'), _kinds(jobs))


def _guard_append_only(table: str) -> None:
    if op.get_context().dialect.name == "postgresql":  # tracker_refuse_change() comes from 0001
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION tracker_refuse_change()")
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")


def _drop_append_only_guard(table: str) -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER {table}_no_{verb}")


KINDS_0008 = ("deadline_reminder", "overdue_notice", "coordinator_overdue_digest", "weekly_digest",
              "effect_goal_collection", "funds_report_reminder", "funds_report_overdue", "funds_deadline_reminder")
KINDS_0010 = KINDS_0008 + ("documents_published", "final_report_due")

JOB_KINDS_0004 = ("scorecard", "midterm", "annual")
JOB_KINDS_0010 = JOB_KINDS_0004 + ("final",)
DOCUMENT_KINDS_0008 = ("scorecard", "midterm", "annual", "funds_compilation", "funds_compilation_docx")
DOCUMENT_KINDS_0010 = ("scorecard", "midterm", "annual", "final", "funds_compilation", "funds_compilation_docx")


def _kinds(kinds: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(k) for k in kinds)})"
