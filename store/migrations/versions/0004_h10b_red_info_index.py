"""Index invoices.red_info_number: every red invoice recorded checks that its
信息表/确认单 number serves no other red invoice (a lookup per red, not a scan).

Not unique: databases recorded before the rule may hold two reds with one
number; reconciliation lists them.

Revision ID: 0004_h10b
Revises: 0003
Create Date: 2026-12-06 17:20:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0004_h10b'
down_revision: Union[str, None] = '0004_h10c'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_invoices_red_info_number', 'invoices', ['red_info_number'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_invoices_red_info_number', table_name='invoices')
