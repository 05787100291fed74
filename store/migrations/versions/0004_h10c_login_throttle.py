"""Failed logins, counted per name and per address for login throttling; an index
to purge expired login sessions.

Revision ID: 0004_h10c
Revises: 0003
Create Date: 2026-12-06 17:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

import store.types

revision: str = '0004_h10c'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failed_at', store.types.UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_address_failed_at', ['address', 'failed_at'], unique=False)
        batch_op.create_index('ix_login_failures_name_failed_at', ['name', 'failed_at'], unique=False)
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_sessions_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_sessions_expires_at'))
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_name_failed_at')
        batch_op.drop_index('ix_login_failures_address_failed_at')
    op.drop_table('login_failures')
