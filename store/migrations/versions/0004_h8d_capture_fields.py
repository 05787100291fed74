"""Invoices keep what backed each recognised field (field_checks: field → qr,
text_layer, check_digit, arithmetic, words, master, two_readings, structure,
markers) and where each field was read on the page (field_boxes: field →
[x0, y0, x1, y1] pixels of the rectified page).

Revision ID: 0004_h8d
Revises: 0003
Create Date: 2026-12-06 17:20:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004_h8d'
down_revision: Union[str, None] = '0004_h9'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('field_checks', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('field_boxes', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('field_boxes')
        batch_op.drop_column('field_checks')
