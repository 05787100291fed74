"""Index what the seller index's version is read from: the newest invoice people
typed or imported as accepted, and the latest approval in review. Asked once
per recognised invoice recorded; counting confirmed invoices instead took 0.8 s
a call at a million invoices (bench/seller_index_scale.py).

Revision ID: 0005
Revises: 0004_h8d
Create Date: 2026-12-07 16:30:00
"""
from typing import Sequence, Union

from alembic import op


revision: str = '0005'
down_revision: Union[str, None] = '0004_h8d'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_invoices_confirmed', 'invoices', ['status', 'way_in', 'id'], unique=False)
    op.create_index('ix_review_tasks_approved', 'review_tasks', ['status', 'resolved_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_review_tasks_approved', table_name='review_tasks')
    op.drop_index('ix_invoices_confirmed', table_name='invoices')
