"""Classification runs keep their group comparison per dimension (summary), so the
dashboard's revenue chart does not wait for 100,000 customers' features to load.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 01:45:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('classification_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('summary', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('classification_runs', schema=None) as batch_op:
        batch_op.drop_column('summary')
