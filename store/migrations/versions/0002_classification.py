"""Classification: saved thresholds (versioned), runs with their parameters,
results and features per customer per run, and imported receivables (payments).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 00:57:50.578501
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import store.types


revision: str = '0002'
down_revision: Union[str, None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('classification_configs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', store.types.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_classification_configs_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classification_configs')),
    sa.UniqueConstraint('version', name=op.f('uq_classification_configs_version'))
    )
    with op.batch_alter_table('classification_configs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classification_configs_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('classification_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', store.types.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('triggered_by', sa.String(length=16), nullable=False),
    sa.Column('config_version', sa.Integer(), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('duration_seconds', sa.Double(), nullable=True),
    sa.Column('finished_at', store.types.UtcDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('running', 'done', 'failed')", name=op.f('ck_classification_runs_status')),
    sa.CheckConstraint("triggered_by IN ('api', 'cli', 'schedule')", name=op.f('ck_classification_runs_triggered_by')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_classification_runs_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classification_runs'))
    )
    with op.batch_alter_table('classification_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classification_runs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_classification_runs_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('classification_features',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('net_amount', store.types.Money(), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('run_id', 'customer_id', name=op.f('pk_classification_features'))
    )
    with op.batch_alter_table('classification_features', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classification_features_customer_id'), ['customer_id'], unique=False)

    op.create_table('classification_results',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('segment', sa.String(length=100), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('run_id', 'dimension', 'customer_id', name=op.f('pk_classification_results'))
    )
    with op.batch_alter_table('classification_results', schema=None) as batch_op:
        batch_op.create_index('ix_classification_results_customer', ['customer_id', 'run_id'], unique=False)
        batch_op.create_index('ix_classification_results_segment', ['run_id', 'dimension', 'segment'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_number', sa.String(length=20), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('amount', store.types.Money(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('paid_date', sa.Date(), nullable=True),
    sa.Column('created_at', store.types.UtcDateTime(), nullable=False),
    sa.Column('updated_at', store.types.UtcDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_payments_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('customer_id', 'invoice_number', 'due_date', name='uq_payments_receivable')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_payments_due_date'))
        batch_op.drop_index(batch_op.f('ix_payments_customer_id'))

    op.drop_table('payments')
    with op.batch_alter_table('classification_results', schema=None) as batch_op:
        batch_op.drop_index('ix_classification_results_segment')
        batch_op.drop_index('ix_classification_results_customer')

    op.drop_table('classification_results')
    with op.batch_alter_table('classification_features', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classification_features_customer_id'))

    op.drop_table('classification_features')
    with op.batch_alter_table('classification_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classification_runs_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_classification_runs_created_at'))

    op.drop_table('classification_runs')
    with op.batch_alter_table('classification_configs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classification_configs_created_by_id'))

    op.drop_table('classification_configs')
