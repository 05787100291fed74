"""Customer master: customers can be deactivated or merged into another, and a
person can approve a credit limit that overrides the grade's rule.

Revision ID: 0004_h9
Revises: 0003
Create Date: 2026-12-06 17:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import store.types


revision: str = '0004_h9'
down_revision: Union[str, None] = '0004_h10b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_customers_merged_into_id_customers'), 'customers',
                                    ['merged_into_id'], ['id'], ondelete='SET NULL')
    op.create_table('credit_limit_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', store.types.Money(), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_by', sa.String(length=100), nullable=False),
    sa.Column('approved_at', store.types.UtcDateTime(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('revoked_at', store.types.UtcDateTime(), nullable=True),
    sa.Column('revoked_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_credit_limit_overrides_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_credit_limit_overrides_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_limit_overrides'))
    )
    with op.batch_alter_table('credit_limit_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_limit_overrides_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credit_limit_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_limit_overrides_customer_id'))
    op.drop_table('credit_limit_overrides')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_customers_merged_into_id_customers'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('active')
